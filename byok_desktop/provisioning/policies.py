"""The IAM and KMS policy documents BYOK needs, generated (and shown to admins) as JSON."""

from __future__ import annotations

import copy
import json
from typing import Any

from byok_desktop.provisioning.naming import MANAGED_BY, TAG_MANAGED_BY

PROVIDER_SID = "AllowKeyProviderToAssumeRole"

# What the provider needs to encrypt product data with the customer's key.
KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]


def trust_policy(provider_principal: str, allow: bool = True) -> dict[str, Any]:
    """Who may assume the key-management role. Revocation flips Allow to Deny."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": PROVIDER_SID,
                "Effect": "Allow" if allow else "Deny",
                "Principal": {"AWS": provider_principal},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def provider_access_allowed(document: dict[str, Any], provider_principal: str) -> bool | None:
    """True/False from the provider's statement; None when the statement is missing."""
    for statement in _statements(document):
        principal = statement.get("Principal", {})
        principals = principal.get("AWS") if isinstance(principal, dict) else principal
        names = principals if isinstance(principals, list) else [principals]
        if statement.get("Sid") == PROVIDER_SID or provider_principal in names:
            return statement.get("Effect") == "Allow"
    return None


def with_provider_access(
    document: dict[str, Any], provider_principal: str, allow: bool
) -> dict[str, Any]:
    """``document`` with only the provider's statement set to Allow or Deny (added when
    missing); the customer's other statements and any conditions are kept as they are."""
    changed: dict[str, Any] = copy.deepcopy(document) if document else {"Version": "2012-10-17"}
    found_statements = changed.get("Statement", [])
    statements: list[Any] = (
        [found_statements] if isinstance(found_statements, dict) else list(found_statements)
    )
    found = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        principal = statement.get("Principal", {})
        principals = principal.get("AWS") if isinstance(principal, dict) else principal
        names = principals if isinstance(principals, list) else [principals]
        if statement.get("Sid") == PROVIDER_SID or provider_principal in names:
            statement["Effect"] = "Allow" if allow else "Deny"
            found = True
    if not found:
        statements.append(trust_policy(provider_principal, allow)["Statement"][0])
    changed["Statement"] = statements
    return changed


def role_permission_policy(account_id: str) -> dict[str, Any]:
    """The role may use only keys this app manages (by tag), in any region of the account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UseBYOKKeysOnly",
                "Effect": "Allow",
                "Action": KEY_USE_ACTIONS,
                "Resource": f"arn:aws:kms:*:{account_id}:key/*",
                "Condition": {"StringEquals": {f"aws:ResourceTag/{TAG_MANAGED_BY}": MANAGED_BY}},
            }
        ],
    }


def key_policy(account_id: str, role_arn: str) -> dict[str, Any]:
    """Keeps the account's own admin access and lets the key-management role use the key."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "KeyManagementRoleUse",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn},
                "Action": KEY_USE_ACTIONS,
                "Resource": "*",
            },
        ],
    }


def key_policy_grants_role(document: dict[str, Any], role_arn: str) -> bool:
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal", {})
        principals = principal.get("AWS") if isinstance(principal, dict) else principal
        names = principals if isinstance(principals, list) else [principals]
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if role_arn in names and ("kms:*" in actions or "kms:Decrypt" in actions):
            return True
    return False


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)]


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2)
