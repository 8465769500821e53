"""The Requests section as a user drives it: typing, autosave, search, sort, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication
from pytestqt.qtbot import QtBot

from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import Field, RequestStatus
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import (
    column,
    ops_fixture,  # noqa: F401  (the ops fixture)
    refresh,
    save,
    show,
    wait_list,
)
from ui.dialogs import Dialogs
from ui.main_window import MainWindow
from ui.operations import Operations
from ui.requests.editor import RequestEditor
from ui.requests.page import RequestsPage


def _click(qtbot: QtBot, button: QAbstractButton) -> None:
    """Click the indicator, as a user would; the widget's centre may be empty space."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def _type_ready_request(qtbot: QtBot, editor: RequestEditor) -> None:
    qtbot.keyClicks(editor.org_edit, "Acme Corp")
    qtbot.keyClicks(editor.account_edit, "0123-4567-8901")
    qtbot.keyClicks(editor.site_edit, "acme")
    qtbot.keyClicks(editor.users_edit, "1,500")
    _click(qtbot, editor.location_buttons[Location.EU])
    _click(qtbot, editor.product_checks[Product.CONFLUENCE])
    qtbot.keyClicks(editor.name_edit, "Ada Admin")
    qtbot.keyClicks(editor.email_edit, "ada@acme.example")
    _click(qtbot, editor.admin_check)


def _new_request(qtbot: QtBot, page: RequestsPage) -> RequestEditor:
    """Ctrl+N's command, waited for: the new request is shown in the editor."""
    page.new_request()
    qtbot.waitUntil(lambda: page.editor.request_id is not None)
    return page.editor


def test_ctrl_n_creates_a_draft_and_focuses_the_form(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    page = window.requests_page
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.editor.request_id is not None)
    assert store.count() == 1
    wait_list(qtbot, page, 1)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.editor.org_edit)


