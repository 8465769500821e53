"""What a write changed, announced to whoever shows it.

Every store write publishes a :class:`Changes` on the database's :class:`ChangeBus` after
its transaction commits, on the thread that wrote. Listeners must be quick and must not
block (the GUI's listener only queues a signal). Screens decide for themselves whether a
change touches what they show; no screen refreshes another.

Writes made elsewhere (another process, another workstation on a team database) arrive as
changes with ``remote=True``: the change counters say which kinds of record moved, not
which rows, so a screen reloads everything of that kind it shows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

log = logging.getLogger("byok_desktop.changes")

# A product family on a site: (site key, family value), the unit products change in.
FamilyKey = tuple[str, str]


class Kind(Enum):
    """The kinds of record; each has a change counter in the database."""

    REQUESTS = "requests"
    PRODUCTS = "products"
    JOBS = "jobs"
    PROFILES = "profiles"
    SETTINGS = "settings"


@dataclass(frozen=True, slots=True)
class Changes:
    """What one write (or a batch of writes) changed.

    Empty id sets with the kind in ``kinds`` mean "something of this kind, reload it all"
    (a remote change, an import of many requests).
    """

    kinds: frozenset[Kind] = frozenset()
    requests: frozenset[int] = frozenset()
    families: frozenset[FamilyKey] = frozenset()
    jobs: frozenset[int] = frozenset()
    remote: bool = False
    # Who wrote it, when the writer wants to recognise its own change (an editor that
    # saved a request need not reload it). Never shown.
    origin: object | None = field(default=None, compare=False)

    @staticmethod
    def of_requests(ids: Iterable[int] = (), origin: object | None = None) -> Changes:
        return Changes(frozenset({Kind.REQUESTS}), requests=frozenset(ids), origin=origin)

    @staticmethod
    def of_families(families: Iterable[FamilyKey]) -> Changes:
        return Changes(frozenset({Kind.PRODUCTS}), families=frozenset(families))

    @staticmethod
    def of_jobs(ids: Iterable[int] = ()) -> Changes:
        return Changes(frozenset({Kind.JOBS}), jobs=frozenset(ids))

    @staticmethod
    def of(*kinds: Kind, remote: bool = False) -> Changes:
        return Changes(frozenset(kinds), remote=remote)

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.kinds | other.kinds,
            self.requests | other.requests,
            self.families | other.families,
            self.jobs | other.jobs,
            self.remote or other.remote,
            self.origin if self.origin is other.origin else None,
        )

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def touches(self, kind: Kind) -> bool:
        return kind in self.kinds

    def touches_request(self, request_id: int) -> bool:
        """True when ``request_id`` may have changed (named, or all requests)."""
        return Kind.REQUESTS in self.kinds and (
            not self.requests or request_id in self.requests
        )

    def touches_sites(self) -> frozenset[str]:
        """The sites whose products changed (empty: unknown, all of them)."""
        return frozenset(site for site, _family in self.families)


Listener = Callable[[Changes], None]


class ChangeBus:
    """Thread-safe publish/subscribe of :class:`Changes`.

    ``publish`` calls every listener on the publishing thread; a listener that raises is
    logged and the others still hear the change (a broken screen must not stop a job).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self.published = 0  # how many changes went out (tests, diagnostics)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add ``listener``; the returned function removes it again."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changes: Changes) -> None:
        if not changes:
            return
        with self._lock:
            listeners = list(self._listeners)
            self.published += 1
        for listener in listeners:
            try:
                listener(changes)
            except Exception:
                log.exception("A change listener failed on %s", changes.kinds)
