"""Turning "revoke" and "restore" into jobs, refusing before any AWS call when the
action cannot be taken (nothing provisioned, already revoked, window over, job open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from byok_desktop.aws.errors import AwsProblem
from byok_desktop.credentials.service import CredentialService
from byok_desktop.job_records import Job
from byok_desktop.jobs.owner import this_owner
from byok_desktop.jobs.runner import RESTORE, REVOKE, STEPS
from byok_desktop.product_records import ProductRecord
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import ProductFamily, sorted_products
from byok_desktop.store.database import Database


class CannotChangeAccess(ValueError):
    pass


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def family_products(database: Database, site_key: str, family: str) -> list[ProductRecord]:
    """The products that share one key: suspended together, restored together."""
    return [p for p in database.products.on_site(site_key) if p.family.value == family]


def shared_role_products(database: Database, site_key: str, family: str) -> list[ProductRecord]:
    """Other products whose keys are in the same AWS account: the key-management role (and
    so its trust policy) is one per account, so revoking denies the provider there too."""
    account = database.view.account_of(site_key, family)
    if not account:
        return []
    return [
        p
        for p in database.view.in_account(account)
        if not (p.site_key == site_key and p.family.value == family)
    ]


@dataclass(frozen=True, slots=True)
class RoleFamily:
    """One site's product family whose keys the account's key-management role serves."""

    site_key: str
    family: ProductFamily
    products: tuple[ProductRecord, ...]

    def line(self) -> str:
        """ "acme — Jira family: Jira Software, Jira Service Management (Active)"."""
        names = ", ".join(p.display_name for p in sorted_products(x.product for x in self.products))
        statuses = sorted({p.status.display_name for p in self.products})
        return f"{self.site_key} — {self.family.display_name}: {names} ({', '.join(statuses)})"


def role_families(database: Database, site_key: str, family: str) -> list[RoleFamily]:
    """Every provisioned family on the key-management role of the account holding
    ``site_key``'s ``family``, that one first: the families a revoke suspends and a
    restore brings back together (model (a): trust is per role)."""
    grouped: dict[tuple[str, str], list[ProductRecord]] = {}
    for product in family_products(database, site_key, family):
        grouped.setdefault((product.site_key, product.family.value), []).append(product)
    for product in shared_role_products(database, site_key, family):
        grouped.setdefault((product.site_key, product.family.value), []).append(product)
    return [
        RoleFamily(site, ProductFamily(fam), tuple(products))
        for (site, fam), products in grouped.items()
    ]


def _keys_disabled(database: Database, site_key: str, family: str) -> bool:
    return any(
        k.key_state not in ("", "Enabled") for k in database.products.family_keys(site_key, family)
    )


def restore_target(database: Database, site_key: str, family: str) -> tuple[str, str]:
    """The family a restore asked on ``site_key``'s ``family`` runs on: the revocation
    is the role's, so restoring from any family it suspended restores the family whose
    keys the revoke disabled (enabling them and allowing the provider again), and every
    family of the role comes back with it."""
    if _keys_disabled(database, site_key, family):
        return site_key, family
    for other in role_families(database, site_key, family)[1:]:
        access = database.products.access(other.site_key, other.family.value)
        if access.revoked_at is not None and _keys_disabled(
            database, other.site_key, other.family.value
        ):
            return other.site_key, other.family.value
    return site_key, family


def _create(
    database: Database, credentials: CredentialService, site_key: str, family: str, kind: str
) -> Job:
    products = family_products(database, site_key, family)
    if not products:
        raise CannotChangeAccess(f"{site_key} has no {family} products.")
    if not all(p.status.provisioned for p in products):
        raise CannotChangeAccess(
            f"The {ProductFamily(family).display_name} products on {site_key} are not "
            "provisioned yet; nothing to change."
        )
    busy = database.jobs.open_jobs(site_key, family)
    if busy:
        listed = ", ".join(f"#{j.id} ({j.kind}, {j.status.display_name})" for j in busy)
        raise CannotChangeAccess(
            f"Job {listed} on {site_key} is not finished; resume it on the Jobs screen first "
            "(a cancelled job stays open until it is resumed and finishes)."
        )
    account = database.view.account_of(site_key, family)
    try:
        request_id = products[0].request_id
        role_arn = database.requests.get(request_id).draft.customer_role_arn if request_id else ""
        profile = credentials.profile_for_request(account, role_arn)
    except AwsProblem as exc:
        raise CannotChangeAccess(str(exc)) from exc
    return database.jobs.create(
        kind=kind,
        request_id=products[0].request_id,
        profile_uid=profile.uid,
        site_key=site_key,
        family=family,
        location=products[0].location.value,
        account_id=account,
        steps_total=len(STEPS[kind]),
        owner=this_owner(),
    )


def submit_revoke(
    database: Database, credentials: CredentialService, site_key: str, family: str
) -> Job:
    access = database.products.access(site_key, family)
    if access.revoked_at is not None:
        raise CannotChangeAccess(
            f"Access to {site_key}'s {ProductFamily(family).display_name} keys was already "
            f"revoked on {_when(access.revoked_at)}."
        )
    return _create(database, credentials, site_key, family, REVOKE)


def submit_restore(
    database: Database,
    credentials: CredentialService,
    site_key: str,
    family: str,
    now: datetime | None = None,
) -> Job:
    now = now or datetime.now(UTC)
    access = database.products.access(site_key, family)
    if access.revoked_at is None:
        statuses = {p.status for p in family_products(database, site_key, family)}
        hint = (
            " Its keys look unhealthy: check their health and fix them in AWS."
            if statuses & {ProductStatus.SUSPENDED, ProductStatus.DEGRADED}
            else ""
        )
        raise CannotChangeAccess(
            f"Access to {site_key}'s {ProductFamily(family).display_name} keys was not revoked "
            f"by this app, so there is nothing to restore.{hint}"
        )
    if access.restore_until is not None and now > access.restore_until:
        raise CannotChangeAccess(
            f"The restore window ended on {_when(access.restore_until)} (access was revoked on "
            f"{_when(access.revoked_at)}). Access can no longer be restored from here; contact "
            "the vendor's support."
        )
    target_site, target_family = restore_target(database, site_key, family)
    return _create(database, credentials, target_site, target_family, RESTORE)
