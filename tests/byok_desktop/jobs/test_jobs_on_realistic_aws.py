"""Jobs and health checks as the app runs them, through the realistic AWS layer: IAM
propagation after CreateRole, a replica Creating after ReplicateKey, aliases listed
late and throttling bursts (delays of a fraction of a second, real clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_desktop.aws.realism import Realism, RealisticAws
from byok_desktop.context import AppContext
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.access import submit_restore, submit_revoke
from byok_desktop.jobs.runner import JobRunner, ProvisioningSettings
from byok_desktop.product_status import ProductStatus
from tests.helpers.provisioned import (
    Account,
    health_check,
    moto_context,
    share_botocore_data,
    submit,
)
from tests.helpers.realistic_aws import use_realistic_aws

REALISM = Realism.quick(
    principal_delay_s=1.5,  # outlasts the journal writes between CreateRole and CreateKey
    replica_creating_s=2.0,  # outlasts the steps between ReplicateKey and the final wait
    throttle_rate=0.05,
    throttle_burst=2,
    seed=3,
)


@pytest.fixture
def layer(monkeypatch: pytest.MonkeyPatch) -> RealisticAws:
    share_botocore_data(monkeypatch)
    return use_realistic_aws(monkeypatch, REALISM)


@pytest.fixture
def ctx(tmp_path: Path, layer: RealisticAws) -> Iterator[AppContext]:
    with moto_context(tmp_path / "d") as context:
        yield context


def _runner(ctx: AppContext, consistency_wait_s: float = 120.0) -> JobRunner:
    return JobRunner(
        ctx.database,
        ctx.credentials,
        ProvisioningSettings(poll_interval_s=0, consistency_wait_s=consistency_wait_s),
    )


def _run(runner: JobRunner, job_id: int) -> tuple[Job, list[str]]:
    details: list[str] = []
    finished = runner.run(job_id, "test", lambda job: details.append(job.detail))
    return finished, [d for d in details if d]


def test_a_full_provision_waits_out_propagation_creating_and_throttling(
    ctx: AppContext, layer: RealisticAws
) -> None:
    [job_id] = submit(ctx)
    layer.throttle_next(2)  # a burst on the very first calls, besides the random ones
    finished, details = _run(_runner(ctx), job_id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    assert any(d.startswith("Waiting for IAM to propagate (") for d in details)
    assert any(
        d.startswith("Waiting for the replica in eu-west-1 to be created (") for d in details
    )
    assert layer.throttled > 2
    [key] = {k.key_id for k in ctx.database.products.family_keys("acme", "jira")}
    assert Account().key_states(key) == ("Enabled", "Enabled")
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE


def test_a_provision_fails_with_the_cause_when_iam_takes_too_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share_botocore_data(monkeypatch)
    use_realistic_aws(monkeypatch, Realism.quick(principal_delay_s=60))
    with moto_context(tmp_path / "d") as ctx:
        [job_id] = submit(ctx)
        finished, details = _run(_runner(ctx, consistency_wait_s=0.5), job_id)
        assert finished.status is JobStatus.FAILED
        assert finished.error_fault == "not_yet_consistent"
        assert "does not see the role" in finished.error_message
        assert "for IAM to propagate, the most allowed" in finished.error_message
        assert details
        assert details[0].startswith("Waiting for IAM to propagate (")
        assert finished.current_step == "primary_key"


def test_revoke_and_restore_right_after_provisioning(ctx: AppContext, layer: RealisticAws) -> None:
    [job_id] = submit(ctx)
    runner = _runner(ctx)
    assert _run(runner, job_id)[0].status is JobStatus.SUCCEEDED
    layer.throttle_next(2)
    revoke = submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    revoked, _ = _run(runner, revoke.id)
    assert revoked.status is JobStatus.SUCCEEDED, revoked.error_message
    aws = Account()
    assert aws.provider_allowed() is False
    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED

    restore = submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    restored, _ = _run(runner, restore.id)
    assert restored.status is JobStatus.SUCCEEDED, restored.error_message
    assert aws.provider_allowed() is True
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE


def test_health_checks_ride_out_throttling(ctx: AppContext, layer: RealisticAws) -> None:
    [job_id] = submit(ctx)
    assert _run(_runner(ctx), job_id)[0].status is JobStatus.SUCCEEDED
    before = layer.throttled
    layer.throttle_next(3)
    result = health_check(ctx, "acme", "jira")
    assert (result.status, result.error) == (ProductStatus.ACTIVE, "")
    assert layer.throttled == before + 3
