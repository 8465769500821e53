"""Provisioning steps against moto: each adopts what exists, so reruns create nothing new."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from moto import mock_aws

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.health.policy_eval import Verdict, decide, decide_all
from byok_desktop.locations import Location
from byok_desktop.products import ProductFamily
from byok_desktop.provisioning.naming import (
    DEFAULT_PROVIDER_PRINCIPAL,
    DEFAULT_ROLE_NAME,
    KeyTarget,
)
from byok_desktop.provisioning.policies import (
    KEY_USE_ACTIONS,
    key_policy_grants_role,
    provider_access_allowed,
    trust_policy,
)
from byok_desktop.provisioning.steps import PROVISIONING_STEPS, StepContext, wait_enabled

ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture
def connection() -> Iterator[AwsConnection]:
    with mock_aws():
        yield AwsConnection(
            AwsConfig(), AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("s")), "us-east-1"
        )


def _context(
    connection: AwsConnection,
    site: str = "acme",
    family: ProductFamily = ProductFamily.JIRA,
    location: Location = Location.EU,
) -> StepContext:
    return StepContext(
        connection=connection,
        target=KeyTarget(site, family, location, "request-uid"),
        account_id=ACCOUNT,
        profile_name="test",
        role_name=DEFAULT_ROLE_NAME,
        provider_principal=DEFAULT_PROVIDER_PRINCIPAL,
        poll_interval_s=0,
    )


def _run_all(ctx: StepContext, upto: int | None = None) -> dict[str, str]:
    for step in PROVISIONING_STEPS[:upto]:
        ctx.resources.update(step.run(ctx))
    return ctx.resources


def _keys(connection: AwsConnection, region: str) -> list[str]:
    return [k["KeyId"] for k in connection.client("kms", region).list_keys()["Keys"]]


def _aliases(connection: AwsConnection, region: str) -> list[str]:
    listed = connection.client("kms", region).list_aliases()["Aliases"]
    return [a["AliasName"] for a in listed if a["AliasName"].startswith("alias/cryptor")]


def test_full_run_creates_one_key_per_region_with_alias_tags_and_policy(
    connection: AwsConnection,
) -> None:
    resources = _run_all(_context(connection))
    key_id = resources["key_id"]
    assert key_id.startswith("mrk-")
    for region in ("eu-central-1", "eu-west-1"):
        assert _keys(connection, region) == [key_id]
        assert _aliases(connection, region) == ["alias/cryptor-acme-jira"]
        kms = connection.client("kms", region)
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}
        assert tags["byok:site"] == "acme"
        assert tags["byok:family"] == "jira"
        assert tags["byok:request"] == "request-uid"
        policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        assert key_policy_grants_role(policy, resources["role_arn"])
        assert resources[f"key_arn:{region}"].startswith(f"arn:aws:kms:{region}:{ACCOUNT}:key/mrk-")
    kms = connection.client("kms", "eu-central-1")
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    iam = connection.client("iam", "eu-central-1")
    role = iam.get_role(RoleName=DEFAULT_ROLE_NAME)["Role"]
    assert provider_access_allowed(role["AssumeRolePolicyDocument"], DEFAULT_PROVIDER_PRINCIPAL)
    assert iam.list_role_policies(RoleName=DEFAULT_ROLE_NAME)["PolicyNames"] == ["byok-key-use"]
    # Least privilege: the app's tagged keys in the location's two regions only.
    permission = iam.get_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName="byok-key-use")
    [statement] = permission["PolicyDocument"]["Statement"]
    assert statement["Resource"] == [
        f"arn:aws:kms:{r}:{ACCOUNT}:key/*" for r in ("eu-central-1", "eu-west-1")
    ]
    assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == [
        "eu-central-1",
        "eu-west-1",
    ]
    for region in ("eu-central-1", "eu-west-1"):
        kms = connection.client("kms", region)
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}
        context = {f"aws:ResourceTag/{k}": [v] for k, v in tags.items()}
        context["aws:RequestedRegion"] = [region]
        arn = resources[f"key_arn:{region}"]
        decision = decide_all(permission["PolicyDocument"], None, KEY_USE_ACTIONS, arn, context)
        assert decision.verdict is Verdict.ALLOWED, decision
        elsewhere = arn.replace(region, "ap-southeast-2")
        assert decide(
            permission["PolicyDocument"], None, "kms:Decrypt", elsewhere, context
        ).verdict is (Verdict.NOT_GRANTED)


def test_a_site_in_the_other_location_adds_its_regions_to_the_shared_role(
    connection: AwsConnection,
) -> None:
    _run_all(_context(connection))
    _run_all(_context(connection, site="beta", location=Location.USA))
    iam = connection.client("iam", "eu-central-1")
    document = iam.get_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName="byok-key-use")[
        "PolicyDocument"
    ]
    [statement] = document["Statement"]
    regions = ["eu-central-1", "eu-west-1", "us-east-1", "us-west-2"]
    assert statement["Resource"] == [f"arn:aws:kms:{r}:{ACCOUNT}:key/*" for r in regions]
    assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == regions
    # Provisioning the first site again keeps the other site's grant.
    _run_all(_context(connection))
    again = iam.get_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName="byok-key-use")
    assert again["PolicyDocument"]["Statement"][0]["Resource"] == statement["Resource"]


def test_running_twice_adopts_everything(connection: AwsConnection) -> None:
    first = _run_all(_context(connection))
    second = _run_all(_context(connection))
    assert second["key_id"] == first["key_id"]
    assert len(_keys(connection, "eu-central-1")) == 1
    assert len(_keys(connection, "eu-west-1")) == 1
    roles = connection.client("iam", "eu-central-1").list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == [DEFAULT_ROLE_NAME]


@pytest.mark.parametrize("stop_after", range(1, len(PROVISIONING_STEPS)))
def test_resuming_after_any_step_boundary_creates_no_duplicate(
    connection: AwsConnection, stop_after: int
) -> None:
    _run_all(_context(connection), upto=stop_after)
    resources = _run_all(_context(connection))  # a fresh resume knows nothing
    assert _keys(connection, "eu-central-1") == [resources["key_id"]]
    assert _keys(connection, "eu-west-1") == [resources["key_id"]]
    assert _aliases(connection, "eu-west-1") == ["alias/cryptor-acme-jira"]


def test_a_key_whose_alias_was_never_made_is_found_by_its_tags(connection: AwsConnection) -> None:
    ctx = _context(connection)
    _run_all(ctx, upto=2)  # identity, role
    kms = connection.client("kms", "eu-central-1")
    # What a run killed between CreateKey and CreateAlias leaves: the app's key, no alias.
    orphan = kms.create_key(
        MultiRegion=True, Description=ctx.target.description, Tags=ctx.target.kms_tags()
    )["KeyMetadata"]["KeyId"]
    resources = _run_all(_context(connection))
    assert resources["key_id"] == orphan
    assert _keys(connection, "eu-central-1") == [orphan]


def test_two_families_on_one_site_get_separate_keys(connection: AwsConnection) -> None:
    jira = _run_all(_context(connection))
    confluence = _run_all(_context(connection, family=ProductFamily.CONFLUENCE))
    assert jira["key_id"] != confluence["key_id"]
    assert sorted(_aliases(connection, "eu-central-1")) == [
        "alias/cryptor-acme-confluence",
        "alias/cryptor-acme-jira",
    ]


def test_wrong_account_is_refused_before_anything_is_created(connection: AwsConnection) -> None:
    ctx = _context(connection)
    ctx.account_id = "999999999999"
    with pytest.raises(AwsProblem) as caught:
        _run_all(ctx)
    assert caught.value.fault is AwsFault.ACCOUNT_MISMATCH
    assert "999999999999" in str(caught.value)
    assert ACCOUNT in str(caught.value)
    assert _keys(connection, "eu-central-1") == []


def test_a_revoked_role_stops_provisioning_with_an_explanation(connection: AwsConnection) -> None:
    iam = connection.client("iam", "eu-central-1")
    iam.create_role(
        RoleName=DEFAULT_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(trust_policy(DEFAULT_PROVIDER_PRINCIPAL, allow=False)),
    )
    with pytest.raises(AwsProblem) as caught:
        _run_all(_context(connection))
    assert caught.value.fault is AwsFault.INVALID_STATE
    assert "revoked" in str(caught.value)


def test_an_alias_taken_by_another_key_is_reported(connection: AwsConnection) -> None:
    kms = connection.client("kms", "eu-central-1")
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/cryptor-acme-jira", TargetKeyId=other)
    with pytest.raises(AwsProblem) as caught:
        _run_all(_context(connection))
    assert "points to another key" in str(caught.value)


def test_wait_polls_while_creating_and_stops_on_a_bad_state(connection: AwsConnection) -> None:
    ctx = _context(connection)
    _run_all(ctx, upto=5)
    states = iter(["Creating", "Creating", "Enabled"])
    real = connection.client("kms", "eu-west-1")

    class SlowReplica:
        def describe_key(self, KeyId: str) -> dict[str, object]:
            meta = real.describe_key(KeyId=KeyId)["KeyMetadata"]
            return {"KeyMetadata": {**meta, "KeyState": next(states)}}

    original = ctx.kms
    ctx.kms = lambda region: SlowReplica() if region == "eu-west-1" else original(region)  # type: ignore[method-assign]
    sleeps: list[float] = []
    assert wait_enabled(ctx, sleep=sleeps.append)["state:eu-west-1"] == "Enabled"
    assert len(sleeps) == 2
    connection.client("kms", "eu-central-1").disable_key(KeyId=ctx.resources["key_id"])
    ctx.kms = original  # type: ignore[method-assign]
    with pytest.raises(AwsProblem) as caught:
        wait_enabled(ctx, sleep=sleeps.append)
    assert "Disabled" in str(caught.value)
