"""Every request field, declared once.

A field's entry says what it is called, where it goes in the request file, whether the
requests list shows it (and sorts by it), how the editor asks for it, and what is checked.
The request file's reader and writer, the store's text columns and search, the list's
columns and the editor's form are derived from these entries; docs/architecture.md
("Adding a request field") lists what a new field still touches by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

TEXT_MAX = 200
EMAIL_MAX = 254
NOTES_MAX = 20_000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_CONTROL = re.compile(r"[\x00-\x1f]")
# An IAM role ARN: partition, a 12-digit account, an optional path and a role name of at
# most 64 characters from IAM's set.
ROLE_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$", re.ASCII
)


class Field(Enum):
    """Request fields, in the order of their checks and of the request file."""

    AWS_ACCOUNT_ID = "aws_account_id"
    CUSTOMER_ROLE_ARN = "customer_role_arn"
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
        return SPECS[self].label

    @property
    def spec(self) -> FieldSpec:
        return SPECS[self]


class InputKind(Enum):
    """How the editor asks for a field (and how its value is typed)."""

    LINE = "line"  # one line of text
    MULTILINE = "multiline"  # free text over several lines
    CHOICE = "choice"  # one of a fixed set (a Location, or None)
    FLAGS = "flags"  # any of a fixed set (a frozenset of Products)
    CHECK = "check"  # yes or no


# --- checks: a field's own rules (rules that need other records live in validation) ----


def email_problems(text: str) -> list[str]:
    email = text.strip()
    if not email:
        return ["Enter the requester's email address."]
    if len(email) > EMAIL_MAX:
        return [f"An email address has at most {EMAIL_MAX} characters."]
    if not _EMAIL.match(email):
        return ["Enter an email address like name@example.com."]
    return []


def role_arn_problems(text: str) -> list[str]:
    """The customer's provisioning role is optional; when given it must be a role ARN."""
    arn = text.strip()
    if not arn or ROLE_ARN.match(arn):
        return []
    return [
        "Enter the role's ARN as IAM shows it, e.g. "
        "arn:aws:iam::012345678901:role/byok-provisioning, or leave it empty to use the "
        "profile's own access to the account."
    ]


def role_arn_account(text: str) -> str:
    """The account of a role ARN; "" when ``text`` is not one."""
    found = ROLE_ARN.match(text.strip())
    return found.group(1) if found else ""


def required_text(value: str, what: str, limit: int = TEXT_MAX) -> list[str]:
    text = value.strip()
    if not text:
        return [f"Enter the {what}."]
    problems = []
    if len(text) > limit:
        problems.append(f"The {what} has at most {limit:,} characters; this has {len(text):,}.")
    if _CONTROL.search(text):
        problems.append(f"Remove line breaks and control characters from the {what}.")
    return problems


def _required(what: str) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        return required_text(value, what)

    return check


def _at_most(limit: int, message: str) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        return [message] if len(value) > limit else []

    return check


def _confirmed(message: str) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        return [] if value else [message]

    return check


# --- the declaration ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListColumn:
    """A column of the requests list: its header, its sort key (a ``SortKey`` value) and
    its place among the field columns (Status comes first and Updated last)."""

    header: str
    sort: str
    order: int


