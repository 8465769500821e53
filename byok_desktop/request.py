"""A BYOK request as an account representative drafts it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from enum import Enum

from byok_desktop.locations import Location
from byok_desktop.products import Product, ProductFamily, families_of
from byok_desktop.request_fields import Field

__all__ = ["Field", "RequestDraft", "RequestStatus", "new_uid"]


class RequestStatus(Enum):
    DRAFT = "draft"  # incomplete or breaks a rule
    READY = "ready"  # every rule passes
    SUBMITTED = "submitted"  # provisioning jobs exist; read-only from now on
    PROVISIONED = "provisioned"  # every product of the request is BYOK-enabled

    @property
    def display_name(self) -> str:
        return self.name.capitalize()

    @property
    def locked(self) -> bool:
        """Submitted requests are the record of what was provisioned: never edited."""
        return self in (RequestStatus.SUBMITTED, RequestStatus.PROVISIONED)


def new_uid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """Field values as typed. Text fields keep the user's text so nothing is lost;
    the normalised forms come from :mod:`byok_desktop.validation`."""

    uid: str = field(default_factory=new_uid)
    aws_account_id: str = ""
    customer_role_arn: str = ""  # optional: the role the rep assumes in the account
    site_name: str = ""
    desired_users: str = ""
    location: Location | None = None
    products: frozenset[Product] = frozenset()
    customer_org: str = ""
    requester_name: str = ""
    requester_email: str = ""
    requester_is_org_admin: bool = False
    notes: str = ""

    @property
    def families(self) -> frozenset[ProductFamily]:
        return families_of(self.products)

    def with_changes(self, **changes: object) -> RequestDraft:
        return replace(self, **changes)  # type: ignore[arg-type]
