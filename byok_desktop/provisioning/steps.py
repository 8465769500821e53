"""The provisioning steps. Each first looks for what already exists and adopts it, so a
job run twice, or resumed after any interruption, never creates a second key, role or
alias. Each returns the resource IDs it established, for the journal."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.aws.errors import AwsFault, AwsProblem, classify, error_code
from byok_desktop.aws.identity import caller_identity, require_account
from byok_desktop.provisioning.consistency import Cancelled as Cancelled  # re-exported
from byok_desktop.provisioning.consistency import (
    Transient,
    Waiter,
    principal_not_visible,
)
from byok_desktop.provisioning.naming import (
    TAG_FAMILY,
    TAG_MANAGED_BY,
    TAG_SITE,
    KeyTarget,
)
from byok_desktop.provisioning.policies import (
    key_policy,
    permission_policy_regions,
    provider_access_allowed,
    role_permission_policy,
    trust_policy,
)

log = logging.getLogger("byok_desktop.jobs")

PERMISSION_POLICY_NAME = "byok-key-use"


@dataclass
class StepContext:
    connection: AwsConnection
    target: KeyTarget
    account_id: str
    profile_name: str
    role_name: str
    provider_principal: str
    resources: dict[str, str] = field(default_factory=dict)  # from earlier steps
    # Eventual consistency (provisioning/consistency.py): the longest wait for AWS to
    # catch up, and where "Waiting for IAM to propagate (12 s)" is reported.
    consistency_wait_s: float = 120.0
    poll_interval_s: float = 2.0
    cancelled: Callable[[], bool] = lambda: False
    report: Callable[[str], None] = lambda _text: None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    restore_until: datetime | None = None  # restore jobs: the end of the restore window

    @property
    def primary_region(self) -> str:
        return self.target.location.regions[0].code

    @property
    def replica_region(self) -> str:
        return self.target.location.regions[1].code

    def kms(self, region: str) -> Any:
        return self.connection.client("kms", region)

    @property
    def waiter(self) -> Waiter:
        return Waiter(
            self.consistency_wait_s,
            self.poll_interval_s,
            self.clock,
            self.sleep,
            self.report,
            self.cancelled,
        )


def _call(action: str, resource: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except AwsProblem as problem:
        enriched = problem.on(resource)
        if enriched is problem:
            raise
        raise enriched from problem
    except Exception as exc:
        raise classify(exc, action, resource) from exc



# --- 1. identity --------------------------------------------------------------------


def check_identity(ctx: StepContext) -> dict[str, str]:
    identity = caller_identity(ctx.connection)
    require_account(identity, ctx.account_id, ctx.profile_name)
    return {"caller_arn": identity.arn}


# --- 2. role ----------------------------------------------------------------------------


def ensure_role(ctx: StepContext) -> dict[str, str]:
    iam = ctx.connection.client("iam", ctx.primary_region)
    role_ref = f"role/{ctx.role_name}"
    try:
        role = iam.get_role(RoleName=ctx.role_name)["Role"]
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise classify(exc, "iam:GetRole", role_ref) from exc
        try:
            role = iam.create_role(
                RoleName=ctx.role_name,
                AssumeRolePolicyDocument=json.dumps(trust_policy(ctx.provider_principal)),
                Description="Lets the SaaS provider use this account's BYOK keys",
                Tags=[{"Key": TAG_MANAGED_BY, "Value": "byok-desktop"}],
            )["Role"]
            log.info("Created role %s", role["Arn"])
        except Exception as create_exc:
            # Another site's job in the same account created it a moment ago: adopt it.
            if error_code(create_exc) != "EntityAlreadyExists":
                raise classify(create_exc, "iam:CreateRole", role_ref) from create_exc
            role = _call("iam:GetRole", role_ref, iam.get_role, RoleName=ctx.role_name)["Role"]
    else:
        document = role.get("AssumeRolePolicyDocument", {})
        if isinstance(document, str):
            document = json.loads(document)
        if provider_access_allowed(document, ctx.provider_principal) is False:
            raise AwsProblem(
                AwsFault.INVALID_STATE,
                f"The role {ctx.role_name} denies the key provider (access was revoked). "
                "Restore access before provisioning more keys.",
                "iam:GetRole",
                role_ref,
            )
    regions = _granted_regions(iam, ctx.role_name, role_ref) + [
        r.code for r in ctx.target.location.regions
    ]
    _call(
        "iam:PutRolePolicy",
        role_ref,
        iam.put_role_policy,
        RoleName=ctx.role_name,
        PolicyName=PERMISSION_POLICY_NAME,
        PolicyDocument=json.dumps(role_permission_policy(ctx.account_id, regions)),
    )
    return {"role_arn": str(role["Arn"])}


def _granted_regions(iam: Any, role_name: str, role_ref: str) -> list[str]:
    """The regions the role's permission policy already grants: the role is one per
    account, so a site in the other location keeps its grant when this one is added."""
    try:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=PERMISSION_POLICY_NAME)[
            "PolicyDocument"
        ]
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
            return []
        raise classify(exc, "iam:GetRolePolicy", role_ref) from exc
    if isinstance(document, str):  # botocore decodes it; an emulator may not
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return []  # not the app's document: rewritten with this location's regions
    return permission_policy_regions(document) if isinstance(document, dict) else []


# --- 3. primary key ----------------------------------------------------------------------


def _alias_target(kms: Any, alias: str) -> str | None:
    paginator = kms.get_paginator("list_aliases")
    for page in paginator.paginate():
        for entry in page.get("Aliases", []):
            if entry.get("AliasName") == alias and entry.get("TargetKeyId"):
                return str(entry["TargetKeyId"])
    return None


def _tags(kms: Any, key_id: str) -> dict[str, str]:
    listed = kms.list_resource_tags(KeyId=key_id).get("Tags", [])
    return {t["TagKey"]: t["TagValue"] for t in listed}


def _is_ours(kms: Any, key_id: str, target: KeyTarget) -> bool:
    tags = _tags(kms, key_id)
    return tags.get(TAG_SITE) == target.site and tags.get(TAG_FAMILY) == target.family.value


# Keys a rival run made and lost are scheduled for deletion with AWS's shortest window.
DISCARD_WINDOW_DAYS = 7
_GONE = ("PendingDeletion", "PendingReplicaDeletion")


@dataclass(frozen=True, slots=True)
class _Candidate:
    key_id: str
    created: datetime | float | str

    def order(self) -> tuple[str, str]:
        created = self.created
        text = created.isoformat() if isinstance(created, datetime) else f"{created:0>20}"
        return (text, self.key_id)


def _tagged_keys(kms: Any, target: KeyTarget) -> list[_Candidate]:
    """The keys the app made for ``target`` in this region, whatever the journal says.

    Cheap whatever the account holds: ListKeys gives IDs only, and a multi-Region key's ID
    starts ``mrk-``, so single-Region keys cost nothing; DescribeKey is asked only of
    multi-Region keys, and ListResourceTags only of customer-managed, live ones whose
    description is the one this app gives a key (``KeyTarget.description``)."""
    wanted = target.description
    found: list[_Candidate] = []
    paginator = kms.get_paginator("list_keys")
    for page in paginator.paginate():
        for entry in page.get("Keys", []):
            key_id = str(entry["KeyId"])
            if not key_id.startswith("mrk-"):
                continue
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
            if meta.get("KeyState") in _GONE or meta.get("KeyManager", "CUSTOMER") != "CUSTOMER":
                continue
            if meta.get("Description") != wanted or not _is_ours(kms, key_id, target):
                continue
            found.append(_Candidate(key_id, meta.get("CreationDate", "")))
    return found


def _winner(candidates: list[_Candidate], alias_target: str | None) -> str:
    """The one key every run agrees on: the alias's key if it is one of them (someone
    already finished), else the one created first (ties: the smaller ID)."""
    ids = {c.key_id for c in candidates}
    if alias_target in ids:
        assert alias_target is not None
        return alias_target
    return min(candidates, key=_Candidate.order).key_id


def _discard_rivals(kms: Any, keep: str, candidates: list[_Candidate], where: str) -> list[str]:
    """Schedule every candidate but ``keep`` for deletion (7 days); their IDs."""
    discarded = []
    for candidate in candidates:
        if candidate.key_id == keep:
            continue
        _call(
            "kms:ScheduleKeyDeletion",
            f"{candidate.key_id} ({where})",
            kms.schedule_key_deletion,
            KeyId=candidate.key_id,
            PendingWindowInDays=DISCARD_WINDOW_DAYS,
        )
        log.warning(
            "Key %s duplicates %s for %s (made by a concurrent run); scheduled for deletion "
            "in %d days",
            candidate.key_id,
            keep,
            where,
            DISCARD_WINDOW_DAYS,
        )
        discarded.append(candidate.key_id)
    return discarded


def _ensure_alias(kms: Any, alias: str, key_id: str, region: str) -> None:
    existing = _alias_target(kms, alias)
    if existing is not None:
        if existing != key_id:
            raise AwsProblem(
                AwsFault.INVALID_STATE,
                f"The alias {alias} in {region} points to another key ({existing}); "
                "it was not made by this request. Remove or rename it, then retry.",
                "kms:CreateAlias",
                alias,
            )
        return
    try:
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    except Exception as exc:
        if error_code(exc) != "AlreadyExistsException":
            raise classify(exc, "kms:CreateAlias", f"{alias} in {region}") from exc


def ensure_primary_key(ctx: StepContext) -> dict[str, str]:
    """Adopt before create, always: the alias, then the app's tags on the region's keys,
    whatever the local journal says (another workstation with its own database, or a
    data folder deleted since, may have made the key). After a CreateKey the tags are
    read again: when two runs raced, each sees the other's key and both keep the same
    one (:func:`_winner`); the loser's key is scheduled for deletion (7 days) and named
    in the journal as ``discarded_keys``."""
    kms = ctx.kms(ctx.primary_region)
    alias = ctx.target.alias
    policy = json.dumps(key_policy(ctx.account_id, ctx.resources["role_arn"]))
    where = f"{alias} in {ctx.primary_region}"
    discarded: list[str] = []
    try:
        key_id = _alias_target(kms, alias)
        if key_id is not None and not _is_ours(kms, key_id, ctx.target):
            raise AwsProblem(
                AwsFault.INVALID_STATE,
                f"The alias {alias} in {ctx.primary_region} points to another key ({key_id}) "
                "that this app did not make for this site. Remove or rename that alias, then "
                "retry.",
                "kms:CreateAlias",
                alias,
            )
        if key_id is None:
            candidates = _tagged_keys(kms, ctx.target)
            if candidates:
                key_id = _winner(candidates, None)
                discarded = _discard_rivals(kms, key_id, candidates, where)
    except AwsProblem:
        raise
    except Exception as exc:
        raise classify(exc, "kms:ListAliases", where) from exc
    # A role created moments ago is not visible to KMS yet: its key policy is refused
    # until it is (nothing is created meanwhile, so asking again is safe).
    role_visible = principal_not_visible(ctx.resources["role_arn"])
    if key_id is None:
        meta = ctx.waiter.call(
            lambda: _call(
                "kms:CreateKey",
                where,
                kms.create_key,
                Description=ctx.target.description,
                KeyUsage="ENCRYPT_DECRYPT",
                KeySpec="SYMMETRIC_DEFAULT",
                MultiRegion=True,
                Policy=policy,
                Tags=ctx.target.kms_tags(),
            ),
            role_visible,
        )["KeyMetadata"]
        key_id = str(meta["KeyId"])
        log.info("Created key %s in %s", key_id, ctx.primary_region)
        # Another workstation may have made one in the same moment: look again.
        try:
            candidates = _tagged_keys(kms, ctx.target)
            if key_id not in {c.key_id for c in candidates}:  # not listed yet
                candidates.append(_Candidate(key_id, meta.get("CreationDate", "")))
            winner = _winner(candidates, _alias_target(kms, alias))
        except AwsProblem:
            raise
        except Exception as exc:
            raise classify(exc, "kms:ListKeys", where) from exc
        discarded = _discard_rivals(kms, winner, candidates, where)
        if winner != key_id:
            log.warning("Another run made %s's key first (%s): adopted it", alias, winner)
            key_id = winner
            _put_key_policy(ctx, kms, key_id, policy, where)
    else:
        _put_key_policy(ctx, kms, key_id, policy, where)
        _call("kms:TagResource", where, kms.tag_resource, KeyId=key_id, Tags=ctx.target.kms_tags())
    _ensure_alias(kms, alias, key_id, ctx.primary_region)
    arn = _call("kms:DescribeKey", where, kms.describe_key, KeyId=key_id)["KeyMetadata"]["Arn"]
    established = {"key_id": key_id, f"key_arn:{ctx.primary_region}": str(arn)}
    if discarded:
        established["discarded_keys"] = ",".join(discarded)
    return established


def _put_key_policy(ctx: StepContext, kms: Any, key_id: str, policy: str, where: str) -> None:
    ctx.waiter.call(
        lambda: _call(
            "kms:PutKeyPolicy",
            where,
            kms.put_key_policy,
            KeyId=key_id,
            PolicyName="default",
            Policy=policy,
        ),
        principal_not_visible(ctx.resources["role_arn"]),
    )


# --- 4. replica -------------------------------------------------------------------------


def ensure_replica(ctx: StepContext) -> dict[str, str]:
    key_id = ctx.resources["key_id"]  # mrk- IDs are the same in every region
    region = ctx.replica_region
    kms = ctx.kms(region)
    where = f"{ctx.target.alias} in {region}"
    policy = json.dumps(key_policy(ctx.account_id, ctx.resources["role_arn"]))
    try:
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except Exception as exc:
        if error_code(exc) != "NotFoundException":
            raise classify(exc, "kms:DescribeKey", where) from exc
        primary = ctx.kms(ctx.primary_region)
        meta = ctx.waiter.call(
            lambda: _call(
                "kms:ReplicateKey",
                where,
                primary.replicate_key,
                KeyId=key_id,
                ReplicaRegion=region,
                Policy=policy,
                Description=ctx.target.description,
                Tags=ctx.target.kms_tags(),
            ),
            principal_not_visible(ctx.resources["role_arn"]),
        )["ReplicaKeyMetadata"]
        log.info("Replicated key %s to %s", key_id, region)
    # Key policy and tags are per region: make sure this region's are right (an adopted
    # replica may predate them, and not every AWS emulator applies them on replication).
    _put_key_policy(ctx, kms, key_id, policy, where)
    _call("kms:TagResource", where, kms.tag_resource, KeyId=key_id, Tags=ctx.target.kms_tags())
    _ensure_alias(kms, ctx.target.alias, key_id, region)
    return {f"key_arn:{region}": str(meta["Arn"])}


# --- 5. rotation ------------------------------------------------------------------------


def enable_rotation(ctx: StepContext) -> dict[str, str]:
    kms = ctx.kms(ctx.primary_region)
    _call(
        "kms:EnableKeyRotation",
        ctx.resources["key_id"],
        kms.enable_key_rotation,
        KeyId=ctx.resources["key_id"],
    )
    return {"rotation": "enabled"}


# --- 6. wait until Enabled ----------------------------------------------------------------


def wait_enabled(
    ctx: StepContext,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, str]:
    """Real AWS shows a new replica as Creating for a while: polled with bounded backoff
    (``ctx.consistency_wait_s``), reported as "Waiting for the replica … to be created"."""
    waiter = ctx.waiter
    if clock is not None or sleep is not None:
        waiter = replace(waiter, clock=clock or waiter.clock, sleep=sleep or waiter.sleep)
    key_id = ctx.resources["key_id"]
    states: dict[str, str] = {}

    def pending() -> Transient | None:
        for region in (ctx.primary_region, ctx.replica_region):
            meta = _call(
                "kms:DescribeKey",
                f"{key_id} in {region}",
                ctx.kms(region).describe_key,
                KeyId=key_id,
            )["KeyMetadata"]
            states[region] = str(meta["KeyState"])
        stuck = {r: s for r, s in states.items() if s not in ("Enabled", "Creating", "Updating")}
        if stuck:
            listed = ", ".join(f"{r}: {s}" for r, s in stuck.items())
            raise AwsProblem(
                AwsFault.INVALID_STATE,
                f"The key is not usable ({listed}); enable it or cancel its deletion, then retry.",
                "kms:DescribeKey",
                key_id,
            )
        waiting = [r for r, s in states.items() if s != "Enabled"]
        if not waiting:
            return None
        which = "replica" if waiting == [ctx.replica_region] else "key"
        return Transient(
            f"the {which} in {', '.join(waiting)} to be created",
            f"The key {key_id} was still being created ({states}).",
        )

    waiter.until(pending)
    return {f"state:{r}": s for r, s in states.items()}


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    title: str
    run: Callable[[StepContext], dict[str, str]]


PROVISIONING_STEPS: tuple[Step, ...] = (
    Step("identity", "Check the caller identity matches the request's account", check_identity),
    Step("role", "Ensure the key-management IAM role and its policies", ensure_role),
    Step("primary_key", "Create the multi-Region key and its alias", ensure_primary_key),
    Step("replica", "Replicate the key to the second region", ensure_replica),
    Step("rotation", "Enable automatic key rotation", enable_rotation),
    Step("wait", "Wait until the key is Enabled in both regions", wait_enabled),
)
