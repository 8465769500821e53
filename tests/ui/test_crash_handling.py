"""Uncaught exceptions are logged and shown, and Qt's warnings reach the log."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import qWarning

from ui.qt_logging import install_excepthook, install_qt_message_handler


def test_excepthook_logs_and_reports(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_excepthook(lambda summary, details: shown.append((summary, details)))
    try:
        raise ValueError("boom in a slot")
    except ValueError:
        with caplog.at_level(logging.ERROR, logger="ui.crash"):
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    assert shown
    assert shown[0][0] == "ValueError: boom in a slot"
    assert "Traceback" in shown[0][1]
    assert any(r.name == "ui.crash" and r.exc_info for r in caplog.records)


def test_qt_messages_go_to_logging(caplog: pytest.LogCaptureFixture) -> None:
    previous = install_qt_message_handler()
    try:
        with caplog.at_level(logging.WARNING, logger="ui.qt"):
            qWarning("a Qt warning for the log")
        assert any("a Qt warning for the log" in r.getMessage() for r in caplog.records)
    finally:
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(previous)  # pytest-qt's own capture
