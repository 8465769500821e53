"""The differences between AWS and the local product records, and their repair.

:func:`plan` reads an account (both regions of every location): the keys this app made
(its tags), their replicas, the aliases, and the key-management role's trust policy
(through the health checker, so a status is derived by the same rules as a check). It
compares them with the local product records and returns a typed :class:`Plan` of
differences. :func:`apply` repairs the local records only. Nothing here changes
anything in AWS: a key the app made that no product uses is reported and noted in the
family's timeline, never deleted. Blocking: call from a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from byok_desktop.aws.identity import caller_identity
from byok_desktop.credential_profiles import Profile
from byok_desktop.credentials.service import CredentialService
from byok_desktop.findings import FamilyFinding, KeyHealth
from byok_desktop.health.checker import check_family
from byok_desktop.locations import Location
from byok_desktop.product_records import KeyRecord, ProductRecord
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import ProductFamily
from byok_desktop.provisioning.naming import KEY_PREFIX
from byok_desktop.reconcile.aws_view import AwsKey, Progress, aliases, scan_keys
from byok_desktop.settings import Settings
from byok_desktop.status_rules import AccessState, derive
from byok_desktop.store.database import Database
from byok_desktop.store.rebuild import ProductRebuild, RegionKey

log = logging.getLogger("byok_desktop.reconcile")


class Kind(Enum):
    """A difference between AWS and the local records, and what reconcile does."""

    MISSING_LOCALLY = "missing_locally"  # in AWS, not here: recorded
    KEYS_DIFFER = "keys_differ"  # recorded keys are not the ones AWS uses: repaired
    STATUS_DIFFERS = "status_differs"  # AWS implies another status: set
    KEY_GONE = "key_gone"  # recorded here, no key in AWS: status set, a human looks
    UNUSED_KEY = "unused_key"  # a key the app made that no product uses: noted only
    JOB_UNFINISHED = "job_unfinished"  # AWS has the key, the local job is not done

    @property
    def repaired(self) -> bool:
        """Whether applying the plan changes the local records for it."""
        return self in (
            Kind.MISSING_LOCALLY,
            Kind.KEYS_DIFFER,
            Kind.STATUS_DIFFERS,
            Kind.KEY_GONE,
        )

    @property
    def needs_human(self) -> bool:
        return self in (Kind.KEY_GONE, Kind.UNUSED_KEY, Kind.JOB_UNFINISHED)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Kind.MISSING_LOCALLY: "Not recorded here",
    Kind.KEYS_DIFFER: "Other key in AWS",
    Kind.STATUS_DIFFERS: "Status differs",
    Kind.KEY_GONE: "Key gone from AWS",
    Kind.UNUSED_KEY: "Unused key",
    Kind.JOB_UNFINISHED: "Job not finished",
}


@dataclass(frozen=True, slots=True)
class Difference:
    kind: Kind
    site: str
    family: ProductFamily
    summary: str  # one sentence: what differs and what reconcile does (or you should)
    key_id: str = ""
    status: ProductStatus | None = None  # the status AWS implies, when there is one

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "site": self.site,
            "family": self.family.value,
            "key_id": self.key_id,
            "status": self.status.value if self.status else None,
            "repaired": self.kind.repaired,
            "needs_human": self.kind.needs_human,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class AwsFamily:
    """A site's product family as AWS holds it: the key in use, and what a check saw."""

    site: str
    family: ProductFamily
    location: Location
    key: AwsKey
    alias: str
    finding: FamilyFinding

    def region_keys(self) -> list[RegionKey]:
        return [
            RegionKey(r.code, self.key.key_id, self.key.arns[r.code], self.alias)
            for r in self.location.regions
            if r.code in self.key.arns
        ]


@dataclass(frozen=True, slots=True)
class Plan:
    account_id: str
    profile_name: str
    sites: tuple[str, ...]  # empty: every site of the account
    families: tuple[AwsFamily, ...]
    differences: tuple[Difference, ...]
    unused: tuple[AwsKey, ...] = ()  # keys the app made that no product uses
    # What a check saw of local families that AWS has no tagged key for (by site, family).
    checked_here: dict[tuple[str, str], FamilyFinding] = field(default_factory=dict)

    @property
    def needs_human(self) -> bool:
        return any(d.kind.needs_human for d in self.differences)

    @property
    def repairs(self) -> list[Difference]:
        return [d for d in self.differences if d.kind.repaired]

    def as_json(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "profile": self.profile_name,
            "sites": list(self.sites),
            "families_in_aws": [
                {
                    "site": f.site,
                    "family": f.family.value,
                    "location": f.location.value,
                    "key_id": f.key.key_id,
                    "key_states": f.key.states,
                }
                for f in self.families
            ],
            "differences": [d.as_json() for d in self.differences],
        }


