"""The overall status of a product family's products, derived from what AWS said.

Pure functions: the same inputs always give the same status and reason, so every
combination is unit-tested. One key serves a whole product family on a site, so the
status applies to every product of that family there (for Jira: Jira Software, Jira
Work Management and Jira Service Management alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from byok_desktop.findings import FamilyFinding, KeyHealth, RegionFinding
from byok_desktop.product_status import ProductStatus


@dataclass(frozen=True, slots=True)
class Derived:
    status: ProductStatus
    reason: str  # empty when there is nothing to explain


@dataclass(frozen=True, slots=True)
class AccessState:
    """Revocation as recorded by this app's jobs."""

    revoked_at: datetime | None = None
    restore_until: datetime | None = None
    restoring: bool = False  # a restore job is queued or running

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _region_text(finding: RegionFinding) -> str:
    return f"{finding.region}: {finding.detail or finding.health.label}"


def derive(current: ProductStatus, finding: FamilyFinding | None, access: AccessState) -> Derived:
    """The status to show, given the stored status, the latest finding and revocation."""
    if not current.provisioned:
        return Derived(current, "")  # Provisioning and Failed are owned by the job
    if access.restoring:
        return Derived(ProductStatus.RESTORING, "Restoring key access in both regions")
    revoked = ""
    if access.revoked_at is not None:
        revoked = f"Access revoked on {_when(access.revoked_at)}"
        if access.restore_until is not None:
            revoked += f"; restorable until {_when(access.restore_until)}"
    if finding is None:
        if revoked:
            return Derived(ProductStatus.SUSPENDED, revoked)
        return Derived(current, "Not checked yet")
    if finding.error and all(r.health is KeyHealth.UNKNOWN for r in finding.regions):
        # Nothing could be asked: keep what was last known and say so, never guess.
        base = revoked or "Last known status"
        return Derived(
            ProductStatus.SUSPENDED if access.revoked else current,
            f"{base}. Unknown since {_when(finding.checked_at)}: {finding.error}",
        )
    if finding.trust_allowed is False:
        cause = "Permissions revoked: " + (
            finding.trust_detail or "the key-management role's trust policy denies the provider"
        )
        return Derived(ProductStatus.SUSPENDED, f"{revoked}. {cause}" if revoked else cause)
    unhealthy = [r for r in finding.regions if r.healthy_is(False)]
    unknown = [
        f"{r.region}: unknown ({r.detail})"
        for r in finding.regions
        if r.health is KeyHealth.UNKNOWN
    ]
    if finding.trust_error:
        unknown.append(f"trust policy unknown ({finding.trust_error})")
    elif finding.trust_allowed is None and finding.trust_detail:
        unknown.append(f"trust policy unknown ({finding.trust_detail})")
    if unhealthy and len(unhealthy) == len(finding.regions):
        if all(r.health is KeyHealth.DISABLED for r in unhealthy):
            cause = "Keys disabled in every region"
        else:
            cause = "No usable key: " + "; ".join(_region_text(r) for r in unhealthy)
        return Derived(ProductStatus.SUSPENDED, f"{revoked}. {cause}" if revoked else cause)
    if unhealthy:
        return Derived(
            ProductStatus.DEGRADED, "; ".join([*(_region_text(r) for r in unhealthy), *unknown])
        )
    if unknown:
        still = ProductStatus.SUSPENDED if access.revoked else current
        listed = "; ".join(unknown)
        return Derived(still, f"Partly unknown since {_when(finding.checked_at)}: {listed}")
    notes = []
    if access.revoked_at is not None:
        notes.append(
            f"Keys and trust are usable again although access was revoked on "
            f"{_when(access.revoked_at)} (restored outside this app?)"
        )
    if finding.rotation_enabled is False:
        notes.append("Automatic key rotation is off")
    if any(r.health is KeyHealth.CREATING for r in finding.regions):
        notes.append("A key is still being created")
    return Derived(ProductStatus.ACTIVE, "; ".join(notes))
