"""Connects the Qt-free scheduler to the GUI: job updates arrive as a queued signal."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal, Slot

from byok_desktop.context import AppContext
from byok_desktop.job_records import Job
from byok_desktop.jobs.owner import owner_alive, this_owner
from byok_desktop.jobs.runner import JobRunner, ProvisioningSettings
from byok_desktop.jobs.scheduler import JobScheduler
from byok_desktop.jobs.submit import submit_request
from byok_desktop.settings import Settings
from ui.tasks import TaskRunner

log = logging.getLogger("ui.jobs")


class JobsBridge(QObject):
    # Emitted on the GUI thread, in the order the workers reported.
    job_updated = Signal(object)
    # Emitted from a worker when the first of a batch of updates is waiting (queued).
    _updates_waiting = Signal()
    submit_failed = Signal(str)
    submitted = Signal(int, int)  # request id, number of jobs queued
    access_submitted = Signal(object)  # a revoke or restore Job, queued

    def __init__(
        self, context: AppContext, tasks: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._tasks = tasks
        self.store = context.database.jobs
        self.owner = this_owner()
        self.interrupted = self.store.mark_interrupted(owner_alive)
        self._runner = runner = JobRunner(
            context.database,
            context.credentials,
            ProvisioningSettings.from_settings(context.settings),
        )
        # Workers' updates are collected and handed over in batches: one wake-up of the
        # GUI thread per batch, not per update (each wake-up waits for the GIL).
        self._updates: list[Job] = []
        self._updates_lock = threading.Lock()
        self._updates_waiting.connect(self._deliver_updates)
        self._scheduler = JobScheduler(
            runner, context.settings.worker_threads, self.owner, self._collect_update
        )

    def _collect_update(self, job: Job) -> None:
        """On a worker: keep the update; wake the GUI thread unless a wake-up is pending."""
        with self._updates_lock:
            self._updates.append(job)
            first = len(self._updates) == 1
        if first:
            self._updates_waiting.emit()

    @Slot()
    def _deliver_updates(self) -> None:
        with self._updates_lock:
            updates, self._updates = self._updates, []
        for job in updates:
            self.job_updated.emit(job)

    def apply_settings(self, settings: Settings) -> None:
        """Jobs that start from now on use the new role name and provider principal."""
        self._runner.settings = ProvisioningSettings.from_settings(settings)

    def submit(self, request_id: int) -> None:
        """Check and create the jobs on a worker (it may verify the profile online)."""

        def work() -> list[Job]:
            return submit_request(
                request_id,
                self._context.database.requests,
                self.store,
                self._context.credentials,
            )

        self._tasks.run(work, self._submitted, self._submit_error, what="submit")

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

        def work() -> Job:
            return submit(self._context.database, self._context.credentials, site_key, family)

        self._tasks.run(work, self._access_submitted, self._submit_error, what=kind)

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
        def work() -> Job:
            self.store.request_cancel(job.id)
            return self.store.get(job.id)

        self._tasks.run(work, self.job_updated.emit, what="cancel")

    @property
    def active(self) -> int:
        return self._scheduler.active

    def shutdown(self, wait_s: float = 5.0) -> None:
        """On quit: ask running jobs to stop at the next step boundary (they stay
        resumable), wait a little, and leave the rest to be marked Interrupted."""
        for job in self.store.all_jobs():
            if job.status.value in ("running", "queued"):
                self.store.request_cancel(job.id)
        self._scheduler.wait_idle(wait_s)
        self._scheduler.shutdown(wait=False)
