"""The job journal on both databases: claiming is exclusive, even between two app
instances (two engines) racing for the same job."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from byok_desktop.context import AppContext, open_context
from byok_desktop.job_records import JobNotClaimable, JobStatus, StepStatus
from byok_desktop.jobs.runner import PROVISION
from byok_desktop.paths import AppPaths
from byok_desktop.store.jobs import JobStore
from byok_desktop.store.models import FamilyKeyRow
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring


def _job(context: AppContext, site: str = "acme") -> int:
    request = context.database.requests.create(ready_draft(site_name=site))
    return context.database.jobs.create(
        kind=PROVISION,
        request_id=request.id,
        profile_uid="profile",
        site_key=site,
        family="jira",
        location="eu",
        account_id="012345678901",
        steps_total=6,
    ).id


def test_journal_round_trip(context: AppContext) -> None:
    jobs = context.database.jobs
    job_id = _job(context)
    claimed = jobs.claim(job_id, "me")
    assert claimed.status is JobStatus.RUNNING
    step = jobs.step_started(job_id, "identity").step_id
    assert step is not None
    jobs.step_finished(step, {"caller_arn": "arn:aws:iam::012345678901:user/ada"})
    failing = jobs.step_started(job_id, "role").step_id
    assert failing is not None
    jobs.step_failed(failing, StepStatus.FAILED, "access_denied", "no iam:GetRole")
    failed = jobs.finish(job_id, JobStatus.FAILED, "access_denied", "no iam:GetRole")
    assert failed.steps_done == 1
    assert jobs.completed(job_id) == (
        ["identity"],
        {"caller_arn": "arn:aws:iam::012345678901:user/ada"},
    )
    assert [s.status for s in jobs.steps(job_id)] == [StepStatus.SUCCEEDED, StepStatus.FAILED]
    assert jobs.open_jobs("acme", "jira") == [jobs.get(job_id)]
    # A failed job can be claimed again (retry); a running one cannot.
    jobs.claim(job_id, "me")
    with pytest.raises(JobNotClaimable):
        jobs.claim(job_id, "someone else")


def _race(stores: list[JobStore], job_id: int) -> dict[str, bool]:
    """Every store claims ``job_id`` at the same moment; who won."""
    barrier = threading.Barrier(len(stores))
    outcome: dict[str, bool] = {}

    def claim(store: JobStore, name: str) -> None:
        barrier.wait()
        try:
            store.claim(job_id, name)
            outcome[name] = True
        except JobNotClaimable:
            outcome[name] = False

    threads = [
        threading.Thread(target=claim, args=(store, f"instance-{i}"))
        for i, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome


def test_two_instances_racing_for_one_job_never_both_get_it(
    context: AppContext, paths: AppPaths, database_url: str | None
) -> None:
    """Two app instances: two engines on one database, claiming at the same moment."""
    other = open_context(paths, database_url=database_url, keyring_backend=MemoryKeyring())
    try:
        stores = [context.database.jobs, other.database.jobs]
        for _round in range(10):
            job_id = _job(context, site=f"site-{_round}")
            outcome = _race(stores, job_id)
            assert sorted(outcome.values()) == [False, True], outcome
            winner = next(name for name, won in outcome.items() if won)
            assert context.database.jobs.get(job_id).owner == winner
    finally:
        other.close()


def test_a_cancelled_queued_job_cannot_be_claimed_by_a_stale_worker(context: AppContext) -> None:
    jobs = context.database.jobs
    job_id = _job(context)
    jobs.request_cancel(job_id)
    assert jobs.get(job_id).status is JobStatus.CANCELLED
    # Cancelled is resumable: the user may resume it, and exactly one claim wins.
    jobs.claim(job_id, "resumer")
    with pytest.raises(JobNotClaimable):
        jobs.claim(job_id, "stale worker")


def test_step_writes_return_the_job_as_stored(context: AppContext) -> None:
    jobs = context.database.jobs
    job_id = _job(context)
    jobs.claim(job_id, "me")
    started = jobs.step_started(job_id, "identity")
    assert started.step_id is not None
    assert started.job == jobs.get(job_id)
    assert (started.job.current_step, started.job.steps_done) == ("identity", 0)
    [step] = jobs.steps(job_id)
    assert (step.id, step.status) == (started.step_id, StepStatus.RUNNING)
    done = jobs.step_finished(started.step_id, {"caller_arn": "arn"})
    assert done == jobs.get(job_id)
    assert (done.current_step, done.steps_done) == ("identity", 1)
    finished = jobs.finish(job_id, JobStatus.SUCCEEDED)
    assert finished == jobs.get(job_id)
    assert (finished.status, finished.current_step) == (JobStatus.SUCCEEDED, "")


def test_steps_done_never_passes_steps_total(context: AppContext) -> None:
    jobs = context.database.jobs
    job_id = _job(context)  # 6 steps
    jobs.claim(job_id, "me")
    for _ in range(7):
        step_id = jobs.step_started(job_id, "identity").step_id
        assert step_id is not None
        done = jobs.step_finished(step_id, {})
    assert done.steps_done == 6


def test_a_step_does_not_start_once_cancel_is_requested(context: AppContext) -> None:
    jobs = context.database.jobs
    job_id = _job(context)
    jobs.claim(job_id, "me")
    first = jobs.step_started(job_id, "identity").step_id
    assert first is not None
    jobs.step_finished(first, {})
    jobs.request_cancel(job_id)
    refused = jobs.step_started(job_id, "role")
    assert refused.step_id is None
    assert refused.job == jobs.get(job_id)
    assert refused.job.cancel_requested
    assert refused.job.current_step == "identity"
    assert [s.step for s in jobs.steps(job_id)] == ["identity"]
    # A resume clears the request: steps start again.
    jobs.finish(job_id, JobStatus.CANCELLED)
    jobs.claim(job_id, "me")
    assert jobs.step_started(job_id, "role").step_id is not None


def test_starting_a_step_of_a_missing_job_raises(context: AppContext) -> None:
    with pytest.raises(LookupError):
        context.database.jobs.step_started(12345, "identity")


def test_record_keys_inserts_then_updates_one_row_per_region(context: AppContext) -> None:
    jobs = context.database.jobs
    first = _job(context)
    arns = {"eu-central-1": "arn:1", "eu-west-1": "arn:2"}
    jobs.record_keys(first, "acme", "jira", "key-1", "alias/one", arns)
    before = {k.region: k for k in context.database.products.family_keys("acme", "jira")}
    created = _key_rows(context)
    second = _job(context, site="acme-2")
    jobs.record_keys(second, "acme", "jira", "key-2", "alias/two", {"eu-central-1": "arn:3"})
    after = {k.region: k for k in context.database.products.family_keys("acme", "jira")}
    assert sorted(after) == ["eu-central-1", "eu-west-1"]
    assert (after["eu-central-1"].key_id, after["eu-central-1"].key_arn) == ("key-2", "arn:3")
    assert after["eu-central-1"].alias == "alias/two"
    assert after["eu-west-1"] == before["eu-west-1"]
    rows = _key_rows(context)
    assert rows["eu-central-1"] == (second, created["eu-central-1"][1])  # created_at kept
    assert rows["eu-west-1"] == created["eu-west-1"]
    jobs.record_keys(second, "acme", "jira", "key-2", "alias/two", {})  # nothing to record
    assert {k.region: k for k in context.database.products.family_keys("acme", "jira")} == after


def _key_rows(context: AppContext) -> dict[str, tuple[int | None, datetime]]:
    """Per region: the job that last recorded the key and when the row was created."""
    with Session(context.database.engine) as session:
        rows = session.scalars(select(FamilyKeyRow).where(FamilyKeyRow.site_key == "acme"))
        return {r.region: (r.job_id, r.created_at) for r in rows}
