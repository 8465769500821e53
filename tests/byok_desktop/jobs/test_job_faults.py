"""Provisioning jobs against moto with AWS faults injected below botocore's retry handler.

A burst of throttling is absorbed by the retries; a lasting fault fails the job with the
fault a rep can act on and a message that says what to do, journaled against the step that
hit it; and running the job again once AWS works finishes it without a second key or alias
and without redoing the steps that had succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError
from moto.core.models import botocore_stubber

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.context import AppContext
from byok_desktop.job_records import Job, JobStatus, StepStatus
from byok_desktop.jobs.runner import PROVISION, JobRunner, ProvisioningSettings
from byok_desktop.products import Product
from byok_desktop.provisioning.steps import PROVISIONING_STEPS
from byok_desktop.store.jobs import JobStore
from tests.helpers.aws_faults import (
    AwsFaults,
    Call,
    access_denied,
    aws_error,
    throttled,
    unreachable,
)
from tests.helpers.factories import ready_draft
from tests.helpers.provisioned import add_verified_profile

ACCOUNT = "123456789012"
PRIMARY, REPLICA = "eu-central-1", "eu-west-1"  # the EU location's two regions
ALIAS = "alias/cryptor-acme-jira"
ROLE = "role/atlassian-key-management"
STEPS = [s.key for s in PROVISIONING_STEPS]

Journal = list[tuple[str, StepStatus]]


@dataclass
class Provisioning:
    """One Ready request's provisioning job, and the AWS account it provisions."""

    ctx: AppContext
    runner: JobRunner
    jobs: JobStore
    job_id: int
    profile_uid: str
    faults: AwsFaults

    def run(self) -> Job:
        return self.runner.run(self.job_id, "test", self.faults.follow)

    def journal(self) -> Journal:
        return [(s.step, s.status) for s in self.jobs.steps(self.job_id)]

    def key_id(self) -> str:
        return self.jobs.completed(self.job_id)[1]["key_id"]

    @cached_property
    def _connection(self) -> AwsConnection:
        """The test's own look at the account (through the gate, which lets it pass)."""
        profile = self.ctx.credentials.profiles.get(self.profile_uid)
        return self.ctx.credentials.connect(profile)

    def kms(self, region: str) -> Any:
        return self._connection.client("kms", region)

    def keys(self, region: str) -> list[str]:
        kms = self.kms(region)
        return [k["KeyId"] for k in kms.list_keys()["Keys"]]

    def alias_targets(self, region: str) -> list[str]:
        kms = self.kms(region)
        listed = kms.list_aliases()["Aliases"]
        return [a.get("TargetKeyId", "") for a in listed if a["AliasName"] == ALIAS]

    def assert_provisioned_once(self) -> None:
        """One key in each region, the same multi-Region key, and one alias naming it."""
        key_id = self.key_id()
        for region in (PRIMARY, REPLICA):
            assert self.keys(region) == [key_id], region
            assert self.alias_targets(region) == [key_id], region


