"""User tiers are data: the built-in table, overrides in the data directory, and errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from byok_desktop.context import open_context
from byok_desktop.paths import AppPaths
from byok_desktop.request import Field, RequestStatus
from byok_desktop.tiers import (
    TIER_FILE_NAME,
    TierTable,
    TierTableError,
    UserTier,
    load_tier_table,
)
from tests.helpers.factories import ready_draft

SMALL_TABLE = {
    "tiers": [
        {"name": "Team", "max_users": 10},
        {"name": "Company", "max_users": 100},
    ]
}


def _write_override(data_dir: Path, content: object) -> Path:
    path = data_dir / TIER_FILE_NAME
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_table_is_ascending_and_contiguous_from_one(tiers: TierTable) -> None:
    assert len(tiers.tiers) >= 2
    assert tiers.tiers[0].min_users == 1
    for lower, upper in zip(tiers.tiers, tiers.tiers[1:], strict=False):
        assert lower.max_users is not None
        assert lower.min_users <= lower.max_users
        assert upper.min_users == lower.max_users + 1
    assert tiers.tiers[-1].max_users is None
    assert tiers.max_users is None
    names = [t.name for t in tiers.tiers]
    assert all(n and n == n.strip() for n in names)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("users", "name"),
    [
        (1, "Up to 800"),
        (800, "Up to 800"),
        (801, "801 - 1,000"),
        (1000, "801 - 1,000"),
        (1001, "1,001 - 2,000"),
        (150_000, "100,001 - 150,000"),
        (150_001, "More than 150,000"),
        (10**12, "More than 150,000"),
    ],
)
def test_tier_for_boundaries(tiers: TierTable, users: int, name: str) -> None:
    tier = tiers.tier_for(users)
    assert tier is not None
    assert tier.name == name
    assert tier.contains(users)


@pytest.mark.parametrize("users", [0, -1])
def test_no_tier_below_one_user(tiers: TierTable, users: int) -> None:
    assert tiers.tier_for(users) is None


def test_user_tier_contains() -> None:
    closed = UserTier("x", 5, 9)
    assert [closed.contains(n) for n in (4, 5, 9, 10)] == [False, True, True, False]
    assert UserTier("top", 10, None).contains(10**15)


def test_without_an_override_the_builtin_table_is_used(data_dir: Path, tiers: TierTable) -> None:
    assert load_tier_table(None) == tiers
    assert load_tier_table(data_dir) == tiers


def test_override_in_the_data_directory_wins(data_dir: Path) -> None:
    _write_override(data_dir, SMALL_TABLE)
    table = load_tier_table(data_dir)
    assert table.tiers == (UserTier("Team", 1, 10), UserTier("Company", 11, 100))
    assert table.max_users == 100
    assert table.tier_for(11) == UserTier("Company", 11, 100)
    assert table.tier_for(101) is None


def test_override_may_end_open(data_dir: Path) -> None:
    _write_override(
        data_dir, {"tiers": [{"name": " S ", "max_users": 5}, {"name": "L", "max_users": None}]}
    )
    table = load_tier_table(data_dir)
    assert table.tiers == (UserTier("S", 1, 5), UserTier("L", 6, None))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a valid tier table"),
        ("[]", "not a valid tier table"),
        ({"levels": []}, "not a valid tier table"),
        ({"tiers": []}, "'tiers' must be a non-empty list"),
        ({"tiers": {"name": "x"}}, "'tiers' must be a non-empty list"),
        ({"tiers": ["Small"]}, "not a valid tier table"),
        ({"tiers": [{"name": "Small"}]}, "not a valid tier table"),
        ({"tiers": [{"max_users": 10}]}, "not a valid tier table"),
        ({"tiers": [{"name": "", "max_users": 10}]}, "tier 1 needs a name"),
        ({"tiers": [{"name": 7, "max_users": 10}]}, "tier 1 needs a name"),
        (
            {"tiers": [{"name": "A", "max_users": 100}, {"name": "B", "max_users": 50}]},
            "tier 'B' has max_users 50; it must be an integer of at least 101 (tiers ascend)",
        ),
        (
            {"tiers": [{"name": "A", "max_users": 100}, {"name": "B", "max_users": 100}]},
            "tier 'B' has max_users 100; it must be an integer of at least 101",
        ),
        ({"tiers": [{"name": "A", "max_users": 0}]}, "tier 'A' has max_users 0"),
        ({"tiers": [{"name": "A", "max_users": 10.5}]}, "tier 'A' has max_users 10.5"),
        ({"tiers": [{"name": "A", "max_users": "800"}]}, "tier 'A' has max_users '800'"),
        ({"tiers": [{"name": "A", "max_users": True}]}, "tier 'A' has max_users True"),
        (
            {"tiers": [{"name": "A", "max_users": None}, {"name": "B", "max_users": 10}]},
            "only the last tier may be open-ended",
        ),
    ],
)
def test_malformed_override_raises_a_clear_error(
    data_dir: Path, content: object, message: str
) -> None:
    path = _write_override(data_dir, content)
    with pytest.raises(TierTableError) as caught:
        load_tier_table(data_dir)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_override_that_is_not_utf8_raises_tier_table_error(data_dir: Path) -> None:
    """A tier file saved in another encoding is a broken override like any other."""
    (data_dir / TIER_FILE_NAME).write_bytes(b'\xff\xfe{"tiers": []}')
    with pytest.raises(TierTableError, match=TIER_FILE_NAME):
        load_tier_table(data_dir)


def test_open_context_falls_back_to_the_builtin_table_with_a_warning(
    paths: AppPaths, tiers: TierTable, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write_override(paths.data_dir, {"tiers": []})
    with caplog.at_level(logging.WARNING, logger="byok_desktop"):
        ctx = open_context(paths)
    try:
        assert ctx.tiers == tiers
        assert ctx.database.requests.tiers == tiers
        (warning,) = ctx.warnings
        assert "built-in" in warning
        assert "'tiers' must be a non-empty list" in warning
        assert str(path) in warning
        assert any(
            r.levelno == logging.WARNING and str(path) in r.getMessage() for r in caplog.records
        )
    finally:
        ctx.close()


def test_open_context_survives_a_tier_file_that_is_not_utf8(
    paths: AppPaths, tiers: TierTable
) -> None:
    (paths.data_dir / TIER_FILE_NAME).write_bytes(b"\xff\xfe\x00\x00")
    ctx = open_context(paths)
    try:
        assert ctx.tiers == tiers
        assert len(ctx.warnings) == 1
    finally:
        ctx.close()


def test_open_context_uses_the_override_for_validation(paths: AppPaths) -> None:
    _write_override(paths.data_dir, SMALL_TABLE)
    ctx = open_context(paths)
    try:
        assert ctx.warnings == []
        store = ctx.database.requests
        small = store.create(ready_draft(desired_users="50"))
        assert small.tier_name == "Company"
        assert small.status is RequestStatus.READY
        big = store.create(ready_draft(site_name="big", desired_users="1500"))
        assert big.status is RequestStatus.DRAFT
        assert store.validate(big.draft, big.id).problems(Field.DESIRED_USERS) == [
            "1,500 users is above the largest user tier (100); "
            "talk to the pricing team before submitting."
        ]
    finally:
        ctx.close()


def test_from_json_names_its_source() -> None:
    with pytest.raises(TierTableError, match=r"^my table: 'tiers' must be a non-empty list$"):
        TierTable.from_json('{"tiers": []}', "my table")


@pytest.mark.parametrize(
    ("tier", "label"),
    [
        # Names that already say their range are not followed by it again.
        (UserTier("Up to 800", 1, 800), "Up to 800"),
        (UserTier("801 - 1,000", 801, 1000), "801 - 1,000"),
        (UserTier("More than 150,000", 150_001, None), "More than 150,000"),
        # Names that don't are.
        (UserTier("Gold", 801, 1000), "Gold: 801 – 1,000 users"),
        (UserTier("Top", 150_001, None), "Top: 150,001 users or more"),
        (UserTier("Up to 900", 801, 1000), "Up to 900: 801 – 1,000 users"),
    ],
)
def test_a_tier_label_says_its_range_once(tier: UserTier, label: str) -> None:
    assert tier.label == label


def test_the_built_in_tiers_list_without_repeating_themselves() -> None:
    for tier in load_tier_table(None).tiers:
        assert tier.label == tier.name
