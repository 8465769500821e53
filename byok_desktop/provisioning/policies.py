"""The IAM and KMS policy documents BYOK needs, generated (and shown to admins) as JSON."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from typing import Any

from byok_desktop.health.policy_eval import Verdict, decide, decide_all
from byok_desktop.locations import Location
from byok_desktop.provisioning.naming import MANAGED_BY, TAG_MANAGED_BY

PROVIDER_SID = "AllowKeyProviderToAssumeRole"

# What the provider needs to encrypt product data with the customer's key, and no more
# (no wildcards: ``kms:GenerateDataKey*`` would also grant the asymmetric data key pairs).
# The health check asks the key policy about each of these.
KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
]
ASSUME_ROLE = "sts:AssumeRole"


def trust_policy(provider_principal: str, allow: bool = True) -> dict[str, Any]:
    """Who may assume the key-management role. Revocation flips Allow to Deny."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": PROVIDER_SID,
                "Effect": "Allow" if allow else "Deny",
                "Principal": {"AWS": provider_principal},
                "Action": ASSUME_ROLE,
            }
        ],
    }


def provider_access_allowed(document: dict[str, Any], provider_principal: str) -> bool | None:
    """Whether the trust policy lets the provider assume the role, as IAM evaluates it
    (every statement, an explicit Deny first): True when allowed, False when explicitly
    denied, None when no statement allows it or when it hangs on something the app
    cannot evaluate (see :mod:`byok_desktop.health.policy_eval`)."""
    verdict = decide(document, provider_principal, ASSUME_ROLE).verdict
    if verdict is Verdict.ALLOWED:
        return True
    if verdict is Verdict.DENIED:
        return False
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


def byok_regions(locations: Iterable[Location] = tuple(Location)) -> list[str]:
    """The regions of ``locations``, in order, each once."""
    return list(dict.fromkeys(r.code for location in locations for r in location.regions))


def role_permission_policy(account_id: str, regions: Iterable[str] | None = None) -> dict[str, Any]:
    """The role may use only keys this app manages (tagged ``byok:managed-by``) in
    ``regions`` of the account, for the key-use actions only.

    Least privilege: provisioning names the regions of the location it provisions, plus
    those the role's policy already named (one role serves every family of the account,
    and an account may hold keys in both locations), never every region of the account.
    The regions appear twice, as region-specific key ARNs and as an ``aws:RequestedRegion``
    condition, so a wildcard added to one of them by hand still leaves the other in force.
    KMS evaluates ``aws:ResourceTag/…`` for each of :data:`KEY_USE_ACTIONS`. Aliases
    (``kms:ResourceAliases``) are not used: the tags already name the app's keys, and
    an alias is renamed more easily than a tag is changed. ``regions`` None: the regions
    of every location BYOK offers."""
    codes = byok_regions() if regions is None else list(dict.fromkeys(regions))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UseBYOKKeysOnly",
                "Effect": "Allow",
                "Action": KEY_USE_ACTIONS,
                "Resource": [f"arn:aws:kms:{code}:{account_id}:key/*" for code in codes],
                "Condition": {
                    "StringEquals": {
                        f"aws:ResourceTag/{TAG_MANAGED_BY}": MANAGED_BY,
                        "aws:RequestedRegion": codes,
                    }
                },
            }
        ],
    }


_KEY_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:kms:([a-z]+(?:-[a-z]+){1,2}-\d+):")


def permission_policy_regions(document: dict[str, Any]) -> list[str]:
    """The regions an earlier :func:`role_permission_policy` granted (from its key ARNs),
    in order; [] for a document the app did not write."""
    found: list[str] = []
    statements = document.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        if not isinstance(statement, dict) or statement.get("Sid") != "UseBYOKKeysOnly":
            continue
        resources = statement.get("Resource", [])
        for arn in [resources] if isinstance(resources, str) else resources:
            match = _KEY_ARN_REGION.match(str(arn))
            if match:
                found.append(match.group(1))
    return list(dict.fromkeys(found))


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
    """Whether the key policy itself lets the role do every key-use action, as IAM
    evaluates it (an explicit Deny wins; an Allow to the account only is not enough)."""
    decision = decide_all(document, role_arn, KEY_USE_ACTIONS)
    return decision.verdict is Verdict.ALLOWED and not decision.through_account


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2)
