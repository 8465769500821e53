"""Revoke and restore the key provider's access to a product family's keys.

Following the vendor's guide: revoking flips the provider's statement in the
key-management role's trust policy to Deny and disables the key in every region of the
location; restoring enables the keys again and flips the statement back to Allow. Each
step is idempotent (disabling a disabled key, or denying a denied statement, is a no-op),
so a job can be resumed after any interruption.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from byok_desktop.aws.errors import AwsFault, AwsProblem, classify, error_code
from byok_desktop.provisioning.consistency import replica_creating
from byok_desktop.provisioning.policies import provider_access_allowed, with_provider_access
from byok_desktop.provisioning.steps import Step, StepContext, check_identity, wait_enabled

log = logging.getLogger("byok_desktop.jobs")



def _set_trust(ctx: StepContext, allow: bool) -> dict[str, str]:
    iam = ctx.connection.client("iam", ctx.primary_region)
    role_ref = f"role/{ctx.role_name}"
    try:
        role = iam.get_role(RoleName=ctx.role_name)["Role"]
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
            raise AwsProblem(
                AwsFault.NOT_FOUND,
                f"The key-management role {ctx.role_name} does not exist in account "
                f"{ctx.account_id}; it may have been deleted outside this app.",
                "iam:GetRole",
                role_ref,
            ) from exc
        raise classify(exc, "iam:GetRole", role_ref) from exc
    document: Any = role.get("AssumeRolePolicyDocument", {})
    if isinstance(document, str):
        document = json.loads(document)
    if provider_access_allowed(document, ctx.provider_principal) is not allow:
        try:
            iam.update_assume_role_policy(
                RoleName=ctx.role_name,
                PolicyDocument=json.dumps(
                    with_provider_access(document, ctx.provider_principal, allow)
                ),
            )
        except Exception as exc:
            raise classify(exc, "iam:UpdateAssumeRolePolicy", role_ref) from exc
        log.info("Trust of %s for the provider set to %s", ctx.role_name, allow)
    return {"trust": "Allow" if allow else "Deny"}


def deny_trust(ctx: StepContext) -> dict[str, str]:
    return _set_trust(ctx, allow=False)


def allow_trust(ctx: StepContext) -> dict[str, str]:
    return _set_trust(ctx, allow=True)


def _set_key_enabled(ctx: StepContext, region: str, enabled: bool) -> dict[str, str]:
    key_id = ctx.resources["key_id"]
    kms = ctx.kms(region)
    where = f"{ctx.target.alias} in {region}"

    def describe() -> str:
        try:
            return str(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"])
        except Exception as exc:
            raise classify(exc, "kms:DescribeKey", where) from exc

    state = ""

    def current() -> str:
        nonlocal state
        state = describe()
        return state

    # A replica made moments ago is Creating and can be neither enabled nor disabled yet.
    ctx.waiter.until(replica_creating(region, key_id, current))
    if state in ("PendingDeletion", "PendingReplicaDeletion"):
        raise AwsProblem(
            AwsFault.INVALID_STATE,
            f"The key in {region} is scheduled for deletion; cancel the deletion in AWS "
            "first, then resume.",
            "kms:DescribeKey",
            where,
        )
    wanted = "Enabled" if enabled else "Disabled"
    if state != wanted:
        action = "kms:EnableKey" if enabled else "kms:DisableKey"
        call = kms.enable_key if enabled else kms.disable_key
        try:
            call(KeyId=key_id)
        except Exception as exc:
            raise classify(exc, action, where) from exc
        log.info("%s key %s in %s", "Enabled" if enabled else "Disabled", key_id, region)
    return {f"state:{region}": wanted}


def disable_primary(ctx: StepContext) -> dict[str, str]:
    return _set_key_enabled(ctx, ctx.primary_region, enabled=False)


def disable_replica(ctx: StepContext) -> dict[str, str]:
    return _set_key_enabled(ctx, ctx.replica_region, enabled=False)


def enable_primary(ctx: StepContext) -> dict[str, str]:
    return _set_key_enabled(ctx, ctx.primary_region, enabled=True)


def enable_replica(ctx: StepContext) -> dict[str, str]:
    return _set_key_enabled(ctx, ctx.replica_region, enabled=True)


def check_restore_window(ctx: StepContext) -> dict[str, str]:
    """A restore queued, failed or interrupted inside the window may be resumed after it
    ended: the window is checked again right before anything is changed."""
    until = ctx.restore_until
    if until is not None and datetime.now(UTC) > until:
        raise AwsProblem(
            AwsFault.INVALID_STATE,
            f"The restore window ended on {until.astimezone():%Y-%m-%d %H:%M}; access can no "
            "longer be restored from here. Contact the vendor's support.",
        )
    return {"restore_until": until.isoformat() if until else ""}


REVOKE_STEPS: tuple[Step, ...] = (
    Step("identity", "Check the caller identity matches the account", check_identity),
    Step("deny_trust", "Set the provider's trust statement to Deny", deny_trust),
    Step("disable_primary", "Disable the key in the first region", disable_primary),
    Step("disable_replica", "Disable the key in the second region", disable_replica),
)

RESTORE_STEPS: tuple[Step, ...] = (
    Step("identity", "Check the caller identity matches the account", check_identity),
    Step("window", "Check the restore window is still open", check_restore_window),
    Step("enable_primary", "Enable the key in the first region", enable_primary),
    Step("enable_replica", "Enable the key in the second region", enable_replica),
    Step("wait", "Wait until the key is Enabled in both regions", wait_enabled),
    Step("allow_trust", "Set the provider's trust statement back to Allow", allow_trust),
)
