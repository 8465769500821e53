"""BYOK products: their status through provisioning, health checks, revoke and restore.

Writes are per site and product family, because that is what one key serves; every
change that a user would want to read back later is also added to the family's events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, update
from sqlalchemy.orm import Session

from byok_desktop.changes import ChangeBus, Changes, FamilyKey
from byok_desktop.findings import FamilyFinding, KeyHealth
from byok_desktop.job_records import JobStatus
from byok_desktop.locations import Location
from byok_desktop.product_records import (
    NO_ACCESS_RECORD,
    FamilyAccess,
    KeyRecord,
    ProductDetail,
    ProductFilter,
    ProductRecord,
    ProductSort,
    TimelineEntry,
    keys_seen,
    state_token,
)
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product, ProductFamily
from byok_desktop.status_rules import AccessState, Derived, derive
from byok_desktop.store.boundary import store_boundary
from byok_desktop.store.change_counters import ChangeLog
from byok_desktop.store.engine import session_factory
from byok_desktop.store.models import (
    FamilyAccessRow,
    FamilyEventRow,
    FamilyKeyRow,
    JobRow,
    JobStepRow,
    ProductRow,
    RequestRow,
)

log = logging.getLogger("byok_desktop.db")

_NOT_YET = (ProductStatus.PROVISIONING.value, ProductStatus.FAILED.value)


def _record(row: ProductRow) -> ProductRecord:
    return ProductRecord(
        id=row.id,
        request_id=row.request_id,
        site_key=row.site_key,
        product=Product(row.product),
        family=ProductFamily(row.family),
        location=Location(row.location),
        status=ProductStatus(row.status),
        status_reason=row.status_reason,
        primary_state=row.primary_state,
        secondary_state=row.secondary_state,
        tier_name=row.tier_name,
        provisioned_at=row.provisioned_at,
        health_checked_at=row.health_checked_at,
    )


@store_boundary
class ProductStore:
    def __init__(self, engine: Engine, changes: ChangeLog | None = None) -> None:
        self._sessions = session_factory(engine)
        # Every committed write is announced on changes.bus, naming the families touched.
        self._changes = changes or ChangeLog(engine, ChangeBus())

    def _wrote(self, session: Session, *families: FamilyKey) -> None:
        self._changes.wrote(session, Changes.of_families(families))

    def on_site(self, site_key: str) -> list[ProductRecord]:
        with self._sessions() as session:
            rows = session.scalars(
                select(ProductRow).where(ProductRow.site_key == site_key).order_by(ProductRow.id)
            )
            return [_record(r) for r in rows]

    def add_event(self, site_key: str, family: str, kind: str, message: str) -> None:
        with self._sessions.begin() as session:
            session.add(
                FamilyEventRow(
                    site_key=site_key,
                    family=family,
                    at=datetime.now(UTC),
                    kind=kind,
                    message=message,
                )
            )
            self._wrote(session, (site_key, family))

    def provisioning_started(self, site_key: str, family: str) -> None:
        self._set_unprovisioned(
            site_key, family, ProductStatus.PROVISIONING, "Provisioning job running"
        )

    def provisioning_failed(self, site_key: str, family: str, reason: str) -> None:
        self._set_unprovisioned(site_key, family, ProductStatus.FAILED, reason)

    def _set_unprovisioned(
        self, site_key: str, family: str, status: ProductStatus, reason: str
    ) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(ProductRow)
                .where(
                    ProductRow.site_key == site_key,
                    ProductRow.family == family,
                    ProductRow.status.in_(_NOT_YET),
                )
                .values(status=status.value, status_reason=reason)
            )
            self._wrote(session, (site_key, family))

    def provisioning_succeeded(
        self, site_key: str, family: str, states: tuple[str, str], message: str = ""
    ) -> None:
        """The family's products not provisioned yet are Active, with the key state seen
        in each region; ``message`` for the family's events (default: "Provisioned…")."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            session.execute(
                update(ProductRow)
                .where(
                    ProductRow.site_key == site_key,
                    ProductRow.family == family,
                    ProductRow.status.in_(_NOT_YET),
                )
                .values(
                    status=ProductStatus.ACTIVE.value,
                    status_reason="",
                    provisioned_at=now,
                    primary_state=states[0],
                    secondary_state=states[1],
                )
            )
            session.add(
                FamilyEventRow(
                    site_key=site_key,
                    family=family,
                    at=now,
                    kind="provisioned",
                    message=message or f"Provisioned: {keys_seen(states)}",
                )
            )
            self._wrote(session, (site_key, family))

    # --- health, revoke and restore ------------------------------------------------------

    def family_keys(self, site_key: str, family: str) -> list[KeyRecord]:
        with self._sessions() as session:
            rows = session.scalars(
                select(FamilyKeyRow).where(
                    FamilyKeyRow.site_key == site_key, FamilyKeyRow.family == family
                )
            )
            return [_key(r) for r in rows]

    def access(self, site_key: str, family: str) -> FamilyAccess:
        with self._sessions() as session:
            row = session.scalar(_access_query(site_key, family))
            return _access(row)

    def provisioned_families(self) -> list[tuple[str, str]]:
        """(site, family) of every provisioned product family, for periodic checks."""
        with self._sessions() as session:
            found = session.execute(
                select(ProductRow.site_key, ProductRow.family)
                .where(ProductRow.status.notin_(_NOT_YET))
                .distinct()
                .order_by(ProductRow.site_key, ProductRow.family)
            )
            return [(site, family) for site, family in found]

    def record_finding(self, site_key: str, family: str, finding: FamilyFinding) -> ProductStatus:
        """Store what a check saw, with its time, and the status it implies (a change of
        status is added to the family's events). Returns the family's status."""
        with self._sessions.begin() as session:
            keys = {
                k.region: k
                for k in session.scalars(
                    select(FamilyKeyRow).where(
                        FamilyKeyRow.site_key == site_key, FamilyKeyRow.family == family
                    )
                )
            }
            for region in finding.regions:
                key = keys.get(region.region)
                if key is None:
                    continue
                key.health = region.health.value
                key.health_detail = region.detail
                key.checked_at = finding.checked_at
                if region.health is not KeyHealth.UNKNOWN:  # keep the last state seen
                    key.key_state = region.key_state
                    key.deletion_date = region.deletion_date
                    key.seen_at = finding.checked_at
            access = _access_row(session, site_key, family)
            if finding.trust_policy or finding.trust_detail:
                access.trust_allowed = finding.trust_allowed
                access.trust_policy = finding.trust_policy
            if finding.regions and finding.regions[0].key_policy:
                access.key_policy = finding.regions[0].key_policy
            known = [r for r in finding.regions if r.health is not KeyHealth.UNKNOWN]
            if known:
                access.key_policy_ok = all(r.health is not KeyHealth.NOT_GRANTED for r in known)
            if finding.rotation_enabled is not None:
                access.rotation_enabled = finding.rotation_enabled
            access.checked_at = finding.checked_at
            access.check_error = finding.error
            state = AccessState(
                revoked_at=access.revoked_at,
                restore_until=access.restore_until,
                restoring=_restoring(session, site_key, family),
            )
            tokens = [state_token(r) for r in finding.regions]
            status = _set_family_status(
                session,
                site_key,
                family,
                lambda before: derive(before, finding, state),
                tokens=tokens,
                checked_at=finding.checked_at,
                event_kind="health",
            )
            self._wrote(session, (site_key, family))
            return status

    def access_revoked(self, site_key: str, family: str, at: datetime, until: datetime) -> None:
        with self._sessions.begin() as session:
            access = _access_row(session, site_key, family)
            access.revoked_at = at
            access.restore_until = until
            access.restored_at = None
            access.trust_allowed = False
            _set_key_states(session, site_key, family, "Disabled", at)
            reason = f"Access revoked on {_local(at)}; restorable until {_local(until)}"
            _set_family_status(
                session,
                site_key,
                family,
                lambda _before: Derived(ProductStatus.SUSPENDED, reason),
                tokens=["Disabled", "Disabled"],
                checked_at=None,
                event_kind="revoked",
            )
            # The key-management role is one per account: its trust now denies the
            # provider for every family whose keys it serves, so they are suspended too,
            # under the same revocation and the same restore window.
            shared = _role_siblings(session, site_key, family)
            cause = (
                f"Permissions revoked: the account's key-management role denies the provider "
                f"since access to {site_key}'s {ProductFamily(family).display_name} keys was "
                f"revoked on {_local(at)}; restorable until {_local(until)}"
            )
            for other_site, other_family in shared:
                other = _access_row(session, other_site, other_family)
                other.trust_allowed = False
                if other.revoked_at is None:
                    other.revoked_at = at
                    other.restored_at = None
                other.restore_until = until  # one window for the whole revocation
                _set_family_status(
                    session,
                    other_site,
                    other_family,
                    lambda _before: Derived(ProductStatus.SUSPENDED, cause),
                    tokens=None,
                    checked_at=None,
                    event_kind="revoked",
                )
            self._wrote(session, (site_key, family), *shared)

    def restore_started(self, site_key: str, family: str) -> None:
        with self._sessions.begin() as session:
            _set_family_status(
                session,
                site_key,
                family,
                lambda _before: Derived(ProductStatus.RESTORING, "Restoring key access"),
                tokens=None,
                checked_at=None,
                event_kind="restoring",
            )
            self._wrote(session, (site_key, family))

    def restore_stopped(self, site_key: str, family: str, reason: str) -> None:
        """A restore job failed or was cancelled: the family is still suspended."""
        with self._sessions.begin() as session:
            access = _access_row(session, site_key, family)
            state = AccessState(access.revoked_at, access.restore_until, restoring=False)
            _set_family_status(
                session,
                site_key,
                family,
                lambda before: Derived(
                    ProductStatus.SUSPENDED,
                    f"{derive(before, None, state).reason}. Restore stopped: {reason}",
                ),
                tokens=None,
                checked_at=None,
                event_kind="restore",
            )
            self._wrote(session, (site_key, family))

    def access_restored(self, site_key: str, family: str, at: datetime) -> None:
        with self._sessions.begin() as session:
            access = _access_row(session, site_key, family)
            access.revoked_at = None
            access.restore_until = None
            access.restored_at = at
            access.trust_allowed = True
            _set_key_states(session, site_key, family, "Enabled", at)
            _set_family_status(
                session,
                site_key,
                family,
                lambda _before: Derived(ProductStatus.ACTIVE, f"Access restored on {_local(at)}"),
                tokens=["Enabled", "Enabled"],
                checked_at=None,
                event_kind="restored",
            )
            # The role trusts the provider again, for every family it serves: those whose
            # keys are usable come back with it; a family whose own keys are still
            # disabled keeps its revocation (and the window) until they are enabled.
            shared = _role_siblings(session, site_key, family)
            for other_site, other_family in shared:
                other = _access_row(session, other_site, other_family)
                other.trust_allowed = True
                if other.revoked_at is not None and _keys_usable(session, other_site, other_family):
                    other.revoked_at = None
                    other.restore_until = None
                    other.restored_at = at
                _set_family_status(
                    session,
                    other_site,
                    other_family,
                    _allowed_again(session, other_site, other_family, site_key, family, at),
                    tokens=None,
                    checked_at=None,
                    event_kind="restored",
                )
            self._wrote(session, (site_key, family), *shared)


