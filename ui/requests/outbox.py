"""The outbox on the GUI side: keeps drafts on the pool, pushes them on the database worker.

:class:`OutboxSync` wraps the core's :class:`~byok_desktop.outbox.Outbox` (drafts kept on
this workstation while the team database is out of reach). Keeping runs on the pool, so
it never waits behind a store call stuck on a stalled link; pushing runs on the database
worker like every store call, retried with backoff (1, 2, 4 … 30 s), at once when the
change poll finds the database again, and after each keep. What landed and what was kept
as a copy come back as signals; the editor follows its draft into the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from byok_desktop.outbox import KeptDraft, Outbox, PushReport
from byok_desktop.request import RequestDraft
from byok_desktop.store.requests import RequestStore
from ui.operations import Executor, Operations, Ticket
from ui.requests.faults import Fault, classify, reason

log = logging.getLogger("ui.requests")

PUSH_KEY = "outbox-push"


class OutboxSync(QObject):
    landed = Signal(object)  # outbox.Landed: a kept draft is in the database
    copied = Signal(object)  # outbox.Copied: a kept edit conflicted, kept as a new request
    pending_changed = Signal(int)  # how many drafts wait on this workstation

    RETRY_DELAYS_MS: tuple[int, ...] = (1_000, 2_000, 4_000, 8_000, 16_000, 30_000)

    def __init__(
        self, outbox: Outbox, store: RequestStore, ops: Operations, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outboxSync")
        self._outbox = outbox
        self._store = store
        self._ops = ops
        self._kept: dict[str, KeptDraft] = {}  # as last read, by uid
        self._push_ticket: Ticket | None = None
        self._again = False  # kept while a push ran: push again after it
        self._retries = 0
        self.offline = False  # the last push could not reach the database
        self._retry = QTimer(self)
        self._retry.setObjectName("outboxRetry")
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.push)

    # --- what is kept -----------------------------------------------------------------

    @property
    def pending_count(self) -> int:
        return len(self._kept)

    def kept(self) -> list[KeptDraft]:
        return sorted(self._kept.values(), key=lambda k: k.kept_at)

    def kept_for(self, request_id: int) -> KeptDraft | None:
        """The kept edit of a stored request, if one waits."""
        return next((k for k in self._kept.values() if k.request_id == request_id), None)

    def holds(self, uid: str) -> bool:
        return uid in self._kept

    def _set(self, pending: list[KeptDraft]) -> None:
        before = len(self._kept)
        self._kept = {k.uid: k for k in pending}
        if len(self._kept) != before:
            self.pending_changed.emit(len(self._kept))

    # --- keeping and pushing ------------------------------------------------------------

    def start(self) -> None:
        """Read what an earlier run kept, and push it."""
        outbox = self._outbox
        self._ops.run(
            outbox.pending,
            self._started,
            self._start_failed,
            on=Executor.POOL,
            what="read the drafts kept on this workstation",
            owner=self,
        )

    def _started(self, pending: list[KeptDraft]) -> None:
        self._set(pending)
        if pending:
            log.info("%d draft(s) kept on this workstation from an earlier run", len(pending))
            self.push()

    def _start_failed(self, error: BaseException) -> None:
        log.error("The drafts kept on this workstation could not be read", exc_info=error)

    def keep(
        self,
        owner: QObject,
        draft: RequestDraft,
        request_id: int | None,
        base_version: int | None,
        success: Callable[[KeptDraft], None],
        failure: Callable[[BaseException], None],
    ) -> Ticket:
        """Keep ``draft`` on this workstation (on the pool); ``success(kept)`` runs on the
        GUI thread while ``owner`` lives, and a push follows unless one waits for its
        retry."""
        outbox = self._outbox

        def work() -> tuple[KeptDraft, list[KeptDraft]]:
            return outbox.keep(draft, request_id, base_version), outbox.pending()

        def done(result: tuple[KeptDraft, list[KeptDraft]]) -> None:
            kept, pending = result
            self._set(pending)
            success(kept)
            if not self._retry.isActive():
                self.push()

        return self._ops.run(
            work,
            done,
            failure,
            on=Executor.POOL,
            what="keep a draft on this workstation",
            owner=owner,
        )

    @Slot()
    def push(self) -> None:
        """Hand the kept drafts to the database (on the database worker)."""
        if not self._kept:
            return
        if self._ops.is_pending(self._push_ticket):
            self._again = True
            return
        self._retry.stop()
        outbox, store = self._outbox, self._store

        def work() -> tuple[PushReport, list[KeptDraft]]:
            return outbox.push(store), outbox.pending()

        self._push_ticket = self._ops.run(
            work,
            self._pushed,
            self._push_failed,
            on=Executor.DATABASE,
            what="save the drafts kept on this workstation",
            owner=self,
            key=PUSH_KEY,
        )

    @Slot()
    def link_back(self) -> None:
        """The database answers again (the change poll worked): push at once."""
        if self._kept and (self._retry.isActive() or self.offline):
            self._retries = 0
            self.push()

    def _pushed(self, result: tuple[PushReport, list[KeptDraft]]) -> None:
        report, pending = result
        self._push_ticket = None
        self._set(pending)
        for copied in report.copied:
            self.copied.emit(copied)
        for landed in report.landed:
            self.landed.emit(landed)
        if report.error is not None:
            self._push_failed(report.error)
            return
        self.offline = False
        self._retries = 0
        if pending and (self._again or report.landed):
            self._again = False
            self.push()  # kept while it ran: push that too
        elif pending:
            self._backoff()

    def _push_failed(self, error: BaseException) -> None:
        self._push_ticket = None
        fault = classify(error)
        self.offline = fault is Fault.OFFLINE
        if fault is Fault.BUG:
            log.error("Kept drafts could not be saved to the database", exc_info=error)
        elif self._retries == 0:
            log.warning("Kept drafts wait for the database: %s", reason(error))
        self._backoff()

    def _backoff(self) -> None:
        delay = self.RETRY_DELAYS_MS[min(self._retries, len(self.RETRY_DELAYS_MS) - 1)]
        self._retries += 1
        self._retry.start(delay)

    def stop(self) -> None:
        """No more retries (the window closes); what is kept stays on disk."""
        self._retry.stop()
