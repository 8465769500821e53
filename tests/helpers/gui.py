"""GUI fixtures: the real main window over a real database in a temporary folder.

Loaded by the GUI tests' ``conftest.py`` only: the headless tests never import Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from byok_desktop.changes import ChangeBus
from byok_desktop.context import AppContext
from byok_desktop.logging_setup import LOG_FILE
from ui.app import create_application
from ui.changes import ChangeRelay
from ui.main_window import MainWindow
from ui.operations import Operations
from ui.settings import app_settings

WindowFactory = Callable[[AppContext], MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[WindowFactory]:
    """Opens main windows as the app does, shown and active; at teardown each is closed,
    its background tasks waited for, and destroyed, so that its shortcuts and timers
    cannot reach the next test."""
    opened: list[MainWindow] = []

    def make(context: AppContext) -> MainWindow:
        create_application([])  # style, stylesheet and icon search path, as in the app
        win = MainWindow(context, app_settings(context.paths), context.paths.log_dir / LOG_FILE)
        # Not qtbot.addWidget: pytest-qt would close and delete the window before this
        # fixture's teardown, while its quit-time save may still be running.
        opened.append(win)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()  # window shortcuts need the active window
        qtbot.waitActive(win)
        return win

    yield make
    for win in opened:
        if isValid(win):
            win.close()  # saves pending edits first, then closes (asynchronously)
            try:
                qtbot.waitUntil(lambda w=win: not w.isVisible())  # type: ignore[misc]
            except TimeoutError:
                # The test kept edits that cannot be saved: quit without them, as a
                # user who answers "Quit and lose edits" does.
                win._losing_edits = True
                win.close()
            assert win.ops.wait(), "a background operation outlived its test"
            win.deleteLater()
    qtbot.waitUntil(lambda: not any(isValid(win) for win in opened))


@pytest.fixture
def window(make_window: WindowFactory, context: AppContext) -> MainWindow:
    return make_window(context)


@pytest.fixture
def sandbox_window(make_window: WindowFactory, sandbox: AppContext) -> MainWindow:
    return make_window(sandbox)


@pytest.fixture(autouse=True)
def _no_real_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog would block the suite: any dialog a test did not replace fails it."""
    from ui.dialogs import Dialogs

    for name in (
        "error",
        "info",
        "confirm",
        "choose",
        "open_request_files",
        "save_request_file",
        "save_csv_file",
    ):

        def unexpected(cls: type, *args: object, _name: str = name) -> None:
            pytest.fail(f"unexpected dialog Dialogs.{_name}{args[1:]!r}")

        monkeypatch.setattr(Dialogs, name, classmethod(unexpected))


@pytest.fixture
def ops(qtbot: QtBot) -> Iterator[Operations]:
    """The operations API on its own, for tests of one page."""
    operations = Operations()
    yield operations
    assert operations.wait(), "an operation outlived its test"
    qtbot.waitUntil(lambda: operations.pending == 0)


@pytest.fixture
def change_bus() -> ChangeBus:
    return ChangeBus()


@pytest.fixture
def relay(change_bus: ChangeBus, ops: Operations) -> Iterator[ChangeRelay]:
    changes = ChangeRelay(change_bus, ops)
    yield changes
    changes.stop()


def confirm_submit_sheet(qtbot: QtBot, window: MainWindow) -> None:
    """Answer the submit sheet as a user does: wait until it is armed, press Enter."""
    from PySide6.QtCore import Qt

    qtbot.waitUntil(lambda: window.submit_sheet is not None and window.submit_sheet.armed)
    assert window.submit_sheet is not None
    qtbot.keyClick(window.submit_sheet, Qt.Key.Key_Return)
