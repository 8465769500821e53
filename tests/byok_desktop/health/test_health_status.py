"""The product status derived from a health finding: every combination of region health,
trust, revocation and restoring, and what the reason says."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from byok_desktop.findings import FamilyFinding, KeyHealth, RegionFinding
from byok_desktop.product_status import ProductStatus
from byok_desktop.status_rules import AccessState, derive

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REGIONS = ("eu-central-1", "eu-west-1")
PROVISIONED = [s for s in ProductStatus if s.provisioned]


def region(code: str, health: KeyHealth, detail: str = "") -> RegionFinding:
    state = {KeyHealth.OK: "Enabled", KeyHealth.DISABLED: "Disabled"}.get(health, "")
    return RegionFinding(code, health, state, detail or health.label)


def finding(
    first: KeyHealth,
    second: KeyHealth,
    trust: bool | None = True,
    rotation: bool | None = True,
    error: str = "",
) -> FamilyFinding:
    return FamilyFinding(
        checked_at=NOW,
        regions=(region(REGIONS[0], first), region(REGIONS[1], second)),
        trust_allowed=trust,
        rotation_enabled=rotation,
        error=error,
    )


def expected(first: KeyHealth, second: KeyHealth, trust: bool | None) -> ProductStatus | None:
    """The rule, stated independently of the implementation (None = keep the current)."""
    if trust is False:
        return ProductStatus.SUSPENDED
    bad = [h for h in (first, second) if h.healthy is False]
    unknown = [h for h in (first, second) if h is KeyHealth.UNKNOWN]
    if len(bad) == 2:
        return ProductStatus.SUSPENDED
    if bad:
        return ProductStatus.DEGRADED
    if unknown:
        return None
    return ProductStatus.ACTIVE


@pytest.mark.parametrize(
    ("first", "second", "trust"),
    list(itertools.product(KeyHealth, KeyHealth, (True, False, None))),
)
def test_every_combination_of_region_health_and_trust(
    first: KeyHealth, second: KeyHealth, trust: bool | None
) -> None:
    error = "AWS unreachable" if KeyHealth.UNKNOWN in (first, second) else ""
    for current in PROVISIONED:
        if current is ProductStatus.RESTORING:
            continue
        derived = derive(current, finding(first, second, trust, error=error), AccessState())
        want = expected(first, second, trust)
        if first is second is KeyHealth.UNKNOWN:
            want = None  # nothing could be asked: never a guess
        assert derived.status is (want or current), (first, second, trust, current)
        # Whatever is wrong is named, with the region where it is wrong.
        for code, health in zip(REGIONS, (first, second), strict=True):
            both_disabled = first is second is KeyHealth.DISABLED
            if health.healthy is False and trust is not False and not both_disabled:
                assert code in derived.reason
        if derived.status is not ProductStatus.ACTIVE:
            assert derived.reason


def test_one_disabled_region_is_degraded_and_says_where() -> None:
    derived = derive(ProductStatus.ACTIVE, finding(KeyHealth.OK, KeyHealth.DISABLED), AccessState())
    assert derived.status is ProductStatus.DEGRADED
    assert derived.reason == "eu-west-1: Key disabled"


def test_both_regions_disabled_is_suspended() -> None:
    derived = derive(
        ProductStatus.ACTIVE, finding(KeyHealth.DISABLED, KeyHealth.DISABLED), AccessState()
    )
    assert derived == derived.__class__(ProductStatus.SUSPENDED, "Keys disabled in every region")


def test_a_denying_trust_policy_suspends_with_permissions_revoked() -> None:
    derived = derive(
        ProductStatus.ACTIVE, finding(KeyHealth.OK, KeyHealth.OK, trust=False), AccessState()
    )
    assert derived.status is ProductStatus.SUSPENDED
    assert derived.reason.startswith("Permissions revoked")


def test_a_missing_role_is_named_as_the_cause() -> None:
    base = finding(KeyHealth.OK, KeyHealth.OK, trust=False)
    missing = FamilyFinding(
        base.checked_at,
        base.regions,
        False,
        True,
        trust_detail="the key-management role atlassian-key-management no longer exists",
    )
    derived = derive(ProductStatus.ACTIVE, missing, AccessState())
    assert derived.reason == (
        "Permissions revoked: the key-management role atlassian-key-management no longer exists"
    )


def test_revocation_by_this_app_suspends_and_counts_the_window() -> None:
    revoked = AccessState(revoked_at=NOW, restore_until=NOW + timedelta(days=15))
    derived = derive(
        ProductStatus.ACTIVE,
        finding(KeyHealth.DISABLED, KeyHealth.DISABLED, trust=False),
        revoked,
    )
    assert derived.status is ProductStatus.SUSPENDED
    assert "Access revoked on" in derived.reason
    assert "restorable until" in derived.reason
    # With no finding yet, the recorded revocation alone says Suspended.
    assert derive(ProductStatus.ACTIVE, None, revoked).status is ProductStatus.SUSPENDED


def test_access_back_after_a_revocation_is_active_with_a_note() -> None:
    revoked = AccessState(revoked_at=NOW, restore_until=NOW + timedelta(days=15))
    derived = derive(ProductStatus.SUSPENDED, finding(KeyHealth.OK, KeyHealth.OK), revoked)
    assert derived.status is ProductStatus.ACTIVE
    assert "restored outside this app" in derived.reason


def test_a_restore_in_progress_is_restoring_whatever_aws_says() -> None:
    state = AccessState(revoked_at=NOW, restoring=True)
    for first, second in itertools.product(KeyHealth, KeyHealth):
        derived = derive(ProductStatus.SUSPENDED, finding(first, second, False), state)
        assert derived.status is ProductStatus.RESTORING


@pytest.mark.parametrize("current", [ProductStatus.PROVISIONING, ProductStatus.FAILED])
def test_unprovisioned_products_are_left_to_their_job(current: ProductStatus) -> None:
    for first, second in itertools.product(KeyHealth, KeyHealth):
        derived = derive(current, finding(first, second, False), AccessState(revoked_at=NOW))
        assert derived.status is current


@pytest.mark.parametrize("current", PROVISIONED)
def test_unreachable_aws_keeps_the_last_status_and_says_since_when(
    current: ProductStatus,
) -> None:
    unknown = finding(KeyHealth.UNKNOWN, KeyHealth.UNKNOWN, None, None, "Could not reach AWS")
    derived = derive(current, unknown, AccessState())
    assert derived.status is current
    assert "Unknown since" in derived.reason
    assert "Could not reach AWS" in derived.reason


def test_one_region_unknown_and_the_other_fine_is_not_a_guess() -> None:
    partly = finding(KeyHealth.OK, KeyHealth.UNKNOWN, error="timeout in eu-west-1")
    derived = derive(ProductStatus.DEGRADED, partly, AccessState())
    assert derived.status is ProductStatus.DEGRADED  # the last known status stays
    assert "eu-west-1: unknown" in derived.reason


def test_notes_on_an_active_product() -> None:
    derived = derive(
        ProductStatus.ACTIVE,
        finding(KeyHealth.OK, KeyHealth.CREATING, trust=True, rotation=False),
        AccessState(),
    )
    assert derived.status is ProductStatus.ACTIVE
    assert "rotation is off" in derived.reason
    assert "still being created" in derived.reason


def test_a_trust_policy_that_could_not_be_read_is_not_a_guess() -> None:
    base = finding(KeyHealth.OK, KeyHealth.OK, trust=None)
    unreadable = FamilyFinding(
        base.checked_at,
        base.regions,
        None,
        True,
        trust_error="Access denied: the credentials may not call iam:GetRole",
        error="Access denied: the credentials may not call iam:GetRole",
    )
    for current in (ProductStatus.SUSPENDED, ProductStatus.ACTIVE):
        derived = derive(current, unreadable, AccessState())
        assert derived.status is current
        assert "trust policy unknown" in derived.reason
        assert "iam:GetRole" in derived.reason
    healthy = derive(ProductStatus.DEGRADED, finding(KeyHealth.OK, KeyHealth.OK), AccessState())
    assert healthy.status is ProductStatus.ACTIVE
    assert healthy.reason == ""


def test_a_trust_policy_the_app_cannot_evaluate_is_unknown_never_active() -> None:
    base = finding(KeyHealth.OK, KeyHealth.OK, trust=None)
    cant_tell = FamilyFinding(
        base.checked_at,
        base.regions,
        None,
        True,
        trust_policy="{}",
        trust_detail="can't tell: statement 'X' of the trust policy has a condition",
    )
    for current in (ProductStatus.SUSPENDED, ProductStatus.DEGRADED):
        derived = derive(current, cant_tell, AccessState())
        assert derived.status is current
        assert "trust policy unknown (can't tell: statement 'X'" in derived.reason
    revoked = derive(ProductStatus.ACTIVE, cant_tell, AccessState(revoked_at=NOW))
    assert revoked.status is ProductStatus.SUSPENDED


def test_a_key_policy_the_app_cannot_evaluate_is_unknown_with_the_other_region_bad() -> None:
    cant_tell = RegionFinding(
        REGIONS[0], KeyHealth.UNKNOWN, "Enabled", "can't tell: statement 'Y'", cant_tell=True
    )
    mixed = FamilyFinding(NOW, (cant_tell, region(REGIONS[1], KeyHealth.NOT_GRANTED)), True, True)
    derived = derive(ProductStatus.ACTIVE, mixed, AccessState())
    assert derived.status is ProductStatus.DEGRADED  # one region is known to be bad
    assert "eu-central-1: unknown (can't tell: statement 'Y')" in derived.reason
    assert "eu-west-1" in derived.reason
