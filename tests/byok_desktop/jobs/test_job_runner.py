"""Provisioning jobs against moto: journal, success, resume after interruption, cancel."""

from __future__ import annotations

import pytest

from byok_desktop.context import AppContext
from byok_desktop.job_records import Job, JobNotClaimable, JobStatus, StepStatus
from byok_desktop.jobs.runner import PROVISION, JobRunner, ProvisioningSettings
from byok_desktop.products import Product
from byok_desktop.provisioning.steps import PROVISIONING_STEPS
from byok_desktop.store.jobs import JobStore
from tests.helpers.factories import ready_draft
from tests.helpers.provisioned import add_verified_profile

ACCOUNT = "123456789012"


def _setup(ctx: AppContext) -> tuple[JobRunner, JobStore, int, str]:
    service = ctx.credentials
    profile = add_verified_profile(ctx, region="us-east-1")
    request = ctx.database.requests.create(
        ready_draft(
            aws_account_id=ACCOUNT,
            products=frozenset({Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT}),
        )
    )
    jobs = ctx.database.jobs
    job = jobs.create(
        kind=PROVISION,
        request_id=request.id,
        profile_uid=profile.uid,
        site_key="acme",
        family="jira",
        location="eu",
        account_id=ACCOUNT,
        steps_total=len(PROVISIONING_STEPS),
    )
    runner = JobRunner(ctx.database, service, ProvisioningSettings(poll_interval_s=0))
    return runner, jobs, job.id, profile.uid


def _keys(ctx: AppContext, profile_uid: str, region: str) -> list[str]:
    connection = ctx.credentials.connect(ctx.credentials.profiles.get(profile_uid))
    return [k["KeyId"] for k in connection.client("kms", region).list_keys()["Keys"]]


def test_a_job_runs_every_step_and_records_products(ctx: AppContext) -> None:
    runner, jobs, job_id, uid = _setup(ctx)
    seen: list[JobStatus] = []
    finished = runner.run(job_id, "test", lambda job: seen.append(job.status))
    assert finished.status is JobStatus.SUCCEEDED
    assert finished.steps_done == finished.steps_total == len(PROVISIONING_STEPS)
    steps = jobs.steps(job_id)
    assert [s.step for s in steps] == [s.key for s in PROVISIONING_STEPS]
    assert all(s.status is StepStatus.SUCCEEDED and s.finished_at for s in steps)
    assert seen[0] is JobStatus.RUNNING
    assert seen[-1] is JobStatus.SUCCEEDED
    assert ctx.database.requests.products_on_site("acme") == {
        Product.JIRA_SOFTWARE,
        Product.JIRA_SERVICE_MANAGEMENT,
    }
    assert len(_keys(ctx, uid, "eu-central-1")) == 1
    with pytest.raises(JobNotClaimable):
        runner.run(job_id, "again")


def test_every_progress_update_is_the_job_as_journaled(ctx: AppContext) -> None:
    """The runner hands on the jobs its journal writes return (no re-read): each one is
    what the database holds at that moment, one update as each step starts and ends."""
    runner, jobs, job_id, _uid = _setup(ctx)
    seen: list[tuple[str, int]] = []

    def check(job: Job) -> None:
        assert job == jobs.get(job_id)
        seen.append((job.current_step, job.steps_done))

    assert runner.run(job_id, "test", check).status is JobStatus.SUCCEEDED
    expected = [("", 0)]
    for done, step in enumerate(PROVISIONING_STEPS):
        expected += [(step.key, done), (step.key, done + 1)]
    expected.append(("", len(PROVISIONING_STEPS)))
    assert seen == expected


class Crash(BaseException):
    """Stands in for the process dying: nothing in the runner handles it."""


@pytest.mark.parametrize("crash_in", [s.key for s in PROVISIONING_STEPS])
def test_resume_after_a_crash_in_any_step_finishes_without_duplicates(
    ctx: AppContext, crash_in: str
) -> None:
    runner, jobs, job_id, uid = _setup(ctx)

    def die_when_step_starts(job: Job) -> None:
        journal = jobs.steps(job_id)
        step_begun = bool(journal) and journal[-1].status is StepStatus.RUNNING
        if job.status is JobStatus.RUNNING and job.current_step == crash_in and step_begun:
            raise Crash()

    with pytest.raises(Crash):
        runner.run(job_id, "dead-app", die_when_step_starts)
    assert jobs.get(job_id).status is JobStatus.RUNNING  # as a crashed app leaves it
    assert jobs.mark_interrupted() == [job_id]
    assert jobs.get(job_id).status is JobStatus.INTERRUPTED
    finished = runner.run(job_id, "new-app")
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    journal = jobs.steps(job_id)
    # Completed steps were not run again; the interrupted one was closed and redone.
    assert [s.step for s in journal if s.status is StepStatus.SUCCEEDED] == [
        s.key for s in PROVISIONING_STEPS
    ]
    assert [s.step for s in journal if s.status is StepStatus.CANCELLED] == [crash_in]
    for region in ("eu-central-1", "eu-west-1"):
        assert len(_keys(ctx, uid, region)) == 1


def test_cancel_stops_between_steps_and_resume_completes(ctx: AppContext) -> None:
    runner, jobs, job_id, uid = _setup(ctx)

    def cancel_after_role(job: object) -> None:
        if jobs.get(job_id).steps_done == 2:
            jobs.request_cancel(job_id)

    cancelled = runner.run(job_id, "test", cancel_after_role)
    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.steps_done == 2
    assert _keys(ctx, uid, "eu-central-1") == []
    resumed = runner.run(job_id, "test")
    assert resumed.status is JobStatus.SUCCEEDED
    assert len(_keys(ctx, uid, "eu-central-1")) == 1


def test_a_queued_job_cancels_at_once(ctx: AppContext) -> None:
    _runner, jobs, job_id, _uid = _setup(ctx)
    jobs.request_cancel(job_id)
    assert jobs.get(job_id).status is JobStatus.CANCELLED


def test_a_failed_step_keeps_the_journal_and_the_job_can_be_retried(ctx: AppContext) -> None:
    runner, jobs, job_id, _uid = _setup(ctx)
    with ctx.database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jobs SET account_id = '999999999999' WHERE id = ?", (job_id,))
    failed = runner.run(job_id, "test")
    assert failed.status is JobStatus.FAILED
    assert failed.error_fault == "account_mismatch"
    assert "999999999999" in failed.error_message
    assert jobs.steps(job_id)[0].status is StepStatus.FAILED
    with ctx.database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jobs SET account_id = ? WHERE id = ?", (ACCOUNT, job_id))
    assert runner.run(job_id, "test").status is JobStatus.SUCCEEDED