@dataclass(frozen=True, slots=True)
class FieldSpec:
    field: Field
    label: str  # in messages and the editor's accessible names
    caption: str  # the editor's label, "&" before its shortcut letter
    kind: InputKind
    file_key: str  # in the request file; "group.key" for a key inside an object
    file_required: bool = True  # the request file must have the key
    placeholder: str = ""  # grey text in an empty box; a check box's own text
    max_length: int | None = None  # what the editor lets the user type (a longer stored
    # value is shown whole)
    suffix: str = ""  # shown after the box
    tidy: bool = False  # the editor shows the canonical form when the user leaves the box
    strip: bool = False  # saved without surrounding spaces (when valid)
    searched: bool = False  # the requests list's search looks in it
    column: ListColumn | None = None  # shown in the requests list (and so sortable)
    # The field's own rule; None when it needs other records (validation.validate has it).
    check: Callable[[Any], list[str]] | None = None

    @property
    def name(self) -> str:
        """The attribute of RequestDraft (and of the stored row) that holds the value."""
        return self.field.value

    @property
    def is_text(self) -> bool:
        return self.kind in (InputKind.LINE, InputKind.MULTILINE)


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        Field.AWS_ACCOUNT_ID,
        "AWS account ID",
        "&AWS account ID",
        InputKind.LINE,
        "aws_account_id",
        placeholder="12 digits, e.g. 012345678901",
        max_length=64,
        tidy=True,
        searched=True,
        column=ListColumn("AWS account", "account", 2),
    ),
    FieldSpec(
        Field.CUSTOMER_ROLE_ARN,
        "Customer provisioning role ARN",
        "Provisioning &role ARN",
        InputKind.LINE,
        "customer_role_arn",
        file_required=False,
        placeholder="optional: arn:aws:iam::012345678901:role/byok-provisioning",
        max_length=2048,
        strip=True,
        check=role_arn_problems,
    ),
    FieldSpec(
        Field.SITE_NAME,
        "Cloud site name",
        "Cloud &site name",
        InputKind.LINE,
        "site_name",
        placeholder="e.g. acme",
        max_length=200,
        suffix=".atlassian.net",
        tidy=True,
        searched=True,
        column=ListColumn("Site", "site", 1),
    ),
    FieldSpec(
        Field.DESIRED_USERS,
        "Desired number of users",
        "Desired number of &users",
        InputKind.LINE,
        "desired_users",
        placeholder="e.g. 1500",
        max_length=20,
        tidy=True,
        column=ListColumn("Users", "users", 6),
    ),
    FieldSpec(
        Field.LOCATION,
        "Data residency location",
        "Data residency &location",
        InputKind.CHOICE,
        "location",
        column=ListColumn("Location", "location", 5),
    ),
    FieldSpec(
        Field.PRODUCTS,
        "Products",
        "&Products",
        InputKind.FLAGS,
        "products",
        column=ListColumn("Products", "products", 4),
    ),
    FieldSpec(
        Field.CUSTOMER_ORG,
        "Customer organization",
        "Customer &organization",
        InputKind.LINE,
        "customer_org",
        placeholder="Customer's organization name",
        strip=True,
        searched=True,
        column=ListColumn("Customer", "customer", 3),
        check=_required("customer organization name"),
    ),
    FieldSpec(
        Field.REQUESTER_NAME,
        "Requester name",
        "&Name",
        InputKind.LINE,
        "requester.name",
        placeholder="Full name",
        strip=True,
        searched=True,
        check=_required("requester's name"),
    ),
    FieldSpec(
        Field.REQUESTER_EMAIL,
        "Requester email",
        "&Email",
        InputKind.LINE,
        "requester.email",
        placeholder="name@customer.com",
        strip=True,
        searched=True,
        check=email_problems,
    ),
    FieldSpec(
        Field.REQUESTER_IS_ORG_ADMIN,
        "Requester is an org admin",
        "Org admin",
        InputKind.CHECK,
        "requester.is_org_admin",
        file_required=False,
        placeholder="Confirmed: an org admin of the customer's organization",
        check=_confirmed(
            "Only an organization admin of the customer's organization can request BYOK; "
            "confirm the requester is one."
        ),
    ),
    FieldSpec(
        Field.NOTES,
        "Notes",
        "No&tes",
        InputKind.MULTILINE,
        "notes",
        file_required=False,
        placeholder="Anything the provisioning team should know",
        check=_at_most(NOTES_MAX, f"Notes have at most {NOTES_MAX:,} characters; shorten them."),
    ),
)

SPECS: dict[Field, FieldSpec] = {spec.field: spec for spec in FIELDS}

# The editor's form: groups of fields, in the order they are shown and tabbed through.
FORM: tuple[tuple[str, tuple[Field, ...]], ...] = (
    (
        "Customer",
        (Field.CUSTOMER_ORG, Field.AWS_ACCOUNT_ID, Field.CUSTOMER_ROLE_ARN, Field.SITE_NAME),
    ),
    ("Plan", (Field.DESIRED_USERS, Field.LOCATION, Field.PRODUCTS)),
    (
        "Requester (an org admin of the customer)",
        (Field.REQUESTER_NAME, Field.REQUESTER_EMAIL, Field.REQUESTER_IS_ORG_ADMIN),
    ),
    ("Notes", (Field.NOTES,)),
)

TEXT_FIELDS: tuple[FieldSpec, ...] = tuple(spec for spec in FIELDS if spec.is_text)
# The fields the requests list shows, in its order.
LISTED: tuple[FieldSpec, ...] = tuple(
    sorted(
        (spec for spec in FIELDS if spec.column is not None),
        key=lambda spec: spec.column.order if spec.column else 0,
    )
)
