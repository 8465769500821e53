"""Offline drafting with a team database: edits made while it is out of reach are kept on
this workstation (the outbox), survive a quit, and reach the database once it is back; a
request drafted offline reaches it once, and the editor follows it there without losing
the text being typed.

The link is a store wrapper whose calls fail as a refused connection does (the outbox's
own tests drive a real PostgreSQL through a stalled proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from pytestqt.qtbot import QtBot
from shiboken6 import isValid
from sqlalchemy.exc import OperationalError

from byok_desktop.context import AppContext
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.outbox import Outbox
from byok_desktop.request import RequestDraft
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import (
    WAIT_MS,
    WatchedStore,
    ops_fixture,  # noqa: F401  (the ops fixture)
    show,
    wait_list,
)
from ui.app import create_application
from ui.dialogs import Dialogs
from ui.main_window import MainWindow
from ui.operations import Operations
from ui.requests.editor import KEPT_TEXT, RequestEditor
from ui.requests.outbox import OutboxSync
from ui.requests.page import RequestsPage
from ui.settings import app_settings

TEAM = "team database"
# Every store call the requests screens make.
STORE_CALLS = (
    "list_ids",
    "count",
    "rows",
    "get",
    "save",
    "create",
    "site_claims",
    "site_location",
    "ids_by_uid",
)


class Link:
    """The link to the team database: while down, every store call fails at once."""

    def __init__(self, watched: WatchedStore) -> None:
        self.down = False
        for name in STORE_CALLS:
            watched.hooks[name] = self._check

    def _check(self, *_args: Any, **_kwargs: Any) -> None:
        if self.down:
            refused = ConnectionRefusedError("connection refused")
            raise OperationalError("SELECT ...", {}, refused)


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RequestEditor, "RETRY_DELAYS_MS", (20, 40, 80))
    monkeypatch.setattr(OutboxSync, "RETRY_DELAYS_MS", (20, 40, 80))


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def pages(
    qtbot: QtBot, context: AppContext, ops: Operations, outbox_path: Path
) -> Iterator[list[RequestsPage]]:
    made: list[RequestsPage] = []
    yield made
    for page in made:
        if isValid(page):
            page.shutdown()
            page.close()
            page.deleteLater()
    qtbot.waitUntil(lambda: not any(isValid(p) for p in made), timeout=WAIT_MS)


def _page(
    qtbot: QtBot,
    context: AppContext,
    ops: Operations,
    store: RequestStore,
    outbox_path: Path,
    made: list[RequestsPage],
) -> tuple[RequestsPage, WatchedStore, Link]:
    watched = WatchedStore(store)
    link = Link(watched)
    page = RequestsPage(
        cast(RequestStore, watched),
        ops,
        app_settings(context.paths),
        outbox=Outbox(outbox_path, TEAM),
    )
    made.append(page)  # closed by the pages fixture (or _quit), not by qtbot
    page.show()
    wait_list(qtbot, page)
    return page, watched, link


def _quit(qtbot: QtBot, page: RequestsPage) -> None:
    """What the window does at quit: save what is typed, stop, close."""
    if page.editor.has_unsaved_edits:
        with qtbot.waitSignal(page.editor.save_finished, timeout=WAIT_MS) as finished:
            assert page.editor.save_now() is not None
        assert finished.args == [True]
    page.shutdown()
    page.close()
    page.deleteLater()
    qtbot.waitUntil(lambda: not isValid(page), timeout=WAIT_MS)


def test_edits_typed_offline_survive_a_quit_and_reach_the_database_when_it_is_back(
    qtbot: QtBot,
    context: AppContext,
    ops: Operations,
    store: RequestStore,
    outbox_path: Path,
    pages: list[RequestsPage],
) -> None:
    stored = store.create(ready_draft(site_name="acme"))
    page, watched, link = _page(qtbot, context, ops, store, outbox_path, pages)
    show(qtbot, page, stored.id)
    editor = page.editor

    link.down = True
    qtbot.keyClicks(editor.notes_edit, "typed offline")
    qtbot.waitUntil(lambda: editor.kept_locally and not editor.has_unsaved_edits, timeout=WAIT_MS)
    assert editor.saved_label.text() == KEPT_TEXT
    assert "kept on this workstation" in editor.error_banner.label.text()
    assert page.kept_drafts == 1
    qtbot.waitUntil(page.kept_button.isVisible, timeout=WAIT_MS)
    qtbot.keyClicks(editor.notes_edit, ", and more")
    _quit(qtbot, page)  # still offline
    assert watched.on_gui_thread() == []
    assert store.get(stored.id).draft.notes == ""
    (kept,) = Outbox(outbox_path, TEAM).pending()  # on disk
    assert kept.draft.notes == "typed offline, and more"
    assert kept.request_id == stored.id

    # The next start, still offline: the draft is shown, not lost.
    page, watched, link = _page(qtbot, context, ops, store, outbox_path, pages)
    link.down = True
    qtbot.waitUntil(lambda: page.kept_drafts == 1, timeout=WAIT_MS)
    show(qtbot, page, stored.id)
    assert page.editor.notes_edit.toPlainText() == "typed offline, and more"
    assert page.editor.kept_locally

    link.down = False  # the database is back: the outbox saves it by itself
    qtbot.waitUntil(lambda: page.kept_drafts == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not page.editor.kept_locally, timeout=WAIT_MS)
    assert store.get(stored.id).draft.notes == "typed offline, and more"
    assert store.get(stored.id).version == stored.version + 1
    assert store.count() == 1
    assert Outbox(outbox_path, TEAM).count() == 0
    assert not page.kept_button.isVisible()
    # The editor edits the stored request again: a keystroke saves to the database.
    qtbot.keyClicks(page.editor.notes_edit, "!")
    typed = page.editor.notes_edit.toPlainText()
    assert "!" in typed
    qtbot.waitUntil(lambda: store.get(stored.id).draft.notes == typed, timeout=WAIT_MS)
    assert watched.on_gui_thread() == []


def test_a_request_drafted_offline_reaches_the_database_once(
    qtbot: QtBot,
    context: AppContext,
    ops: Operations,
    store: RequestStore,
    outbox_path: Path,
    pages: list[RequestsPage],
) -> None:
    page, watched, link = _page(qtbot, context, ops, store, outbox_path, pages)
    link.down = True
    page.new_request()
    editor = page.editor
    qtbot.waitUntil(lambda: editor.current is not None, timeout=WAIT_MS)
    assert editor.request_id is None  # not in the database yet
    assert "not yet in the team database" in editor.title.text()
    assert page.editor_stack.currentWidget() is editor
    qtbot.keyClicks(editor.site_edit, "drafted-offline")
    qtbot.keyClicks(editor.org_edit, "Offline Ltd")
    qtbot.waitUntil(lambda: not editor.has_unsaved_edits and not editor.saving, timeout=WAIT_MS)
    assert editor.saved_label.text() == KEPT_TEXT
    uid = editor.current.draft.uid if editor.current else ""
    assert store.count() == 0

    # The link comes back, and the first create's answer is lost on the way.
    real_create = store.create
    lost: list[int] = []

    def create_then_lose_the_answer(draft: RequestDraft) -> None:
        if not lost:
            lost.append(real_create(draft).id)
            raise OperationalError("INSERT ...", {}, ConnectionResetError("connection reset"))

    watched.hooks["create"] = create_then_lose_the_answer
    link.down = False
    qtbot.waitUntil(lambda: editor.request_id is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.kept_drafts == 0, timeout=WAIT_MS)
    assert lost
    assert editor.request_id == lost[0]
    assert store.count() == 1  # once, though the first answer was lost
    assert store.ids_by_uid([uid]) == {uid: lost[0]}
    landed = store.get(lost[0]).draft
    assert (landed.site_name, landed.customer_org) == ("drafted-offline", "Offline Ltd")
    # The editor goes on with the stored request: the text and focus stay.
    assert editor.site_edit.text() == "drafted-offline"
    assert editor.org_edit.hasFocus()
    qtbot.keyClicks(editor.org_edit, " GmbH")
    qtbot.waitUntil(
        lambda: store.get(lost[0]).draft.customer_org == "Offline Ltd GmbH", timeout=WAIT_MS
    )
    wait_list(qtbot, page)
    qtbot.waitUntil(lambda: page.selected_ids() == [lost[0]], timeout=WAIT_MS)
    assert watched.on_gui_thread() == []


def test_quitting_the_window_with_kept_drafts_says_so_and_the_next_start_pushes_them(
    qtbot: QtBot, context: AppContext, store: RequestStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(
        Dialogs, "info", classmethod(lambda _cls, _p, _t, text, *_a: told.append(text))
    )
    stored = store.create(ready_draft(site_name="acme"))
    watched = WatchedStore(store)
    link = Link(watched)
    context.outbox = Outbox(context.paths.outbox, TEAM)
    context.database.requests = cast(RequestStore, watched)
    create_application([])
    win = MainWindow(context, app_settings(context.paths), context.paths.log_dir / LOG_FILE)
    qtbot.addWidget(win)
    win.show()
    page = win.requests_page
    wait_list(qtbot, page)
    show(qtbot, page, stored.id)
    link.down = True
    qtbot.keyClicks(page.editor.notes_edit, "before quitting")
    win.close()  # saves on the worker: the edits go to the outbox, then it closes
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=WAIT_MS)
    assert told == [
        "1 draft is kept on this workstation and will be saved to the team database next time."
    ]
    assert win.ops.wait()
    assert context.outbox.count() == 1

    link.down = False
    again = MainWindow(context, app_settings(context.paths), context.paths.log_dir / LOG_FILE)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: store.get(stored.id).draft.notes == "before quitting", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: again.requests_page.kept_drafts == 0, timeout=WAIT_MS)
    again.close()
    assert again.ops.wait()
    assert context.outbox.count() == 0


def test_a_kept_edit_of_a_request_changed_elsewhere_goes_on_as_a_copy(
    qtbot: QtBot,
    context: AppContext,
    ops: Operations,
    store: RequestStore,
    outbox_path: Path,
    pages: list[RequestsPage],
) -> None:
    stored = store.create(ready_draft(site_name="acme"))
    page, watched, link = _page(qtbot, context, ops, store, outbox_path, pages)
    show(qtbot, page, stored.id)
    editor = page.editor
    link.down = True
    qtbot.keyClicks(editor.notes_edit, "mine")
    qtbot.waitUntil(lambda: editor.kept_locally and not editor.has_unsaved_edits, timeout=WAIT_MS)
    store.save(stored.id, stored.draft.with_changes(notes="theirs"), stored.version)  # elsewhere

    link.down = False
    qtbot.waitUntil(lambda: page.kept_drafts == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: editor.request_id not in (None, stored.id), timeout=WAIT_MS)
    assert editor.notice_banner.isVisible()
    assert "changed elsewhere" in editor.notice_banner.label.text()
    assert store.get(stored.id).draft.notes == "theirs"
    assert editor.request_id is not None
    assert store.get(editor.request_id).draft.notes == "mine"
    assert editor.notes_edit.toPlainText() == "mine"
    assert store.count() == 2
    assert watched.on_gui_thread() == []
