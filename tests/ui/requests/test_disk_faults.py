"""A database that refuses writes (read-only, or a full disk) gives a clear message in
the editor and loses no draft: the text stays, and it is saved once writes work again.

SQLite itself is made to refuse: PRAGMA query_only gives its "readonly database" error,
and PRAGMA max_page_count its "database or disk is full" error (file permissions would
not stop the tests when they run as root)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, event

from byok_desktop.context import AppContext
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import refresh, save, show
from ui.main_window import MainWindow


def _refuse_writes(engine: Engine, pragma: Callable[[object], str]) -> Callable[[], None]:
    """New connections get ``pragma``; returns how to undo it."""

    def on_connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute(pragma(dbapi_connection))  # type: ignore[attr-defined]

    event.listen(engine, "connect", on_connect)
    engine.dispose()

    def undo() -> None:
        event.remove(engine, "connect", on_connect)
        engine.dispose()

    return undo


def _page_count(dbapi_connection: object) -> str:
    pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]  # type: ignore[attr-defined]
    return f"PRAGMA max_page_count = {pages}"


@pytest.mark.parametrize(
    ("pragma", "words"),
    [
        (lambda _conn: "PRAGMA query_only = ON", "readonly"),
        (_page_count, "full"),
    ],
    ids=["read-only", "disk-full"],
)
def test_a_refused_write_keeps_the_draft_and_saves_it_later(
    qtbot: QtBot,
    window: MainWindow,
    context: AppContext,
    store: RequestStore,
    pragma: Callable[[object], str],
    words: str,
) -> None:
    stored = store.create(ready_draft())
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, stored.id)
    editor = page.editor
    undo = _refuse_writes(context.database.engine, pragma)
    long_notes = "The customer asked for a call before provisioning. " * 200  # new pages

    editor.notes_edit.setPlainText(long_notes)
    assert not save(qtbot, editor)

    assert editor.error_banner.isVisible()
    message = editor.error_banner.label.text()
    assert words in message
    assert "Your edits stay here" in message
    assert editor.notes_edit.toPlainText() == long_notes
    assert editor.has_unsaved_edits
    undo()
    assert store.get(stored.id).draft.notes == ""  # nothing half-written
    retry = editor.findChild(QPushButton, "retrySave")
    assert retry is not None
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.error_banner.isVisible())
    assert store.get(stored.id).draft.notes == long_notes
