"""The job journal: every job and step recorded as it happens, readable forever after."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from byok_desktop.jobs.model import Job, JobStatus, JobStep, StepStatus
from byok_desktop.store.engine import session_factory
from byok_desktop.store.models import FamilyKeyRow, JobRow, JobStepRow
from byok_desktop.store.products import on_job_interrupted

log = logging.getLogger("byok_desktop.jobs")


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        request_id=row.request_id,
        profile_uid=row.profile_uid,
        site_key=row.site_key,
        family=row.family,
        location=row.location,
        account_id=row.account_id,
        status=JobStatus(row.status),
        steps_total=row.steps_total,
        steps_done=row.steps_done,
        current_step=row.current_step,
        cancel_requested=row.cancel_requested,
        error_fault=row.error_fault,
        error_message=row.error_message,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        owner=row.owner,
    )


def _step(row: JobStepRow) -> JobStep:
    return JobStep(
        id=row.id,
        job_id=row.job_id,
        step=row.step,
        status=StepStatus(row.status),
        resources=json.loads(row.resources or "{}"),
        error_fault=row.error_fault,
        error_message=row.error_message,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


class JobNotClaimable(RuntimeError):
    pass


def new_job_row(
    *,
    kind: str,
    request_id: int | None,
    profile_uid: str,
    site_key: str,
    family: str,
    location: str,
    account_id: str,
    steps_total: int,
) -> JobRow:
    """A Queued job, for callers that add it in their own transaction."""
    return JobRow(
        kind=kind,
        request_id=request_id,
        profile_uid=profile_uid,
        site_key=site_key,
        family=family,
        location=location,
        account_id=account_id,
        status=JobStatus.QUEUED.value,
        steps_total=steps_total,
        steps_done=0,
        current_step="",
        cancel_requested=False,
        owner="",
        error_fault="",
        error_message="",
        created_at=datetime.now(UTC),
    )


class JobStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = session_factory(engine)

    def create(self, **fields: Any) -> Job:
        """A new Queued job; ``fields`` as for :func:`new_job_row`."""
        with self._sessions.begin() as session:
            row = new_job_row(**fields)
            session.add(row)
            session.flush()
            return _job(row)

    def get(self, job_id: int) -> Job:
        with self._sessions() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise LookupError(f"Job {job_id} does not exist.")
            return _job(row)

    def all_jobs(self) -> list[Job]:
        with self._sessions() as session:
            return [_job(r) for r in session.scalars(select(JobRow).order_by(JobRow.id.desc()))]

    def open_jobs(self, site_key: str, family: str) -> list[Job]:
        """Jobs on a site's product family that are queued, running or resumable."""
        wanted = [s.value for s in JobStatus if s.open]
        with self._sessions() as session:
            rows = session.scalars(
                select(JobRow)
                .where(
                    JobRow.site_key == site_key,
                    JobRow.family == family,
                    JobRow.status.in_(wanted),
                )
                .order_by(JobRow.id)
            )
            return [_job(r) for r in rows]

    def steps(self, job_id: int) -> list[JobStep]:
        with self._sessions() as session:
            rows = session.scalars(
                select(JobStepRow).where(JobStepRow.job_id == job_id).order_by(JobStepRow.id)
            )
            return [_step(r) for r in rows]

    def completed(self, job_id: int) -> tuple[list[str], dict[str, str]]:
        """Steps already done (in order) and the resources they established."""
        done: list[str] = []
        resources: dict[str, str] = {}
        for step in self.steps(job_id):
            if step.status is StepStatus.SUCCEEDED and step.step not in done:
                done.append(step.step)
                resources.update(step.resources)
        return done, resources

    def claim(self, job_id: int, owner: str) -> Job:
        """Atomically mark a queued or resumable job Running for ``owner``; a job that
        another worker or app instance holds cannot be claimed twice."""
        claimable = [JobStatus.QUEUED.value, *(s.value for s in JobStatus if s.resumable)]
        with self._sessions.begin() as session:
            # On a database server, lock the row; a job another workstation is claiming
            # right now is skipped rather than waited for. SQLite ignores this: its
            # single writer and the guarded UPDATE below make the claim atomic there.
            locked = session.scalar(
                select(JobRow.id)
                .where(JobRow.id == job_id, JobRow.status.in_(claimable))
                .with_for_update(skip_locked=True)
            )
            if locked is None:
                raise JobNotClaimable(f"Job {job_id} is already running or finished.")
            result = session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status.in_(claimable))
                .values(
                    status=JobStatus.RUNNING.value,
                    owner=owner,
                    cancel_requested=False,
                    error_fault="",
                    error_message="",
                    started_at=datetime.now(UTC),
                    finished_at=None,
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise JobNotClaimable(f"Job {job_id} is already running or finished.")
            row = session.get(JobRow, job_id)
            assert row is not None
            return _job(row)

    def step_started(self, job_id: int, step: str) -> int:
        with self._sessions.begin() as session:
            row = JobStepRow(
                job_id=job_id,
                step=step,
                status=StepStatus.RUNNING.value,
                resources="{}",
                error_fault="",
                error_message="",
                started_at=datetime.now(UTC),
            )
            session.add(row)
            session.execute(update(JobRow).where(JobRow.id == job_id).values(current_step=step))
            session.flush()
            return row.id

    def step_finished(self, step_id: int, resources: dict[str, str]) -> None:
        with self._sessions.begin() as session:
            row = session.get(JobStepRow, step_id)
            assert row is not None
            row.status = StepStatus.SUCCEEDED.value
            row.resources = json.dumps(resources, sort_keys=True)
            row.finished_at = datetime.now(UTC)
            job = session.get(JobRow, row.job_id)
            assert job is not None
            job.steps_done = min(job.steps_total, job.steps_done + 1)

    def step_failed(self, step_id: int, status: StepStatus, fault: str, message: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(JobStepRow, step_id)
            assert row is not None
            row.status = status.value
            row.error_fault = fault
            row.error_message = message
            row.finished_at = datetime.now(UTC)

    def finish(self, job_id: int, status: JobStatus, fault: str = "", message: str = "") -> Job:
        with self._sessions.begin() as session:
            row = session.get(JobRow, job_id)
            assert row is not None
            row.status = status.value
            row.error_fault = fault
            row.error_message = message
            row.finished_at = datetime.now(UTC)
            if status is JobStatus.SUCCEEDED:
                row.current_step = ""
            session.flush()
            return _job(row)

    def request_cancel(self, job_id: int) -> None:
        """A queued job is cancelled at once; a running one stops at the next step boundary."""
        with self._sessions.begin() as session:
            session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
                .values(
                    status=JobStatus.CANCELLED.value,
                    finished_at=datetime.now(UTC),
                    error_message="Cancelled before it started; resume to run it.",
                )
            )
            session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING.value)
                .values(cancel_requested=True)
            )

    def cancel_requested(self, job_id: int) -> bool:
        with self._sessions() as session:
            return bool(session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))

    def mark_interrupted(self, owner_alive: Callable[[str], bool] | None = None) -> list[int]:
        """At start-up: jobs left Running by a closed or crashed app become Interrupted,
        and their half-done steps are closed in the journal. ``owner_alive`` says whether
        a job's owner (another app instance) still runs; its jobs are left alone."""
        with self._sessions.begin() as session:
            query = select(JobRow).where(JobRow.status == JobStatus.RUNNING.value)
            ids = []
            for row in session.scalars(query):
                if owner_alive is not None and owner_alive(row.owner):
                    continue
                row.status = JobStatus.INTERRUPTED.value
                row.error_message = "The app closed while this job ran; resume it."
                on_job_interrupted(session, row.site_key, row.family, row.kind)
                ids.append(row.id)
            if ids:
                session.execute(
                    update(JobStepRow)
                    .where(
                        JobStepRow.job_id.in_(ids), JobStepRow.status == StepStatus.RUNNING.value
                    )
                    .values(
                        status=StepStatus.CANCELLED.value,
                        error_message="interrupted",
                        finished_at=datetime.now(UTC),
                    )
                )
        if ids:
            log.warning("Marked %d job(s) Interrupted: %s", len(ids), ids)
        return ids

    def record_keys(
        self, job_id: int, site_key: str, family: str, key_id: str, alias: str, arns: dict[str, str]
    ) -> None:
        """Record the key per region (idempotent: a resumed job updates its rows)."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            for region, arn in arns.items():
                row = session.scalar(
                    select(FamilyKeyRow).where(
                        FamilyKeyRow.site_key == site_key,
                        FamilyKeyRow.family == family,
                        FamilyKeyRow.region == region,
                    )
                )
                if row is None:
                    row = FamilyKeyRow(
                        site_key=site_key, family=family, region=region, created_at=now
                    )
                    session.add(row)
                row.key_id = key_id
                row.key_arn = arn
                row.alias = alias
                row.job_id = job_id
