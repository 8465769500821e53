"""The job journal: every job and step recorded as it happens, readable forever after."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Row, Table, bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from byok_desktop.changes import ChangeBus, Changes, FamilyKey
from byok_desktop.job_records import Job, JobNotClaimable, JobStatus, JobStep, StepStart, StepStatus
from byok_desktop.store.boundary import store_boundary
from byok_desktop.store.change_counters import ChangeLog
from byok_desktop.store.engine import is_sqlite, session_factory
from byok_desktop.store.models import FamilyKeyRow, JobRow, JobStepRow
from byok_desktop.store.products import on_job_interrupted

log = logging.getLogger("byok_desktop.jobs")

# The writes a running job makes are plain Core statements, built once here: building
# one costs several times what SQLite takes to run it, and a write should hold the
# database's write lock as briefly as it can. Parameters are named p_* (SQLAlchemy
# reserves the column names in SET and VALUES); each statement returns what it wrote.
_JOBS = cast(Table, JobRow.__table__)
_STEPS = cast(Table, JobStepRow.__table__)
_KEYS = cast(Table, FamilyKeyRow.__table__)
_CLAIMABLE = [JobStatus.QUEUED.value, *(s.value for s in JobStatus if s.resumable)]

_LOCK_CLAIMABLE = (
    select(_JOBS.c.id)
    .where(_JOBS.c.id == bindparam("p_job"), _JOBS.c.status.in_(_CLAIMABLE))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(_JOBS)
    .where(_JOBS.c.id == bindparam("p_job"), _JOBS.c.status.in_(_CLAIMABLE))
    .values(
        status=JobStatus.RUNNING.value,
        owner=bindparam("p_owner"),
        cancel_requested=False,
        error_fault="",
        error_message="",
        started_at=bindparam("p_now"),
        finished_at=None,
    )
    .returning(_JOBS)
)
# Starting a step: the job's current step, unless its cancel has been requested ...
_SET_CURRENT_STEP = (
    update(_JOBS)
    .where(_JOBS.c.id == bindparam("p_job"), _JOBS.c.cancel_requested.is_(False))
    .values(current_step=bindparam("p_step"))
    .returning(_JOBS)
)
# ... and the step's journal entry.
_ADD_STEP = (
    insert(_STEPS)
    .values(
        job_id=bindparam("p_job"),
        step=bindparam("p_step"),
        status=StepStatus.RUNNING.value,
        resources="{}",
        error_fault="",
        error_message="",
        started_at=bindparam("p_now"),
    )
    .returning(_STEPS.c.id)
)
# Finishing a step: its journal entry, then the job's count of steps done.
_STEP_SUCCEEDED = (
    update(_STEPS)
    .where(_STEPS.c.id == bindparam("p_step_id"))
    .values(
        status=StepStatus.SUCCEEDED.value,
        resources=bindparam("p_resources"),
        finished_at=bindparam("p_now"),
    )
    .returning(_STEPS.c.job_id)
)
_COUNT_STEP_DONE = (
    update(_JOBS)
    .where(_JOBS.c.id == bindparam("p_job"))
    .values(
        steps_done=case(
            (_JOBS.c.steps_done < _JOBS.c.steps_total, _JOBS.c.steps_done + 1),
            else_=_JOBS.c.steps_total,
        )
    )
    .returning(_JOBS)
)
_STEP_STOPPED = (
    update(_STEPS)
    .where(_STEPS.c.id == bindparam("p_step_id"))
    .values(
        status=bindparam("p_status"),
        error_fault=bindparam("p_fault"),
        error_message=bindparam("p_message"),
        finished_at=bindparam("p_now"),
    )
)
_FINISH = (
    update(_JOBS)
    .where(_JOBS.c.id == bindparam("p_job"))
    .values(
        status=bindparam("p_status"),
        error_fault=bindparam("p_fault"),
        error_message=bindparam("p_message"),
        finished_at=bindparam("p_now"),
    )
    .returning(_JOBS)
)
_FINISH_SUCCEEDED = _FINISH.values(current_step="")  # a finished job has no current step


def _job(row: JobRow | Row[Any]) -> Job:
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
    owner: str = "",
) -> JobRow:
    """A Queued job, for callers that add it in their own transaction. ``owner`` is the
    process that submits it (and will hand it to its workers): when that process is gone
    and the job is still Queued, nobody will run it, so start-up marks it Interrupted."""
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
        owner=owner,
        error_fault="",
        error_message="",
        created_at=datetime.now(UTC),
    )


@store_boundary
class JobStore:
    """Reads go through ORM sessions. The writes a running job makes (claim, steps,
    finish, keys) are prebuilt Core statements, one per row written and no read first,
    so they hold the database's write lock briefly; those that change the job return it
    as stored (RETURNING), so the runner need not read it again."""

    def __init__(self, engine: Engine, changes: ChangeLog | None = None) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)
        # A job's creation, claim, end, cancel and interruption are announced on
        # changes.bus; its steps reach the GUI through the scheduler's updates.
        self._changes = changes or ChangeLog(engine, ChangeBus())

    def create(self, **fields: Any) -> Job:
        """A new Queued job; ``fields`` as for :func:`new_job_row`."""
        with self._sessions.begin() as session:
            row = new_job_row(**fields)
            session.add(row)
            session.flush()
            self._changes.wrote(session, Changes.of_jobs([row.id]))
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
        with self._engine.begin() as conn:
            # On a database server, lock the row; a job another workstation is claiming
            # right now is skipped rather than waited for. SQLite has no row locks: its
            # single writer makes the guarded UPDATE below atomic there.
            if (
                not is_sqlite(self._engine)
                and conn.scalar(_LOCK_CLAIMABLE, {"p_job": job_id}) is None
            ):
                raise JobNotClaimable(f"Job {job_id} is already running or finished.")
            row = conn.execute(
                _CLAIM, {"p_job": job_id, "p_owner": owner, "p_now": datetime.now(UTC)}
            ).one_or_none()
            changes = Changes.of_jobs([job_id])
            raised = self._changes.count(conn, changes) if row is not None else {}
        if row is None:
            raise JobNotClaimable(f"Job {job_id} is already running or finished.")
        self._changes.announce(changes, raised)
        return _job(row)

    def step_started(self, job_id: int, step: str) -> StepStart:
        """Start ``step`` in the journal, unless the job's cancel has been requested (the
        check and the start are one transaction, so a cancel is never missed between)."""
        params = {"p_job": job_id, "p_step": step, "p_now": datetime.now(UTC)}
        with self._engine.begin() as conn:
            row = conn.execute(_SET_CURRENT_STEP, params).one_or_none()
            if row is not None:
                step_id = conn.execute(_ADD_STEP, params).scalar_one()
                return StepStart(_job(row), step_id)
        # Cancel requested (or no such job: LookupError); nothing was written.
        return StepStart(self.get(job_id), None)

    def step_finished(self, step_id: int, resources: dict[str, str]) -> Job:
        """Mark a step Succeeded with the resources it established; returns the job as it
        now stands (one more step done)."""
        params = {
            "p_step_id": step_id,
            "p_resources": json.dumps(resources, sort_keys=True),
            "p_now": datetime.now(UTC),
        }
        with self._engine.begin() as conn:
            job_id = conn.execute(_STEP_SUCCEEDED, params).scalar_one()
            row = conn.execute(_COUNT_STEP_DONE, {"p_job": job_id}).one()
        return _job(row)

    def step_failed(self, step_id: int, status: StepStatus, fault: str, message: str) -> None:
        params = {
            "p_step_id": step_id,
            "p_status": status.value,
            "p_fault": fault,
            "p_message": message,
            "p_now": datetime.now(UTC),
        }
        with self._engine.begin() as conn:
            conn.execute(_STEP_STOPPED, params)

    def finish(self, job_id: int, status: JobStatus, fault: str = "", message: str = "") -> Job:
        statement = _FINISH_SUCCEEDED if status is JobStatus.SUCCEEDED else _FINISH
        params = {
            "p_job": job_id,
            "p_status": status.value,
            "p_fault": fault,
            "p_message": message,
            "p_now": datetime.now(UTC),
        }
        changes = Changes.of_jobs([job_id])
        with self._engine.begin() as conn:
            row = conn.execute(statement, params).one()
            raised = self._changes.count(conn, changes)
        self._changes.announce(changes, raised)
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
            self._changes.wrote(session, Changes.of_jobs([job_id]))

    def cancel_requested(self, job_id: int) -> bool:
        with self._sessions() as session:
            return bool(session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))

    def mark_interrupted(self, owner_alive: Callable[[str], bool] | None = None) -> list[int]:
        """At start-up: jobs left Running by a closed or crashed app become Interrupted,
        and their half-done steps are closed in the journal; so do jobs left Queued by
        one (its workers died with it, nobody else will pick them up). ``owner_alive``
        says whether a job's owner (another app instance; for a Queued job, the process
        that submitted it) still runs; its jobs are left alone."""
        waiting = (JobStatus.RUNNING.value, JobStatus.QUEUED.value)
        with self._sessions.begin() as session:
            query = select(JobRow).where(JobRow.status.in_(waiting)).order_by(JobRow.id)
            ids = []
            families: list[FamilyKey] = []
            for row in session.scalars(query):
                if owner_alive is not None and owner_alive(row.owner):
                    continue
                if row.status == JobStatus.QUEUED.value:
                    row.error_message = "The app closed before this job started; resume it."
                else:
                    row.error_message = "The app closed while this job ran; resume it."
                row.status = JobStatus.INTERRUPTED.value
                on_job_interrupted(session, row.site_key, row.family, row.kind)
                ids.append(row.id)
                families.append((row.site_key, row.family))
            if ids:
                self._changes.wrote(session, Changes.of_jobs(ids) | Changes.of_families(families))
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
        if not arns:
            return
        now = datetime.now(UTC)
        dialect_insert = sqlite.insert if is_sqlite(self._engine) else postgresql.insert
        upsert = dialect_insert(_KEYS).values(
            [
                {
                    "site_key": site_key,
                    "family": family,
                    "region": region,
                    "created_at": now,
                    "key_id": key_id,
                    "key_arn": arn,
                    "alias": alias,
                    "job_id": job_id,
                }
                for region, arn in arns.items()
            ]
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[_KEYS.c.site_key, _KEYS.c.family, _KEYS.c.region],
            set_={
                "key_id": upsert.excluded.key_id,
                "key_arn": upsert.excluded.key_arn,
                "alias": upsert.excluded.alias,
                "job_id": upsert.excluded.job_id,
            },
        )
        with self._engine.begin() as conn:
            conn.execute(upsert)
