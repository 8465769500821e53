"""The core's own storage errors: what to tell the user, and whose fault it was.

The store turns every database error into one of these at its public boundary (the
driver's exception stays as ``__cause__``), so nothing above it imports SQLAlchemy to
catch one. As in qutebrowser's ``misc/sql.py``, they are sorted into the environment
(``StorageUnavailable``: the disk, the file, the server, another program; fixing that and
trying again works) and a bug (``StorageBug``: a request this app should never have made).
Refusals the store makes on purpose (``VersionConflict``, ``RequestLocked``...) are not
storage errors and pass through as they are.
"""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """A database operation failed.

    ``reason`` says what happened as a clause (``str()`` adds the database's own words,
    so it reads inside a longer sentence: "Could not save: {error}."), ``advice`` is one
    sentence on what to do, ``message`` both as sentences for a dialog.
    """

    def __init__(self, reason: str, advice: str, detail: str = "") -> None:
        super().__init__(reason, advice, detail)
        self.reason = reason
        self.advice = advice
        self.detail = detail  # the database's own words, for the log and the curious

    @property
    def message(self) -> str:
        return f"{self.reason[:1].upper()}{self.reason[1:]}. {self.advice}"

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


class StorageUnavailable(StorageError):
    """The environment stopped the operation: connection refused, lost or timed out, disk
    full, read-only file or disk, database locked, permission denied, damaged file."""


class DatabaseUnreachable(StorageUnavailable):
    """The database server is out of reach: refused, lost, stalled or too slow to answer
    (a team database over a VPN). Edits wait and are retried; the app says "offline"."""


class StorageBug(StorageError):
    """The app asked the database for something it should not have (a bad query, an
    unexpected constraint violation): a bug to report, not something the user can fix."""


class DatabaseCorrupt(StorageUnavailable):
    """The database file exists but SQLite cannot read it. It is never deleted: the user
    chooses to move it aside (and start fresh) or to quit and rescue it."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"the database {path} cannot be read",
            "Move it aside to start with an empty database, or quit and restore it from a backup.",
            detail,
        )
        self.path = path

    def __str__(self) -> str:
        return (
            f"The database {self.path} cannot be read ({self.detail}). It may be damaged, or "
            "not a BYOK Desktop database."
        )
