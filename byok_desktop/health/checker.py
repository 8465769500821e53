"""Ask AWS about one product family's keys: DescribeKey and the key policy in each
region, rotation on the primary, and the role's trust policy. Blocking: call from a
worker. Read-only: a check never changes anything in the customer's account."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.aws.errors import AwsProblem, classify, error_code
from byok_desktop.findings import FamilyFinding, KeyHealth, RegionFinding
from byok_desktop.health.policy_eval import Decision, Verdict, decide, decide_all
from byok_desktop.locations import Location
from byok_desktop.product_records import KeyRecord
from byok_desktop.provisioning.naming import TAG_FAMILY, TAG_SITE
from byok_desktop.provisioning.policies import ASSUME_ROLE, KEY_USE_ACTIONS, to_json

log = logging.getLogger("byok_desktop.health")



def _ask(action: str, resource: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except AwsProblem:
        raise
    except Exception as exc:
        raise classify(exc, action, resource) from exc


class _NotFound(Exception):
    pass


def _describe(kms: Any, key: KeyRecord) -> dict[str, Any]:
    try:
        return dict(kms.describe_key(KeyId=key.key_arn or key.key_id)["KeyMetadata"])
    except Exception as exc:
        if error_code(exc) == "NotFoundException":
            raise _NotFound() from exc
        raise classify(exc, "kms:DescribeKey", f"{key.alias} in {key.region}") from exc


def check_region(
    connection: AwsConnection,
    key: KeyRecord,
    site_key: str,
    family: str,
    role_arn: str,
) -> RegionFinding:
    kms = connection.client("kms", key.region)
    where = f"{key.alias} in {key.region}"
    try:
        meta = _describe(kms, key)
    except _NotFound:
        return RegionFinding(
            key.region,
            KeyHealth.MISSING,
            "",
            f"Key missing: {key.key_id} no longer exists in {key.region}",
        )
    except AwsProblem as exc:
        return RegionFinding(key.region, KeyHealth.UNKNOWN, "", str(exc))
    state = str(meta.get("KeyState", ""))
    if key.key_arn and meta.get("Arn") != key.key_arn:
        return RegionFinding(
            key.region,
            KeyHealth.WRONG_KEY,
            state,
            f"Wrong key: AWS answers with {meta.get('Arn')}, recorded {key.key_arn}",
        )
    try:
        listed = _ask("kms:ListResourceTags", where, kms.list_resource_tags, KeyId=key.key_id)
        tags = {t["TagKey"]: t["TagValue"] for t in listed.get("Tags", [])}
        policy_text = _ask(
            "kms:GetKeyPolicy", where, kms.get_key_policy, KeyId=key.key_id, PolicyName="default"
        )["Policy"]
    except AwsProblem as exc:
        return RegionFinding(key.region, KeyHealth.UNKNOWN, state, str(exc))
    if tags.get(TAG_SITE) != site_key or tags.get(TAG_FAMILY) != family:
        return RegionFinding(
            key.region,
            KeyHealth.WRONG_KEY,
            state,
            f"Wrong key: its tags name site {tags.get(TAG_SITE)!r} and family "
            f"{tags.get(TAG_FAMILY)!r}, not {site_key!r}/{family!r}",
        )
    try:
        policy = json.loads(policy_text)
    except ValueError:
        policy = {}
    pretty = to_json(policy) if policy else str(policy_text)
    if state == "PendingDeletion" or state == "PendingReplicaDeletion":
        deletion = meta.get("DeletionDate")
        when = deletion.astimezone(UTC) if isinstance(deletion, datetime) else None
        on = f" on {when:%Y-%m-%d}" if when else ""
        return RegionFinding(
            key.region,
            KeyHealth.PENDING_DELETION,
            state,
            f"Key scheduled for deletion{on}; cancel the deletion to keep the data readable",
            deletion_date=when,
            key_policy=pretty,
        )
    simple = {
        "Disabled": (KeyHealth.DISABLED, "Key disabled"),
        "Creating": (KeyHealth.CREATING, "Key being created"),
        "Updating": (KeyHealth.CREATING, "Key being updated"),
        "Unavailable": (KeyHealth.UNAVAILABLE, "Key unavailable"),
        "PendingImport": (KeyHealth.UNAVAILABLE, "Key waiting for imported key material"),
    }
    if state in simple:
        health, text = simple[state]
        return RegionFinding(key.region, health, state, text, key_policy=pretty)
    if state != "Enabled":
        return RegionFinding(
            key.region, KeyHealth.UNAVAILABLE, state, f"Key state {state}", key_policy=pretty
        )
    if not role_arn:  # the role could not be read: the trust finding says why
        return RegionFinding(key.region, KeyHealth.OK, state, "", key_policy=pretty)
    # What AWS knows of the request when the role uses this key: the key's own tags.
    context = {f"aws:ResourceTag/{k}": [v] for k, v in tags.items()}
    decision = decide_all(
        policy_text, role_arn, KEY_USE_ACTIONS, str(meta.get("Arn") or key.key_arn), context
    )
    health, detail = _key_policy_finding(decision)
    return RegionFinding(
        key.region,
        health,
        state,
        detail,
        key_policy=pretty,
        cant_tell=health is KeyHealth.UNKNOWN,  # AWS answered
    )


def _key_policy_finding(decision: Decision) -> tuple[KeyHealth, str]:
    """The region's health from what its key policy says about the key-management role."""
    if decision.verdict is Verdict.ALLOWED and decision.through_account:
        return (
            KeyHealth.UNKNOWN,
            f"can't tell: {decision.where('key policy')} lets the key-management role use "
            "the key only through the account's IAM policies, which the app does not evaluate",
        )
    if decision.verdict is Verdict.ALLOWED:
        return KeyHealth.OK, ""
    if decision.verdict is Verdict.DENIED:
        return (
            KeyHealth.NOT_GRANTED,
            f"Key policy denies the key-management role {decision.action} "
            f"({decision.where('key policy')})",
        )
    if decision.verdict is Verdict.CANT_TELL:
        return KeyHealth.UNKNOWN, f"can't tell: {decision.where('key policy')} {decision.reason}"
    return (
        KeyHealth.NOT_GRANTED,
        "Key policy no longer lets the key-management role use the key "
        f"({decision.action} is not allowed)",
    )


