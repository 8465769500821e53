"""Eventual consistency waited out (provisioning/consistency.py): the Waiter on its own,
then the provisioning and access steps through the realistic AWS layer on a fake clock
that the steps' sleeps move on, so minutes of AWS propagation pass in no real time."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from moto import mock_aws

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.aws.realism import INVALID_PRINCIPALS, Realism, RealisticAws
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.locations import Location
from byok_desktop.products import ProductFamily
from byok_desktop.provisioning.access_steps import (
    allow_trust,
    deny_trust,
    disable_replica,
)
from byok_desktop.provisioning.consistency import (
    Cancelled,
    Waiter,
    principal_not_visible,
    trust_not_applied,
)
from byok_desktop.provisioning.naming import (
    DEFAULT_PROVIDER_PRINCIPAL,
    DEFAULT_ROLE_NAME,
    KeyTarget,
)
from byok_desktop.provisioning.steps import (
    PROVISIONING_STEPS,
    StepContext,
    ensure_primary_key,
    ensure_role,
)
from tests.helpers.realistic_aws import FakeClock, no_retry_backoff

ACCOUNT = "123456789012"  # moto's default account
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{DEFAULT_ROLE_NAME}"
PROPAGATION = Realism(
    principal_delay_s=12,
    trust_delay_s=15,
    replica_creating_s=8,
    alias_listing_delay_s=3,
    throttle_rate=0.0,
    seed=0,
)


def _malformed() -> AwsProblem:
    return AwsProblem(
        AwsFault.OTHER,
        f"AWS refused kms:CreateKey: {INVALID_PRINCIPALS}",
        "kms:CreateKey",
        "alias/cryptor-acme-jira in eu-central-1",
        "MalformedPolicyDocumentException",
        INVALID_PRINCIPALS,
    )


def _waiter(clock: FakeClock, reports: list[str], cancelled: bool = False) -> Waiter:
    return Waiter(120.0, 1.0, clock, clock.sleep, reports.append, lambda: cancelled)


# --- the Waiter -----------------------------------------------------------------------


def test_a_refusal_that_passes_is_waited_out_with_backoff_and_reported() -> None:
    clock, reports = FakeClock(), list[str]()
    answers: Iterator[AwsProblem | str] = iter([_malformed(), _malformed(), _malformed(), "key"])

    def call() -> str:
        answer = next(answers)
        if isinstance(answer, AwsProblem):
            raise answer
        return answer

    assert _waiter(clock, reports).call(call, principal_not_visible(ROLE_ARN)) == "key"
    assert clock.slept == [1.0, 2.0, 4.0]
    assert reports == [
        "Waiting for IAM to propagate (0 s)",
        "Waiting for IAM to propagate (1 s)",
        "Waiting for IAM to propagate (3 s)",
    ]


def test_the_wait_is_bounded_and_then_fails_with_the_cause() -> None:
    clock, reports = FakeClock(), list[str]()

    def call() -> str:
        raise _malformed()

    with pytest.raises(AwsProblem) as caught:
        _waiter(clock, reports).call(call, principal_not_visible(ROLE_ARN))
    problem = caught.value
    assert problem.fault is AwsFault.NOT_YET_CONSISTENT
    assert ROLE_ARN in str(problem)
    assert "Waited 120 s for IAM to propagate" in str(problem)
    assert "resume the job in a few minutes" in str(problem)
    assert problem.code == "MalformedPolicyDocumentException"
    assert sum(clock.slept) == pytest.approx(120.0)
    assert max(clock.slept) <= 15.0
    assert reports[-1].startswith("Waiting for IAM to propagate (1")


def test_other_errors_fail_at_once() -> None:
    clock, reports = FakeClock(), list[str]()
    denied = AwsProblem(AwsFault.ACCESS_DENIED, "denied", "kms:CreateKey", code="AccessDenied")

    def call() -> str:
        raise denied

    with pytest.raises(AwsProblem) as caught:
        _waiter(clock, reports).call(call, principal_not_visible(ROLE_ARN))
    assert caught.value is denied
    assert (reports, clock.slept) == ([], [])


def test_a_cancel_stops_the_wait() -> None:
    def call() -> str:
        raise _malformed()

    with pytest.raises(Cancelled):
        _waiter(FakeClock(), [], cancelled=True).call(call, principal_not_visible(ROLE_ARN))


# --- the steps through the realistic layer --------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def layer(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> RealisticAws:
    no_retry_backoff(monkeypatch)
    return RealisticAws(PROPAGATION, clock)


@pytest.fixture
def connection(layer: RealisticAws) -> Iterator[AwsConnection]:
    with mock_aws():
        yield AwsConnection(
            AwsConfig(realism=layer),
            AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("s")),
            "eu-central-1",
        )


def _context(connection: AwsConnection, clock: FakeClock, reports: list[str]) -> StepContext:
    return StepContext(
        connection=connection,
        target=KeyTarget("acme", ProductFamily.JIRA, Location.EU, "request-uid"),
        account_id=ACCOUNT,
        profile_name="test",
        role_name=DEFAULT_ROLE_NAME,
        provider_principal=DEFAULT_PROVIDER_PRINCIPAL,
        poll_interval_s=1.0,
        report=reports.append,
        clock=clock,
        sleep=clock.sleep,
    )


def test_provisioning_waits_for_the_new_role_and_the_creating_replica(
    connection: AwsConnection, clock: FakeClock, layer: RealisticAws
) -> None:
    reports: list[str] = []
    ctx = _context(connection, clock, reports)
    layer.throttle_next(2)
    for step in PROVISIONING_STEPS:
        ctx.resources.update(step.run(ctx))
    assert ctx.resources["state:eu-west-1"] == "Enabled"
    assert "Waiting for IAM to propagate (0 s)" in reports
    assert any(
        r.startswith("Waiting for the replica in eu-west-1 to be created (") for r in reports
    )
    assert layer.throttled == 2
    assert any(r.endswith("MalformedPolicyDocumentException") for r in layer.refused)
    for region in ("eu-central-1", "eu-west-1"):
        assert len(connection.client("kms", region).list_keys()["Keys"]) == 1


def test_provisioning_gives_up_after_the_bound_with_the_cause(
    connection: AwsConnection, clock: FakeClock
) -> None:
    reports: list[str] = []
    ctx = _context(connection, clock, reports)
    ctx.consistency_wait_s = 10.0  # the role needs 12 s
    ctx.resources.update(ensure_role(ctx))
    with pytest.raises(AwsProblem) as caught:
        ensure_primary_key(ctx)
    assert caught.value.fault is AwsFault.NOT_YET_CONSISTENT
    assert "does not see the role" in str(caught.value)
    assert ROLE_ARN in str(caught.value)
    assert connection.client("kms", "eu-central-1").list_keys()["Keys"] == []
    # Resumed later, the same step goes through.
    clock.advance(5)
    assert ensure_primary_key(ctx)["key_id"].startswith("mrk-")


def test_revoking_a_replica_still_creating_waits_for_it(
    connection: AwsConnection, clock: FakeClock
) -> None:
    reports: list[str] = []
    ctx = _context(connection, clock, reports)
    for step in PROVISIONING_STEPS[:4]:  # up to and with the replica, no final wait
        ctx.resources.update(step.run(ctx))
    del reports[:]
    ctx.resources.update(deny_trust(ctx))
    assert disable_replica(ctx) == {"state:eu-west-1": "Disabled"}
    assert reports
    assert reports[0].startswith("Waiting for the replica in eu-west-1 to be created")


def test_assume_role_right_after_a_trust_change_is_waited_out(
    connection: AwsConnection, clock: FakeClock, layer: RealisticAws
) -> None:
    reports: list[str] = []
    ctx = _context(connection, clock, reports)
    ctx.provider_principal = f"arn:aws:iam::{ACCOUNT}:root"  # the caller plays the provider
    ctx.resources.update(ensure_role(ctx))
    clock.advance(60)
    sts = connection.client("sts")
    sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="provider")
    deny_trust(ctx)  # revoked, and in force once it has propagated
    clock.advance(PROPAGATION.trust_delay_s)
    allow_trust(ctx)  # restored: the Deny stays in force until this propagates
    with pytest.raises(Exception, match="AccessDenied"):
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="provider")

    def assume() -> object:
        try:
            return sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="provider")
        except Exception as exc:
            from byok_desktop.aws.errors import classify

            raise classify(exc, "sts:AssumeRole", ROLE_ARN) from exc

    assert ctx.waiter.call(assume, trust_not_applied(ROLE_ARN))
    assert reports[0] == "Waiting for IAM to propagate (0 s)"
    document = connection.client("iam").get_role(RoleName=DEFAULT_ROLE_NAME)["Role"]
    assert "Allow" in json.dumps(document["AssumeRolePolicyDocument"])
