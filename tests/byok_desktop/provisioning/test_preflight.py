"""The preflight on hand-made customer accounts (moto plus the realistic layer, which
enforces trust and ExternalId and answers SimulatePrincipalPolicy as IAM evaluates it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from byok_desktop.aws.realism import Realism, RealisticAws
from byok_desktop.aws.role_chain import CustomerRole, chained_connection, session_name
from byok_desktop.provisioning.naming import DEFAULT_PROVIDER_PRINCIPAL, DEFAULT_ROLE_NAME
from byok_desktop.provisioning.permissions import provisioning_policy
from byok_desktop.provisioning.policies import trust_policy
from byok_desktop.provisioning.preflight import PreflightResult, run_preflight
from tests.helpers.customer_account import (
    CUSTOMER,
    REP,
    ROLE_ARN,
    connection,
    make_provisioning_role,
)

EXTERNAL_ID = "ext-7b1f0c2e9d4a4c8f"
EU = ["eu-central-1", "eu-west-1"]


@pytest.fixture
def layer() -> Iterator[RealisticAws]:
    with mock_aws():
        yield RealisticAws(Realism.quick(principal_delay_s=0.0, trust_delay_s=0.0))


def _preflight(layer: RealisticAws) -> PreflightResult:
    role = CustomerRole(ROLE_ARN, EXTERNAL_ID, session_name("ada", "request-1"))
    return run_preflight(
        chained_connection(connection(layer, REP), role),
        role,
        REP,
        role_name=DEFAULT_ROLE_NAME,
        provider_principal=DEFAULT_PROVIDER_PRINCIPAL,
        regions=EU,
    )


def _policy_with(extra: dict[str, Any]) -> dict[str, Any]:
    policy = provisioning_policy(CUSTOMER, DEFAULT_ROLE_NAME)
    policy["Statement"].append(extra)
    return policy


def test_an_explicit_deny_is_missing_with_only_the_denied_action(layer: RealisticAws) -> None:
    deny = {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}
    make_provisioning_role(connection(layer, CUSTOMER), EXTERNAL_ID, policy=_policy_with(deny))
    result = _preflight(layer)
    assert len(result.missing) == 1
    assert result.missing[0].startswith("permission to replicate, tag, set the key policy of")
    assert result.missing[0].endswith("(kms:ScheduleKeyDeletion)")


def test_keys_outside_the_byok_regions_are_not_enough(layer: RealisticAws) -> None:
    policy = provisioning_policy(CUSTOMER, DEFAULT_ROLE_NAME, regions=["us-east-1", "us-west-2"])
    make_provisioning_role(connection(layer, CUSTOMER), EXTERNAL_ID, policy=policy)
    missing = " ".join(_preflight(layer).missing)
    assert "kms:CreateKey" in missing
    assert "kms:ListKeys" in missing
    assert "iam:CreateRole" not in missing  # IAM is global: not a region's matter


def test_a_trust_without_external_id_is_a_note(layer: RealisticAws) -> None:
    open_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{REP}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    make_provisioning_role(connection(layer, CUSTOMER), EXTERNAL_ID, trust=open_trust)
    result = _preflight(layer)
    assert result.ok
    assert any("without an ExternalId" in note for note in result.notes)


def test_a_key_management_role_that_denies_the_provider_stops(layer: RealisticAws) -> None:
    admin = connection(layer, CUSTOMER)
    make_provisioning_role(admin, EXTERNAL_ID)
    admin.client("iam").create_role(
        RoleName=DEFAULT_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(trust_policy(DEFAULT_PROVIDER_PRINCIPAL, allow=False)),
    )
    result = _preflight(layer)
    assert result.missing == [
        f"{DEFAULT_ROLE_NAME} denies {DEFAULT_PROVIDER_PRINCIPAL} (access was revoked); "
        "restore it first"
    ]


def test_a_key_management_role_made_by_the_kit_is_confirmed(layer: RealisticAws) -> None:
    admin = connection(layer, CUSTOMER)
    make_provisioning_role(admin, EXTERNAL_ID)
    admin.client("iam").create_role(
        RoleName=DEFAULT_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(trust_policy(DEFAULT_PROVIDER_PRINCIPAL)),
    )
    result = _preflight(layer)
    assert result.ok
    assert f"{DEFAULT_ROLE_NAME} exists and trusts {DEFAULT_PROVIDER_PRINCIPAL}" in result.checked