# --- the products view ------------------------------------------------------------------


_SORT_COLUMNS: dict[ProductSort, Any] = {
    ProductSort.SITE: ProductRow.site_key,
    ProductSort.PRODUCT: ProductRow.product,
    ProductSort.LOCATION: ProductRow.location,
    ProductSort.PRIMARY_STATE: ProductRow.primary_state,
    ProductSort.SECONDARY_STATE: ProductRow.secondary_state,
    ProductSort.STATUS: ProductRow.status,
    ProductSort.TIER: ProductRow.tier_name,
    ProductSort.PROVISIONED: ProductRow.provisioned_at,
    ProductSort.CHECKED: ProductRow.health_checked_at,
}


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(
    query: Any, wanted: ProductFilter, with_status: bool = True, folding_like: bool = False
) -> Any:
    """``query`` (any select over products) narrowed to what ``wanted`` asks for."""
    if with_status and wanted.statuses:
        query = query.where(ProductRow.status.in_(sorted(s.value for s in wanted.statuses)))
    if wanted.location is not None:
        query = query.where(ProductRow.location == wanted.location.value)
    if wanted.product is not None:
        query = query.where(ProductRow.product == wanted.product.value)
    # SQLite's LIKE stops at a NUL: a NUL in the search would match too much.
    for term in wanted.search.replace("\x00", "").casefold().split():
        pattern = _like(term)
        # Site names are lowercase ASCII labels, so SQLite's LIKE needs no folding here.
        conditions = [
            ProductRow.site_key.like(pattern, escape="\\"),
            ProductRow.product.like(pattern, escape="\\"),
            ProductRow.status.like(pattern, escape="\\"),
            # SQLite's LIKE already ignores ASCII case; ILIKE's lower() costs ~12 ms there.
            (
                ProductRow.tier_name.like(pattern, escape="\\")
                if folding_like
                else ProductRow.tier_name.ilike(pattern, escape="\\")
            ),
        ]
        # What the view shows, not only the stored codes: "JSM", "European", "USA".
        products = [p.value for p in Product if term in _product_words(p)]
        if products:
            conditions.append(ProductRow.product.in_(products))
        locations = [loc.value for loc in Location if term in loc.display_name.casefold()]
        if locations:
            conditions.append(ProductRow.location.in_(locations))
        query = query.where(or_(*conditions))
    return query


