"""How BYOK resources are named and tagged, so every step can find what already exists."""

from __future__ import annotations

import re
from dataclasses import dataclass

from byok_desktop.locations import Location
from byok_desktop.products import ProductFamily

# From the vendor's guide: the role the provider assumes, and the key name prefix.
DEFAULT_ROLE_NAME = "atlassian-key-management"
DEFAULT_PROVIDER_PRINCIPAL = "arn:aws:iam::279766244153:role/Cryptor-OSB-Provider"
KEY_PREFIX = "cryptor"
MANAGED_BY = "byok-desktop"

_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(root|role/[\w+=,.@/-]{1,512})$", re.ASCII)


def role_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an IAM role name (None when it can)."""
    if _ROLE_NAME.match(name):
        return None
    return (
        "An IAM role name has 1 to 64 characters: letters, digits and + = , . @ _ - "
        f"(got {name!r})."
    )


def principal_problem(arn: str) -> str | None:
    """Why ``arn`` cannot be the provider principal the role trusts."""
    if _PRINCIPAL.match(arn):
        return None
    return (
        "The provider principal is an IAM role or account ARN, e.g. "
        f"{DEFAULT_PROVIDER_PRINCIPAL} (got {arn!r})."
    )


TAG_SITE = "byok:site"
TAG_FAMILY = "byok:family"
TAG_LOCATION = "byok:location"
TAG_REQUEST = "byok:request"
TAG_MANAGED_BY = "byok:managed-by"


@dataclass(frozen=True, slots=True)
class KeyTarget:
    """One multi-Region key: a site's product family in a location."""

    site: str
    family: ProductFamily
    location: Location
    request_uid: str

    @property
    def alias(self) -> str:
        return f"alias/{KEY_PREFIX}-{self.site}-{self.family.value}"

    @property
    def description(self) -> str:
        return (
            f"BYOK key for {self.family.display_name} on {self.site}.atlassian.net "
            f"({self.location.display_name})"
        )

    def tags(self) -> dict[str, str]:
        return {
            TAG_SITE: self.site,
            TAG_FAMILY: self.family.value,
            TAG_LOCATION: self.location.value,
            TAG_REQUEST: self.request_uid,
            TAG_MANAGED_BY: MANAGED_BY,
        }

    def kms_tags(self) -> list[dict[str, str]]:
        return [{"TagKey": k, "TagValue": v} for k, v in self.tags().items()]
