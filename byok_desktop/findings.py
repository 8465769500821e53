"""What one health check found, region by region, in plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class KeyHealth(Enum):
    OK = "ok"
    CREATING = "creating"  # Creating or Updating: AWS is still working on it
    DISABLED = "disabled"
    PENDING_DELETION = "pending_deletion"
    MISSING = "missing"
    WRONG_KEY = "wrong_key"  # ARN or tags do not match what was provisioned
    NOT_GRANTED = "not_granted"  # the key policy no longer lets the role use the key
    UNAVAILABLE = "unavailable"  # Unavailable, PendingImport: unusable for another reason
    UNKNOWN = "unknown"  # AWS could not be asked, or its answer can't be evaluated

    @property
    def healthy(self) -> bool | None:
        """True/False; None when unknown (never a guess)."""
        if self is KeyHealth.UNKNOWN:
            return None
        return self in (KeyHealth.OK, KeyHealth.CREATING)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    KeyHealth.OK: "Healthy",
    KeyHealth.CREATING: "Being created",
    KeyHealth.DISABLED: "Key disabled",
    KeyHealth.PENDING_DELETION: "Key scheduled for deletion",
    KeyHealth.MISSING: "Key missing",
    KeyHealth.WRONG_KEY: "Wrong key",
    KeyHealth.NOT_GRANTED: "Key policy no longer grants the role",
    KeyHealth.UNAVAILABLE: "Key unavailable",
    KeyHealth.UNKNOWN: "Unknown",
}


@dataclass(frozen=True, slots=True)
class RegionFinding:
    region: str
    health: KeyHealth
    key_state: str  # as AWS reported it; "" when the key is missing or AWS unreachable
    detail: str  # one sentence that names the cause
    deletion_date: datetime | None = None
    key_policy: str = ""  # the key policy JSON as read, for the detail pane
    # UNKNOWN although AWS answered: the key policy hangs on something the app does not
    # evaluate (a condition, NotPrincipal, the account's IAM policies...).
    cant_tell: bool = False

    def healthy_is(self, value: bool) -> bool:
        return self.health.healthy is value


@dataclass(frozen=True, slots=True)
class FamilyFinding:
    """One check of a site's product family: both regions, the role, rotation."""

    checked_at: datetime
    regions: tuple[RegionFinding, ...]  # in the location's order, primary first
    trust_allowed: bool | None  # the role's trust policy for the provider; None = unknown
    rotation_enabled: bool | None
    trust_policy: str = ""  # JSON as read
    # Why the trust is not as expected (e.g. the role is missing, a statement denies the
    # provider), or, with trust_allowed None, why the app can't tell from the policy.
    trust_detail: str = ""
    trust_error: str = ""  # why the trust policy could not be read (then trust_allowed None)
    error: str = ""  # why (part of) the check could not be made

    @property
    def complete(self) -> bool:
        return not self.error and all(r.health is not KeyHealth.UNKNOWN for r in self.regions)