def _product_words(product: Product) -> str:
    name = product.display_name.casefold()
    initials = "".join(word[0] for word in name.split())
    return f"{name} {initials}"


def _fetch_ids(conn: Connection, query: Any) -> list[int]:
    """The first column of ``query`` through the driver's own cursor: for 100,000 rows
    SQLAlchemy's result processing costs about as much as the query itself."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args: Any = (
        tuple(params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else params
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, args)
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


def _key(row: FamilyKeyRow) -> KeyRecord:
    return KeyRecord(
        region=row.region,
        key_id=row.key_id,
        key_arn=row.key_arn,
        alias=row.alias,
        key_state=row.key_state,
        health=row.health,
        health_detail=row.health_detail,
        deletion_date=row.deletion_date,
        checked_at=row.checked_at,
        seen_at=row.seen_at,
    )


def _access(row: FamilyAccessRow | None) -> FamilyAccess:
    if row is None:
        return NO_ACCESS_RECORD
    return FamilyAccess(
        trust_allowed=row.trust_allowed,
        key_policy_ok=row.key_policy_ok,
        rotation_enabled=row.rotation_enabled,
        key_policy=row.key_policy,
        trust_policy=row.trust_policy,
        revoked_at=row.revoked_at,
        restore_until=row.restore_until,
        restored_at=row.restored_at,
        checked_at=row.checked_at,
        check_error=row.check_error,
    )


@store_boundary
class ProductView:
    """Read side of the products view: filter and sort in SQL, rows by ID, details."""

    def __init__(self, engine: Engine, step_titles: Mapping[str, str] | None = None) -> None:
        """``step_titles`` names the job steps in the timeline (by step key; the jobs
        layer above knows them); a step without a title shows its key."""
        self._engine = engine
        self._sessions = session_factory(engine)
        self._step_titles = dict(step_titles or {})
        self._folding_like = engine.dialect.name == "sqlite"  # LIKE ignores ASCII case

    def list_ids(
        self,
        wanted: ProductFilter = ProductFilter(),
        sort: ProductSort = ProductSort.SITE,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[int]:
        """The IDs in order; with ``limit``, only the first ones (the same order, so they
        are a prefix of the whole list)."""
        query = self.ids_query(wanted, sort, descending)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return _fetch_ids(conn, query)

    def list_page(
        self,
        wanted: ProductFilter,
        sort: ProductSort,
        descending: bool,
        limit: int | None,
        first_rows: int,
    ) -> tuple[list[int], dict[int, ProductRecord]]:
        """``list_ids`` and the rows of its first ``first_rows`` IDs in one session: on a
        team database each session costs round trips of its own (BEGIN, ROLLBACK)."""
        query = self.ids_query(wanted, sort, descending)
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as session:
            ids = _fetch_ids(session.connection(), query)
            found = session.scalars(select(ProductRow).where(ProductRow.id.in_(ids[:first_rows])))
            return ids, {row.id: _record(row) for row in found}

    def ids_query(
        self,
        wanted: ProductFilter = ProductFilter(),
        sort: ProductSort = ProductSort.SITE,
        descending: bool = False,
    ) -> Any:
        """The select ``list_ids`` runs (the benchmarks time the same SQL raw)."""
        # One index per sort column ends in these ties (migration 0005), so the order is
        # read from an index, not sorted. Products sharing a key stay together; in the
        # reverse order everything is reversed, so the same index serves it backwards.
        # Never-checked values (NULL, "") therefore come first ascending, last descending.
        ties = [ProductRow.site_key, ProductRow.family, ProductRow.product, ProductRow.id]
        first = _SORT_COLUMNS[sort]
        keys = [first, *(t for t in ties if t is not first)]
        order = [k.desc() if descending else k.asc() for k in keys]
        query = _where(select(ProductRow.id), wanted, folding_like=self._folding_like)
        return query.order_by(*order)

    def rows(self, ids: Sequence[int]) -> dict[int, ProductRecord]:
        with self._sessions() as session:
            found = session.scalars(select(ProductRow).where(ProductRow.id.in_(list(ids))))
            return {row.id: _record(row) for row in found}

    def account_of(self, site_key: str, family: str) -> str:
        """The AWS account holding a product family's keys (from its request)."""
        with self._sessions() as session:
            found = session.scalar(
                select(RequestRow.aws_account_id)
                .join(ProductRow, ProductRow.request_id == RequestRow.id)
                .where(ProductRow.site_key == site_key, ProductRow.family == family)
                .limit(1)
            )
            return str(found or "")

    def in_account(self, account_id: str) -> list[ProductRecord]:
        """Every provisioned product whose keys live in ``account_id``."""
        with self._sessions() as session:
            rows = session.scalars(
                select(ProductRow)
                .join(RequestRow, ProductRow.request_id == RequestRow.id)
                .where(
                    RequestRow.aws_account_id == account_id,
                    ProductRow.status.notin_(_NOT_YET),
                )
                .order_by(ProductRow.site_key, ProductRow.family, ProductRow.product)
            )
            return [_record(r) for r in rows]

    def counts(self, wanted: ProductFilter = ProductFilter()) -> dict[ProductStatus, int]:
        """Products per status under the other filters (for the summary strip)."""
        query = _where(
            select(ProductRow.status, func.count(ProductRow.id)),
            wanted,
            with_status=False,
            folding_like=self._folding_like,
        ).group_by(ProductRow.status)
        with self._engine.connect() as conn:
            found = {ProductStatus(status): int(n) for status, n in conn.execute(query)}
        return {status: found.get(status, 0) for status in ProductStatus}

    def detail(self, product_id: int) -> ProductDetail:
        with self._sessions() as session:
            row = session.get(ProductRow, product_id)
            if row is None:
                raise LookupError(f"Product {product_id} no longer exists.")
            siblings = session.scalars(
                select(ProductRow)
                .where(ProductRow.site_key == row.site_key, ProductRow.family == row.family)
                .order_by(ProductRow.id)
            )
            order = [r.code for r in Location(row.location).regions]
            keys = sorted(
                session.scalars(
                    select(FamilyKeyRow).where(
                        FamilyKeyRow.site_key == row.site_key, FamilyKeyRow.family == row.family
                    )
                ),
                key=lambda k: order.index(k.region) if k.region in order else len(order),
            )
            access = session.scalar(
                select(FamilyAccessRow).where(
                    FamilyAccessRow.site_key == row.site_key, FamilyAccessRow.family == row.family
                )
            )
            timeline = self._timeline(session, row.site_key, row.family)
            return ProductDetail(
                product=_record(row),
                siblings=[_record(s) for s in siblings],
                keys=[_key(k) for k in keys],
                access=_access(access),
                timeline=timeline,
            )

    def _timeline(self, session: Session, site_key: str, family: str) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = []
        jobs = {
            j.id: j
            for j in session.scalars(
                select(JobRow).where(JobRow.site_key == site_key, JobRow.family == family)
            )
        }
        for job in jobs.values():
            entries.append(
                TimelineEntry(
                    job.created_at, f"{job.kind}:created", f"Job #{job.id} ({job.kind}) created"
                )
            )
        if jobs:
            for step in session.scalars(
                select(JobStepRow).where(JobStepRow.job_id.in_(list(jobs)))
            ):
                job = jobs[step.job_id]
                title = self._step_titles.get(step.step, step.step)
                outcome = step.status
                if step.error_message:
                    outcome += f": {step.error_message}"
                entries.append(
                    TimelineEntry(
                        step.finished_at or step.started_at,
                        f"{job.kind}:{step.step}",
                        f"Job #{job.id} ({job.kind}): {title}: {outcome}",
                    )
                )
        for event in session.scalars(
            select(FamilyEventRow).where(
                FamilyEventRow.site_key == site_key, FamilyEventRow.family == family
            )
        ):
            entries.append(TimelineEntry(event.at, event.kind, event.message))
        entries.sort(key=lambda e: e.at)
        return entries


