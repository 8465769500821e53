"""Hostile names in the GUI (issue 7): the requests list and the editor show them as plain
text, no label renders them as rich text, editing one field never rewrites another, and an
export file name suggested from a site name stays in the chosen folder.

A QLabel (and a QMessageBox) in the default Qt.AutoText format renders its text as HTML
when Qt.mightBeRichText() says so: '#3 · <b>bold</b>' shows "#3 · " and a bold "bold".
Tests marked ``xfail(strict=True)`` pin production bugs; each reason names the widget.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QStyledItemDelegate, QWidget
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.request import RequestDraft
from byok_desktop.request_file import FILE_SUFFIX
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.hostile import HOSTILE, HTML, hostile_draft
from tests.helpers.requests_gui import refresh, save, show
from ui.dialogs import Dialogs
from ui.main_window import MainWindow
from ui.requests.model import COLUMNS
from ui.tables import MiddleElideDelegate

MARKUP = [*HTML, "<i>x<i>", "a &lt; b"]


def _renders_markup(label: QLabel) -> bool:
    """Whether Qt shows the label's text as rich text (or Markdown) rather than as typed."""
    fmt = label.textFormat()
    if fmt == Qt.TextFormat.PlainText:
        return False
    if fmt == Qt.TextFormat.AutoText:
        return bool(QtGui.mightBeRichText(label.text()))
    return True


def _describe(widget: QWidget) -> str:
    """The widget's path of object names (class names where unnamed), as in a report."""
    names: list[str] = []
    current: QWidget | None = widget
    while current is not None and names[-1:] != ["mainWindow"]:
        names.append(current.objectName() or type(current).__name__)
        current = current.parentWidget()
    return "/".join(reversed(names))


def _labels_showing_markup(window: MainWindow) -> list[tuple[str, str]]:
    """Visible labels that hold a '<' or '&' and would render it as markup."""
    found = []
    for label in window.findChildren(QLabel):
        text = label.text()
        if label.isVisible() and ("<" in text or "&" in text) and _renders_markup(label):
            found.append((_describe(label), text))
    return found


def _seed(store: RequestStore, texts: list[str]) -> dict[str, int]:
    return {text: store.create(hostile_draft(text)).id for text in texts}


def _show(qtbot: QtBot, window: MainWindow, request_id: int) -> None:
    show(qtbot, window.requests_page, request_id)
    qtbot.waitUntil(lambda: window.requests_page.editor.site_checked)  # the site rule spoke


# --- the list and the editor show text as typed -------------------------------------------


