"""What the app may do in a customer's account, said once.

The customer's provisioning role (the one the rep assumes) gets exactly these
permissions: the setup kit writes them into CloudFormation and Terraform, the docs list
them, and the preflight asks IAM to simulate them. Each permission says in plain words
what it is for, which actions it allows, on what, and under which conditions (the
BYOK regions only; KMS keys only when the app tagged them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from byok_desktop.provisioning.naming import KEY_PREFIX, MANAGED_BY, TAG_MANAGED_BY
from byok_desktop.provisioning.policies import byok_regions

# The customer's role that the rep assumes; the setup kit creates it with this name.
PROVISIONING_ROLE_NAME = "byok-provisioning"
REQUESTED_REGION = "aws:RequestedRegion"
RESOURCE_TAG = f"aws:ResourceTag/{TAG_MANAGED_BY}"
REQUEST_TAG = f"aws:RequestTag/{TAG_MANAGED_BY}"


class Scope(Enum):
    """What a permission's actions act on."""

    KEY_MANAGEMENT_ROLE = "key-management role"  # the role the provider assumes
    PROVISIONING_ROLE = "provisioning role"  # the role the rep assumes (itself)
    ANY_IN_REGIONS = "anything in the BYOK regions"  # list calls, CreateKey
    TAGGED_KEYS = "keys tagged by the app"
    KEY_ALIASES = "the app's key aliases"


@dataclass(frozen=True, slots=True)
class Permission:
    sid: str
    purpose: str  # plain words, for the docs and the preflight's report
    actions: tuple[str, ...]
    scope: Scope
    request_tagged: bool = False  # the call must tag what it creates as the app's

    def resources(self, account_id: str, role_name: str, regions: list[str]) -> list[str]:
        if self.scope is Scope.KEY_MANAGEMENT_ROLE:
            return [f"arn:aws:iam::{account_id}:role/{role_name}"]
        if self.scope is Scope.PROVISIONING_ROLE:
            return [f"arn:aws:iam::{account_id}:role/{PROVISIONING_ROLE_NAME}"]
        if self.scope is Scope.TAGGED_KEYS:
            return [f"arn:aws:kms:{r}:{account_id}:key/*" for r in regions]
        if self.scope is Scope.KEY_ALIASES:
            return [f"arn:aws:kms:{r}:{account_id}:alias/{KEY_PREFIX}-*" for r in regions]
        return ["*"]

    def condition(self, regions: list[str]) -> dict[str, Any] | None:
        equals: dict[str, Any] = {}
        if self.scope is Scope.ANY_IN_REGIONS:
            equals[REQUESTED_REGION] = regions
        if self.scope is Scope.TAGGED_KEYS:
            equals[RESOURCE_TAG] = MANAGED_BY
        if self.request_tagged:
            equals[REQUEST_TAG] = MANAGED_BY
        return {"StringEquals": equals} if equals else None


PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        "ManageKeyManagementRole",
        "look up, create and tag the key-management role, set its permission policy, and "
        "switch the provider's access in its trust policy (revoke and restore)",
        (
            "iam:GetRole",
            "iam:CreateRole",
            "iam:TagRole",
            "iam:PutRolePolicy",
            "iam:UpdateAssumeRolePolicy",
        ),
        Scope.KEY_MANAGEMENT_ROLE,
    ),
    Permission(
        "FindKeys",
        "list the keys and aliases of the BYOK regions and read a key's description, tags, "
        "policy and rotation (to adopt what exists instead of making it twice)",
        (
            "kms:ListKeys",
            "kms:ListAliases",
            "kms:DescribeKey",
            "kms:ListResourceTags",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
        ),
        Scope.ANY_IN_REGIONS,
    ),
    Permission(
        "CreateTaggedKeys",
        "create keys (and their replicas) in the BYOK regions, tagged as the app's",
        ("kms:CreateKey", "kms:TagResource"),
        Scope.ANY_IN_REGIONS,
        request_tagged=True,
    ),
    Permission(
        "ManageBYOKKeys",
        "replicate, tag, set the key policy of, rotate, enable, disable and schedule the "
        "deletion of the app's own keys only (tagged byok:managed-by)",
        (
            "kms:ReplicateKey",
            "kms:TagResource",
            "kms:PutKeyPolicy",
            "kms:EnableKeyRotation",
            "kms:EnableKey",
            "kms:DisableKey",
            "kms:ScheduleKeyDeletion",
            "kms:CreateAlias",
        ),
        Scope.TAGGED_KEYS,
    ),
    Permission(
        "NameBYOKKeys",
        f"create the keys' aliases (alias/{KEY_PREFIX}-…)",
        ("kms:CreateAlias",),
        Scope.KEY_ALIASES,
    ),
    Permission(
        "CheckOwnPermissions",
        "read this role and simulate its own permissions (the app's preflight)",
        ("iam:GetRole", "iam:SimulatePrincipalPolicy"),
        Scope.PROVISIONING_ROLE,
    ),
)


def statements(
    account_id: str, role_name: str, regions: list[str] | None = None
) -> list[dict[str, Any]]:
    """The permissions as IAM policy statements (the same in every export)."""
    codes = byok_regions() if regions is None else regions
    found: list[dict[str, Any]] = []
    for permission in PERMISSIONS:
        statement: dict[str, Any] = {
            "Sid": permission.sid,
            "Effect": "Allow",
            "Action": list(permission.actions),
            "Resource": permission.resources(account_id, role_name, codes),
        }
        condition = permission.condition(codes)
        if condition is not None:
            statement["Condition"] = condition
        found.append(statement)
    return found


def provisioning_policy(
    account_id: str, role_name: str, regions: list[str] | None = None
) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements(account_id, role_name, regions)}


def provisioning_trust_policy(rep_account_id: str, external_id: str) -> dict[str, Any]:
    """The rep's account may assume the provisioning role, only with the customer's
    ExternalId (AWS's answer to the confused deputy)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowBYOKRepWithExternalId",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{rep_account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


@dataclass(frozen=True, slots=True)
class SimulationCase:
    """One SimulatePrincipalPolicy call: the actions of a permission on one example
    resource, with the context its conditions test (as the app's calls would send)."""

    permission: Permission
    resource: str
    context: dict[str, str]


def simulation_cases(
    account_id: str, role_name: str, regions: Iterable[str]
) -> list[SimulationCase]:
    """A case per permission and region the request uses (IAM-only permissions once)."""
    codes = list(regions)
    cases: list[SimulationCase] = []
    for permission in PERMISSIONS:
        if permission.scope in (Scope.KEY_MANAGEMENT_ROLE, Scope.PROVISIONING_ROLE):
            [resource] = permission.resources(account_id, role_name, codes)
            cases.append(SimulationCase(permission, resource, {}))
            continue
        for region in codes:
            context = {REQUESTED_REGION: region}
            if permission.scope is Scope.TAGGED_KEYS:
                context[RESOURCE_TAG] = MANAGED_BY
                resource = f"arn:aws:kms:{region}:{account_id}:key/example"
            elif permission.scope is Scope.KEY_ALIASES:
                resource = f"arn:aws:kms:{region}:{account_id}:alias/{KEY_PREFIX}-example"
            else:
                resource = "*"
            if permission.request_tagged:
                context[REQUEST_TAG] = MANAGED_BY
            cases.append(SimulationCase(permission, resource, context))
    return cases