# --- helpers for the family-wide writes ---------------------------------------------------


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _access_query(site_key: str, family: str) -> Any:
    return select(FamilyAccessRow).where(
        FamilyAccessRow.site_key == site_key, FamilyAccessRow.family == family
    )


def _access_row(session: Session, site_key: str, family: str) -> FamilyAccessRow:
    row: FamilyAccessRow | None = session.scalar(_access_query(site_key, family))
    if row is None:
        row = FamilyAccessRow(site_key=site_key, family=family, key_policy="", trust_policy="")
        row.check_error = ""
        session.add(row)
    return row


def _set_key_states(session: Session, site_key: str, family: str, state: str, at: datetime) -> None:
    """A revoke or restore job saw the keys reach ``state`` in every region."""
    session.execute(
        update(FamilyKeyRow)
        .where(FamilyKeyRow.site_key == site_key, FamilyKeyRow.family == family)
        .values(
            key_state=state,
            health=KeyHealth.OK.value if state == "Enabled" else KeyHealth.DISABLED.value,
            health_detail="" if state == "Enabled" else "Key disabled (access revoked)",
            seen_at=at,
        )
    )


def _role_siblings(session: Session, site_key: str, family: str) -> list[FamilyKey]:
    """The other provisioned families whose keys live in the same AWS account, and so
    share its key-management role and that role's trust policy."""
    account = session.scalar(
        select(RequestRow.aws_account_id)
        .join(ProductRow, ProductRow.request_id == RequestRow.id)
        .where(ProductRow.site_key == site_key, ProductRow.family == family)
        .limit(1)
    )
    if not account:
        return []
    found = session.execute(
        select(ProductRow.site_key, ProductRow.family)
        .join(RequestRow, ProductRow.request_id == RequestRow.id)
        .where(RequestRow.aws_account_id == account, ProductRow.status.notin_(_NOT_YET))
        .distinct()
        .order_by(ProductRow.site_key, ProductRow.family)
    )
    return [(s, f) for s, f in found if (s, f) != (site_key, family)]


