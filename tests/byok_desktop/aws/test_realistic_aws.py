"""The realistic AWS layer itself, one behaviour at a time, on a fake clock under moto
(in this process, and once against a moto server as the sandbox uses it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.server import ThreadedMotoServer

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.realism import INVALID_PRINCIPALS, Realism, RealisticAws, trust_allows
from byok_desktop.credentials.secret import AwsSecret
from tests.helpers.realistic_aws import FakeClock, no_retry_backoff

ACCOUNT = "123456789012"  # moto's default account
PROVIDER_ACCOUNT = "279766244153"
PRIMARY, REPLICA = "eu-central-1", "eu-west-1"
SLOW = Realism(
    principal_delay_s=10,
    trust_delay_s=20,
    replica_creating_s=5,
    alias_listing_delay_s=2,
    throttle_rate=0.0,
    seed=0,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def layer(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> RealisticAws:
    no_retry_backoff(monkeypatch)
    return RealisticAws(SLOW, clock)


def _connect(layer: RealisticAws, account: str = "", endpoint: str = "") -> AwsConnection:
    return AwsConnection(
        AwsConfig(endpoint_url=endpoint, realism=layer, sandbox_account_id=account),
        AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("s")),
        PRIMARY,
    )


@pytest.fixture
def aws(layer: RealisticAws) -> Iterator[AwsConnection]:
    with mock_aws():
        yield _connect(layer)


def _trust(effect: str, principal: str, external_id: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _key_policy(role_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": role_arn},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                },
            ],
        }
    )


def _role(aws: AwsConnection, name: str = "keys", trust: dict[str, Any] | None = None) -> str:
    document = trust or _trust("Allow", f"arn:aws:iam::{PROVIDER_ACCOUNT}:root")
    created = aws.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(document)
    )
    return str(created["Role"]["Arn"])


def _code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


# --- IAM propagation ------------------------------------------------------------------


def test_a_key_policy_naming_a_new_role_is_refused_until_the_role_propagates(
    aws: AwsConnection, clock: FakeClock
) -> None:
    role = _role(aws)
    kms = aws.client("kms")
    with pytest.raises(ClientError) as caught:
        kms.create_key(Policy=_key_policy(role), MultiRegion=True)
    assert _code(caught) == "MalformedPolicyDocumentException"
    assert caught.value.response["Error"]["Message"] == INVALID_PRINCIPALS
    assert kms.list_keys()["Keys"] == []  # refused: moto never saw the call
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]  # a policy without the role is fine
    with pytest.raises(ClientError) as caught:
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=_key_policy(role))
    assert _code(caught) == "MalformedPolicyDocumentException"

    clock.advance(10)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=_key_policy(role))
    assert kms.create_key(Policy=_key_policy(role), MultiRegion=True)["KeyMetadata"]["KeyId"]


def test_roles_made_before_the_layer_saw_them_are_visible(aws: AwsConnection) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/made-elsewhere"
    assert aws.client("kms").create_key(Policy=_key_policy(arn))["KeyMetadata"]["KeyId"]


def test_replicate_key_with_the_new_role_in_its_policy_is_refused_too(
    aws: AwsConnection, clock: FakeClock
) -> None:
    kms = aws.client("kms")
    key_id = kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    role = _role(aws)
    with pytest.raises(ClientError) as caught:
        kms.replicate_key(KeyId=key_id, ReplicaRegion=REPLICA, Policy=_key_policy(role))
    assert _code(caught) == "MalformedPolicyDocumentException"
    assert aws.client("kms", REPLICA).list_keys()["Keys"] == []


# --- trust policies on AssumeRole -----------------------------------------------------


def test_a_new_role_cannot_be_assumed_until_it_propagates(
    aws: AwsConnection, clock: FakeClock
) -> None:
    role = _role(aws, trust=_trust("Allow", f"arn:aws:iam::{ACCOUNT}:root"))
    sts = aws.client("sts")
    with pytest.raises(ClientError) as caught:
        sts.assume_role(RoleArn=role, RoleSessionName="rep-session")
    assert _code(caught) == "AccessDenied"
    clock.advance(20)
    assert sts.assume_role(RoleArn=role, RoleSessionName="rep-session")["Credentials"]


def test_a_trust_change_applies_only_after_the_delay(
    aws: AwsConnection, layer: RealisticAws, clock: FakeClock
) -> None:
    me = f"arn:aws:iam::{ACCOUNT}:root"
    role = _role(aws, trust=_trust("Allow", me))
    clock.advance(20)
    sts = aws.client("sts")
    sts.assume_role(RoleArn=role, RoleSessionName="rep-session")

    aws.client("iam").update_assume_role_policy(
        RoleName="keys", PolicyDocument=json.dumps(_trust("Deny", me))
    )
    clock.advance(19)
    sts.assume_role(RoleArn=role, RoleSessionName="rep-session")  # the old trust, still
    clock.advance(1)
    with pytest.raises(ClientError) as caught:
        sts.assume_role(RoleArn=role, RoleSessionName="rep-session")
    assert _code(caught) == "AccessDenied"
    assert role in caught.value.response["Error"]["Message"]

    aws.client("iam").update_assume_role_policy(
        RoleName="keys", PolicyDocument=json.dumps(_trust("Allow", me))
    )
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role, RoleSessionName="rep-session")  # Deny, still
    clock.advance(20)
    sts.assume_role(RoleArn=role, RoleSessionName="rep-session")


def test_another_accounts_caller_is_judged_by_its_account(
    aws: AwsConnection, layer: RealisticAws, clock: FakeClock
) -> None:
    role = _role(aws, trust=_trust("Allow", f"arn:aws:iam::{PROVIDER_ACCOUNT}:root"))
    clock.advance(20)
    with pytest.raises(ClientError):
        aws.client("sts").assume_role(RoleArn=role, RoleSessionName="rep-session")
    provider = _connect(layer, PROVIDER_ACCOUNT)
    assert provider.client("sts").assume_role(RoleArn=role, RoleSessionName="provider")


def test_an_external_id_condition_is_checked(aws: AwsConnection, clock: FakeClock) -> None:
    role = _role(aws, trust=_trust("Allow", ACCOUNT, external_id="acme-7f3a"))
    clock.advance(20)
    sts = aws.client("sts")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role, RoleSessionName="rep-session")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role, RoleSessionName="rep-session", ExternalId="wrong")
    assert sts.assume_role(RoleArn=role, RoleSessionName="rep-session", ExternalId="acme-7f3a")


def test_a_role_made_before_the_layer_is_judged_once_learnt(
    layer: RealisticAws, clock: FakeClock
) -> None:
    with mock_aws():
        # Made by someone else (another process), without this layer.
        plain = AwsConnection(
            AwsConfig(), AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("s")), PRIMARY
        )
        trust = _trust("Allow", ACCOUNT, external_id="acme-7f3a")
        role = _role(plain, trust=trust)
        sts = _connect(layer).client("sts")
        assert sts.assume_role(RoleArn=role, RoleSessionName="rep", ExternalId="wrong")  # moto
        layer.learn_role(role, trust, {"p": {"Statement": []}})
        # In force at once: no propagation or trust delay for a role that already existed.
        with pytest.raises(ClientError) as caught:
            sts.assume_role(RoleArn=role, RoleSessionName="rep", ExternalId="wrong")
        assert _code(caught) == "AccessDenied"
        assert sts.assume_role(RoleArn=role, RoleSessionName="rep", ExternalId="acme-7f3a")
    with pytest.raises(ValueError, match="not a role ARN"):
        layer.learn_role("arn:aws:iam::123456789012:user/ada", trust)


def test_trust_evaluation() -> None:
    me = f"arn:aws:iam::{ACCOUNT}:role/rep"
    allow = _trust("Allow", me)
    assert trust_allows(allow, ACCOUNT, None)
    assert not trust_allows(allow, PROVIDER_ACCOUNT, None)
    both = {"Statement": allow["Statement"] + _trust("Deny", "*")["Statement"]}
    assert not trust_allows(both, ACCOUNT, None)  # an explicit Deny wins
    assert not trust_allows({"Statement": []}, ACCOUNT, None)  # nothing allowed
    odd = _trust("Allow", me)
    odd["Statement"][0]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert not trust_allows(odd, ACCOUNT, None)  # not understood: not applied


# --- Creating replicas ----------------------------------------------------------------


def test_a_new_replica_is_creating_for_a_while(aws: AwsConnection, clock: FakeClock) -> None:
    kms = aws.client("kms")
    key_id = kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    kms.replicate_key(KeyId=key_id, ReplicaRegion=REPLICA)
    replica = aws.client("kms", REPLICA)
    assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Creating"
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    with pytest.raises(ClientError) as caught:
        replica.disable_key(KeyId=key_id)
    assert _code(caught) == "KMSInvalidStateException"
    clock.advance(5)
    assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    replica.disable_key(KeyId=key_id)
    assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"


# --- aliases listed late --------------------------------------------------------------


def test_a_new_alias_is_listed_late(aws: AwsConnection, clock: FakeClock) -> None:
    kms = aws.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/cryptor-acme-jira", TargetKeyId=key_id)

    def listed() -> list[str]:
        return [
            a["AliasName"] for a in kms.list_aliases()["Aliases"] if "cryptor" in a["AliasName"]
        ]

    assert listed() == []
    with pytest.raises(ClientError) as caught:
        kms.create_alias(AliasName="alias/cryptor-acme-jira", TargetKeyId=key_id)
    assert _code(caught) == "AlreadyExistsException"
    clock.advance(2)
    assert listed() == ["alias/cryptor-acme-jira"]


# --- throttling -----------------------------------------------------------------------


def test_a_throttling_burst_is_retried_and_never_carried_out_twice(
    aws: AwsConnection, layer: RealisticAws
) -> None:
    kms = aws.client("kms")
    layer.throttle_next(3)
    answer = kms.create_key(Description="one")
    assert answer["ResponseMetadata"]["RetryAttempts"] == 3
    assert len(kms.list_keys()["Keys"]) == 1  # throttled attempts created nothing
    layer.throttle_next(2)
    assert aws.client("iam").list_roles()["ResponseMetadata"]["RetryAttempts"] == 2
    assert layer.throttled == 5


def test_a_burst_longer_than_the_retries_fails_as_throttling(
    aws: AwsConnection, layer: RealisticAws
) -> None:
    layer.throttle_next(10)
    with pytest.raises(ClientError) as caught:
        aws.client("kms").list_keys()
    assert _code(caught) == "ThrottlingException"


def _pattern(seed: int) -> list[int]:
    layer = RealisticAws(Realism(throttle_rate=0.15, throttle_burst=2, seed=seed))
    with mock_aws():
        kms = _connect(layer).client("kms")
        return [kms.list_keys()["ResponseMetadata"]["RetryAttempts"] for _ in range(20)]


def test_random_bursts_are_the_same_for_the_same_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    no_retry_backoff(monkeypatch)
    first = _pattern(7)
    assert first == _pattern(7)
    assert any(first)
    assert not all(first)
    assert all(attempts in (0, 2, 4) for attempts in first)  # whole bursts of 2


# --- server mode ----------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[str]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        moto.stop()


def test_the_layer_works_against_a_moto_server(
    server: str, layer: RealisticAws, clock: FakeClock
) -> None:
    aws = _connect(layer, ACCOUNT, server)
    role = _role(aws)
    kms = aws.client("kms")
    layer.throttle_next(2)
    with pytest.raises(ClientError) as caught:
        kms.create_key(Policy=_key_policy(role), MultiRegion=True)
    assert _code(caught) == "MalformedPolicyDocumentException"
    clock.advance(10)
    key_id = kms.create_key(Policy=_key_policy(role), MultiRegion=True)["KeyMetadata"]["KeyId"]
    kms.replicate_key(KeyId=key_id, ReplicaRegion=REPLICA)
    state = aws.client("kms", REPLICA).describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
    assert state == "Creating"
    assert layer.throttled == 2
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == [key_id]
