"""Adding a product to a family that is already BYOK on the site (Jira Service Management
where Jira Software is BYOK, or the reverse).

The family's multi-Region key already covers every product of the family, so nothing is
created: the job checks, in AWS, that the key-management role still trusts the provider
and that the family's key is Enabled in both regions of the location with a key policy
that lets the role use it (IAM's evaluation, :mod:`byok_desktop.health.policy_eval`).
Then the runner records the new product as Active. Every step only reads, so a resumed
or repeated job is harmless.
"""

from __future__ import annotations

import json
from typing import Any

from byok_desktop.aws.errors import AwsFault, AwsProblem, classify, error_code
from byok_desktop.provisioning.consistency import Transient
from byok_desktop.provisioning.policies import key_policy_grants_role, provider_access_allowed
from byok_desktop.provisioning.steps import (
    Step,
    StepContext,
    _alias_target,
    check_identity,
)

_SETTLING = ("Creating", "Updating")


def _family(ctx: StepContext) -> str:
    return f"{ctx.target.site}'s {ctx.target.family.display_name}"


def check_role_trust(ctx: StepContext) -> dict[str, str]:
    """The role exists and its trust policy lets the provider in (not revoked)."""
    iam = ctx.connection.client("iam", ctx.primary_region)
    role_ref = f"role/{ctx.role_name}"
    try:
        role = iam.get_role(RoleName=ctx.role_name)["Role"]
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
            raise AwsProblem(
                AwsFault.NOT_FOUND,
                f"The key-management role {ctx.role_name} does not exist in account "
                f"{ctx.account_id}, so no product can be added to {_family(ctx)}. Run a "
                "health check to see what else is missing.",
                "iam:GetRole",
                role_ref,
            ) from exc
        raise classify(exc, "iam:GetRole", role_ref) from exc
    document: Any = role.get("AssumeRolePolicyDocument", {})
    if isinstance(document, str):
        document = json.loads(document)
    if provider_access_allowed(document, ctx.provider_principal) is False:
        raise AwsProblem(
            AwsFault.INVALID_STATE,
            f"The role {ctx.role_name} denies the key provider (access was revoked), so no "
            f"product can be added to {_family(ctx)}. Restore access, then resume this job.",
            "iam:GetRole",
            role_ref,
        )
    return {"role_arn": str(role["Arn"])}


def _key_id(ctx: StepContext) -> str:
    """The family's key as AWS names it (its alias), else as recorded locally."""
    where = f"{ctx.target.alias} in {ctx.primary_region}"
    try:
        found = _alias_target(ctx.kms(ctx.primary_region), ctx.target.alias)
    except Exception as exc:
        raise classify(exc, "kms:ListAliases", where) from exc
    key_id = found or ctx.resources.get("key_id", "")
    if not key_id:
        raise AwsProblem(
            AwsFault.NOT_FOUND,
            f"{_family(ctx)} has no key in {ctx.primary_region} (no alias {ctx.target.alias} "
            "and none recorded), so there is nothing to add the product under. Check the "
            "site's products (Rebuild from AWS) before resuming.",
            "kms:ListAliases",
            where,
        )
    return key_id


def _region_state(ctx: StepContext, key_id: str, region: str) -> dict[str, Any]:
    where = f"{ctx.target.alias} in {region}"
    kms = ctx.kms(region)
    meta: dict[str, Any] = {}

    def pending() -> Transient | None:
        nonlocal meta
        try:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except Exception as exc:
            if error_code(exc) == "NotFoundException":
                raise AwsProblem(
                    AwsFault.NOT_FOUND,
                    f"The key of {_family(ctx)} ({key_id}) has no replica in {region}; a "
                    "product is added only under a key present in both regions.",
                    "kms:DescribeKey",
                    where,
                ) from exc
            raise classify(exc, "kms:DescribeKey", where) from exc
        if meta.get("KeyState") not in _SETTLING:
            return None
        return Transient(
            f"the key in {region} to be ready",
            f"The key of {_family(ctx)} in {region} stayed {meta.get('KeyState')}.",
        )

    ctx.waiter.until(pending)
    return meta


def check_family_key(ctx: StepContext) -> dict[str, str]:
    """In both regions: the family's key is Enabled and its key policy grants the role
    every key-use action."""
    key_id = _key_id(ctx)
    role_arn = ctx.resources["role_arn"]
    established = {"key_id": key_id}
    for region in (ctx.primary_region, ctx.replica_region):
        where = f"{ctx.target.alias} in {region}"
        meta = _region_state(ctx, key_id, region)
        state = str(meta.get("KeyState", ""))
        if state != "Enabled":
            raise AwsProblem(
                AwsFault.INVALID_STATE,
                f"The key of {_family(ctx)} is {state} in {region}, so no product can be "
                "added under it. Enable the key (or restore access, or cancel its deletion) "
                "in AWS, then resume this job.",
                "kms:DescribeKey",
                where,
            )
        try:
            policy = ctx.kms(region).get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
        except Exception as exc:
            raise classify(exc, "kms:GetKeyPolicy", where) from exc
        if not key_policy_grants_role(json.loads(policy), role_arn):
            raise AwsProblem(
                AwsFault.INVALID_STATE,
                f"The key policy of {_family(ctx)}'s key in {region} does not let the "
                f"key-management role ({role_arn}) use the key, so no product can be added "
                "under it. Put the role's statement back (the key policy is on the product's "
                "detail pane), then resume this job.",
                "kms:GetKeyPolicy",
                where,
            )
        established[f"key_arn:{region}"] = str(meta.get("Arn", ""))
        established[f"state:{region}"] = state
    return established


ADD_PRODUCT_STEPS: tuple[Step, ...] = (
    Step("identity", "Check the caller identity matches the request's account", check_identity),
    Step("role_trust", "Check the key-management role still trusts the provider", check_role_trust),
    Step(
        "family_key",
        "Check the family's key in both regions (Enabled, its key policy grants the role)",
        check_family_key,
    ),
)
