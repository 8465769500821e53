"""Connects the Qt-free scheduler to the GUI: job updates reach the GUI thread in batches
through Operations; submits and cancels run on its workers."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from byok_desktop.context import AppContext
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.owner import owner_alive, this_owner
from byok_desktop.jobs.runner import JobRunner
from byok_desktop.jobs.scheduler import JobScheduler
from byok_desktop.jobs.submit import submit_request
from byok_desktop.store.jobs import JobStore
from ui.operations import Executor, Operations

log = logging.getLogger("ui.jobs")


def _stop_running(store: JobStore) -> None:
    """On the database worker at quit: running and queued jobs stop at the next step."""
    for job in store.all_jobs():
        if job.status in (JobStatus.RUNNING, JobStatus.QUEUED):
            store.request_cancel(job.id)


class JobsBridge(QObject):
    # Emitted on the GUI thread, in the order the workers reported.
    job_updated = Signal(object)
    submit_failed = Signal(str)
    submitted = Signal(int, int)  # request id, number of jobs queued
    access_submitted = Signal(object)  # a revoke or restore Job, queued
    # The jobs a closed or crashed app left running, marked Interrupted at start-up.
    interrupted_found = Signal(list)

    def __init__(self, context: AppContext, ops: Operations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._ops = ops
        self.store = context.database.jobs
        self.owner = this_owner()
        self.interrupted: list[int] = []
        self.interrupted_checked = False  # the start-up marking has run
        store = self.store
        ops.run(
            lambda: store.mark_interrupted(owner_alive),
            self._marked,
            on=Executor.DATABASE,
            what="mark interrupted jobs",
        )
        # Each job takes a snapshot of the settings in force as it starts.
        self._runner = runner = JobRunner(
            context.database, context.credentials, context.settings_service.snapshot
        )
        # Workers' updates are handed over in batches: one wake-up of the GUI thread per
        # batch, not per update (each wake-up waits for the GIL).
        self.updates = ops.batched(self._deliver_updates)
        self._scheduler = JobScheduler(
            runner, context.settings.worker_threads, self.owner, self.updates
        )

    def _marked(self, ids: list[int]) -> None:
        self.interrupted = ids
        self.interrupted_checked = True
        if ids:
            self.interrupted_found.emit(ids)

    def _deliver_updates(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.job_updated.emit(job)

    def submit(self, request_id: int) -> None:
        """Check and create the jobs on a worker (it may verify the profile online)."""
        context = self._context
        store = self.store

        def work() -> list[Job]:
            return submit_request(request_id, context.database.requests, store, context.credentials)

        self._ops.run(work, self._submitted, self._submit_error, on=Executor.POOL, what="submit")

    def _submitted(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.job_updated.emit(job)
            self._scheduler.submit(job.id, job.site_key)
        if jobs and jobs[0].request_id is not None:
            self.submitted.emit(jobs[0].request_id, len(jobs))

    def change_access(self, kind: str, site_key: str, family: str) -> None:
        """Queue a revoke or restore job ("revoke"/"restore") for a site's product family;
        the checks run on a worker, refusals arrive as ``submit_failed``."""
        from byok_desktop.jobs.access import submit_restore, submit_revoke

        submit = submit_revoke if kind == "revoke" else submit_restore
        context = self._context

        def work() -> Job:
            return submit(context.database, context.credentials, site_key, family)

        self._ops.run(work, self._access_submitted, self._submit_error, on=Executor.POOL, what=kind)

    def _access_submitted(self, job: Job) -> None:
        self.job_updated.emit(job)
        self._scheduler.submit(job.id, job.site_key)
        self.access_submitted.emit(job)

    def _submit_error(self, exc: BaseException) -> None:
        self.submit_failed.emit(str(exc))

    def resume(self, job: Job) -> None:
        """Retry a failed job or resume an interrupted or cancelled one."""
        self._scheduler.submit(job.id, job.site_key)

    def cancel(self, job: Job) -> None:
        store, job_id = self.store, job.id

        def work() -> Job:
            store.request_cancel(job_id)
            return store.get(job_id)

        self._ops.run(work, self._cancelled, on=Executor.DATABASE, what="cancel a job")

    def _cancelled(self, job: Job) -> None:
        self.job_updated.emit(job)

    @property
    def active(self) -> int:
        return self._scheduler.active

    def shutdown(self, wait_s: float = 5.0) -> None:
        """On quit: ask running jobs to stop at the next step boundary (they stay
        resumable), wait a little, and leave the rest to be marked Interrupted."""
        store = self.store
        self._ops.run(lambda: _stop_running(store), on=Executor.DATABASE, what="stop running jobs")
        self._scheduler.wait_idle(wait_s)
        self._scheduler.shutdown(wait=False)
