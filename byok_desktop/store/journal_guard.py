"""Notice a SQLite journal (``-wal``) file removed while the app has the database open.

What SQLite does (docs/reliability.md has the experiment): connections opened before the
removal keep the deleted file open and go on reading and writing it, unseen by anyone
else; a connection opened afterwards finds the shared index pointing past the end of a new,
empty journal and fails with "disk I/O error" (SQLITE_IOERR_SHORT_READ). When the last old
connection closes, SQLite copies the deleted journal into the database file, so nothing is
lost on a clean quit; a crash before that loses every change since the last checkpoint.

So the guard, one per engine: a checkout of a connection whose journal is no longer the
file at the journal's path first copies that journal into the database file (a
checkpoint; nothing is lost even if the app is killed later), then fails with one sentence.
SQLAlchemy closes a connection whose checkout failed, and the guard closes the idle ones;
no new connection is opened while an old one is still open (it would fail, and two
journals for one database must never be written). Once the last old connection has
closed, SQLite has removed the old journal and the next connection starts a fresh one.
A checkout costs one ``stat`` of the journal's path, no database round trip.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from byok_desktop.errors import StorageUnavailable

log = logging.getLogger("byok_desktop.db")

_FileId = tuple[int, int]  # (device, inode)
# In a connection record's info: the journal it uses, and that the guard counts it.
_OPENED_WITH = "byok_journal_id"
_COUNTED = "byok_journal_counted"


def _file_id(path: Path) -> _FileId | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return (status.st_dev, status.st_ino)


def journal_removed(database: Path) -> StorageUnavailable:
    return StorageUnavailable(
        f"the database's journal file ({database.name}-wal) was removed while "
        "BYOK Desktop was running",
        "The changes made so far were kept in the database file; try again, and if "
        "it still fails, quit BYOK Desktop and start it again.",
    )


class JournalGuard:
    """Watches one SQLite database's ``-wal`` file for the engine's connections."""

    def __init__(self, engine: Engine, database: Path) -> None:
        self._engine = engine
        self._database = database
        self._journal = Path(f"{database}-wal")
        self._lock = threading.Lock()
        self._open = 0  # connections of this engine that are open
        self._journal_id: _FileId | None = None  # the journal they share
        event.listen(engine, "do_connect", self._before_connect)
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "close", self._closed)

    def _before_connect(self, _dialect: Any, _record: Any, _cargs: Any, _cparams: Any) -> None:
        with self._lock:
            removed = self._open > 0 and self._journal_id is not None
            removed = removed and _file_id(self._journal) != self._journal_id
        if removed:
            raise journal_removed(self._database)
        # None: SQLAlchemy goes on to connect.

    def _connected(self, _dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self._open += 1
        record.info[_COUNTED] = True
        self._learn(record, _file_id(self._journal))

    def _learn(self, record: Any, current: _FileId | None) -> None:
        """Note the journal this connection uses: SQLite makes it at the first write."""
        with self._lock:
            if self._journal_id is None:
                self._journal_id = current
            record.info[_OPENED_WITH] = self._journal_id

    def _closed(self, _dbapi_connection: Any, record: Any) -> None:
        if not record.info.pop(_COUNTED, False):
            return
        record.info.pop(_OPENED_WITH, None)
        with self._lock:
            self._open -= 1
            if self._open == 0:
                # SQLite removes the journal when its last connection closes.
                self._journal_id = None

    def _checkout(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        current = _file_id(self._journal)
        opened_with = record.info.get(_OPENED_WITH)
        if opened_with is None:
            self._learn(record, current)
            return
        if current == opened_with:
            return
        self._keep_changes(dbapi_connection)
        # The idle old connections go now, this one when the checkout fails.
        self._engine.pool.dispose()
        raise journal_removed(self._database)

    def _keep_changes(self, dbapi_connection: Any) -> None:
        """Copy the removed journal, still open in this connection, into the database."""
        try:
            busy, frames, copied = dbapi_connection.execute(
                "PRAGMA wal_checkpoint(FULL)"
            ).fetchone()
        except Exception:
            log.exception("The journal of %s was removed; copying it failed", self._database)
            return
        log.warning(
            "The journal of %s was removed while the app ran; copied %s of %s pages "
            "into the database file%s",
            self._database,
            copied,
            frames,
            " (others were busy; the last connection to close copies the rest)" if busy else "",
        )
