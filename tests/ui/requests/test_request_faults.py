"""The requests screens sort store failures without importing SQLAlchemy themselves."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, TimeoutError

from ui.requests.faults import Fault, classify, is_environment, is_offline


def _wrapped(kind: type[Exception], message: str) -> Exception:
    return kind("UPDATE requests ...", {}, Exception(message))  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (_wrapped(OperationalError, "connection refused"), Fault.OFFLINE),
        (_wrapped(OperationalError, "server closed the connection unexpectedly"), Fault.OFFLINE),
        (_wrapped(InterfaceError, "connection already closed"), Fault.OFFLINE),
        (TimeoutError("QueuePool limit reached, connection timed out"), Fault.OFFLINE),
        (ConnectionResetError("reset by peer"), Fault.OFFLINE),
        (_wrapped(OperationalError, "attempt to write a readonly database"), Fault.REFUSED),
        (_wrapped(OperationalError, "database or disk is full"), Fault.REFUSED),
        (PermissionError("denied"), Fault.REFUSED),
        (_wrapped(IntegrityError, "UNIQUE constraint failed: requests.uid"), Fault.BUG),
        (sqlite3.ProgrammingError("closed"), Fault.BUG),
        (KeyError("x"), Fault.BUG),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value.value,
)
def test_failures_are_sorted(error: Exception, fault: Fault) -> None:
    assert classify(error) is fault
    assert is_offline(error) is (fault is Fault.OFFLINE)
    assert is_environment(error) is (fault is not Fault.BUG)


def test_a_disconnect_sqlalchemy_noticed_is_offline() -> None:
    error = _wrapped(OperationalError, "something odd")
    error.connection_invalidated = True  # type: ignore[attr-defined]
    assert is_offline(error)
