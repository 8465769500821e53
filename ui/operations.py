"""The one way the Qt layer leaves the GUI thread.

An operation is a callable that runs on a worker; its result, failure and progress come
back to the GUI thread, where the callbacks run. Two executors:

- ``Executor.DATABASE``: one serial worker. Every store call the UI makes goes here, so
  database work never overlaps and a slow link (a team database over a VPN) delays only
  other database work, never the window.
- ``Executor.POOL``: a small pool for network, keyring and file work, which may block for
  seconds and must not hold up the database queue.

Failures the caller does not handle go to one error presenter (the main window shows a
dialog or the offline banner). A ``key`` makes the newest operation win: results of an
older operation with the same key are dropped, never delivered (the editor's site check
as the user types). ``batched`` gives workers a thread-safe function whose calls reach the
GUI thread in batches (job updates): one wake-up of the GUI thread per batch.

Callbacks are always bound methods or functions called from :meth:`Operations._deliver`
on the GUI thread, whatever they are: the worker only emits a queued signal.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import isValid

log = logging.getLogger("ui.operations")

T = TypeVar("T")
Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class Executor(Enum):
    DATABASE = "database"
    POOL = "pool"


class ErrorPresenter(Protocol):
    """Shows a failure nobody else handled (the main window implements it)."""

    def present_failure(self, what: str, error: BaseException) -> None: ...


class _LogPresenter:
    """Until a window presents errors: log them, so none is ever silent."""

    def present_failure(self, what: str, error: BaseException) -> None:
        log.error("%s failed", what, exc_info=error)


class _Signals(QObject):
    """Worker → GUI thread. Kept alive by the workers that emit on it (it has no parent),
    so work still running when its Operations goes emits into nothing, never into a
    deleted object."""

    finished = Signal(int, bool, object)
    progress = Signal(int, int, int, str)
    batch_waiting = Signal(object)


class Progress:
    """Handed to an operation's work when it asks for progress: thread-safe."""

    def __init__(self, signals: _Signals, op_id: int) -> None:
        self._signals = signals
        self._op_id = op_id
        self._cancelled = threading.Event()

    def report(self, done: int, total: int, text: str = "") -> None:
        self._signals.progress.emit(self._op_id, done, total, text)

    @property
    def cancelled(self) -> bool:
        """True once the GUI no longer wants the result (a newer operation replaced it)."""
        return self._cancelled.is_set()


@dataclass
class _Pending:
    what: str
    success: Success | None
    failure: Failure | None
    progress: Callable[[int, int, str], None] | None
    key: str | None
    handle: Progress
    owner: QObject | None = None
    dropped: bool = False


