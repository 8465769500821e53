"""How BYOK resources are named and tagged, so every step can find what already exists."""

from __future__ import annotations

from dataclasses import dataclass

from byok_desktop.locations import Location
from byok_desktop.products import ProductFamily

# From the vendor's guide: the role the provider assumes, and the key name prefix.
DEFAULT_ROLE_NAME = "atlassian-key-management"
DEFAULT_PROVIDER_PRINCIPAL = "arn:aws:iam::279766244153:role/Cryptor-OSB-Provider"
KEY_PREFIX = "cryptor"
MANAGED_BY = "byok-desktop"

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