def _trust_finding(document: Any, provider_principal: str) -> tuple[bool | None, str]:
    """Whether the trust policy lets the provider assume the role, and why not."""
    decision = decide(document, provider_principal, ASSUME_ROLE)
    if decision.verdict is Verdict.ALLOWED:
        return True, ""  # through the provider's account too: its own policies are its own
    if decision.verdict is Verdict.DENIED:
        return (
            False,
            "the key-management role's trust policy denies the provider "
            f"({decision.where('trust policy')})",
        )
    if decision.verdict is Verdict.CANT_TELL:
        return None, (
            "can't tell whether the trust policy lets the key provider assume the role: "
            f"{decision.where('trust policy')} {decision.reason}"
        )
    # IAM allows nothing it is not told to allow.
    return False, "the role's trust policy has no statement that lets the key provider assume it"


def check_family(
    connection: AwsConnection,
    site_key: str,
    family: str,
    location: Location,
    keys: Sequence[KeyRecord],
    role_name: str,
    provider_principal: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FamilyFinding:
    """Everything a check can find out; a failure to ask is reported, not guessed."""
    errors: list[str] = []
    iam = connection.client("iam", location.regions[0].code)
    trust_allowed: bool | None = None
    trust_text = ""
    trust_detail = ""
    trust_error = ""
    role_arn = ""
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
        role_arn = str(role["Arn"])
        document = role.get("AssumeRolePolicyDocument", {})
        if isinstance(document, str):
            document = json.loads(document)
        trust_text = to_json(document)
        trust_allowed, trust_detail = _trust_finding(document, provider_principal)
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
            trust_allowed = False
            trust_detail = f"the key-management role {role_name} no longer exists"
        else:
            problem = classify(exc, "iam:GetRole", f"role/{role_name}")
            trust_error = str(problem)
            errors.append(trust_error)
    by_region = {k.region: k for k in keys}
    regions: list[RegionFinding] = []
    for region in location.regions:
        key = by_region.get(region.code)
        if key is None:
            regions.append(
                RegionFinding(
                    region.code, KeyHealth.MISSING, "", "No key was recorded for this region"
                )
            )
            continue
        regions.append(check_region(connection, key, site_key, family, role_arn))
    rotation: bool | None = None
    primary = by_region.get(location.regions[0].code)
    if primary is not None and regions[0].key_state:  # DescribeKey answered
        kms = connection.client("kms", primary.region)
        try:
            rotation = bool(
                kms.get_key_rotation_status(KeyId=primary.key_id).get("KeyRotationEnabled")
            )
        except Exception as exc:
            log.info("Rotation status of %s unknown: %s", primary.key_id, classify(exc))
    # A policy the app can't evaluate is a finding, not a failure to ask AWS.
    unknown = [r for r in regions if r.health is KeyHealth.UNKNOWN and not r.cant_tell]
    if unknown and not errors:
        errors.append(unknown[0].detail)
    return FamilyFinding(
        checked_at=now(),
        regions=tuple(regions),
        trust_allowed=trust_allowed,
        rotation_enabled=rotation,
        trust_policy=trust_text,
        trust_detail=trust_detail,
        trust_error=trust_error,
        error=errors[0] if errors else "",
    )