class _Runnable(QRunnable):
    def __init__(self, signals: _Signals, op_id: int, work: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._signals = signals
        self._op_id = op_id
        self._work = work

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as exc:  # delivered to the GUI thread, never lost
            self._signals.finished.emit(self._op_id, False, exc)
        else:
            self._signals.finished.emit(self._op_id, True, result)


@dataclass
class Ticket:
    """What ``run`` returns: enough to drop the result later."""

    op_id: int
    key: str | None = None


class Batcher(Generic[T]):
    """Collects items from any thread; the GUI thread gets them as lists."""

    def __init__(self, signals: _Signals, deliver: Callable[[list[T]], None]) -> None:
        self._signals = signals
        self._deliver = deliver
        self._items: list[T] = []
        self._lock = threading.Lock()

    def __call__(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            first = len(self._items) == 1
        if first:
            self._signals.batch_waiting.emit(self)

    def _drain(self) -> None:
        with self._lock:
            items, self._items = self._items, []
        if items:
            self._deliver(items)


class Operations(QObject):
    """Runs work off the GUI thread and brings the outcome back to it."""

    # GUI thread: how many operations are pending (a busy indicator).
    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, pool_threads: int = 4) -> None:
        super().__init__(parent)
        self._pools = {Executor.DATABASE: QThreadPool(self), Executor.POOL: QThreadPool(self)}
        self._pools[Executor.DATABASE].setMaxThreadCount(1)
        self._pools[Executor.DATABASE].setObjectName("databaseWorker")
        self._pools[Executor.POOL].setMaxThreadCount(max(1, pool_threads))
        self._pools[Executor.POOL].setObjectName("workerPool")
        for pool in self._pools.values():
            pool.setExpiryTimeout(30_000)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._newest: dict[str, int] = {}
        self._closed = False
        self.presenter: ErrorPresenter = _LogPresenter()
        self._signals = _Signals()  # created here: it lives on the GUI thread
        self._signals.finished.connect(self._deliver)
        self._signals.progress.connect(self._deliver_progress)
        self._signals.batch_waiting.connect(self._deliver_batch)

    # --- running ------------------------------------------------------------------

    def run(
        self,
        work: Callable[[], T],
        success: Callable[[T], None] | None = None,
        failure: Failure | None = None,
        *,
        on: Executor = Executor.DATABASE,
        what: str = "background work",
        key: str | None = None,
        owner: QObject | None = None,
    ) -> Ticket:
        """Run ``work`` on executor ``on``; call ``success(result)`` or ``failure(exc)``
        on the GUI thread. Without ``failure``, the presenter shows the error. With an
        ``owner`` (the widget the callbacks update), nothing is delivered once it is gone."""
        return self._start(lambda _handle: work(), success, failure, None, on, what, key, owner)

    def run_with_progress(
        self,
        work: Callable[[Progress], T],
        success: Callable[[T], None] | None = None,
        failure: Failure | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        *,
        on: Executor = Executor.POOL,
        what: str = "background work",
        key: str | None = None,
        owner: QObject | None = None,
    ) -> Ticket:
        """Like :meth:`run`; ``work`` gets a :class:`Progress` to report through, and
        ``progress(done, total, text)`` runs on the GUI thread for each report."""
        return self._start(work, success, failure, progress, on, what, key, owner)

    def _start(
        self,
        work: Callable[[Progress], Any],
        success: Success | None,
        failure: Failure | None,
        progress: Callable[[int, int, str], None] | None,
        on: Executor,
        what: str,
        key: str | None,
        owner: QObject | None = None,
    ) -> Ticket:
        op_id = next(self._ids)
        handle = Progress(self._signals, op_id)
        if key is not None:
            older = self._newest.get(key)
            if older is not None and older in self._pending:
                self._drop(older)
            self._newest[key] = op_id
        self._pending[op_id] = _Pending(what, success, failure, progress, key, handle, owner)
        if self._closed:
            # After shutdown nothing new starts; the caller hears why.
            self._signals.finished.emit(op_id, False, RuntimeError("The app is closing."))
        else:
            self._pools[on].start(_Runnable(self._signals, op_id, lambda: work(handle)))
        self.busy_changed.emit(self.pending)
        return Ticket(op_id, key)

    def drop(self, ticket: Ticket | None) -> None:
        """The caller no longer wants this operation's outcome: it is never delivered."""
        if ticket is not None and ticket.op_id in self._pending:
            self._drop(ticket.op_id)

    def _drop(self, op_id: int) -> None:
        pending = self._pending[op_id]
        pending.dropped = True
        pending.handle._cancelled.set()

    def batched(self, deliver: Callable[[list[T]], None]) -> Batcher[T]:
        """A function workers may call with items; ``deliver(items)`` gets them on the
        GUI thread, many calls per wake-up."""
        return Batcher(self._signals, deliver)

    # --- state --------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return sum(1 for p in self._pending.values() if not p.dropped)

    def is_pending(self, ticket: Ticket | None) -> bool:
        return ticket is not None and ticket.op_id in self._pending

    def wait(self, msecs: int = 30_000, only: Executor | None = None) -> bool:
        """Block until both executors (or ``only`` one) are idle (tests, and Quit after
        ``shutdown``); outcomes still arrive by signal on the next turn of the event loop."""
        ok = True
        for executor, pool in self._pools.items():
            if only is None or executor is only:
                ok = pool.waitForDone(msecs) and ok
        return ok

    def shutdown(self, msecs: int = 3_000) -> bool:
        """Start nothing new, and wait up to ``msecs`` for what runs. Queued database work
        still runs (it may be the last save or a job's stop request); queued network,
        keyring and file work never starts. Work still running after ``msecs`` is left to
        finish on its own (its outcome is dropped): quitting never waits on a stuck
        keyring or network call."""
        self._closed = True
        self._pools[Executor.POOL].clear()  # queued, not started: never run
        for op_id in list(self._pending):
            self._drop(op_id)
        return self.wait(msecs)

    # --- delivery (GUI thread) ----------------------------------------------------

    @Slot(int, bool, object)
    def _deliver(self, op_id: int, ok: bool, payload: object) -> None:
        pending = self._pending.pop(op_id, None)
        if pending is None:
            return
        if pending.key is not None and self._newest.get(pending.key) == op_id:
            del self._newest[pending.key]
        self.busy_changed.emit(self.pending)
        if pending.owner is not None and not isValid(pending.owner):
            pending.dropped = True  # its screen closed while it ran
        if pending.dropped:
            if not ok:
                log.info("Dropped %s ended with %r", pending.what, payload)
            return
        if ok:
            if pending.success is not None:
                pending.success(payload)
            return
        assert isinstance(payload, BaseException)
        if pending.failure is not None:
            log.info("%s failed: %s", pending.what, payload)
            pending.failure(payload)
        else:
            self.presenter.present_failure(pending.what, payload)

    @Slot(int, int, int, str)
    def _deliver_progress(self, op_id: int, done: int, total: int, text: str) -> None:
        pending = self._pending.get(op_id)
        if pending is not None and pending.owner is not None and not isValid(pending.owner):
            return
        if pending is not None and not pending.dropped and pending.progress is not None:
            pending.progress(done, total, text)

    @Slot(object)
    def _deliver_batch(self, batcher: Batcher[Any]) -> None:
        batcher._drain()