@pytest.fixture
def prov(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Provisioning:
    service = ctx.credentials
    profile = add_verified_profile(ctx, region="us-east-1")
    request = ctx.database.requests.create(
        ready_draft(aws_account_id=ACCOUNT, products=frozenset({Product.JIRA_SOFTWARE}))
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
    faults = AwsFaults.install(monkeypatch)
    return Provisioning(ctx, runner, jobs, job.id, profile.uid, faults)


def _succeeded(steps: list[str]) -> Journal:
    return [(step, StepStatus.SUCCEEDED) for step in steps]


def _failed_in(step: str) -> Journal:
    """The journal of a first run that failed in ``step``."""
    return [*_succeeded(STEPS[: STEPS.index(step)]), (step, StepStatus.FAILED)]


def _retried_from(step: str) -> Journal:
    """The journal after that run was retried: only ``step`` and later ones ran again."""
    return [*_failed_in(step), *_succeeded(STEPS[STEPS.index(step) :])]


def _retry_finishes(prov: Provisioning, failed_in: str) -> None:
    prov.faults.clear()
    finished = prov.run()
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    assert prov.journal() == _retried_from(failed_in)
    prov.assert_provisioned_once()


def test_the_gate_keeps_a_faulted_call_from_reaching_moto(prov: Provisioning) -> None:
    """Else every check below of "exactly one key" would count the harness's keys."""
    prov.faults.inject("kms:CreateKey", throttled())
    with pytest.raises(ClientError, match="ThrottlingException"):
        prov.kms(PRIMARY).create_key()
    assert prov.faults.attempts("kms:CreateKey") == prov.ctx.settings.aws_max_attempts
    assert prov.keys(PRIMARY) == []


@pytest.mark.parametrize(
    ("action", "step"),
    [("kms:CreateKey", "primary_key"), ("kms:ReplicateKey", "replica")],
)
def test_a_burst_of_throttling_is_retried_and_the_job_succeeds(
    prov: Provisioning, action: str, step: str
) -> None:
    fault = prov.faults.inject(action, throttled(), times=3)
    finished = prov.run()
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    assert fault.injected == 3
    assert prov.faults.attempts(action) == 4  # three throttled, the fourth went through
    assert [c.action for c in prov.faults.calls_in(step)].count(action) == 4
    assert prov.journal() == _succeeded(STEPS)
    prov.assert_provisioned_once()


def test_throttling_that_never_stops_fails_the_job_and_a_retry_finishes(
    prov: Provisioning,
) -> None:
    prov.faults.inject("kms:ReplicateKey", throttled())
    failed = prov.run()
    assert failed.status is JobStatus.FAILED
    assert failed.status.resumable
    assert failed.error_fault == "throttled"
    assert "kept throttling kms:ReplicateKey" in failed.error_message
    assert "after several retries" in failed.error_message
    assert prov.faults.attempts("kms:ReplicateKey") == prov.ctx.settings.aws_max_attempts
    assert prov.journal() == _failed_in("replica")
    assert prov.jobs.steps(prov.job_id)[-1].error_fault == "throttled"
    assert prov.keys(REPLICA) == []
    _retry_finishes(prov, "replica")


def test_a_kms_quota_fails_at_once_without_retrying(prov: Provisioning) -> None:
    quota = aws_error("LimitExceededException", "Customer master key quota exceeded")
    prov.faults.inject("kms:CreateKey", quota)
    failed = prov.run()
    assert failed.status is JobStatus.FAILED
    assert failed.error_fault == "quota"
    assert prov.faults.attempts("kms:CreateKey") == 1
    assert "quota was reached for kms:CreateKey" in failed.error_message
    assert "Customer master key quota exceeded" in failed.error_message
    assert "This is not retried" in failed.error_message
    assert prov.journal() == _failed_in("primary_key")
    assert prov.keys(PRIMARY) == []
    _retry_finishes(prov, "primary_key")


@dataclass(frozen=True, slots=True)
class Denied:
    step: str
    action: str
    region: str  # of the client that makes the call
    resource: str  # as the message names it; {key_id} is filled in from the journal
    first_in_step: bool = True  # the step's first AWS call: nothing changed before it


DENIED = [
    Denied("identity", "sts:GetCallerIdentity", "us-east-1", ""),  # the profile's region
    Denied("role", "iam:GetRole", "aws-global", ROLE),  # IAM is global
    Denied("primary_key", "kms:ListAliases", PRIMARY, f"{ALIAS} in {PRIMARY}"),
    Denied("primary_key", "kms:CreateKey", PRIMARY, f"{ALIAS} in {PRIMARY}", False),
    Denied("replica", "kms:DescribeKey", REPLICA, f"{ALIAS} in {REPLICA}"),
    Denied("replica", "kms:ReplicateKey", PRIMARY, f"{ALIAS} in {REPLICA}", False),
    Denied("rotation", "kms:EnableKeyRotation", PRIMARY, "{key_id}"),
    Denied("wait", "kms:DescribeKey", PRIMARY, f"{{key_id}} in {PRIMARY}"),
]


@pytest.mark.parametrize("case", DENIED, ids=lambda c: f"{c.step}-{c.action}")
def test_access_denied_fails_the_step_and_a_retry_resumes_there(
    prov: Provisioning, case: Denied
) -> None:
    fault = prov.faults.inject(case.action, access_denied(), region=case.region, step=case.step)
    failed = prov.run()
    assert failed.status is JobStatus.FAILED
    assert failed.error_fault == "access_denied"
    assert fault.injected == 1  # not retried
    if case.first_in_step:
        assert prov.faults.calls_in(case.step)[0] == Call(case.step, case.action, case.region)
    resources = prov.jobs.completed(prov.job_id)[1]
    resource = case.resource.format(key_id=resources.get("key_id", ""))
    where = f" on {resource}" if resource else ""
    assert f"may not call {case.action}{where}." in failed.error_message
    assert f"allow {case.action} for this user or role" in failed.error_message
    assert prov.journal() == _failed_in(case.step)
    assert prov.jobs.steps(prov.job_id)[-1].error_message == failed.error_message
    _retry_finishes(prov, case.step)


def test_an_unreachable_endpoint_fails_the_job_after_retries(prov: Provisioning) -> None:
    prov.faults.inject("kms:ReplicateKey", unreachable)
    failed = prov.run()
    assert failed.status is JobStatus.FAILED
    assert failed.error_fault == "unreachable"
    assert prov.faults.attempts("kms:ReplicateKey") == prov.ctx.settings.aws_max_attempts
    assert f"Could not reach AWS for kms:ReplicateKey on {ALIAS} in {REPLICA}" in (
        failed.error_message
    )
    assert "Check the network, proxy and the endpoint URL" in failed.error_message
    assert prov.journal() == _failed_in("replica")
    _retry_finishes(prov, "replica")


def test_an_expired_session_token_mid_job_is_resumable(prov: Provisioning) -> None:
    expired = aws_error("ExpiredTokenException", "The security token included is expired")
    prov.faults.inject("kms:EnableKeyRotation", expired)
    failed = prov.run()
    assert failed.status is JobStatus.FAILED
    assert failed.status.resumable
    assert failed.error_fault == "expired_credentials"
    assert "session token has expired" in failed.error_message
    assert prov.journal() == _failed_in("rotation")
    _retry_finishes(prov, "rotation")


def _acted_then_timed_out(request: AWSPreparedRequest, protocol: str) -> AWSResponse:
    """AWS carried the call out, but the answer never came back (a read timeout)."""
    botocore_stubber("before-send.kms.CreateKey", request)
    raise ReadTimeoutError(endpoint_url=request.url)


def test_a_create_key_that_timed_out_is_not_retried_blindly(prov: Provisioning) -> None:
    """A retry after the key was made would make a second one; the job's own resume
    adopts the first by its tags instead."""
    prov.faults.inject("kms:CreateKey", _acted_then_timed_out, times=1)
    failed = prov.run()
    assert failed.status is JobStatus.FAILED
    assert failed.error_fault == "unreachable"
    assert prov.faults.attempts("kms:CreateKey") == 1
    assert len(prov.keys(PRIMARY)) == 1  # made, but no alias yet
    _retry_finishes(prov, "primary_key")


def test_an_iam_quota_is_named_a_quota(prov: Provisioning) -> None:
    prov.faults.inject("iam:PutRolePolicy", aws_error("LimitExceeded", "Cannot exceed quota"))
    failed = prov.run()
    assert failed.status is JobStatus.FAILED
    assert failed.error_fault == "quota"
    assert "Cannot exceed quota" in failed.error_message
    _retry_finishes(prov, "role")


def test_the_kms_quota_message_names_the_resource(prov: Provisioning) -> None:
    prov.faults.inject("kms:CreateKey", aws_error("LimitExceededException", "Key quota"))
    failed = prov.run()
    assert f"kms:CreateKey on {ALIAS} in {PRIMARY}" in failed.error_message


def test_a_first_run_looks_for_the_apps_keys_before_and_after_creating_one(
    prov: Provisioning,
) -> None:
    """Whatever the journal says, AWS is asked for a key the app made (another
    workstation may have made it), before CreateKey and again after it (a rival made in
    the same moment). The scan reads tags only of keys that could be the app's: here,
    the one it made."""
    finished = prov.run()
    assert finished.status is JobStatus.SUCCEEDED
    assert prov.faults.attempts("kms:ListKeys") == 2
    assert prov.faults.attempts("kms:CreateKey") == 1
    assert prov.faults.attempts("kms:ListResourceTags") == 1
