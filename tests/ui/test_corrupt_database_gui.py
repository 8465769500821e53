"""At start-up an unreadable database gets a choice: move it aside and start fresh, or
quit. It is never deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.paths import AppPaths
from ui import app as app_module
from ui.dialogs import Dialogs
from ui.main_window import MainWindow
from ui.settings import app_settings

GARBAGE = b"not a database at all " * 200


def _offer(monkeypatch: pytest.MonkeyPatch, answer: str | None) -> list[str]:
    asked: list[str] = []

    def choose(
        cls: type, parent: object, title: str, text: str, options: list[str], details: str = ""
    ) -> str | None:
        asked.append(text)
        return answer

    monkeypatch.setattr(Dialogs, "choose", classmethod(choose))
    return asked


def _frame(qtbot: QtBot, paths: AppPaths) -> MainWindow:
    """The main window's frame, shown as at start-up before the database opens."""
    window = MainWindow(None, app_settings(paths), paths.log_dir / LOG_FILE)
    window.show()
    return window


def _close(qtbot: QtBot, window: MainWindow) -> None:
    window.close()
    window.ops.wait()
    # Destroyed, so its window shortcuts cannot shadow a later test's window.
    window.deleteLater()
    qtbot.waitUntil(lambda: not isValid(window))


def test_quitting_leaves_the_file_untouched(
    qtbot: QtBot, paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.ensure()
    paths.database.write_bytes(GARBAGE)
    asked = _offer(monkeypatch, None)
    app_module.create_application([])

    window = _frame(qtbot, paths)
    try:
        with pytest.raises(app_module._Quit):
            app_module._open_or_offer_fresh_start(paths, None, window)
    finally:
        _close(qtbot, window)

    assert "cannot be read" in asked[0]
    assert paths.database.read_bytes() == GARBAGE


def test_moving_aside_starts_fresh_and_says_where_the_file_went(
    qtbot: QtBot, paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.ensure()
    paths.database.write_bytes(GARBAGE)
    _offer(monkeypatch, "Move it aside and start fresh")
    app_module.create_application([])

    window = _frame(qtbot, paths)
    context = app_module._open_or_offer_fresh_start(paths, None, window)
    window.attach(context)
    try:
        kept = list((paths.database.parent / "backups").glob("*unreadable*"))
        assert [p.read_bytes() for p in kept] == [GARBAGE]
        assert context.database.requests.count() == 0
        assert window.notice_banner.isVisibleTo(window)
        assert str(kept[0]) in window.notice_text.text()
    finally:
        _close(qtbot, window)
        context.close()
    assert Path(paths.database).exists()
