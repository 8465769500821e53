"""BYOK products as recorded: a product, its family's keys and access, its timeline,
and the products view's filter and sort orders."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from byok_desktop.findings import KeyHealth, RegionFinding
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product, ProductFamily


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


class ProductSort(Enum):
    SITE = "site"
    PRODUCT = "product"
    LOCATION = "location"
    PRIMARY_STATE = "primary_state"
    SECONDARY_STATE = "secondary_state"
    STATUS = "status"
    TIER = "tier"
    PROVISIONED = "provisioned"
    CHECKED = "checked"


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """What the view shows: every field narrows it; empty means no narrowing."""

    statuses: frozenset[ProductStatus] = frozenset()
    location: Location | None = None
    product: Product | None = None
    search: str = ""

    def with_changes(self, **changes: Any) -> ProductFilter:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A product family's key in one region, and what the last health check saw there."""

    region: str
    key_id: str
    key_arn: str
    alias: str
    key_state: str
    health: str
    health_detail: str
    deletion_date: datetime | None
    checked_at: datetime | None
    seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class FamilyAccess:
    trust_allowed: bool | None
    key_policy_ok: bool | None
    rotation_enabled: bool | None
    key_policy: str
    trust_policy: str
    revoked_at: datetime | None
    restore_until: datetime | None
    restored_at: datetime | None
    checked_at: datetime | None
    check_error: str

    def restorable(self, now: datetime | None = None) -> bool:
        """Revoked by this app and still inside the restore window."""
        if self.revoked_at is None:
            return False
        moment = now or datetime.now(UTC)
        return self.restore_until is None or moment <= self.restore_until


NO_ACCESS_RECORD = FamilyAccess(None, None, None, "", "", None, None, None, None, "")


def keys_seen(states: tuple[str, str]) -> str:
    """The key state seen in the location's two regions, said once when they agree."""
    first, second = states
    if first == second:
        return f"keys {first} in both regions"
    return f"key {first} in the first region, {second} in the second"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str  # job kind and step, or an event kind
    text: str


@dataclass(frozen=True, slots=True)
class ProductDetail:
    product: ProductRecord
    siblings: list[ProductRecord]  # every product sharing the key (the family on the site)
    keys: list[KeyRecord]  # in the location's region order
    access: FamilyAccess
    timeline: list[TimelineEntry]  # oldest first


def state_token(finding: RegionFinding) -> str:
    """The short key-state text the view shows per region."""
    return {
        KeyHealth.MISSING: "Missing",
        KeyHealth.UNKNOWN: "Unknown",
        KeyHealth.WRONG_KEY: "Wrong key",
        KeyHealth.NOT_GRANTED: "Not granted",
    }.get(finding.health, finding.key_state)
