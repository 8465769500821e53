"""The database's journal (-wal) removed while the window is open: the editor's save says
so in one sentence, keeps the draft, and the retry saves it; the file stays intact."""

from __future__ import annotations

import os
import sqlite3

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import refresh, save, show
from ui.main_window import MainWindow


def test_a_removed_journal_is_named_in_the_editor_and_the_draft_is_saved_on_retry(
    qtbot: QtBot, window: MainWindow, context: AppContext, store: RequestStore
) -> None:
    stored = store.create(ready_draft(notes="saved before the removal"))
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, stored.id)
    editor = page.editor
    path = context.database.path
    assert path is not None
    # Whichever database call comes first meets the removal; here it is the save, not
    # the background check for changes made elsewhere (that one only logs it).
    poll = window.findChild(QTimer, "remoteChangePoll")
    assert poll is not None
    poll.stop()
    os.unlink(f"{path}-wal")

    editor.notes_edit.setPlainText("typed after the removal")
    assert not save(qtbot, editor)

    assert editor.error_banner.isVisible()
    message = editor.error_banner.label.text()
    assert "journal file (byok.sqlite3-wal) was removed while BYOK Desktop was running" in message
    assert "Your edits stay here" in message
    assert "Traceback" not in message
    assert editor.notes_edit.toPlainText() == "typed after the removal"
    assert editor.has_unsaved_edits
    retry = editor.findChild(QPushButton, "retrySave")
    assert retry is not None
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.error_banner.isVisible() and not editor.has_unsaved_edits)
    assert store.get(stored.id).draft.notes == "typed after the removal"
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
