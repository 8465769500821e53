"""A customer's account set up as the setup kit would (under moto and the realistic
layer): the provisioning role trusting the rep's account with an ExternalId and holding
the app's permissions, and connections as the customer's admin and as the rep."""

from __future__ import annotations

import json
from typing import Any

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.realism import RealisticAws
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.provisioning.naming import DEFAULT_ROLE_NAME
from byok_desktop.provisioning.permissions import (
    PROVISIONING_ROLE_NAME,
    provisioning_policy,
    provisioning_trust_policy,
)

CUSTOMER = "210987654321"
REP = "123456789012"  # moto's default account: the rep's profiles open it
ROLE_ARN = f"arn:aws:iam::{CUSTOMER}:role/{PROVISIONING_ROLE_NAME}"


def connection(layer: RealisticAws | None, account: str) -> AwsConnection:
    """Keys of ``account`` (moto plays every account; the layer sees calls in it)."""
    return AwsConnection(
        AwsConfig(sandbox_account_id=account, realism=layer, max_attempts=2),
        AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("secret-value")),
        "eu-central-1",
    )


def make_provisioning_role(
    admin: AwsConnection,
    external_id: str,
    *,
    policy: dict[str, Any] | None = None,
    trust: dict[str, Any] | None = None,
) -> str:
    """The customer's admin runs the setup kit: the role, its trust and permissions."""
    iam = admin.client("iam")
    iam.create_role(
        RoleName=PROVISIONING_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(trust or provisioning_trust_policy(REP, external_id)),
    )
    iam.put_role_policy(
        RoleName=PROVISIONING_ROLE_NAME,
        PolicyName="byok-provisioning",
        PolicyDocument=json.dumps(policy or provisioning_policy(CUSTOMER, DEFAULT_ROLE_NAME)),
    )
    return ROLE_ARN