def test_requests_list_shows_hostile_names_as_stored(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    ids = _seed(store, HOSTILE)
    page = window.requests_page
    refresh(qtbot, page)
    model = page.model
    assert model.rowCount() == len(HOSTILE)
    # The default delegate paints DisplayRole as plain text; no HTML delegate is installed
    # (the ID columns' delegate only cuts text in the middle, painting it as the default).
    assert type(page.view.itemDelegate()) is QStyledItemDelegate
    assert all(
        type(page.view.itemDelegateForColumn(c)) in (type(None), MiddleElideDelegate)
        for c in range(len(COLUMNS))
    )
    assert MiddleElideDelegate.paint is QStyledItemDelegate.paint
    rows = store.rows(list(ids.values()))
    qtbot.waitUntil(  # rows are read when first asked for
        lambda: all(model.index(r, 1).data() is not None for r in range(model.rowCount()))
    )
    for row in range(model.rowCount()):
        rid = model.request_id(row)
        assert rid is not None
        shown = [model.data(model.index(row, column)) for column in (1, 2, 3)]
        assert shown == [rows[rid].site_name, rows[rid].aws_account_id, rows[rid].customer_org]


# Values an editor field can hold unchanged: within each QLineEdit's maxLength (desired
# users: 20), without a leading BOM (QLineEdit drops it) or a carriage return or U+2028
# (QPlainTextEdit turns them into line breaks). The others are in the xfail tests below.
SHOWN_EXACTLY = [
    t
    for t in HOSTILE
    if len(t) <= 20 and not t.startswith("\ufeff") and not set(t) & {"\r", "\u2028"}
]


def test_editor_shows_hostile_text_exactly(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    ids = _seed(store, SHOWN_EXACTLY)
    refresh(qtbot, window.requests_page)
    editor = window.requests_page.editor
    for text, rid in ids.items():
        _show(qtbot, window, rid)
        stored = store.get(rid)
        assert editor.draft() == stored.draft, text
        assert editor.org_edit.text() == text.strip()
        assert editor.notes_edit.toPlainText() == text
        assert not editor.dirty


def test_editing_one_field_keeps_long_values_of_the_others(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    draft = ready_draft(
        desired_users="about 1500, maybe 2000 next year",
        aws_account_id="0123-4567-8901 (the production account, confirmed by Bob on the phone)",
    )
    stored = store.create(draft)
    refresh(qtbot, window.requests_page)
    _show(qtbot, window, stored.id)
    editor = window.requests_page.editor
    editor.notes_edit.setFocus()
    QTest.keyClicks(editor.notes_edit, "ok")
    assert save(qtbot, editor)
    after = store.get(stored.id).draft
    assert after.notes == "ok"
    assert (after.desired_users, after.aws_account_id) == (
        stored.draft.desired_users,
        stored.draft.aws_account_id,
    )


def test_editing_one_field_keeps_the_exact_text_of_the_others(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    stored = store.create(
        ready_draft(customer_org="\ufeffAcme", notes="line one\r\nline two\u2028three\rfour")
    )
    refresh(qtbot, window.requests_page)
    _show(qtbot, window, stored.id)
    editor = window.requests_page.editor
    editor.name_edit.setFocus()
    QTest.keyClicks(editor.name_edit, "!")
    assert save(qtbot, editor)
    after = store.get(stored.id).draft
    assert after.requester_name == stored.draft.requester_name + "!"
    assert (after.customer_org, after.notes) == (stored.draft.customer_org, stored.draft.notes)


# --- no label renders user text as markup -----------------------------------------------------


def test_editor_title_shows_a_site_name_as_plain_text(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    ids = _seed(store, MARKUP)
    refresh(qtbot, window.requests_page)
    title = window.requests_page.editor.title
    assert title.objectName() == "editorTitle"
    offenders = []
    for text, rid in ids.items():
        _show(qtbot, window, rid)
        assert text in title.text()
        if _renders_markup(title):
            offenders.append(text)
    assert offenders == []


@pytest.mark.parametrize("where", ["desired users", "customer in a site conflict"])
def test_field_problems_show_user_text_as_plain_text(
    qtbot: QtBot, window: MainWindow, store: RequestStore, where: str
) -> None:
    if where == "desired users":
        stored = store.create(ready_draft(desired_users="<b>bold</b>"))
    else:
        store.create(ready_draft(site_name="shared", customer_org="<img src=x onerror=alert(1)>"))
        stored = store.create(ready_draft(site_name="shared", customer_org="Second"))
    refresh(qtbot, window.requests_page)
    _show(qtbot, window, stored.id)
    errors = [
        label
        for label in window.requests_page.editor.findChildren(QLabel, "fieldError")
        if label.isVisible() and "<" in label.text()
    ]
    assert errors, "the problem quotes the user's text"
    assert [label.text() for label in errors if _renders_markup(label)] == []


def test_no_other_label_renders_a_hostile_name_as_markup(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    """Every visible label but the two known offenders above, for every hostile request."""
    ids = _seed(store, HOSTILE)
    refresh(qtbot, window.requests_page)
    known = ("editorTitle", "fieldError")
    for text, rid in ids.items():
        _show(qtbot, window, rid)
        window.requests_page.editor.show_all_problems()
        offenders = [
            (where, shown)
            for where, shown in _labels_showing_markup(window)
            if not where.endswith(known)
        ]
        assert offenders == [], text


def test_status_bar_shows_an_export_path_as_plain_text(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = store.create(ready_draft(site_name="<i>acme<i>"))
    refresh(qtbot, window.requests_page)
    _show(qtbot, window, stored.id)
    target = tmp_path / f"<i>acme<i>{FILE_SUFFIX}"

    def save_request_file(cls: type, parent: QWidget | None, suggested: str) -> str:
        return str(target)

    monkeypatch.setattr(Dialogs, "save_request_file", classmethod(save_request_file))
    window.requests_page.export_selected()
    qtbot.waitUntil(lambda: "Exported 1" in window.status.text())
    assert target.exists()
    assert str(target) in window.status.text()
    assert not _renders_markup(window.status)


def test_delete_confirmation_shows_hostile_names_as_plain_text(
    qtbot: QtBot, window: MainWindow, store: RequestStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QMessageBox is Qt.AutoText too; the names must not make its text rich."""
    ids = _seed(store, MARKUP)
    page = window.requests_page
    refresh(qtbot, page)
    asked: list[str] = []

    def confirm(cls: type, parent: QWidget | None, title: str, text: str, ok: str) -> bool:
        asked.append(text)
        return False  # keep them

    monkeypatch.setattr(Dialogs, "confirm", classmethod(confirm))
    for count, rid in enumerate(ids.values(), 1):
        _show(qtbot, window, rid)
        page.delete_selected()
        qtbot.waitUntil(lambda count=count: len(asked) == count)  # type: ignore[misc]
    page.view.selectAll()
    page.delete_selected()
    qtbot.waitUntil(lambda: len(asked) == len(ids) + 1)
    for text in asked:
        assert not QtGui.mightBeRichText(text), text
    assert store.count() == len(ids)


def test_import_problems_show_hostile_file_names_as_plain_text(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = tmp_path / f"<b>bold</b> &amp;{FILE_SUFFIX}".replace("/", "_")
    bad.write_bytes(b"{not json")
    shown: list[tuple[str, str]] = []

    def error(cls: type, parent: QWidget | None, title: str, text: str, details: str = "") -> None:
        shown.append((text, details))

    monkeypatch.setattr(Dialogs, "error", classmethod(error))
    window.requests_page.import_paths([bad])
    qtbot.waitUntil(lambda: bool(shown))
    ((text, details),) = shown
    assert not QtGui.mightBeRichText(text), text
    assert str(bad) in details  # the details pane of a QMessageBox is always plain text
    assert store.count() == 0


# --- export file names suggested from a site name ----------------------------------------------


def _suggested_export_name(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    monkeypatch: pytest.MonkeyPatch,
    site: str,
) -> tuple[Path, Path]:
    """(the folder the dialog opens in, the path it suggests) for a request named ``site``."""
    stored = store.create(RequestDraft(site_name=site))
    refresh(qtbot, window.requests_page)
    _show(qtbot, window, stored.id)
    suggested: list[str] = []

    def save_request_file(cls: type, parent: QWidget | None, proposal: str) -> str:
        suggested.append(proposal)
        return ""  # the user cancels

    monkeypatch.setattr(Dialogs, "save_request_file", classmethod(save_request_file))
    window.requests_page.export_selected()
    qtbot.waitUntil(lambda: bool(suggested))
    (proposal,) = suggested
    return Path.home(), Path(proposal)


@pytest.mark.parametrize(
    "site", ["acme", "CON", "NUL.txt", "~", "...", "%", "<b>x", "$(id)", "\u202eexe.txt"]
)
def test_export_suggests_a_file_in_the_export_folder(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    monkeypatch: pytest.MonkeyPatch,
    site: str,
) -> None:
    folder, proposal = _suggested_export_name(qtbot, window, store, monkeypatch, site)
    assert proposal.parent == folder
    assert proposal.name.endswith(FILE_SUFFIX)


@pytest.mark.parametrize(
    "site",
    [
        "../../etc/passwd",
        "a/b",
        "/absolute",
        "name\x00x",
        pytest.param("L" * 300, id="300 letters"),
        "<b>bold</b>",
    ],
)
def test_export_never_suggests_a_file_outside_the_export_folder(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    monkeypatch: pytest.MonkeyPatch,
    site: str,
) -> None:
    folder, proposal = _suggested_export_name(qtbot, window, store, monkeypatch, site)
    assert proposal.parent == folder
    assert "\x00" not in proposal.name
    assert len(proposal.name.encode()) <= 255


def test_profile_detail_shows_a_profile_name_as_plain_text(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    profile = context.credentials.save(
        None, ProfileInput("<b>Acme</b> &amp;", ProfileKind.CLI, cli_profile="acme"), None
    )
    window.show_section("credentials")
    page = window.credentials_page
    page.refresh()
    page.select_profile(profile.uid)
    detail = page.findChild(QLabel, "profileDetail")
    assert isinstance(detail, QLabel)
    qtbot.waitUntil(lambda: detail.text().startswith(profile.name))
    qtbot.waitUntil(lambda: window.ops.pending == 0)
    assert not _renders_markup(detail)


def test_changing_a_field_back_after_a_save_saves_the_change_back(
    qtbot: QtBot, window: MainWindow, store: RequestStore
) -> None:
    """A field counts as untouched only against what was last saved, not first shown."""
    stored = store.create(ready_draft(notes="first"))
    refresh(qtbot, window.requests_page)
    _show(qtbot, window, stored.id)
    editor = window.requests_page.editor
    editor.notes_edit.setFocus()
    editor.notes_edit.moveCursor(editor.notes_edit.textCursor().MoveOperation.End)
    QTest.keyClicks(editor.notes_edit, "!")
    assert save(qtbot, editor)
    assert store.get(stored.id).draft.notes == "first!"
    QTest.keyClick(editor.notes_edit, Qt.Key.Key_Backspace)
    assert save(qtbot, editor)
    assert store.get(stored.id).draft.notes == "first"