def plan(
    database: Database,
    credentials: CredentialService,
    settings: Settings,
    profile: Profile,
    sites: Sequence[str] = (),
    progress: Progress = lambda _text: None,
) -> Plan:
    """Read the account ``profile`` opens and compare it with the local records (of
    ``sites`` only, when given). Read-only, in AWS and here."""
    connection = credentials.connect(profile)
    account = caller_identity(connection).account_id
    wanted = tuple(sorted({s.strip().casefold() for s in sites if s.strip()}))
    keys = [k for k in scan_keys(connection, progress) if not wanted or k.site in wanted]
    aliased = {loc: aliases(connection, loc.regions[0].code) for loc in Location}
    local = [p for p in database.view.in_account(account) if not wanted or p.site_key in wanted]
    local_by_family: dict[tuple[str, str], list[ProductRecord]] = {}
    for product in local:
        local_by_family.setdefault((product.site_key, product.family.value), []).append(product)
    differences: list[Difference] = []
    families: list[AwsFamily] = []
    unused: list[AwsKey] = []
    grouped: dict[tuple[str, ProductFamily], list[AwsKey]] = {}
    for key in keys:
        grouped.setdefault((key.site, key.family), []).append(key)
    for (site, family), candidates in sorted(
        grouped.items(), key=lambda i: (i[0][0], i[0][1].value)
    ):
        location = candidates[0].location
        alias = f"alias/{KEY_PREFIX}-{site}-{family.value}"
        recorded = database.products.family_keys(site, family.value)
        in_use = _key_in_use(candidates, aliased[location].get(alias), recorded)
        progress(f"Checking {site} / {family.display_name} in AWS")
        finding = check_family(
            connection,
            site,
            family.value,
            location,
            _key_records(in_use, location, alias),
            settings.role_name,
            settings.provider_principal,
        )
        aws_family = AwsFamily(site, family, location, in_use, alias, finding)
        families.append(aws_family)
        for other in candidates:
            if other is not in_use and other.live:
                unused.append(other)
                differences.append(
                    Difference(
                        Kind.UNUSED_KEY,
                        site,
                        family,
                        f"Key {other.key_id} was made by this app for {site}'s "
                        f"{family.display_name} but no product uses it (the products use "
                        f"{in_use.key_id}); it is left as it is: if nobody needs it, "
                        "schedule its deletion (you type its key ID).",
                        other.key_id,
                    )
                )
        differences.extend(
            _compare(database, aws_family, local_by_family.pop((site, family.value), None))
        )
    # Local families of this account that AWS no longer has a tagged key for.
    checked: dict[tuple[str, str], FamilyFinding] = {}
    for (site, family_value), products in sorted(local_by_family.items()):
        family = ProductFamily(family_value)
        recorded = database.products.family_keys(site, family_value)
        progress(f"Checking {site} / {family.display_name} in AWS")
        finding = check_family(
            connection,
            site,
            family_value,
            products[0].location,
            recorded,
            settings.role_name,
            settings.provider_principal,
        )
        if finding.regions and all(r.health is KeyHealth.MISSING for r in finding.regions):
            checked[(site, family_value)] = finding
            listed = ", ".join(sorted({k.key_id for k in recorded})) or "no key recorded"
            differences.append(
                Difference(
                    Kind.KEY_GONE,
                    site,
                    family,
                    f"{site}'s {family.display_name} is recorded here ({listed}) but AWS has "
                    "no such key in either region: its products are set Suspended; find out "
                    "what happened to the key.",
                    recorded[0].key_id if recorded else "",
                    ProductStatus.SUSPENDED,
                )
            )
            continue
        current = products[0].status
        derived = derive(current, finding, _access_state(database, site, family_value))
        if derived.status is not current and current is not ProductStatus.RESTORING:
            checked[(site, family_value)] = finding
            differences.append(_status_difference(site, family, current, derived.status, ""))
    log.info(
        "Reconcile of account %s: %d families in AWS, %d differences",
        account,
        len(families),
        len(differences),
    )
    return Plan(
        account,
        profile.name,
        wanted,
        tuple(families),
        tuple(differences),
        tuple(unused),
        checked_here=checked,
    )


def apply(
    database: Database, plan_: Plan, progress: Progress = lambda _text: None
) -> list[Difference]:
    """Make the local records agree with AWS as ``plan_`` found it; the differences
    repaired. Never touches AWS."""
    rebuild = ProductRebuild(database.engine, _change_log(database))
    done: list[Difference] = []
    by_family = {(f.site, f.family): f for f in plan_.families}
    refreshed: set[tuple[str, str]] = set()
    for difference in plan_.differences:
        family_key = (difference.site, difference.family.value)
        aws = by_family.get((difference.site, difference.family))
        progress(f"Recording {difference.site} / {difference.family.display_name}")
        if difference.kind is Kind.MISSING_LOCALLY and aws is not None:
            rebuild.rebuild_family(
                account_id=plan_.account_id,
                site_key=aws.site,
                family=aws.family,
                location=aws.location,
                request_uid=aws.key.request_uid,
                keys=aws.region_keys(),
                created_at=aws.key.created,
                message=f"Rebuilt from AWS (key {aws.key.key_id}): {difference.summary}",
            )
        elif difference.kind is Kind.KEYS_DIFFER and aws is not None:
            rebuild.repair_keys(aws.site, aws.family.value, aws.region_keys(), difference.summary)
        elif difference.kind is Kind.UNUSED_KEY:
            if database.products.on_site(difference.site):
                rebuild.note(difference.site, difference.family.value, difference.summary)
            continue
        elif not difference.kind.repaired:
            continue
        if family_key not in refreshed:
            finding = aws.finding if aws is not None else plan_.checked_here.get(family_key)
            if finding is not None:
                database.products.record_finding(difference.site, family_key[1], finding)
                refreshed.add(family_key)
        done.append(difference)
    return done


