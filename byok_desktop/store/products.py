"""BYOK products: their status through provisioning, health checks, revoke and restore.

Writes are per site and product family, because that is what one key serves; every
change that a user would want to read back later is also added to the family's events.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update

from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product, ProductFamily
from byok_desktop.store.engine import session_factory
from byok_desktop.store.models import FamilyEventRow, ProductRow

log = logging.getLogger("byok_desktop.db")

_NOT_YET = (ProductStatus.PROVISIONING.value, ProductStatus.FAILED.value)


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """One BYOK product as the products view shows it."""

    id: int
    request_id: int | None
    site_key: str
    product: Product
    family: ProductFamily
    location: Location
    status: ProductStatus
    status_reason: str
    primary_state: str
    secondary_state: str
    tier_name: str
    provisioned_at: datetime | None
    health_checked_at: datetime | None


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


class ProductStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = session_factory(engine)

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

    def provisioning_succeeded(self, site_key: str, family: str, states: tuple[str, str]) -> None:
        """The family's products are Active, with the key state seen in each region."""
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
                    message=f"Provisioned: keys {states[0]} and {states[1]}",
                )
            )
