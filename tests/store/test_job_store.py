"""The job journal on both databases: claiming is exclusive, even between two app
instances (two engines) racing for the same job."""

from __future__ import annotations

import threading

import pytest

from byok_desktop.context import AppContext, open_context
from byok_desktop.jobs.model import JobStatus, StepStatus
from byok_desktop.jobs.runner import PROVISION
from byok_desktop.paths import AppPaths
from byok_desktop.store.jobs import JobNotClaimable, JobStore
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
    step = jobs.step_started(job_id, "identity")
    jobs.step_finished(step, {"caller_arn": "arn:aws:iam::012345678901:user/ada"})
    failing = jobs.step_started(job_id, "role")
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
