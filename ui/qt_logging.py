"""Qt's own messages into ``logging``, and uncaught exceptions into a dialog."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("ui.qt")
crash_log = logging.getLogger("ui.crash")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    where = f" ({context.category})" if context.category and context.category != "default" else ""
    log.log(_LEVELS.get(kind, logging.WARNING), "%s%s", message, where)


def install_qt_message_handler() -> object:
    """Returns the handler it replaced, so tests can put it back."""
    return qInstallMessageHandler(_qt_message)


ExceptionReporter = Callable[[str, str], None]


def install_excepthook(report: ExceptionReporter) -> None:
    """Log any uncaught exception and show it; the app keeps running."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        crash_log.error("Uncaught exception", exc_info=(kind, value, tb))
        details = "".join(traceback.format_exception(kind, value, tb))
        try:
            report(f"{kind.__name__}: {value}", details)
        except Exception:  # a broken dialog must not hide the original error
            crash_log.exception("Could not show the error dialog")

    sys.excepthook = hook
