"""What kind of failure a store call ended with, decided in one place.

The requests screens never import SQLAlchemy: they ask here whether an error means the
database is out of reach (retry, say "offline"), that it refuses writes for a reason of
its environment (a full disk, a read-only file: retry, say why), or a bug (say so; a retry
will not help). The store raises the core's own ``StorageError`` kinds; the driver checks
below remain for the few calls that reach a driver without passing the store's boundary.
"""

from __future__ import annotations

from enum import Enum

# Words of the drivers (SQLite, psycopg) and of SQLAlchemy's pool for a link that is gone.
_LINK_WORDS = (
    "could not connect",
    "connection refused",
    "connection reset",
    "connection timed out",
    "connection is closed",
    "connection already closed",
    "server closed the connection",
    "terminating connection",
    "could not translate host name",
    "no route to host",
    "network is unreachable",
    "timeout expired",
    "timed out",
    "ssl syscall error",
    "unable to open database file",  # a database on a share that went away
)
# Driver error classes that are the environment's doing (DB-API names, as SQLAlchemy
# wraps them): the operation may succeed later without any change to the app.
_ENVIRONMENT_CLASSES = frozenset({"OperationalError", "InterfaceError", "DisconnectionError"})


class Fault(Enum):
    OFFLINE = "offline"  # the database is out of reach: retry until it is back
    REFUSED = "refused"  # it answers but refuses (disk full, read-only): retry, say why
    BUG = "bug"  # anything else: report it, keep the edits


def _driver_class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("sqlalchemy")}


def classify(exc: BaseException) -> Fault:
    from byok_desktop.errors import DatabaseUnreachable, StorageBug, StorageUnavailable

    if isinstance(exc, DatabaseUnreachable):
        return Fault.OFFLINE
    if isinstance(exc, StorageUnavailable):
        return Fault.REFUSED
    if isinstance(exc, StorageBug):
        return Fault.BUG
    names = _driver_class_names(exc)
    if "TimeoutError" in names or "DisconnectionError" in names:  # the pool's, not the OS's
        return Fault.OFFLINE
    if getattr(exc, "connection_invalidated", False):
        return Fault.OFFLINE
    if isinstance(exc, ConnectionError | TimeoutError):
        return Fault.OFFLINE
    text = str(reason(exc)).lower()
    if names & _ENVIRONMENT_CLASSES:
        return Fault.OFFLINE if any(w in text for w in _LINK_WORDS) else Fault.REFUSED
    if isinstance(exc, OSError):
        return Fault.REFUSED
    return Fault.BUG


def is_offline(exc: BaseException) -> bool:
    """True when the database is out of reach (a lost or refused link, a stalled pool)."""
    return classify(exc) is Fault.OFFLINE


def is_environment(exc: BaseException) -> bool:
    """True when the failure is the environment's, so the same call may work later."""
    return classify(exc) is not Fault.BUG


def reason(exc: BaseException) -> object:
    """What to show of an error in parentheses: the database's own words for the core's
    storage errors, the driver's error when SQLAlchemy wrapped one."""
    from byok_desktop.errors import StorageError

    if isinstance(exc, StorageError):
        return exc.detail or exc.reason
    return getattr(exc, "orig", None) or exc
