"""Data residency locations and the two AWS regions of each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    city: str

    def label(self) -> str:
        return f"{self.code} ({self.city})"


class Location(Enum):
    """A location pins a site's data and keys; it can never be migrated."""

    EU = "eu"
    USA = "usa"

    @property
    def display_name(self) -> str:
        return _NAMES[self]

    @property
    def regions(self) -> tuple[Region, Region]:
        """Primary region first: the multi-Region key is created there."""
        return _REGIONS[self]

    def regions_label(self) -> str:
        first, second = self.regions
        return f"{first.label()} + {second.label()}"

    @classmethod
    def parse(cls, value: str) -> Location:
        """Accept the stored code or the display name (as in request files)."""
        folded = value.strip().casefold()
        for location in cls:
            if folded in (location.value, location.display_name.casefold()):
                return location
        raise ValueError(value)


_NAMES = {Location.EU: "European Union", Location.USA: "USA"}
_REGIONS = {
    Location.EU: (Region("eu-central-1", "Frankfurt"), Region("eu-west-1", "Dublin")),
    Location.USA: (Region("us-east-1", "N. Virginia"), Region("us-west-2", "Oregon")),
}