def _key_in_use(
    candidates: list[AwsKey], alias_target: str | None, recorded: Sequence[KeyRecord]
) -> AwsKey:
    """The key a family uses: the alias's, else the one recorded here if AWS has it live,
    else the live one made first (the rule adopt-before-create keeps)."""
    by_id = {k.key_id: k for k in candidates}
    if alias_target in by_id:
        return by_id[str(alias_target)]
    for record in recorded:
        if record.key_id in by_id and by_id[record.key_id].live:
            return by_id[record.key_id]
    live = [k for k in candidates if k.live] or candidates
    return min(live, key=lambda k: (k.created.isoformat() if k.created else "", k.key_id))


def _key_records(key: AwsKey, location: Location, alias: str) -> list[KeyRecord]:
    return [
        KeyRecord(
            region=r.code,
            key_id=key.key_id,
            key_arn=key.arns[r.code],
            alias=alias,
            key_state=key.states.get(r.code, ""),
            health="",
            health_detail="",
            deletion_date=None,
            checked_at=None,
            seen_at=None,
        )
        for r in location.regions
        if r.code in key.arns
    ]


# --- comparing ------------------------------------------------------------------------------


def _compare(
    database: Database, aws: AwsFamily, products: list[ProductRecord] | None
) -> list[Difference]:
    site, family = aws.site, aws.family
    derived_new = derive(ProductStatus.ACTIVE, aws.finding, AccessState())
    if not products:
        on_site = [p for p in database.products.on_site(site) if p.family is family]
        if on_site and not any(p.status.provisioned for p in on_site):
            return [
                Difference(
                    Kind.JOB_UNFINISHED,
                    site,
                    family,
                    f"AWS has {site}'s {family.display_name} key {aws.key.key_id}, but its "
                    f"provisioning here is {on_site[0].status.display_name}: resume its job "
                    "(it adopts the key).",
                    aws.key.key_id,
                )
            ]
        if on_site:  # provisioned, but under a request of another account
            return []
        shown = derived_new.status.display_name
        reason = f" ({derived_new.reason})" if derived_new.reason else ""
        return [
            Difference(
                Kind.MISSING_LOCALLY,
                site,
                family,
                f"AWS has {site}'s {family.display_name} ({aws.location.display_name}, key "
                f"{aws.key.key_id}) and this database does not: recorded as {shown}{reason}.",
                aws.key.key_id,
                derived_new.status,
            )
        ]
    found: list[Difference] = []
    recorded = {k.region: k for k in database.products.family_keys(site, family.value)}
    wrong = [
        r.code
        for r in aws.location.regions
        if r.code in aws.key.arns
        and (
            r.code not in recorded
            or recorded[r.code].key_id != aws.key.key_id
            or recorded[r.code].key_arn != aws.key.arns[r.code]
        )
    ]
    if wrong:
        before = ", ".join(sorted({k.key_id for k in recorded.values()})) or "none"
        found.append(
            Difference(
                Kind.KEYS_DIFFER,
                site,
                family,
                f"{site}'s {family.display_name} records key {before} but AWS uses "
                f"{aws.key.key_id} (in {', '.join(wrong)}): the records now name AWS's key.",
                aws.key.key_id,
            )
        )
    current = products[0].status
    derived = derive(current, aws.finding, _access_state(database, site, family.value))
    # A family being restored is its restore job's to settle.
    if derived.status is not current and current is not ProductStatus.RESTORING:
        found.append(_status_difference(site, family, current, derived.status, derived.reason))
    return found


def _status_difference(
    site: str, family: ProductFamily, current: ProductStatus, new: ProductStatus, reason: str
) -> Difference:
    why = f" ({reason})" if reason else ""
    return Difference(
        Kind.STATUS_DIFFERS,
        site,
        family,
        f"{site}'s {family.display_name} is {current.display_name} here but AWS shows it "
        f"{new.display_name}{why}: set to {new.display_name}.",
        status=new,
    )


def _access_state(database: Database, site: str, family: str) -> AccessState:
    access = database.products.access(site, family)
    return AccessState(access.revoked_at, access.restore_until)


def _change_log(database: Database) -> Any:
    assert database.change_log is not None, "a database opened without its change log"
    return database.change_log
