"""The one background-work API of the Qt layer.

Work runs on a thread pool; its result or exception comes back to the GUI thread
through a signal connected to this GUI-thread object, which then calls the callback.
Callbacks therefore always run on the GUI thread, whatever they are.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger("ui.tasks")

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class _Relay(QObject):
    finished = Signal(int, bool, object)  # task id, ok, result or exception


class _Job(QRunnable):
    def __init__(self, task_id: int, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task_id = task_id
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as exc:  # delivered to the GUI thread, never lost
            self._relay.finished.emit(self._task_id, False, exc)
        else:
            self._relay.finished.emit(self._task_id, True, result)


class TaskRunner(QObject):
    """Runs callables off the GUI thread. ``busy_changed`` reports the pending count."""

    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Success, Failure | None, str]] = {}

    def run(
        self,
        work: Callable[[], Any],
        on_success: Success,
        on_failure: Failure | None = None,
        what: str = "task",
    ) -> int:
        task_id = next(self._ids)
        self._pending[task_id] = (on_success, on_failure, what)
        self._pool.start(_Job(task_id, work, self._relay))
        self.busy_changed.emit(len(self._pending))
        return task_id

    @property
    def pending(self) -> int:
        return len(self._pending)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (shutdown and tests); results still arrive by signal."""
        return self._pool.waitForDone(msecs)

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, payload: object) -> None:
        on_success, on_failure, what = self._pending.pop(task_id)
        self.busy_changed.emit(len(self._pending))
        if ok:
            on_success(payload)
            return
        assert isinstance(payload, BaseException)
        if on_failure is None:
            log.error("Background %s failed", what, exc_info=payload)
            raise payload
        log.info("Background %s failed: %s", what, payload)
        on_failure(payload)
