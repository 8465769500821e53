"""The overall status of a BYOK product, as the Security > BYOK encryption view shows it."""

from __future__ import annotations

from enum import Enum


class ProductStatus(Enum):
    PROVISIONING = "provisioning"  # submitted; its job has not finished yet
    ACTIVE = "active"  # keys Enabled in both regions and the provider has access
    DEGRADED = "degraded"  # a key is unhealthy in one region
    SUSPENDED = "suspended"  # access revoked or keys disabled everywhere
    RESTORING = "restoring"  # a restore job is bringing access back
    FAILED = "failed"  # provisioning failed; retry or withdraw the request

    @property
    def display_name(self) -> str:
        return self.name.capitalize()

    @property
    def provisioned(self) -> bool:
        """The product exists as BYOK: from here on it can never be removed."""
        return self not in (ProductStatus.PROVISIONING, ProductStatus.FAILED)
