"""The policy documents the app generates, read back with the app's own IAM evaluation:
the key-management role may use only the app's tagged keys, only in BYOK regions, only for
the key-use actions; the key policy and the trust policy say what the health check
expects of them."""

from __future__ import annotations

import pytest

from byok_desktop.health.policy_eval import Verdict, decide, decide_all
from byok_desktop.locations import Location
from byok_desktop.provisioning.naming import DEFAULT_PROVIDER_PRINCIPAL, MANAGED_BY, TAG_MANAGED_BY
from byok_desktop.provisioning.policies import (
    KEY_USE_ACTIONS,
    byok_regions,
    key_policy,
    key_policy_grants_role,
    permission_policy_regions,
    provider_access_allowed,
    role_permission_policy,
    trust_policy,
)

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/atlassian-key-management"
OURS = {f"aws:ResourceTag/{TAG_MANAGED_BY}": [MANAGED_BY]}


def _in(region: str, tags: dict[str, list[str]] = OURS) -> dict[str, list[str]]:
    """The condition keys of a call made in ``region`` on a key with ``tags``."""
    return {**tags, "aws:RequestedRegion": [region]}


def _key(region: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:kms:{region}:{account}:key/mrk-0123456789abcdef0123456789abcdef"


def test_byok_regions_are_the_locations_regions_in_order() -> None:
    assert byok_regions([Location.EU]) == ["eu-central-1", "eu-west-1"]
    assert byok_regions() == ["eu-central-1", "eu-west-1", "us-east-1", "us-west-2"]


def test_the_permission_policy_names_regions_never_every_region() -> None:
    [statement] = role_permission_policy(ACCOUNT)["Statement"]
    assert statement["Resource"] == [f"arn:aws:kms:{r}:{ACCOUNT}:key/*" for r in byok_regions()]
    assert not any(":*:" in arn for arn in statement["Resource"])
    assert not any("*" in action for action in statement["Action"])
    assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == byok_regions()


def test_one_locations_permission_policy_names_its_two_regions_and_the_apps_tag() -> None:
    document = role_permission_policy(ACCOUNT, byok_regions([Location.USA]))
    [statement] = document["Statement"]
    assert statement["Resource"] == [
        f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*",
        f"arn:aws:kms:us-west-2:{ACCOUNT}:key/*",
    ]
    assert statement["Condition"] == {
        "StringEquals": {
            f"aws:ResourceTag/{TAG_MANAGED_BY}": MANAGED_BY,
            "aws:RequestedRegion": ["us-east-1", "us-west-2"],
        }
    }
    assert permission_policy_regions(document) == ["us-east-1", "us-west-2"]
    assert permission_policy_regions({"Statement": [{"Sid": "Other", "Resource": "*"}]}) == []


def test_a_call_from_another_region_is_not_granted_even_on_a_granted_key_arn() -> None:
    policy = role_permission_policy(ACCOUNT, byok_regions([Location.EU]))
    key = _key("eu-west-1")
    assert decide(policy, None, "kms:Decrypt", key, _in("eu-west-1")).verdict is Verdict.ALLOWED
    assert decide(policy, None, "kms:Decrypt", key, _in("us-east-1")).verdict is (
        Verdict.NOT_GRANTED
    )


@pytest.mark.parametrize("region", byok_regions())
def test_the_role_may_use_the_apps_tagged_keys_in_byok_regions(region: str) -> None:
    decision = decide_all(
        role_permission_policy(ACCOUNT), None, KEY_USE_ACTIONS, _key(region), _in(region)
    )
    assert decision.verdict is Verdict.ALLOWED


@pytest.mark.parametrize(
    ("name", "action", "resource", "tags"),
    [
        ("a region outside BYOK", "kms:Decrypt", _key("ap-southeast-2"), OURS),
        ("another account's key", "kms:Decrypt", _key("eu-west-1", "444455556666"), OURS),
        (
            "a key without the app's tag",
            "kms:Decrypt",
            _key("eu-west-1"),
            {f"aws:ResourceTag/{TAG_MANAGED_BY}": []},
        ),
        (
            "a key tagged by someone else",
            "kms:Encrypt",
            _key("eu-west-1"),
            {f"aws:ResourceTag/{TAG_MANAGED_BY}": ["other"]},
        ),
        ("key administration", "kms:ScheduleKeyDeletion", _key("eu-west-1"), OURS),
        ("a policy change", "kms:PutKeyPolicy", _key("eu-west-1"), OURS),
        ("asymmetric data key pairs", "kms:GenerateDataKeyPair", _key("eu-west-1"), OURS),
    ],
)
def test_the_role_may_not(
    name: str, action: str, resource: str, tags: dict[str, list[str]]
) -> None:
    region = resource.split(":")[3]
    decision = decide(role_permission_policy(ACCOUNT), None, action, resource, _in(region, tags))
    assert decision.verdict is Verdict.NOT_GRANTED, name


def test_a_permission_policy_for_one_location_leaves_out_the_other() -> None:
    policy = role_permission_policy(ACCOUNT, byok_regions([Location.EU]))
    allowed = decide(policy, None, "kms:Decrypt", _key("eu-west-1"), _in("eu-west-1"))
    assert allowed.verdict is Verdict.ALLOWED
    assert decide(policy, None, "kms:Decrypt", _key("us-east-1"), _in("us-east-1")).verdict is (
        Verdict.NOT_GRANTED
    )


def test_the_key_policy_grants_the_role_every_key_use_action_and_no_more() -> None:
    policy = key_policy(ACCOUNT, ROLE)
    assert key_policy_grants_role(policy, ROLE)
    other = f"arn:aws:iam::{ACCOUNT}:role/other"
    assert not key_policy_grants_role(policy, other)
    # Key administration is left to the account's IAM policies (the role's grants none).
    admin = decide(policy, ROLE, "kms:ScheduleKeyDeletion")
    assert (admin.verdict, admin.through_account) == (Verdict.ALLOWED, True)


def test_the_trust_policy_allows_and_denies_the_provider() -> None:
    assert provider_access_allowed(
        trust_policy(DEFAULT_PROVIDER_PRINCIPAL), DEFAULT_PROVIDER_PRINCIPAL
    )
    denied = trust_policy(DEFAULT_PROVIDER_PRINCIPAL, allow=False)
    assert provider_access_allowed(denied, DEFAULT_PROVIDER_PRINCIPAL) is False
    assert provider_access_allowed({"Statement": []}, DEFAULT_PROVIDER_PRINCIPAL) is None