def test_typing_shows_every_problem_inline_and_saves_automatically(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    page = window.requests_page
    editor = _new_request(qtbot, page)
    qtbot.keyClicks(editor.account_edit, "27976624415")
    qtbot.keyClicks(editor.site_edit, "Bad_Site-")
    errors = editor.boxes[Field.SITE_NAME].errors
    assert errors.isVisible()
    assert "remove '_'" in errors.text()
    assert "cannot end with a hyphen" in errors.text()
    assert "12 digits" in editor.boxes[Field.AWS_ACCOUNT_ID].errors.text()
    assert editor.account_edit.property("invalid") is True
    # Untouched empty fields stay quiet until asked.
    assert not editor.boxes[Field.REQUESTER_NAME].errors.isVisible()
    qtbot.mouseClick(editor.show_all_button, Qt.MouseButton.LeftButton)
    assert editor.boxes[Field.REQUESTER_NAME].errors.isVisible()
    assert "Draft" in editor.status_label.text()

    # The autosave debounce writes the draft without any explicit save.
    request_id = editor.request_id
    assert request_id is not None
    qtbot.waitUntil(lambda: store.get(request_id).draft.site_name == "Bad_Site-", timeout=3000)
    assert store.get(request_id).status is RequestStatus.DRAFT


def test_fixing_the_fields_makes_the_request_ready(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    page = window.requests_page
    editor = _new_request(qtbot, page)
    _type_ready_request(qtbot, editor)
    assert editor.validation is not None
    assert editor.validation.problems() == []
    qtbot.waitUntil(lambda: "Ready" in editor.status_label.text())  # once the site is checked
    assert "1,001 - 2,000" in editor.tier_label.text()
    assert "Jira" not in " ".join(editor.validation.notes(Field.PRODUCTS))
    assert save(qtbot, editor)
    stored = store.get(editor.request_id)  # type: ignore[arg-type]
    assert stored.status is RequestStatus.READY
    # Saved in canonical form.
    assert stored.draft.aws_account_id == "012345678901"
    assert stored.draft.desired_users == "1500"


def test_jira_and_early_access_notes_and_region_pair(qtbot: QtBot, window: MainWindow) -> None:
    editor = _new_request(qtbot, window.requests_page)
    qtbot.mouseClick(
        editor.product_checks[Product.JIRA_SERVICE_MANAGEMENT], Qt.MouseButton.LeftButton
    )
    notes = editor.boxes[Field.PRODUCTS].notes.text()
    assert "Jira Work Management" in notes
    assert "early access" in notes
    _click(qtbot, editor.location_buttons[Location.USA])
    location_notes = editor.boxes[Field.LOCATION].notes.text()
    assert "us-east-1" in location_notes
    assert "us-west-2" in location_notes
    assert "final" in location_notes


def test_leaving_a_field_shows_the_canonical_form(qtbot: QtBot, window: MainWindow) -> None:
    editor = _new_request(qtbot, window.requests_page)
    qtbot.keyClicks(editor.account_edit, "0123 4567 8901")
    qtbot.keyClick(editor.account_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.account_edit.text() == "012345678901")


def test_draft_survives_closing_the_window(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    editor = _new_request(qtbot, window.requests_page)
    qtbot.keyClicks(editor.org_edit, "Typed just before closing")
    # Closing saves the pending edits first (on the database worker), then closes.
    window.close()
    assert window.isVisible()  # not yet: the save is running, the window still answers
    qtbot.waitUntil(lambda: not window.isVisible())
    stored = store.get(editor.request_id)  # type: ignore[arg-type]
    assert stored.draft.customer_org == "Typed just before closing"


def test_quitting_when_the_edits_cannot_be_saved_asks_first(
    qtbot: QtBot, window: MainWindow, store: RequestStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _new_request(qtbot, window.requests_page)

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "save", disk_full)
    asked: list[str] = []

    def keep_editing(_cls: type, _parent: object, title: str, *_rest: object) -> bool:
        asked.append(title)
        return False

    monkeypatch.setattr(Dialogs, "confirm", classmethod(keep_editing))
    qtbot.keyClicks(editor.org_edit, "Acme")
    window.close()
    qtbot.waitUntil(lambda: asked == ["Unsaved edits"])
    assert window.isVisible()  # the user chose to stay: nothing lost
    assert editor.org_edit.text() == "Acme"
    assert "still here" in window.status.text()


def test_reopening_the_app_finds_the_request(qtbot: QtBot, window: MainWindow, context) -> None:  # type: ignore[no-untyped-def]
    from ui.settings import app_settings

    _type_ready_request(qtbot, _new_request(qtbot, window.requests_page))
    window.close()
    second = MainWindow(context, app_settings(context.paths), Path("log"))
    qtbot.addWidget(second)
    second.show()  # the list is read when its page is first shown
    wait_list(qtbot, second.requests_page, 1)
    show(qtbot, second.requests_page, second.requests_page.model.request_id(0))  # type: ignore[arg-type]
    assert second.requests_page.editor.site_edit.text() == "acme"


def test_search_as_you_type_and_sort(qtbot: QtBot, window: MainWindow, store: RequestStore) -> None:
    store.create(ready_draft(site_name="alpha", customer_org="Zeta Ltd"))
    store.create(
        ready_draft(site_name="bravo", customer_org="Yotta Inc", aws_account_id="111122223333")
    )
    store.create(ready_draft(site_name="charlie", customer_org="Xeno plc"))
    page = window.requests_page
    refresh(qtbot, page, 3)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search_edit.hasFocus()
    qtbot.keyClicks(page.search_edit, "1111-2222")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    column(qtbot, page, 1, ["bravo"])
    page.search_edit.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    page.view.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # Customer
    column(qtbot, page, 3, ["Xeno plc", "Yotta Inc", "Zeta Ltd"])
    page.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # Site
    column(qtbot, page, 1, ["charlie", "bravo", "alpha"])


def test_delete_asks_first(
    qtbot: QtBot, window: MainWindow, store: RequestStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store.create(ready_draft(site_name="keepme"))
    second = store.create(ready_draft(site_name="dropme"))
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, second.id)
    asked: list[str] = []
    monkeypatch.setattr(
        Dialogs,
        "confirm",
        classmethod(lambda cls, parent, title, text, ok: asked.append(text) or False),
    )
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: bool(asked))
    assert "dropme" in asked[0]
    assert store.count() == 2
    monkeypatch.setattr(Dialogs, "confirm", classmethod(lambda cls, parent, title, text, ok: True))
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: store.count() == 1)
    wait_list(qtbot, page, 1)
    assert store.get(first.id).draft.site_name == "keepme"


def test_delete_key_in_a_text_field_does_not_delete_requests(
    qtbot: QtBot, window: MainWindow, store: RequestStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _new_request(qtbot, window.requests_page)
    qtbot.keyClicks(editor.org_edit, "abc")
    editor.org_edit.setCursorPosition(0)
    monkeypatch.setattr(Dialogs, "confirm", classmethod(lambda *a: pytest.fail("asked to delete")))
    qtbot.keyClick(editor.org_edit, Qt.Key.Key_Delete)
    assert editor.org_edit.text() == "bc"
    assert store.count() == 1


def test_duplicate_gets_a_new_request_that_conflicts_on_site(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    original = store.create(ready_draft())
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, original.id)
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.editor.request_id not in (None, original.id))
    assert store.count() == 2
    copy_id = page.editor.request_id
    assert copy_id != original.id
    copy = store.get(copy_id)  # type: ignore[arg-type]
    assert copy.draft.uid != original.draft.uid
    assert copy.status is RequestStatus.DRAFT
    qtbot.waitUntil(  # after the site's records are read
        lambda: "already named by request" in page.editor.boxes[Field.SITE_NAME].errors.text()
    )


def test_version_conflict_keeps_the_users_text(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    stored = store.create(ready_draft())
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, stored.id)
    # Another app instance saves first.
    store.save(stored.id, stored.draft.with_changes(notes="theirs"), stored.version)
    qtbot.keyClicks(page.editor.notes_edit, "mine")
    assert not save(qtbot, page.editor)
    assert page.editor.conflict_banner.isVisible()
    assert page.editor.notes_edit.toPlainText() == "mine"
    assert store.get(stored.id).draft.notes == "theirs"
    page.editor.findChild(type(page.editor.show_all_button), "keepMineAsCopy").click()
    qtbot.waitUntil(lambda: page.editor.request_id not in (None, stored.id))
    assert store.count() == 2
    assert store.get(page.editor.request_id).draft.notes == "mine"  # type: ignore[arg-type]


def test_navigation_sections_have_honest_empty_states(qtbot: QtBot, window: MainWindow) -> None:
    labels = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert labels == ["Requests", "Security › BYOK encryption", "Jobs", "Credentials", "Settings"]
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentIndex() == 2
    assert (
        "provisioning jobs"
        in window.pages.currentWidget().findChild(type(window.status), "emptyState").text().lower()
    )


def test_window_geometry_and_section_are_remembered(
    qtbot: QtBot, window: MainWindow, context
) -> None:  # type: ignore[no-untyped-def]
    from ui.settings import app_settings

    # The offscreen screen is 800 px square: the height shows the restore (default is
    # 800; the least is MIN_HEIGHT, 640).
    window.resize(window.width(), 700)
    window.navigation.setCurrentRow(4)
    shown = window.size()
    window.close()
    again = MainWindow(context, app_settings(context.paths), Path("log"))
    qtbot.addWidget(again)
    assert again.navigation.currentRow() == 4
    assert again.size().height() == shown.height() == 700


def test_a_reopened_draft_shows_everything_still_missing(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    half_done = store.create(ready_draft(requester_email="", requester_is_org_admin=False))
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, half_done.id)
    assert page.editor.boxes[Field.REQUESTER_EMAIL].errors.isVisible()
    assert page.editor.boxes[Field.REQUESTER_IS_ORG_ADMIN].errors.isVisible()
    assert "2 problems" in page.editor.status_label.text()


def test_the_list_is_queried_once_at_start_in_the_saved_order(
    qtbot: QtBot, context, monkeypatch: pytest.MonkeyPatch, ops: Operations
) -> None:  # type: ignore[no-untyped-def]
    """Restoring the saved header (and its sort) must not query once per step, and a page
    not shown does not query at all: on a large database each list query costs ~150 ms
    of start-up."""
    from byok_desktop.request_records import SortKey
    from ui.settings import app_settings

    store = context.database.requests
    for site in ("bravo", "alpha", "charlie"):
        store.create(ready_draft(site_name=site))
    settings = app_settings(context.paths)
    first = RequestsPage(store, ops, settings)
    qtbot.addWidget(first)
    first.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by site
    first.save_state()
    queries: list[tuple[str, SortKey, bool]] = []
    real = RequestStore.list_page

    def counting(self: RequestStore, *args: object, **kwargs: object) -> Any:
        queries.append(args[:3])  # type: ignore[arg-type]
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(RequestStore, "list_page", counting)
    second = RequestsPage(store, ops, settings)
    qtbot.addWidget(second)
    assert queries == []  # nothing until the page is shown (the app may open elsewhere)
    second.show()
    wait_list(qtbot, second, 3)
    assert len(queries) == 1
    second.hide()
    second.show()
    assert len(queries) == 1
    column(qtbot, second, 1, ["alpha", "bravo", "charlie"])
