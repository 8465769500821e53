"""Every rule of a BYOK request: normalisers and validators.

Validators return *all* problems of a field, each a sentence that says what to fix.
Nothing here touches storage; the site rule takes the site's existing claims as input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from byok_desktop.locations import Location
from byok_desktop.products import (
    JIRA_FAMILY_COVERED,
    Product,
    ProductFamily,
    families_of,
    sorted_products,
)
from byok_desktop.request import Field, RequestDraft, RequestStatus

# The fields' own checks are declared with the fields; still importable from here.
from byok_desktop.request_fields import (  # noqa: F401
    EMAIL_MAX,
    FIELDS,
    NOTES_MAX,
    TEXT_MAX,
    email_problems,
    role_arn_account,
)
from byok_desktop.tiers import TierTable, UserTier

PROVIDER_ACCOUNT_ID = "279766244153"
# The vendor guide's example: the provider's account with its last digit lost.
GUIDE_EXAMPLE_ACCOUNT_ID = "27976624415"
ACCOUNT_ID_DIGITS = 12
SITE_NAME_MAX = 63  # a DNS label
SITE_SUFFIX = ".atlassian.net"
USERS_MAX = 10_000_000  # far above any real site; stops absurd input early

_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212_.")
_SITE_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_ASCII_DIGITS = frozenset("0123456789")


class Severity(Enum):
    PROBLEM = "problem"  # keeps the request a Draft
    NOTE = "note"  # worth knowing; does not block


@dataclass(frozen=True, slots=True)
class Finding:
    field: Field
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class SiteClaim:
    """Something in the database that already names a site."""

    kind: str  # "product" (BYOK-enabled) or "request" (not yet provisioned)
    family: ProductFamily | None
    location: Location | None
    label: str  # how to refer to it in a message, e.g. "request for Acme (Draft)"
    product: Product | None = None  # a "product" claim: which one is BYOK on the site


@dataclass(frozen=True, slots=True)
class Validation:
    findings: tuple[Finding, ...] = ()
    tier: UserTier | None = None

    def problems(self, for_field: Field | None = None) -> list[str]:
        return self._messages(Severity.PROBLEM, for_field)

    def notes(self, for_field: Field | None = None) -> list[str]:
        return self._messages(Severity.NOTE, for_field)

    def _messages(self, severity: Severity, for_field: Field | None) -> list[str]:
        return [
            f.message
            for f in self.findings
            if f.severity is severity and (for_field is None or f.field is for_field)
        ]

    def fields_with_problems(self) -> list[Field]:
        return [f for f in Field if self.problems(f)]

    @property
    def status(self) -> RequestStatus:
        return RequestStatus.DRAFT if self.problems() else RequestStatus.READY

    @property
    def problem_count(self) -> int:
        return len(self.problems())


# --- normalisers -------------------------------------------------------------


def normalise_account_id(text: str) -> str:
    """Drop the spaces and dashes people type (``1234-5678-9012``)."""
    if text.isascii() and text.isalnum():
        return text  # nothing to drop (the common case, checked in C)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS)


def normalise_site_name(text: str) -> str:
    """Lowercase, and strip a pasted URL down to its label (``https://Acme.atlassian.net/``)."""
    site = text.strip().lower()
    if "/" not in site and not site.endswith(SITE_SUFFIX) and site == site.strip():
        return site  # no URL to strip (the common case)
    while True:  # repeat until stable, so the result is idempotent
        before = site
        for scheme in ("https://", "http://"):
            site = site.removeprefix(scheme)
        site = site.rstrip("/").strip().removesuffix(SITE_SUFFIX).strip()
        if site == before:
            return site


def normalise_users(text: str) -> str:
    """Drop spaces and thousands separators (``1,500`` or ``1 500``)."""
    if text.isascii() and text.isalnum():
        return text
    return "".join(ch for ch in text if not ch.isspace() and ch not in ",'_\u202f")


def parse_users(text: str) -> int | None:
    digits = normalise_users(text)
    if not digits or not set(digits) <= _ASCII_DIGITS or len(digits) > 12:
        return None
    return int(digits)


def normalised(draft: RequestDraft) -> RequestDraft:
    """The draft with each text field in canonical form, when that form is valid-looking.

    A value that normalises to something still wrong keeps the user's text, so a
    draft is never silently rewritten into a different mistake.
    """
    account = normalise_account_id(draft.aws_account_id)
    if not (len(account) == ACCOUNT_ID_DIGITS and set(account) <= _ASCII_DIGITS):
        account = draft.aws_account_id
    site = normalise_site_name(draft.site_name)
    if _site_name_problems(site) != []:
        site = draft.site_name
    users = parse_users(draft.desired_users)
    users_text = str(users) if users is not None else draft.desired_users
    stripped = {spec.name: getattr(draft, spec.name).strip() for spec in FIELDS if spec.strip}
    if (account, site, users_text) == (
        draft.aws_account_id,
        draft.site_name,
        draft.desired_users,
    ) and all(text == getattr(draft, name) for name, text in stripped.items()):
        return draft  # already canonical, as exported drafts are: no copy
    return draft.with_changes(
        aws_account_id=account,
        site_name=site,
        desired_users=users_text,
        **stripped,
    )


# --- validators --------------------------------------------------------------


def role_account_problems(draft: RequestDraft) -> list[str]:
    """The provisioning role must live in the request's account: the keys are made
    wherever the role is, and the job checks the account it opens against the request."""
    role_account = role_arn_account(draft.customer_role_arn)
    account = normalise_account_id(draft.aws_account_id)
    if not role_account or account_id_problems(account) or role_account == account:
        return []
    return [
        f"The role is in account {role_account}, but the request is for account {account}. "
        "Ask the customer for the role they created in the BYOK account."
    ]


def account_id_problems(text: str) -> list[str]:
    account = normalise_account_id(text)
    if not account:
        return ["Enter the customer's AWS account ID: the 12 digits shown in the AWS console."]
    problems: list[str] = []
    if _ASCII_DIGITS.issuperset(account):
        stray: list[str] = []
        digits = account
    else:
        stray = _distinct(ch for ch in account if ch not in _ASCII_DIGITS)
        digits = "".join(ch for ch in account if ch in _ASCII_DIGITS)
    if stray:
        problems.append(
            f"AWS account IDs contain only the digits 0-9; remove {_quote_chars(stray)}."
        )
    if account == GUIDE_EXAMPLE_ACCOUNT_ID:
        problems.append(
            "This is the vendor guide's example, which lost a digit: AWS account IDs have "
            "12 digits. Ask the customer for the account they created for BYOK keys."
        )
    elif len(digits) != ACCOUNT_ID_DIGITS and (digits or not stray):
        problems.append(
            f"AWS account IDs have exactly 12 digits; this has {len(digits)}. "
            "Check for a missing or extra digit (leading zeros count)."
        )
    if account == PROVIDER_ACCOUNT_ID:
        problems.append(
            f"{PROVIDER_ACCOUNT_ID} is the key provider's own AWS account, never a "
            "customer's. Ask for the account the customer created for BYOK key management."
        )
    return problems


def _site_name_problems(site: str) -> list[str]:
    if not site:
        return ["Enter the cloud site name (the part before .atlassian.net)."]
    problems: list[str] = []
    if not _SITE_ALLOWED.issuperset(site):
        stray = _distinct(ch for ch in site if ch not in _SITE_ALLOWED)
        problems.append(
            "Site names use only lowercase letters a-z, digits and hyphens; "
            f"remove {_quote_chars(stray)}."
        )
    if site.startswith("-"):
        problems.append("A site name cannot start with a hyphen.")
    if site.endswith("-"):
        problems.append("A site name cannot end with a hyphen.")
    if len(site) > SITE_NAME_MAX:
        problems.append(
            f"A site name has at most {SITE_NAME_MAX} characters; this has {len(site)}."
        )
    return problems


def site_name_problems(text: str) -> list[str]:
    return _site_name_problems(normalise_site_name(text))


def site_key(site_name: str) -> str:
    """The canonical label the uniqueness rule compares; "" when the name is invalid."""
    return "" if site_name_problems(site_name) else normalise_site_name(site_name)


def users_problems(text: str, tiers: TierTable) -> list[str]:
    raw = normalise_users(text)
    if not raw:
        return ["Enter the desired number of users (the user tier is derived from it)."]
    if raw.startswith("-") and set(raw[1:]) <= _ASCII_DIGITS and raw[1:]:
        return ["The number of users must be positive."]
    if not set(raw) <= _ASCII_DIGITS:
        return [f"Enter a whole number of users, such as 1500; {text.strip()[:40]!r} is not one."]
    users = int(raw) if len(raw) <= 12 else USERS_MAX + 1
    if users == 0:
        return ["The number of users must be at least 1."]
    if users > USERS_MAX:
        return [f"{USERS_MAX:,} users is the most this tool accepts; check the number."]
    if tiers.tier_for(users) is None:
        return [
            f"{users:,} users is above the largest user tier ({tiers.max_users:,}); "
            "talk to the pricing team before submitting."
        ]
    return []


_FIELD_ORDER = {field: index for index, field in enumerate(Field)}
# Fields whose rules need more than their own value (other fields, tiers, other records).
_RULED_HERE = frozenset(
    {Field.AWS_ACCOUNT_ID, Field.SITE_NAME, Field.DESIRED_USERS, Field.LOCATION, Field.PRODUCTS}
)


def validate(
    draft: RequestDraft,
    tiers: TierTable,
    site_claims: Sequence[SiteClaim] = (),
    *,
    with_notes: bool = True,
) -> Validation:
    """Check every rule; ``site_claims`` are the *other* records that name this site.

    ``with_notes=False`` leaves out the notes, which never change the status, the problem
    count or the tier (the store's bulk import only needs those).
    """
    findings: list[Finding] = []

    def add(fld: Field, messages: Iterable[str], severity: Severity = Severity.PROBLEM) -> None:
        for message in messages:
            findings.append(Finding(fld, severity, message))

    add(Field.AWS_ACCOUNT_ID, account_id_problems(draft.aws_account_id))
    site = normalise_site_name(draft.site_name)
    site_format = _site_name_problems(site)
    add(Field.SITE_NAME, site_format)
    if not site_format and site_claims:
        findings.extend(_site_rule_findings(site, draft, site_claims, with_notes))

    add(Field.DESIRED_USERS, users_problems(draft.desired_users, tiers))
    users = parse_users(draft.desired_users)
    tier = tiers.tier_for(users) if users and users <= USERS_MAX else None

    if draft.location is None:
        add(Field.LOCATION, ["Choose where the product data and keys live: European Union or USA."])
    elif with_notes:
        add(
            Field.LOCATION,
            [
                f"Keys will live in {draft.location.regions_label()}. The location is final "
                "once provisioned: data can never be moved to another location."
            ],
            Severity.NOTE,
        )

    if not draft.products:
        add(Field.PRODUCTS, ["Choose at least one product."])
    elif with_notes:
        findings.extend(_product_notes(draft.products))

    # The fields' own rules, as declared (byok_desktop.request_fields), in field order.
    for spec in FIELDS:
        if spec.check is not None:
            add(spec.field, spec.check(getattr(draft, spec.name)))
    add(Field.CUSTOMER_ROLE_ARN, role_account_problems(draft))
    findings.sort(key=lambda finding: _FIELD_ORDER[finding.field])
    return Validation(tuple(findings), tier)


def validate_as_typed(
    draft: RequestDraft, tiers: TierTable, site_claims: Sequence[SiteClaim] | None
) -> Validation:
    """The editor's check on every keystroke: pure, never waits on storage.

    ``site_claims`` None means the site's records are not known yet (they are read in
    the background): the site rule then says nothing rather than guess, and every other
    rule applies at once.
    """
    return validate(draft, tiers, site_claims if site_claims is not None else ())


def _product_notes(products: frozenset[Product]) -> list[Finding]:
    notes: list[Finding] = []
    if ProductFamily.JIRA in families_of(products):
        notes.append(
            Finding(
                Field.PRODUCTS,
                Severity.NOTE,
                "BYOK for Jira covers the whole Jira family on this site: "
                + ", ".join(JIRA_FAMILY_COVERED)
                + ". Revoking its keys suspends all of them.",
            )
        )
    if Product.JIRA_SERVICE_MANAGEMENT in products:
        notes.append(
            Finding(
                Field.PRODUCTS,
                Severity.NOTE,
                "Jira Service Management BYOK is early access only: the customer must be "
                "accepted into the early access program.",
            )
        )
    return notes


def _site_rule_findings(
    site: str, draft: RequestDraft, claims: Sequence[SiteClaim], with_notes: bool
) -> list[Finding]:
    """A site is new, or BYOK-enabled already; then the request adds products it does not
    have yet (the other family, or another product of a family already BYOK there, which
    the family's key covers), in the site's pinned location."""
    findings: list[Finding] = []
    pending = [c for c in claims if c.kind == "request"]
    enabled = [c for c in claims if c.kind == "product"]
    for claim in pending:
        findings.append(
            Finding(
                Field.SITE_NAME,
                Severity.PROBLEM,
                f"'{site}' is already named by {claim.label}. Add the products to that "
                "request, or choose a new site name.",
            )
        )
    enabled_families = {c.family for c in enabled if c.family is not None}
    enabled_products = {c.product for c in enabled if c.product is not None}
    # A claim that names no product (an older caller) stands for its whole family.
    whole_families = {c.family for c in enabled if c.family is not None and c.product is None}
    for product in sorted_products(draft.products):
        if product in enabled_products or product.family in whole_families:
            findings.append(
                Finding(
                    Field.PRODUCTS,
                    Severity.PROBLEM,
                    f"'{site}' already has BYOK for {product.display_name}; remove it from "
                    "this request (a BYOK product stays BYOK), or choose a new site.",
                )
            )
    pinned = {c.location for c in enabled if c.location is not None}
    if pinned:
        location = next(iter(sorted(pinned, key=lambda loc: loc.value)))
        if draft.location is not None and draft.location not in pinned:
            findings.append(
                Finding(
                    Field.LOCATION,
                    Severity.PROBLEM,
                    f"'{site}' is pinned to {location.display_name} ({location.regions_label()}) "
                    "and data can never move between locations; choose "
                    f"{location.display_name}.",
                )
            )
        if with_notes:
            findings.extend(
                _additions_notes(site, draft, enabled_families, enabled_products, location)
            )
    return findings


def _additions_notes(
    site: str,
    draft: RequestDraft,
    enabled_families: set[ProductFamily],
    enabled_products: set[Product],
    location: Location,
) -> list[Finding]:
    notes: list[Finding] = []
    new_families = draft.families - enabled_families
    if new_families and enabled_families:
        families = ", ".join(sorted(f.in_sentence for f in enabled_families))
        notes.append(
            Finding(
                Field.SITE_NAME,
                Severity.NOTE,
                f"'{site}' already has BYOK for {families}; this request adds the other "
                f"product family in {location.display_name}.",
            )
        )
    for family in sorted(draft.families & enabled_families, key=lambda f: f.value):
        added = [p for p in draft.products if p.family is family and p not in enabled_products]
        if not added:
            continue
        have = [p for p in enabled_products if p.family is family]
        notes.append(
            Finding(
                Field.PRODUCTS,
                Severity.NOTE,
                f"'{site}' already has BYOK for {family.in_sentence} "
                f"({describe_products(have)}): {describe_products(added)} "
                f"{'is' if len(added) == 1 else 'are'} added under the family's existing key in "
                f"{location.display_name}. No new key is made; provisioning checks that key "
                "in both regions.",
            )
        )
    return notes


def _distinct(chars: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(chars))


def _quote_chars(chars: list[str]) -> str:
    shown = [
        repr(ch) if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
        for ch in chars[:8]
    ]
    more = f" and {len(chars) - 8} more" if len(chars) > 8 else ""
    return ", ".join(shown) + more


def describe_products(products: Iterable[Product]) -> str:
    return ", ".join(p.display_name for p in sorted_products(products))
