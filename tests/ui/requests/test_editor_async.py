"""The request editor never waits on the database (the issue of a team database over a
VPN): every store call runs on the database worker, the site rule speaks after a pause in
typing, a stale site check is dropped, a save in flight keeps later keystrokes, a lost link
shows one offline banner and saves by itself when the link is back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import OperationalError

from byok_desktop.changes import ChangeBus, Changes
from byok_desktop.context import AppContext
from byok_desktop.request import Field
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import (
    WAIT_MS,
    WatchedStore,
    ops_fixture,  # noqa: F401  (the ops fixture)
    save,
    show,
    wait_list,
    wait_shown,
)
from ui.changes import ChangeRelay
from ui.operations import Operations
from ui.requests.editor import OFFLINE_TEXT, RequestEditor
from ui.requests.page import RequestsPage
from ui.settings import app_settings

MakePage = Callable[..., RequestsPage]


@pytest.fixture
def watched(store: RequestStore) -> WatchedStore:
    return WatchedStore(store)


@pytest.fixture
def make_page(
    qtbot: QtBot, context: AppContext, ops: Operations, watched: WatchedStore
) -> Iterator[MakePage]:
    """A requests page over the watched store, shown, its list read."""
    relays: list[ChangeRelay] = []

    def make(bus: ChangeBus | None = None) -> RequestsPage:
        relay = ChangeRelay(bus, ops) if bus is not None else None
        if relay is not None:
            relays.append(relay)
        page = RequestsPage(
            cast(RequestStore, watched), ops, app_settings(context.paths), changes=relay
        )
        qtbot.addWidget(page)
        page.show()
        wait_list(qtbot, page)
        return page

    yield make
    for relay in relays:
        relay.stop()


class Gate:
    """Holds a worker inside a store call until the test opens it."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self.entered = threading.Event()

    def wait(self) -> None:
        self.entered.set()
        assert self._open.wait(WAIT_MS / 1000), "the gate was never opened"

    def open(self) -> None:
        self._open.set()


