"""Announcing writes: on this process's bus at once, to everyone else through counters.

Every store write calls :meth:`ChangeLog.wrote` inside its transaction: it raises the
counter of each kind it changed and, once the transaction commits, publishes the change
on the bus. :meth:`ChangeLog.poll` reads the counters (one query) and turns a counter
that moved by someone else's write into a remote :class:`Changes`.

Own writes are told apart by the value each raise returns: when it is exactly one more
than the last value seen, nobody else wrote in between, so the poll stays quiet.
"""

from __future__ import annotations

import logging
import threading
from typing import cast

from sqlalchemy import Connection, Engine, Table, event, select, update
from sqlalchemy.orm import Session

from byok_desktop.changes import ChangeBus, Changes, Kind
from byok_desktop.store.boundary import store_boundary
from byok_desktop.store.models import ChangeCounterRow

log = logging.getLogger("byok_desktop.db")

_COUNTERS = cast(Table, ChangeCounterRow.__table__)
_PENDING = "byok_pending_changes"


@store_boundary
class ChangeLog:
    def __init__(self, engine: Engine, bus: ChangeBus) -> None:
        self._engine = engine
        self.bus = bus
        self._lock = threading.Lock()
        self._seen: dict[Kind, int] | None = None  # None: no baseline yet
        self._raise = {
            kind: update(_COUNTERS)
            .where(_COUNTERS.c.kind == kind.value)
            .values(value=_COUNTERS.c.value + 1)
            .returning(_COUNTERS.c.value)
            for kind in Kind
        }

    def wrote(self, session: Session, changes: Changes) -> None:
        """Inside a write's transaction: raise the counters; publish after the commit
        (never for a transaction that rolls back)."""
        if not changes:
            return
        raised: dict[Kind, int] = {}
        for kind in changes.kinds:
            value = session.execute(self._raise[kind]).scalar()
            if value is not None:  # a database from before the counters: nothing to raise
                raised[kind] = int(value)
        pending: list[tuple[Changes, dict[Kind, int]]] | None = session.info.get(_PENDING)
        if pending is None:
            pending = session.info[_PENDING] = []
            event.listen(session, "after_commit", self._committed, once=True)
            event.listen(session, "after_rollback", self._rolled_back, once=True)
        pending.append((changes, raised))

    def count(self, conn: Connection, changes: Changes) -> dict[Kind, int]:
        """For writes on a bare connection: raise the counters inside its transaction;
        pass the result to :meth:`announce` once it has committed."""
        raised: dict[Kind, int] = {}
        for kind in changes.kinds:
            value = conn.execute(self._raise[kind]).scalar()
            if value is not None:
                raised[kind] = int(value)
        return raised

    def announce(self, changes: Changes, raised: dict[Kind, int]) -> None:
        self._note_own(raised)
        self.bus.publish(changes)

    def _committed(self, session: Session) -> None:
        pending = session.info.pop(_PENDING, [])
        for _changes, raised in pending:
            self._note_own(raised)
        merged = Changes()
        for changes, _raised in pending:
            merged = merged | changes if merged else changes
        self.bus.publish(merged)

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(_PENDING, None)

    def _note_own(self, raised: dict[Kind, int]) -> None:
        with self._lock:
            if self._seen is None:
                return
            for kind, value in raised.items():
                if self._seen.get(kind) == value - 1:
                    self._seen[kind] = value  # only ours since the last look

    def poll(self) -> Changes:
        """What others changed since the last poll (the first poll only looks)."""
        with self._engine.connect() as conn:
            now = {
                Kind(kind): int(value)
                for kind, value in conn.execute(select(_COUNTERS.c.kind, _COUNTERS.c.value))
                if kind in Kind._value2member_map_
            }
        with self._lock:
            seen, self._seen = self._seen, dict(now)
        if seen is None:
            return Changes()
        moved = [kind for kind, value in now.items() if seen.get(kind) != value]
        if moved:
            log.info("Changes made elsewhere: %s", ", ".join(k.value for k in moved))
        return Changes.of(*moved, remote=True) if moved else Changes()
