"""Help menu: the shortcut sheet (F1), the shipped documentation, the log folder,
Diagnose (the doctor's checks, off the GUI thread) and About, on the real window."""

from __future__ import annotations

import platform
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

import byok_desktop.doctor
from byok_desktop import __version__
from byok_desktop.doctor import Verdict
from ui.main_window import MainWindow
from ui.shortcuts import SHORTCUTS, shortcut

NATIVE = QKeySequence.SequenceFormat.NativeText


def defined_shortcuts(window: MainWindow) -> dict[str, set[str]]:
    """Every key sequence the window's actions and buttons answer to, by object name
    (buttons' Alt+letter mnemonics aside: they come with the label)."""
    found: dict[str, set[str]] = {}
    for act in window.findChildren(QAction):
        for seq in act.shortcuts():
            if not seq.isEmpty():
                found.setdefault(act.objectName(), set()).add(seq.toString(NATIVE))
    for button in window.findChildren(QAbstractButton):
        seq = button.shortcut()
        if not seq.isEmpty() and seq != QKeySequence.mnemonic(button.text()):
            found.setdefault(button.objectName(), set()).add(seq.toString(NATIVE))
    return found


def test_f1_opens_a_sheet_with_every_shortcut_the_window_defines(
    window: MainWindow, qtbot: QtBot
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    sheet = window.help.sheet
    assert sheet is not None
    qtbot.waitUntil(sheet.isVisible)
    rows = sheet.visible_rows()
    assert len(rows) == len(SHORTCUTS)
    defined = defined_shortcuts(window)
    # The window really has keys (the walk finds them), each one in the sheet.
    assert {"showShortcuts", "newRequest", "checkHealth", "resumeJob", "addProfile"} <= set(defined)
    # And no row of the table is stale: each names something in the window with keys.
    assert set(defined) == {s.name for s in SHORTCUTS}
    for name, sequences in defined.items():
        assert name, f"an unnamed action or button has the keys {sequences}"
        entry = shortcut(name)  # KeyError: a shortcut outside ui/shortcuts.py
        row = next(r for r in rows if r[1] == entry.title and r[2] == entry.where)
        for text in sequences:
            assert text in row[0].split(", "), (name, text, row)


def test_the_sheet_search_filters_rows_and_says_when_none_match(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.help.shortcuts_action.trigger()
    sheet = window.help.sheet
    assert sheet is not None
    qtbot.keyClicks(sheet.search, "export")
    rows = sheet.visible_rows()
    assert {r[1] for r in rows} == {"Export", "Export visible rows to CSV"}
    sheet.search.setText("f5")  # by key, whatever the case
    assert [r[1] for r in sheet.visible_rows()] == ["Check health"]
    sheet.search.setText("credentials")
    assert {r[2] for r in sheet.visible_rows()} <= {"Credentials", "Credentials list", "Everywhere"}
    assert not sheet.none_found.isVisible()
    sheet.search.setText("no such command")
    assert sheet.visible_rows() == []
    assert sheet.none_found.isVisible()
    # Opening it again starts with the whole table.
    sheet.close()
    window.help.show_shortcuts()
    assert len(sheet.visible_rows()) == len(SHORTCUTS)


def test_about_shows_the_versions_and_where_the_data_is(window: MainWindow, qtbot: QtBot) -> None:
    window.help.about_action.trigger()
    about = window.help.about
    assert about is not None
    qtbot.waitUntil(lambda: "boto3" in dict(about.facts()))
    facts = dict(about.facts())
    context = window._context
    assert context is not None
    assert facts["BYOK Desktop"] == __version__
    assert facts["Qt"] == qVersion()
    assert facts["PySide6"] == pyside_version
    assert facts["Python"].startswith(platform.python_version())
    assert facts["boto3"] == boto3.__version__
    assert facts["SQLAlchemy"] == sqlalchemy.__version__
    assert facts["Data folder"] == str(context.paths.data_dir)
    assert facts["Database"] == context.database.location
    about.copy()
    copied = QGuiApplication.clipboard().text()
    assert f"SQLAlchemy: {sqlalchemy.__version__}" in copied
    assert f"Data folder: {context.paths.data_dir}" in copied


def test_diagnose_runs_the_doctor_off_the_gui_thread_and_shows_each_check(
    sandbox_window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = byok_desktop.doctor.run_checks
    threads: list[threading.Thread] = []

    def spy(*args: Any, **kwargs: Any) -> list[byok_desktop.doctor.Check]:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(byok_desktop.doctor, "run_checks", spy)
    help_menu = sandbox_window.help
    help_menu.diagnose_action.trigger()
    dialog = help_menu.diagnose
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.checks != [])
    assert threads
    assert threads[0] is not threading.main_thread()
    checks = dialog.checks
    assert dialog.model.rowCount() == len(checks)
    by_name = {c.name: c for c in checks}
    # The sandbox: a real keyring check (the memory keyring answers), no AWS to reach.
    assert by_name["keyring"].verdict is Verdict.OK
    assert by_name["AWS endpoint"].verdict is Verdict.SKIPPED
    for row, check in enumerate(checks):
        assert dialog.model.item(row, 0).text() == check.name
        assert dialog.model.item(row, 2).text() == check.detail
    assert dialog.model.item(list(by_name).index("AWS endpoint"), 1).text() == "Skipped"
    assert dialog.copy_button.isEnabled()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == byok_desktop.doctor.table(checks)
    # Run again: the checks run a second time, on a worker again.
    dialog.again_button.click()
    qtbot.waitUntil(lambda: len(threads) == 2 and dialog.again_button.isEnabled())
    assert threads[1] is not threading.main_thread()


def test_open_log_folder_opens_the_window_log_folder(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    answer = [True]

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return answer[0]

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(open_url))
    context = window._context
    assert context is not None
    window.help.log_folder_action.trigger()
    assert [Path(u.toLocalFile()) for u in opened] == [context.paths.log_dir]
    answer[0] = False  # no file manager on this desktop: the user is told where it is
    window.help.log_folder_action.trigger()
    assert str(context.paths.log_dir) in window.status.text()


def test_documentation_shows_the_pages_shipped_with_the_app(
    window: MainWindow, qtbot: QtBot
) -> None:
    from ui.resources import DOCS_DIR

    shipped = sorted(DOCS_DIR.glob("*.md"))
    assert shipped
    window.help.documentation_action.trigger()
    dialog = window.help.documentation
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.contents.count() == len(shipped))
    titles = [dialog.contents.item(i).text() for i in range(dialog.contents.count())]
    request_file = (DOCS_DIR / "request-file.md").read_text(encoding="utf-8")
    heading = next(line[2:] for line in request_file.splitlines() if line.startswith("# "))
    heading = heading.replace("`", "")  # as rendered
    assert titles[0] == heading  # the page a rep needs first
    # Rendered as Markdown: the heading's text without its '#'.
    assert dialog.browser.toPlainText().startswith(heading)
    dialog.contents.setCurrentRow(titles.index(titles[-1]))
    assert dialog.browser.toPlainText() != ""
    assert "#" not in dialog.browser.toPlainText().splitlines()[0]