def _keys_usable(session: Session, site: str, family: str) -> bool:
    """Whether the family's keys were last seen usable (or never seen otherwise)."""
    keys = session.scalars(
        select(FamilyKeyRow.key_state).where(
            FamilyKeyRow.site_key == site, FamilyKeyRow.family == family
        )
    )
    return all(state in ("", "Enabled") for state in keys)


def _allowed_again(
    session: Session, site: str, family: str, restored_site: str, restored: str, at: datetime
) -> Callable[[ProductStatus], Derived]:
    """The status of a family that was suspended only because the shared role denied the
    provider: Active again when its keys were last seen usable, else as it was."""
    usable = _keys_usable(session, site, family)
    why = (
        f"Provider access allowed again when {restored_site}'s "
        f"{ProductFamily(restored).display_name} access was restored on {_local(at)}"
    )

    def decide(before: ProductStatus) -> Derived:
        if usable:
            return Derived(ProductStatus.ACTIVE, why)
        return Derived(
            before, f"{why}; a key of its own was last seen disabled or unusable: restore it"
        )

    return decide


def _restoring(session: Session, site_key: str, family: str) -> bool:
    found = session.scalar(
        select(func.count(JobRow.id)).where(
            JobRow.site_key == site_key,
            JobRow.family == family,
            JobRow.kind == "restore",
            JobRow.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
    )
    return bool(found)


def _set_family_status(
    session: Session,
    site_key: str,
    family: str,
    decide: Callable[[ProductStatus], Derived],
    *,
    tokens: list[str] | None,
    checked_at: datetime | None,
    event_kind: str,
) -> ProductStatus:
    """Apply ``decide`` to every product of the family on the site (they share a key);
    record an event when the status changes."""
    products = list(
        session.scalars(
            select(ProductRow).where(ProductRow.site_key == site_key, ProductRow.family == family)
        )
    )
    status = ProductStatus.PROVISIONING
    before_all = {ProductStatus(p.status) for p in products}
    for product in products:
        before = ProductStatus(product.status)
        if not before.provisioned:
            status = before
            continue  # its provisioning job owns it
        derived = decide(before)
        status = derived.status
        product.status = derived.status.value
        product.status_reason = derived.reason
        if tokens is not None:
            product.primary_state = tokens[0] if tokens else ""
            product.secondary_state = tokens[1] if len(tokens) > 1 else ""
        if checked_at is not None:
            product.health_checked_at = checked_at
    changed = before_all != {ProductStatus(p.status) for p in products}
    if products and (changed or event_kind != "health"):
        reason = products[0].status_reason
        message = f"{status.display_name}" + (f": {reason}" if reason else "")
        session.add(
            FamilyEventRow(
                site_key=site_key,
                family=family,
                at=checked_at or datetime.now(UTC),
                kind=event_kind,
                message=message,
            )
        )
    return status


def on_job_interrupted(session: Session, site_key: str, family: str, kind: str) -> None:
    """What a job cut short by a crash or a closed app means for its products, written
    in the transaction that marks it Interrupted."""
    if kind in ("provision", "add-product"):
        session.execute(
            update(ProductRow)
            .where(
                ProductRow.site_key == site_key,
                ProductRow.family == family,
                ProductRow.status.in_(_NOT_YET),
            )
            .values(
                status=ProductStatus.FAILED.value,
                status_reason="Interrupted: the app closed while provisioning; resume the job",
            )
        )
    elif kind == "restore":
        _set_family_status(
            session,
            site_key,
            family,
            lambda _before: Derived(
                ProductStatus.SUSPENDED,
                "Restore interrupted: the app closed while restoring; resume the job",
            ),
            tokens=None,
            checked_at=None,
            event_kind="restore",
        )
