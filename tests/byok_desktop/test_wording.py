"""Counted nouns and the phrases messages are built from read as English."""

from __future__ import annotations

import pytest

from byok_desktop.product_records import keys_seen
from byok_desktop.products import ProductFamily
from byok_desktop.wording import counted, match_count


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 requests"), (1, "1 request"), (2, "2 requests"), (1200, "1,200 requests")],
)
def test_counted_picks_singular_or_plural(count: int, text: str) -> None:
    assert counted(count, "request") == text


def test_counted_takes_an_irregular_plural() -> None:
    assert counted(2, "policy", "policies") == "2 policies"
    assert counted(1, "policy", "policies") == "1 policy"


@pytest.mark.parametrize(
    ("shown", "total", "text"),
    [
        (1, 1, "1 request"),  # all of them match: no "1 of 1 requests match"
        (3, 3, "3 requests"),
        (1, 3, "1 of 3 requests matches"),
        (2, 3, "2 of 3 requests match"),
        (0, 1, "No match in 1 request"),
    ],
)
def test_match_count(shown: int, total: int, text: str) -> None:
    assert match_count(shown, total, "request") == text


def test_family_names_inside_a_sentence() -> None:
    assert f"BYOK for {ProductFamily.CONFLUENCE.in_sentence}" == "BYOK for Confluence"
    assert f"BYOK for {ProductFamily.JIRA.in_sentence}" == "BYOK for the Jira family"


def test_key_states_are_said_once_when_the_regions_agree() -> None:
    assert keys_seen(("Enabled", "Enabled")) == "keys Enabled in both regions"
    assert keys_seen(("Enabled", "Disabled")) == (
        "key Enabled in the first region, Disabled in the second"
    )
