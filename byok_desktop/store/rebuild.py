"""Local product records rebuilt or repaired from what AWS holds (``reconcile``).

AWS is the truth: these writes make the local records agree with it. Each is one
transaction, adds an event to the family's timeline (the journal a user reads back) and
is announced on the change bus like every other product write.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from byok_desktop.changes import Changes
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product, ProductFamily, decode_products, encode_products
from byok_desktop.request import RequestStatus, new_uid
from byok_desktop.store.boundary import store_boundary
from byok_desktop.store.change_counters import ChangeLog
from byok_desktop.store.engine import session_factory
from byok_desktop.store.models import FamilyEventRow, FamilyKeyRow, ProductRow, RequestRow

log = logging.getLogger("byok_desktop.db")

EVENT_KIND = "reconcile"


@dataclass(frozen=True, slots=True)
class RegionKey:
    """A family's key in one region as AWS shows it."""

    region: str
    key_id: str
    key_arn: str
    alias: str


@store_boundary
class ProductRebuild:
    def __init__(self, engine: Engine, changes: ChangeLog) -> None:
        self._sessions = session_factory(engine)
        self._changes = changes

    def rebuild_family(
        self,
        *,
        account_id: str,
        site_key: str,
        family: ProductFamily,
        location: Location,
        request_uid: str,
        keys: Sequence[RegionKey],
        created_at: datetime | None,
        message: str,
    ) -> list[int]:
        """Record a family that AWS holds and this database does not: its request (the
        one named by the key's tag if it is here, else a Provisioned stand-in whose
        customer details are left for the rep to fill in), its products as Active (the
        caller then records what AWS said, which sets the real status) and its keys.
        Returns the new products' IDs."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            recorded = session.scalar(
                select(ProductRow.id)
                .where(ProductRow.site_key == site_key, ProductRow.family == family.value)
                .limit(1)
            )
            if recorded is not None:
                # Recorded since the plan was made (another process, or a plan applied
                # twice): what is here now is left to the next reconcile to compare.
                log.info("%s/%s is already recorded: not rebuilt", site_key, family.value)
                return []
            request = session.scalar(select(RequestRow).where(RequestRow.uid == request_uid))
            if request is None:
                request = _stand_in_request(account_id, site_key, family, location, request_uid)
                session.add(request)
                session.flush()
            wanted = [p for p in decode_products(request.products or "") if p.family is family] or [
                Product.JIRA_SOFTWARE if family is ProductFamily.JIRA else Product.CONFLUENCE
            ]
            taken = set(
                session.scalars(select(ProductRow.product).where(ProductRow.site_key == site_key))
            )
            rows = [
                ProductRow(
                    request_id=request.id,
                    site_key=site_key,
                    product=product.value,
                    family=family.value,
                    location=location.value,
                    status=ProductStatus.ACTIVE.value,
                    status_reason="",
                    tier_name=request.tier_name or "",
                    created_at=now,
                    provisioned_at=created_at or now,
                )
                for product in wanted
                if product.value not in taken
            ]
            session.add_all(rows)
            _upsert_keys(session, site_key, family.value, keys, now)
            _event(session, site_key, family.value, message, now)
            session.flush()
            self._changes.wrote(
                session,
                Changes.of_families([(site_key, family.value)]) | Changes.of_requests([request.id]),
            )
            log.info("Rebuilt %s/%s from AWS: products %s", site_key, family.value, wanted)
            return [r.id for r in rows]

    def repair_keys(
        self, site_key: str, family: str, keys: Sequence[RegionKey], message: str
    ) -> None:
        """Point the family's key records at the keys AWS uses."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            _upsert_keys(session, site_key, family, keys, now)
            _event(session, site_key, family, message, now)
            self._changes.wrote(session, Changes.of_families([(site_key, family)]))

    def note(self, site_key: str, family: str, message: str) -> None:
        """Add what reconcile found (an unused key) to the family's timeline."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            _event(session, site_key, family, message, now)
            self._changes.wrote(session, Changes.of_families([(site_key, family)]))


def _stand_in_request(
    account_id: str, site_key: str, family: ProductFamily, location: Location, uid: str
) -> RequestRow:
    now = datetime.now(UTC)
    product = Product.JIRA_SOFTWARE if family is ProductFamily.JIRA else Product.CONFLUENCE
    return RequestRow(
        uid=uid if 0 < len(uid) <= 36 else new_uid(),
        version=1,
        created_at=now,
        updated_at=now,
        status=RequestStatus.PROVISIONED.value,
        problem_count=0,
        aws_account_id=account_id,
        site_name=site_key,
        site_key=site_key,
        location=location.value,
        products=encode_products([product]),
        notes=(
            f"Rebuilt from AWS on {now:%Y-%m-%d %H:%M} UTC by reconcile: the keys' tags name "
            "the site, product family and location only. The customer's details (users, "
            "requester, organization) were not in AWS."
        ),
    )


def _upsert_keys(
    session: Session,
    site_key: str,
    family: str,
    keys: Sequence[RegionKey],
    now: datetime,
) -> None:
    existing: Mapping[str, FamilyKeyRow] = {
        row.region: row
        for row in session.scalars(
            select(FamilyKeyRow).where(
                FamilyKeyRow.site_key == site_key, FamilyKeyRow.family == family
            )
        )
    }
    for key in keys:
        row = existing.get(key.region)
        if row is None:
            session.add(
                FamilyKeyRow(
                    site_key=site_key,
                    family=family,
                    region=key.region,
                    key_id=key.key_id,
                    key_arn=key.key_arn,
                    alias=key.alias,
                    job_id=None,
                    created_at=now,
                )
            )
            continue
        if (row.key_id, row.key_arn) != (key.key_id, key.key_arn):
            # Another key: what was seen of the old one says nothing about this one.
            row.key_state = ""
            row.health = ""
            row.health_detail = ""
            row.deletion_date = None
        row.key_id = key.key_id
        row.key_arn = key.key_arn
        row.alias = key.alias


def _event(session: Session, site_key: str, family: str, message: str, at: datetime) -> None:
    session.add(
        FamilyEventRow(site_key=site_key, family=family, at=at, kind=EVENT_KIND, message=message)
    )
