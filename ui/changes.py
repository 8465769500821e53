"""Brings the core's change announcements to the GUI thread.

The store publishes :class:`~byok_desktop.changes.Changes` on whatever thread wrote (a job
worker, the database worker, a health check). :class:`ChangeRelay` subscribes once and
re-emits each change as ``changed`` on the GUI thread, merged when several arrive before
the GUI thread gets to them. Pages connect to ``changed`` and decide for themselves what
to reload; no page refreshes another.

Writes by other processes or workstations reach the bus through :meth:`poll`, which reads
the database's change counters on the database worker every few seconds. The poll is
also the heartbeat of the link to a team database: ``link_lost`` and ``link_back`` say
when it stops and starts answering, so the window shows one banner, not an error per
keystroke.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from byok_desktop.changes import ChangeBus, Changes
from ui.operations import Executor, Operations, Ticket

log = logging.getLogger("ui.changes")

POLL_MS = 5_000


class ChangeRelay(QObject):
    changed = Signal(object)  # Changes, on the GUI thread
    link_lost = Signal(str)  # the database stopped answering (why, in a sentence)
    link_back = Signal()  # it answers again
    reachable = Signal()  # a poll of the database answered (it is reachable again)
    _waiting = Signal()

    def __init__(
        self,
        bus: ChangeBus,
        ops: Operations,
        poll: Callable[[], Changes] | None = None,
        parent: QObject | None = None,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self._bus = bus
        self._ops = ops
        self._lock = threading.Lock()
        self._queued: Changes | None = None
        self._waiting.connect(self._deliver)
        self._unsubscribe = bus.subscribe(self._heard)
        self._poll = poll
        self._polling: Ticket | None = None
        self.offline = False
        self._poll_timer = QTimer(self)
        self._poll_timer.setObjectName("remoteChangePoll")
        self._poll_timer.setInterval(poll_ms)
        self._poll_timer.timeout.connect(self.poll)
        if poll is not None:
            self._poll_timer.start()

    def _heard(self, changes: Changes) -> None:
        """Any thread: keep the change, wake the GUI thread unless a wake-up is due."""
        with self._lock:
            first = self._queued is None
            self._queued = changes if first else self._queued | changes  # type: ignore[operator]
        if first:
            self._waiting.emit()

    @Slot()
    def _deliver(self) -> None:
        with self._lock:
            changes, self._queued = self._queued, None
        if changes:
            self.changed.emit(changes)

    @Slot()
    def poll(self) -> None:
        """Ask the database whether anyone else wrote (on the database worker)."""
        if self._poll is None or self._ops.is_pending(self._polling):
            return  # one at a time: on a stalled link a newer poll must not hide its answer
        self._polling = self._ops.run(
            self._poll,
            self._polled,
            self._poll_failed,
            on=Executor.DATABASE,
            what="check for changes made elsewhere",
        )

    def _polled(self, changes: Changes) -> None:
        if self.offline:
            self.offline = False
            log.info("The database answers again")
            self.link_back.emit()
        self.reachable.emit()
        if changes:
            self._bus.publish(changes)

    def _poll_failed(self, error: BaseException) -> None:
        from ui.requests.faults import is_offline, reason

        log.info("Change poll failed: %s", error)  # polling goes on
        if is_offline(error) and not self.offline:
            self.offline = True
            first_line = str(reason(error)).strip().splitlines()[0:1]
            self.link_lost.emit(first_line[0] if first_line else type(error).__name__)

    def stop(self) -> None:
        self._poll_timer.stop()
        self._unsubscribe()
