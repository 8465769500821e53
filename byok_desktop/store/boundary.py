"""The store's public boundary: database errors leave it as the core's own error types.

Every public store method and function is wrapped (``@store_boundary`` on a class,
``@translates_errors`` on a function): a SQLAlchemy error, or a driver error from code
that talks to the driver directly (sqlite3, psycopg), becomes a ``StorageUnavailable``
when the environment is to blame and a ``StorageBug`` otherwise; the original stays as
``__cause__``. Anything else, including the store's own refusals, passes through.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sqlite3
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy import exc as sa_exc

from byok_desktop.errors import (
    DatabaseUnreachable,
    StorageBug,
    StorageError,
    StorageUnavailable,
)

log = logging.getLogger("byok_desktop.db")

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

# What the environment did, in words for the user: (reason, advice).
READ_ONLY = (
    "the database is read-only",
    "Check that the database file and its folder are writable (and the disk is not "
    "mounted read-only), then try again.",
)
FULL = (
    "the disk is full or the database has reached its size limit",
    "Free some disk space, then try again.",
)
LOCKED = (
    "the database is locked by another program or another instance of the app",
    "Wait a moment and try again; if it stays locked, close the other programs that use it.",
)
DENIED = (
    "permission to use the database was denied",
    "Check the permissions of the database file and its folder (or the database user's "
    "rights on the server), then try again.",
)
CANNOT_OPEN = (
    "the database file cannot be opened",
    "Check that its folder exists and that you may read and write it, then try again.",
)
IO_FAILED = (
    "the disk or the system failed while reading or writing the database",
    "Check the disk and the free memory, then try again.",
)
DAMAGED = (
    "the database file is damaged or is not a BYOK Desktop database",
    "Restore it from a backup, or move it aside to start with an empty database.",
)
UNREACHABLE = (
    "the database server cannot be reached or closed the connection",
    "Check the network connection (and VPN) and that the server is running, then try again.",
)
TOO_SLOW = (
    "the database server took too long to answer",
    "Try again; if it keeps happening, tell the database's administrator.",
)
BUG = (
    "the database rejected a request from the app (a bug in BYOK Desktop)",
    "Please report it with the log file; trying again will not help.",
)

# SQLite's primary result codes (the low byte of an extended code) that the environment
# causes: https://www.sqlite.org/rescode.html. SQLITE_ERROR, MISUSE, CONSTRAINT, RANGE...
# are the app's doing.
_SQLITE_CODES: dict[int, tuple[str, str]] = {
    3: DENIED,  # SQLITE_PERM
    5: LOCKED,  # SQLITE_BUSY
    6: LOCKED,  # SQLITE_LOCKED
    7: IO_FAILED,  # SQLITE_NOMEM
    8: READ_ONLY,  # SQLITE_READONLY
    10: IO_FAILED,  # SQLITE_IOERR
    11: DAMAGED,  # SQLITE_CORRUPT
    13: FULL,  # SQLITE_FULL
    14: CANNOT_OPEN,  # SQLITE_CANTOPEN
    15: LOCKED,  # SQLITE_PROTOCOL (a locking race)
    22: IO_FAILED,  # SQLITE_NOLFS
    23: DENIED,  # SQLITE_AUTH
    26: DAMAGED,  # SQLITE_NOTADB
}
# The same by message, for errors raised without a code.
_SQLITE_WORDS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("readonly", READ_ONLY),
    ("disk is full", FULL),
    ("is locked", LOCKED),
    ("disk i/o error", IO_FAILED),
    ("out of memory", IO_FAILED),
    ("unable to open", CANNOT_OPEN),
    ("not a database", DAMAGED),
    ("malformed", DAMAGED),
)

# PostgreSQL's SQLSTATE codes the environment causes, by exact code, then by class:
# https://www.postgresql.org/docs/current/errcodes-appendix.html
_SQLSTATES: dict[str, tuple[str, str]] = {
    "25006": READ_ONLY,  # read_only_sql_transaction (a standby, or a read-only default)
    "53100": FULL,  # disk_full
    "53300": UNREACHABLE,  # too_many_connections
    "55P03": LOCKED,  # lock_not_available
    "40001": LOCKED,  # serialization_failure
    "40P01": LOCKED,  # deadlock_detected
    "57014": TOO_SLOW,  # query_canceled (statement_timeout)
    "42501": DENIED,  # insufficient_privilege
    "XX001": DAMAGED,  # data_corrupted
    "XX002": DAMAGED,  # index_corrupted
}
_SQLSTATE_CLASSES: dict[str, tuple[str, str]] = {
    "08": UNREACHABLE,  # connection exception
    "28": DENIED,  # invalid authorization specification
    "53": IO_FAILED,  # insufficient resources
    "57": UNREACHABLE,  # operator intervention: admin shutdown, crash, cannot connect now
    "58": IO_FAILED,  # system error (I/O)
}


def _sqlite(error: sqlite3.Error) -> tuple[str, str] | None:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_CODES:
        return _SQLITE_CODES[code & 0xFF]
    if code is None:
        text = str(error).lower()
        for words, kind in _SQLITE_WORDS:
            if words in text:
                return kind
    return None


def _psycopg(error: BaseException) -> tuple[str, str] | None:
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state:
        return _SQLSTATES.get(state) or _SQLSTATE_CLASSES.get(state[:2])
    # Connection refused, lost or timed out before the server could say anything.
    if any(c.__name__ == "OperationalError" for c in type(error).__mro__):
        return UNREACHABLE
    return None


def _is_psycopg(error: BaseException) -> bool:
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(error, psycopg.Error)


def storage_error(error: BaseException) -> StorageError | None:
    """The core's error for a database error; None for anything else."""
    if isinstance(error, StorageError):
        return error
    driver: BaseException | None
    if isinstance(error, sa_exc.SQLAlchemyError):
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return DatabaseUnreachable(*UNREACHABLE, str(error.orig))
        if isinstance(error, sa_exc.DisconnectionError):
            return DatabaseUnreachable(*UNREACHABLE, str(error))
        if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free
            return DatabaseUnreachable(*TOO_SLOW, str(error))
        driver = error.orig if isinstance(error, sa_exc.DBAPIError) else None
    elif isinstance(error, sqlite3.Error) or _is_psycopg(error):
        driver = error
    else:
        return None
    kind: tuple[str, str] | None = None
    if isinstance(driver, sqlite3.Error):
        kind = _sqlite(driver)
    elif driver is not None and _is_psycopg(driver):
        kind = _psycopg(driver)
    source = driver if driver is not None else error
    lines = str(source).strip().splitlines()
    detail = lines[0] if lines else type(source).__name__  # SQLAlchemy adds a link below
    if kind is None:
        return StorageBug(*BUG, detail)
    if kind in (UNREACHABLE, TOO_SLOW):
        return DatabaseUnreachable(*kind, detail)
    return StorageUnavailable(*kind, detail)


def translates_errors(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` with database errors raised as the core's own error types."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except StorageError:
            raise
        except Exception as exc:
            translated = storage_error(exc)
            if translated is None:
                raise
            if isinstance(translated, StorageBug):
                log.error("%s failed: %s", func.__qualname__, translated, exc_info=exc)
            raise translated from exc

    return wrapper


def store_boundary(cls: type[T]) -> type[T]:
    """Every public method of ``cls`` (not starting with "_") translates database errors."""
    for name, attribute in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(attribute):
            setattr(cls, name, translates_errors(attribute))
    return cls
