"""Drafts kept on this workstation until the team database takes them (the outbox).

With a team database (PostgreSQL, often over a VPN) the link can be gone for minutes. An
edit that cannot be saved, or a request drafted while the link is down, is kept here: a
small SQLite file in the data folder (``AppPaths.outbox``), one row per request uid, with
the request's id (None for a request drafted offline), the version the edit was based on
and the draft as typed. ``push`` hands the rows to the :class:`RequestStore` once it
answers and forgets each one when it is in.

Pushing never writes a request twice. A new request is looked up by its uid first, so a
create whose answer was lost (the link went while the server committed) is found, not
made again; a save whose answer was lost shows up as a version conflict whose stored
text is the pushed text, and is taken as done. Any other conflict (the request was
changed, submitted or deleted elsewhere meanwhile) keeps the user's text as a copy: the
row gets a new uid and becomes a new request, as the editor's "Keep mine as a copy" does.

Keeping runs on any thread and may race a push on another: each keep bumps the row's
revision, and a push forgets a row only if nothing newer was kept while it ran
(otherwise the row stays, now naming the stored request and its new version). Late keeps
of a uid that was turned into a copy follow it to the copy's uid.

A local SQLite database needs no outbox: the database *is* the workstation.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft, new_uid
from byok_desktop.request_records import (
    RequestLocked,
    RequestNotFound,
    StoredRequest,
    VersionConflict,
)
from byok_desktop.store.requests import RequestStore
from byok_desktop.validation import normalised

log = logging.getLogger("byok_desktop.outbox")

SCHEMA_VERSION = 1
# How long a pushed or copied uid is remembered, for a keep that arrives late.
TOMBSTONE_DAYS = 7
_SCHEMA = """
CREATE TABLE IF NOT EXISTS kept (
    uid TEXT PRIMARY KEY,
    database TEXT NOT NULL,
    request_id INTEGER,
    base_version INTEGER,
    draft TEXT NOT NULL,
    kept_at TEXT NOT NULL,
    revision INTEGER NOT NULL,
    copy_of INTEGER
);
CREATE TABLE IF NOT EXISTS landed (
    uid TEXT PRIMARY KEY,
    database TEXT NOT NULL,
    request_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS renamed (
    uid TEXT PRIMARY KEY,
    database TEXT NOT NULL,
    new_uid TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class KeptDraft:
    """A draft waiting for the team database."""

    draft: RequestDraft
    request_id: int | None  # None: drafted offline, not in the database yet
    base_version: int | None  # the version the edit was based on
    kept_at: datetime
    revision: int  # bumped on every keep of this uid
    copy_of: int | None = None  # kept as a copy of this request after a conflict

    @property
    def uid(self) -> str:
        return self.draft.uid

    @property
    def is_new(self) -> bool:
        return self.request_id is None

    def as_stored(self) -> StoredRequest:
        """The kept draft in the shape the editor shows (id 0: not in the database)."""
        from byok_desktop.request import RequestStatus

        return StoredRequest(
            id=self.request_id or 0,
            version=self.base_version or 0,
            status=RequestStatus.DRAFT,
            problem_count=0,
            tier_name="",
            created_at=self.kept_at,
            updated_at=self.kept_at,
            draft=self.draft,
        )


@dataclass(frozen=True, slots=True)
class Landed:
    """A kept draft reached the database."""

    uid: str
    stored: StoredRequest
    done: bool  # forgotten; False when something newer was kept while it was pushed


@dataclass(frozen=True, slots=True)
class Copied:
    """A kept edit conflicted with a change made elsewhere: it is kept as a new request."""

    old_uid: str
    new_uid: str
    request_id: int  # the request it was an edit of
    reason: str


@dataclass
class PushReport:
    landed: list[Landed] = field(default_factory=list)
    copied: list[Copied] = field(default_factory=list)
    # What stopped the push (the link, usually): the drafts not pushed stay kept.
    error: BaseException | None = None
    remaining: int = 0


# --- the draft as JSON: every field of RequestDraft, by its name ----------------------


def encode_draft(draft: RequestDraft) -> str:
    data: dict[str, Any] = {}
    for f in fields(RequestDraft):
        value = getattr(draft, f.name)
        if isinstance(value, Location):
            value = value.value
        elif isinstance(value, frozenset):
            value = sorted(p.value for p in value)
        data[f.name] = value
    return json.dumps(data, ensure_ascii=False)


def decode_draft(text: str) -> RequestDraft:
    data = json.loads(text)
    values: dict[str, Any] = {}
    for f in fields(RequestDraft):
        if f.name not in data:
            continue  # a field added since: its default
        value = data[f.name]
        if f.name == "location":
            value = Location(value) if value else None
        elif f.name == "products":
            value = frozenset(Product(v) for v in value)
        values[f.name] = value
    return RequestDraft(**values)


def _same_text(stored: RequestDraft, draft: RequestDraft) -> bool:
    """True when the database holds what ``draft`` saves as (the store normalises)."""
    return stored == normalised(draft).with_changes(uid=stored.uid)


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """The workstation's kept drafts for one team database (``database`` names it, as
    ``Database.location`` does: drafts for another server are never pushed to this one).

    Every method is one short transaction on the local file; any thread may call them.
    """

    def __init__(self, path: Path, database: str) -> None:
        self.path = path
        self.database = database
        self._ready = False
        self._lock = threading.Lock()

    # --- the file ---------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn.execute("PRAGMA synchronous = FULL")  # kept means on disk
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self._create(conn)
                    self._ready = True
        return conn

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_SCHEMA)
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            log.warning("The outbox %s is from a newer version of the app", self.path)
        conn.execute(f"PRAGMA user_version = {max(found, SCHEMA_VERSION)}")
        cutoff = (_now() - timedelta(days=TOMBSTONE_DAYS)).isoformat()
        conn.execute("DELETE FROM landed WHERE at < ?", (cutoff,))
        conn.execute("DELETE FROM renamed WHERE at < ?", (cutoff,))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()

    # --- keeping ----------------------------------------------------------------------

    def keep(
        self, draft: RequestDraft, request_id: int | None, base_version: int | None
    ) -> KeptDraft:
        """Keep ``draft`` (an edit of ``request_id`` at ``base_version``, or a new request
        when ``request_id`` is None), replacing what was kept for its uid."""
        with self._transaction() as conn:
            uid = self._current_uid(conn, draft.uid)
            if uid != draft.uid:  # turned into a copy meanwhile: this edit goes there
                draft = draft.with_changes(uid=uid)
                request_id, base_version = None, None
            row = conn.execute(
                "SELECT request_id, base_version, revision, copy_of FROM kept "
                "WHERE uid = ? AND database = ?",
                (uid, self.database),
            ).fetchone()
            landed = conn.execute(
                "SELECT request_id, version FROM landed WHERE uid = ? AND database = ?",
                (uid, self.database),
            ).fetchone()
            # A push may have put the draft in already: its id and version are the news.
            if request_id is None:
                request_id = (row[0] if row else None) or (landed[0] if landed else None)
            bases = [base_version]
            if row is not None and row[0] == request_id:
                bases.append(row[1])
            if landed is not None and landed[0] == request_id:
                bases.append(landed[1])
            known = [b for b in bases if b is not None]
            base = max(known) if known else None
            revision = (row[2] if row else 0) + 1
            copy_of = row[3] if row else None
            kept_at = _now()
            conn.execute(
                "INSERT OR REPLACE INTO kept (uid, database, request_id, base_version, draft, "
                "kept_at, revision, copy_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid,
                    self.database,
                    request_id,
                    base,
                    encode_draft(draft),
                    kept_at.isoformat(),
                    revision,
                    copy_of,
                ),
            )
        return KeptDraft(draft, request_id, base, kept_at, revision, copy_of)

    def _current_uid(self, conn: sqlite3.Connection, uid: str) -> str:
        for _ in range(100):  # a chain of copies, never a loop
            found = conn.execute(
                "SELECT new_uid FROM renamed WHERE uid = ? AND database = ?",
                (uid, self.database),
            ).fetchone()
            if found is None:
                return uid
            uid = found[0]
        return uid

    def pending(self) -> list[KeptDraft]:
        """What waits for the database, oldest first."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT draft, request_id, base_version, kept_at, revision, copy_of FROM kept "
                "WHERE database = ? ORDER BY kept_at, uid",
                (self.database,),
            ).fetchall()
        return [self._kept(row) for row in rows]

    def get(self, uid: str) -> KeptDraft | None:
        with self._reading() as conn:
            row = conn.execute(
                "SELECT draft, request_id, base_version, kept_at, revision, copy_of FROM kept "
                "WHERE uid = ? AND database = ?",
                (uid, self.database),
            ).fetchone()
        return self._kept(row) if row else None

    @staticmethod
    def _kept(row: tuple[Any, ...]) -> KeptDraft:
        text, request_id, base, kept_at, revision, copy_of = row
        return KeptDraft(
            decode_draft(text), request_id, base, datetime.fromisoformat(kept_at), revision, copy_of
        )

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._reading() as conn:
            return int(
                conn.execute(
                    "SELECT count(*) FROM kept WHERE database = ?", (self.database,)
                ).fetchone()[0]
            )

    def forget(self, uid: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM kept WHERE uid = ? AND database = ?", (uid, self.database))

    # --- pushing ----------------------------------------------------------------------

    def push(self, store: RequestStore) -> PushReport:
        """Hand every kept draft to ``store``, oldest first; each one in is forgotten.
        The first failure that is not about the request itself (the link, usually) stops
        the push and is in the report; what was not pushed stays kept. The store
        announces each write on its change bus, as for any save."""
        report = PushReport()
        for kept in self.pending():
            try:
                self._push_one(store, kept, report)
            except Exception as exc:
                report.error = exc
                break
        report.remaining = self.count()
        if report.landed or report.copied:
            log.info(
                "Outbox: %d draft(s) in the team database, %d kept as copies, %d waiting",
                len(report.landed),
                len(report.copied),
                report.remaining,
            )
        return report

    def _push_one(self, store: RequestStore, kept: KeptDraft, report: PushReport) -> None:
        draft = kept.draft
        stored: StoredRequest | None
        if kept.request_id is None:
            found = store.ids_by_uid([draft.uid]).get(draft.uid)
            if found is None:
                stored = store.create(draft)
            else:
                # An earlier push created it and its answer was lost: save onto it.
                stored = self._save_or_copy(store, kept, found, kept.base_version or 1, report)
        else:
            stored = self._save_or_copy(
                store, kept, kept.request_id, kept.base_version or 0, report
            )
        if stored is not None:
            report.landed.append(self._landed(kept, stored))

    def _save_or_copy(
        self,
        store: RequestStore,
        kept: KeptDraft,
        request_id: int,
        base: int,
        report: PushReport,
    ) -> StoredRequest | None:
        try:
            current = store.get(request_id)
        except RequestNotFound as exc:
            self._copy(store, kept, request_id, exc, report)
            return None
        if _same_text(current.draft, kept.draft):
            return current  # in already (a save whose answer was lost), or nothing to save
        if current.status.locked:
            self._copy(store, kept, request_id, RequestLocked(request_id, current.status), report)
            return None
        try:
            return store.save(request_id, kept.draft, base)
        except (VersionConflict, RequestLocked, RequestNotFound) as exc:
            self._copy(store, kept, request_id, exc, report)
            return None

    def _copy(
        self,
        store: RequestStore,
        kept: KeptDraft,
        request_id: int,
        error: Exception,
        report: PushReport,
    ) -> None:
        """Keep the user's text as a new request: the row gets a new uid (so its create
        is found again if its answer is lost), then it is pushed as one."""
        if isinstance(error, RequestLocked):
            why = f"request #{request_id} was submitted elsewhere"
        elif isinstance(error, RequestNotFound):
            why = f"request #{request_id} was deleted elsewhere"
        else:
            why = f"request #{request_id} was changed elsewhere"
        fresh = new_uid()
        with self._transaction() as conn:
            old = self._current_uid(conn, kept.uid)
            conn.execute(
                "UPDATE kept SET uid = ?, request_id = NULL, base_version = NULL, copy_of = ?, "
                "revision = revision + 1, draft = json_set(draft, '$.uid', ?) "
                "WHERE uid = ? AND database = ?",
                (fresh, request_id, fresh, old, self.database),
            )
            conn.execute(
                "INSERT OR REPLACE INTO renamed (uid, database, new_uid, at) VALUES (?, ?, ?, ?)",
                (old, self.database, fresh, _now().isoformat()),
            )
        log.warning("Outbox: %s; the kept edit becomes a new request", why)
        report.copied.append(Copied(kept.uid, fresh, request_id, why))
        copy = self.get(fresh)
        if copy is not None:
            self._push_one(store, copy, report)

    def _landed(self, kept: KeptDraft, stored: StoredRequest) -> Landed:
        """Forget the row unless something newer was kept while it was pushed; then it
        stays, naming the stored request and its version (the next push saves it)."""
        uid = kept.uid
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT revision FROM kept WHERE uid = ? AND database = ?", (uid, self.database)
            ).fetchone()
            done = row is None or row[0] == kept.revision
            if row is None:
                pass
            elif done:
                conn.execute(
                    "DELETE FROM kept WHERE uid = ? AND database = ?", (uid, self.database)
                )
            else:
                conn.execute(
                    "UPDATE kept SET request_id = ?, base_version = max(coalesce(base_version, 0), ?) "
                    "WHERE uid = ? AND database = ?",
                    (stored.id, stored.version, uid, self.database),
                )
            conn.execute(
                "INSERT OR REPLACE INTO landed (uid, database, request_id, version, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (uid, self.database, stored.id, stored.version, _now().isoformat()),
            )
        return Landed(uid, stored, done)
