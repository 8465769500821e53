"""A BYOK request as an account representative drafts it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from enum import Enum

from byok_desktop.locations import Location
from byok_desktop.products import Product, ProductFamily, families_of


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


class Field(Enum):
    """Request fields, in form order; problems are reported per field."""

    AWS_ACCOUNT_ID = "aws_account_id"
    SITE_NAME = "site_name"
    DESIRED_USERS = "desired_users"
    LOCATION = "location"
    PRODUCTS = "products"
    CUSTOMER_ORG = "customer_org"
    REQUESTER_NAME = "requester_name"
    REQUESTER_EMAIL = "requester_email"
    REQUESTER_IS_ORG_ADMIN = "requester_is_org_admin"
    NOTES = "notes"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Field.AWS_ACCOUNT_ID: "AWS account ID",
    Field.SITE_NAME: "Cloud site name",
    Field.DESIRED_USERS: "Desired number of users",
    Field.LOCATION: "Data residency location",
    Field.PRODUCTS: "Products",
    Field.CUSTOMER_ORG: "Customer organization",
    Field.REQUESTER_NAME: "Requester name",
    Field.REQUESTER_EMAIL: "Requester email",
    Field.REQUESTER_IS_ORG_ADMIN: "Requester is an org admin",
    Field.NOTES: "Notes",
}


def new_uid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """Field values as typed. Text fields keep the user's text so nothing is lost;
    the normalised forms come from :mod:`byok_desktop.validation`."""

    uid: str = field(default_factory=new_uid)
    aws_account_id: str = ""
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
