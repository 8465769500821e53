"""User tiers as data: Enterprise plans bill on the tier a site's user count falls in.

The vendor does not publish tier boundaries, so they live in a JSON table (shipped in
``data/user_tiers.json``, overridable per installation) rather than in code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

TIER_FILE_NAME = "user_tiers.json"


class TierTableError(ValueError):
    """The tier table file is unreadable or its tiers are not ascending."""


@dataclass(frozen=True, slots=True)
class UserTier:
    name: str
    min_users: int
    max_users: int | None  # None: open-ended top tier

    def contains(self, users: int) -> bool:
        return users >= self.min_users and (self.max_users is None or users <= self.max_users)

    @property
    def range_label(self) -> str:
        if self.max_users is None:
            return f"{self.min_users:,} users or more"
        return f"{self.min_users:,} – {self.max_users:,} users"

    @property
    def label(self) -> str:
        """The tier for a list: its name, and its range unless the name already says it
        ("801 - 1,000" needs its range no second time; "Gold" does)."""
        numbers = {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", self.name)}
        top_said = self.max_users is None or self.max_users in numbers
        bottom_said = (
            self.min_users == 1
            or self.min_users in numbers
            or (self.max_users is None and self.min_users - 1 in numbers)
        )
        return self.name if top_said and bottom_said else f"{self.name}: {self.range_label}"


@dataclass(frozen=True, slots=True)
class TierTable:
    tiers: tuple[UserTier, ...]

    def tier_for(self, users: int) -> UserTier | None:
        """The tier ``users`` falls in; None when it is above a closed top tier."""
        for tier in self.tiers:
            if tier.contains(users):
                return tier
        return None

    @property
    def max_users(self) -> int | None:
        return self.tiers[-1].max_users if self.tiers else None

    @classmethod
    def from_json(cls, text: str, source: str = "tier table") -> TierTable:
        try:
            raw = json.loads(text)
            entries = raw["tiers"]
            if not isinstance(entries, list) or not entries:
                raise TierTableError(f"{source}: 'tiers' must be a non-empty list")
            tiers: list[UserTier] = []
            low = 1
            for index, entry in enumerate(entries):
                name = entry["name"]
                high = entry["max_users"]
                if not isinstance(name, str) or not name.strip():
                    raise TierTableError(f"{source}: tier {index + 1} needs a name")
                if high is not None and (type(high) is not int or high < low):
                    raise TierTableError(
                        f"{source}: tier '{name}' has max_users {high!r}; "
                        f"it must be an integer of at least {low} (tiers ascend)"
                    )
                if high is None and index != len(entries) - 1:
                    raise TierTableError(f"{source}: only the last tier may be open-ended")
                tiers.append(UserTier(name.strip(), low, high))
                low = (high or 0) + 1
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise TierTableError(f"{source}: not a valid tier table ({exc})") from exc
        return cls(tuple(tiers))


def builtin_tier_table() -> TierTable:
    text = resources.files("byok_desktop").joinpath("data", TIER_FILE_NAME).read_text("utf-8")
    return TierTable.from_json(text, "built-in tier table")


def load_tier_table(data_dir: Path | None = None) -> TierTable:
    """The installation's table if ``data_dir`` holds one, else the built-in table.

    A broken override raises TierTableError so the caller can tell the user; it is
    never silently replaced by the built-in table.
    """
    if data_dir is not None:
        override = data_dir / TIER_FILE_NAME
        if override.is_file():
            try:
                text = override.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TierTableError(f"{override}: cannot be read as UTF-8 text ({exc})") from exc
            return TierTable.from_json(text, str(override))
    return builtin_tier_table()