def _replace_text(qtbot: QtBot, edit: QWidget, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def _site_errors(editor: RequestEditor) -> str:
    return editor.boxes[Field.SITE_NAME].errors.text()


def test_typing_never_calls_the_store_on_the_gui_thread(
    qtbot: QtBot, store: RequestStore, watched: WatchedStore, make_page: MakePage
) -> None:
    first = store.create(ready_draft(site_name="first"))
    second = store.create(ready_draft(site_name="second"))
    page = make_page()
    show(qtbot, page, first.id)
    editor = page.editor
    qtbot.keyClicks(editor.org_edit, " and sons")
    _replace_text(qtbot, editor.site_edit, "first-renamed")
    qtbot.keyClicks(editor.notes_edit, "call first")
    qtbot.waitUntil(lambda: editor.site_checked and not editor.has_unsaved_edits)
    show(qtbot, page, second.id)  # switching reads the request on the worker
    assert watched.on_gui_thread() == []
    assert watched.count_of("get") >= 2
    assert watched.count_of("save") >= 1
    assert store.get(first.id).draft.notes == "call first"


def test_the_site_rule_speaks_after_a_pause_in_typing(
    qtbot: QtBot, store: RequestStore, watched: WatchedStore, make_page: MakePage
) -> None:
    store.create(ready_draft(site_name="shared", customer_org="First Ltd"))
    mine = store.create(ready_draft(site_name="mine"))
    checked: list[str] = []
    watched.hooks["site_claims"] = lambda site, _rid: checked.append(site)
    page = make_page()
    show(qtbot, page, mine.id)
    editor = page.editor
    _replace_text(qtbot, editor.site_edit, "shared")
    # At once: the pure rules only; the site's records are not read yet.
    assert "already named" not in _site_errors(editor)
    assert not editor.site_checked
    assert editor.status_label.text() == "Checking the site…"
    qtbot.waitUntil(lambda: "already named by request" in _site_errors(editor))
    assert "First Ltd" in _site_errors(editor)
    assert checked.count("shared") == 1  # one read for the whole word, not one per key
    assert editor.status_label.text().startswith("Draft")


def test_a_stale_site_check_is_dropped(
    qtbot: QtBot, store: RequestStore, watched: WatchedStore, make_page: MakePage
) -> None:
    store.create(ready_draft(site_name="slow", customer_org="Would Clash"))
    mine = store.create(ready_draft(site_name="mine"))
    gate = Gate()

    def hold_slow(site: str, _rid: int | None) -> None:
        if site == "slow":
            gate.wait()

    watched.hooks["site_claims"] = hold_slow
    page = make_page()
    show(qtbot, page, mine.id)
    editor = page.editor
    _replace_text(qtbot, editor.site_edit, "slow")
    qtbot.waitUntil(gate.entered.is_set)  # the check of "slow" runs, held in the store
    qtbot.keyClicks(editor.site_edit, "-er")
    done: list[int] = []
    editor.after_site_checked(lambda: done.append(1))  # asks for "slow-er" at once
    gate.open()
    qtbot.waitUntil(lambda: bool(done))
    assert editor.site_edit.text() == "slow-er"
    assert "already named" not in _site_errors(editor)
    # The answer for "slow" came after a newer check was asked for: never used.
    assert editor.status_label.text().startswith("Ready")
    assert not any(key == "slow" for key, _rid in editor._site_facts)


def test_typing_during_a_save_is_kept_and_saved_after_it(
    qtbot: QtBot, store: RequestStore, watched: WatchedStore, make_page: MakePage
) -> None:
    stored = store.create(ready_draft())
    gate = Gate()
    saves: list[str] = []

    def hold_first(_rid: int, draft: Any, _version: int) -> None:
        saves.append(draft.notes)
        if len(saves) == 1:
            gate.wait()

    watched.hooks["save"] = hold_first
    page = make_page()
    show(qtbot, page, stored.id)
    editor = page.editor
    qtbot.keyClicks(editor.notes_edit, "abc")
    assert editor.save_now() is not None
    qtbot.waitUntil(gate.entered.is_set)
    assert editor.saved_label.text() == "Saving…"
    qtbot.keyClicks(editor.notes_edit, "def")  # the GUI takes keys while the save runs
    dirty_after_first: list[bool] = []
    editor.saved.connect(lambda _rid: dirty_after_first.append(editor.has_unsaved_edits))
    gate.open()
    qtbot.waitUntil(lambda: not editor.has_unsaved_edits)
    assert dirty_after_first[0] is True  # the first save carried "abc" only
    assert saves == ["abc", "abcdef"]
    assert store.get(stored.id).draft.notes == "abcdef"
    assert editor.notes_edit.toPlainText() == "abcdef"
    assert editor.saved_label.text().startswith("All changes saved")


def test_a_lost_link_shows_offline_once_keeps_edits_and_saves_when_back(
    qtbot: QtBot,
    store: RequestStore,
    watched: WatchedStore,
    make_page: MakePage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RequestEditor, "RETRY_DELAYS_MS", (20, 40, 80))
    stored = store.create(ready_draft())
    link = {"down": True}
    attempts: list[int] = []

    def refuse(*_args: object) -> None:
        attempts.append(1)
        if link["down"]:
            refused = ConnectionRefusedError("connection refused")
            raise OperationalError("UPDATE requests ...", {}, refused)

    watched.hooks["save"] = refuse
    page = make_page()
    show(qtbot, page, stored.id)
    editor = page.editor
    qtbot.keyClicks(editor.notes_edit, "kept")
    qtbot.waitUntil(lambda: editor.saved_label.text() == OFFLINE_TEXT)
    assert editor.offline
    assert editor.error_banner.isVisible()
    assert "Cannot reach the database" in editor.error_banner.label.text()
    qtbot.keyClicks(editor.notes_edit, " and more")  # typing goes on, offline
    qtbot.waitUntil(lambda: len(attempts) >= 3)  # it retries by itself
    banners = [b for b in editor.findChildren(QWidget, "errorBanner") if b.isVisible()]
    assert len(banners) == 1
    assert editor.has_unsaved_edits
    assert store.get(stored.id).draft.notes == ""

    link["down"] = False
    qtbot.waitUntil(lambda: editor.saved_label.text().startswith("All changes saved"))
    assert not editor.error_banner.isVisible()
    assert not editor.has_unsaved_edits
    assert store.get(stored.id).draft.notes == "kept and more"


def test_switching_requests_loads_on_the_worker_while_the_window_runs(
    qtbot: QtBot, store: RequestStore, watched: WatchedStore, make_page: MakePage
) -> None:
    first = store.create(ready_draft(site_name="first"))
    second = store.create(ready_draft(site_name="second"))
    gate = Gate()

    def hold_second(request_id: int) -> None:
        if request_id == second.id:
            gate.wait()

    page = make_page()
    show(qtbot, page, first.id)
    watched.hooks["get"] = hold_second
    editor = page.editor
    page.select_request(second.id)
    qtbot.waitUntil(gate.entered.is_set)
    assert editor.busy_loading
    assert editor.request_id == first.id  # the old request stays until the new one is in
    assert not editor._body.isEnabled()  # but takes no edits meant for the new one
    qtbot.keyClicks(page.search_edit, "x")  # the window answers meanwhile
    assert page.search_edit.text() == "x"
    page.search_edit.clear()
    gate.open()
    wait_shown(qtbot, editor, second.id)
    assert editor.site_edit.text() == "second"
    assert editor._body.isEnabled()
    assert watched.on_gui_thread() == []


def test_a_change_on_the_bus_reloads_the_list_and_the_site_rule(
    qtbot: QtBot, store: RequestStore, make_page: MakePage
) -> None:
    bus = ChangeBus()
    mine = store.create(ready_draft(site_name="acme"))
    page = make_page(bus)
    show(qtbot, page, mine.id)
    editor = page.editor
    qtbot.waitUntil(lambda: editor.site_checked)
    assert "already named" not in _site_errors(editor)
    other = store.create(ready_draft(site_name="acme", customer_org="Elsewhere Inc"))
    bus.publish(Changes.of_requests([other.id]))  # as a write by a colleague is announced
    wait_list(qtbot, page, 2)
    qtbot.waitUntil(lambda: "Elsewhere Inc" in _site_errors(editor))


def test_quit_saves_through_save_now_and_save_finished(
    qtbot: QtBot, store: RequestStore, make_page: MakePage
) -> None:
    stored = store.create(ready_draft())
    page = make_page()
    show(qtbot, page, stored.id)
    editor = page.editor
    assert not editor.has_unsaved_edits
    assert editor.save_now() is None  # nothing to save
    qtbot.keyClicks(editor.org_edit, " (quitting)")
    assert editor.has_unsaved_edits
    with qtbot.waitSignal(editor.save_finished, timeout=WAIT_MS) as finished:
        assert editor.save_now() is not None
    assert finished.args == [True]
    assert not editor.has_unsaved_edits
    assert store.get(stored.id).draft.customer_org == "Acme Corp (quitting)"
    assert save(qtbot, editor)
