"""The GUI as ``main.py`` starts it, watched from a test's subprocess: every error or
information dialog is printed (``dialog: TITLE: TEXT``, one line, flushed) instead of
waiting for a click; once the window has its data the status line is printed (``status:
TEXT``) and the window closes 0.3 s later (``closing``). With ``BYOK_TEST_STUCK_READ=1`` a
keyring read starts on the operations pool first, as a user pressing Quit while a keyring
call hangs. Run from the repository: ``python -m tests.helpers.gui_driver --data-dir DIR``.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QTimer

from byok_desktop.context import AppContext
from ui.dialogs import Dialogs
from ui.main_window import MainWindow
from ui.operations import Executor

_attach = MainWindow.attach


def _say(kind: str, text: str) -> None:
    print(f"{kind}: {text}".replace("\n", "\\n"), flush=True)


def _dialog(cls: type, parent: object, title: str, text: str, details: str = "") -> None:
    _say("dialog", f"{title}: {text}")


def _attach_then_quit(window: MainWindow, context: AppContext) -> None:
    _attach(window, context)
    _say("status", window.status.text())
    if window.notice_banner.isVisibleTo(window):  # start-up notices: a banner above the pages
        _say("notice", window.notice_text.text().replace("\n", " "))
    if os.environ.get("BYOK_TEST_STUCK_READ"):
        secrets = context.credentials.secrets
        window.ops.run(lambda: secrets.load_item("never-answers"), on=Executor.POOL, what="read")

    def close() -> None:
        print("closing", flush=True)
        window.close()

    QTimer.singleShot(300, close)


if __name__ == "__main__":
    Dialogs.error = classmethod(_dialog)  # type: ignore[method-assign, assignment]
    Dialogs.info = classmethod(_dialog)  # type: ignore[method-assign, assignment]
    MainWindow.attach = _attach_then_quit  # type: ignore[method-assign]
    from main import main

    sys.exit(main(sys.argv[1:]))
