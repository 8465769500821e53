"""Every request rule, field by field, with the message the user sees."""

from __future__ import annotations

import re

import pytest

from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import Field, RequestDraft, RequestStatus
from byok_desktop.tiers import TierTable
from byok_desktop.validation import (
    GUIDE_EXAMPLE_ACCOUNT_ID,
    NOTES_MAX,
    PROVIDER_ACCOUNT_ID,
    Severity,
    account_id_problems,
    describe_products,
    email_problems,
    normalise_account_id,
    normalise_site_name,
    normalise_users,
    normalised,
    parse_users,
    site_name_problems,
    users_problems,
    validate,
)
from tests.helpers.factories import ready_draft

# --- the whole request ---------------------------------------------------------------


def test_ready_draft_passes_every_rule(tiers: TierTable) -> None:
    result = validate(ready_draft(), tiers)
    assert result.problems() == []
    assert result.fields_with_problems() == []
    assert result.problem_count == 0
    assert result.status is RequestStatus.READY
    assert result.tier is not None
    assert result.tier.name == "1,001 - 2,000"


def test_empty_request_reports_a_problem_for_every_required_field(tiers: TierTable) -> None:
    result = validate(RequestDraft(), tiers)
    assert result.status is RequestStatus.DRAFT
    optional = (Field.NOTES, Field.CUSTOMER_ROLE_ARN)
    assert result.fields_with_problems() == [f for f in Field if f not in optional]
    assert result.problem_count == len(result.problems()) == 9
    assert result.tier is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"aws_account_id": "123"}, Field.AWS_ACCOUNT_ID),
        ({"site_name": "bad_site"}, Field.SITE_NAME),
        ({"desired_users": "0"}, Field.DESIRED_USERS),
        ({"location": None}, Field.LOCATION),
        ({"products": frozenset()}, Field.PRODUCTS),
        ({"customer_org": " "}, Field.CUSTOMER_ORG),
        ({"requester_name": ""}, Field.REQUESTER_NAME),
        ({"requester_email": "ada"}, Field.REQUESTER_EMAIL),
        ({"requester_is_org_admin": False}, Field.REQUESTER_IS_ORG_ADMIN),
        ({"notes": "x" * (NOTES_MAX + 1)}, Field.NOTES),
    ],
)
def test_one_broken_field_makes_a_draft_with_the_problem_on_that_field(
    tiers: TierTable, change: dict[str, object], field: Field
) -> None:
    result = validate(ready_draft(**change), tiers)
    assert result.status is RequestStatus.DRAFT
    assert result.fields_with_problems() == [field]
    assert result.problems(field) == result.problems()
    assert result.problem_count == 1
    assert all(isinstance(m, str) and m.strip() for m in result.problems())


def test_notes_never_block_a_request(tiers: TierTable) -> None:
    draft = ready_draft(
        products=frozenset({Product.JIRA_SERVICE_MANAGEMENT}), notes="line one\nline two"
    )
    result = validate(draft, tiers)
    assert result.notes(), "JSM and the location produce notes"
    assert all(f.severity is Severity.NOTE for f in result.findings)
    assert result.status is RequestStatus.READY


# --- AWS account ID --------------------------------------------------------------------


def test_account_id_keeps_leading_zeros_as_text() -> None:
    assert account_id_problems("000000000042") == []
    assert normalise_account_id("000000000042") == "000000000042"
    assert normalised(ready_draft(aws_account_id="000000000042")).aws_account_id == "000000000042"


@pytest.mark.parametrize(
    "typed",
    [
        "1234-5678-9012",
        "1234 5678 9012",
        " 123456789012 ",
        "1234\u20135678\u20139012",  # en dashes from a word processor
        "1234.5678.9012",
        "1234\u00a05678\u00a09012",  # no-break spaces
    ],
)
def test_account_id_separators_are_dropped(typed: str) -> None:
    assert normalise_account_id(typed) == "123456789012"
    assert account_id_problems(typed) == []
    assert normalised(ready_draft(aws_account_id=typed)).aws_account_id == "123456789012"


@pytest.mark.parametrize(("typed", "count"), [("01234567890", 11), ("0123456789012", 13)])
def test_account_id_with_wrong_digit_count_says_twelve(typed: str, count: int) -> None:
    problems = account_id_problems(typed)
    assert problems == [
        f"AWS account IDs have exactly 12 digits; this has {count}. "
        "Check for a missing or extra digit (leading zeros count)."
    ]
    # A wrong value is kept as typed, never rewritten.
    assert normalised(ready_draft(aws_account_id=typed)).aws_account_id == typed


@pytest.mark.parametrize("typed", [GUIDE_EXAMPLE_ACCOUNT_ID, "2797-6624-415"])
def test_guide_example_account_gets_its_own_message(typed: str) -> None:
    problems = account_id_problems(typed)
    assert len(problems) == 1
    assert "vendor guide's example" in problems[0]
    assert "12 digits" in problems[0]
    assert "this has 11" not in problems[0]


@pytest.mark.parametrize("typed", [PROVIDER_ACCOUNT_ID, "2797 6624 4153"])
def test_provider_account_is_refused_with_the_reason(typed: str) -> None:
    problems = account_id_problems(typed)
    assert len(problems) == 1
    assert "279766244153 is the key provider's own AWS account" in problems[0]
    assert "never a customer's" in problems[0]


def test_letters_are_reported_by_name() -> None:
    problems = account_id_problems("12345678901a")
    assert problems == [
        "AWS account IDs contain only the digits 0-9; remove 'a'.",
        "AWS account IDs have exactly 12 digits; this has 11. "
        "Check for a missing or extra digit (leading zeros count).",
    ]


def test_every_stray_character_is_reported_once() -> None:
    (problem,) = [p for p in account_id_problems("12ab34ba5678901") if "only the digits" in p]
    assert problem == "AWS account IDs contain only the digits 0-9; remove 'a', 'b'."


@pytest.mark.parametrize(
    "typed",
    [
        "\u0661\u0662\u0663",  # Arabic-Indic digits
        "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661",
        "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11",  # fullwidth
        "\u00b9\u00b2\u00b3456789012",  # superscripts
    ],
)
def test_unicode_digits_are_not_digits(typed: str) -> None:
    problems = account_id_problems(typed)
    assert problems
    assert "contain only the digits 0-9" in problems[0]
    assert repr(typed[0]) in problems[0]
    assert normalised(ready_draft(aws_account_id=typed)).aws_account_id == typed


def test_many_stray_characters_are_summarised() -> None:
    (problem,) = account_id_problems("abcdefghijkl")
    assert "'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' and 4 more" in problem


@pytest.mark.parametrize("typed", ["", "   ", " - - "])
def test_missing_account_id_asks_for_it(typed: str) -> None:
    assert account_id_problems(typed) == [
        "Enter the customer's AWS account ID: the 12 digits shown in the AWS console."
    ]


# --- cloud site name -------------------------------------------------------------------


@pytest.mark.parametrize("site", ["acme", "acme-corp", "a1", "7", "a" * 63, "xn--caf-dma"])
def test_valid_site_names(site: str) -> None:
    assert site_name_problems(site) == []
    assert normalise_site_name(site) == site


@pytest.mark.parametrize(
    "typed",
    [
        "https://Acme.atlassian.net/",
        "http://acme.atlassian.net",
        "ACME",
        " acme.atlassian.net ",
        "Acme.Atlassian.Net/",
    ],
)
def test_pasted_urls_and_capitals_normalise_to_the_label(typed: str) -> None:
    assert normalise_site_name(typed) == "acme"
    assert site_name_problems(typed) == []
    assert normalised(ready_draft(site_name=typed)).site_name == "acme"


def test_all_site_name_problems_are_reported_at_once() -> None:
    assert site_name_problems("a_b-") == [
        "Site names use only lowercase letters a-z, digits and hyphens; remove '_'.",
        "A site name cannot end with a hyphen.",
    ]


def test_four_site_name_problems_together() -> None:
    site = "-a_" + "b" * 62 + "-"
    problems = site_name_problems(site)
    assert len(problems) == 4
    assert "remove '_'" in problems[0]
    assert problems[1] == "A site name cannot start with a hyphen."
    assert problems[2] == "A site name cannot end with a hyphen."
    assert problems[3] == f"A site name has at most 63 characters; this has {len(site)}."


def test_lone_hyphen_breaks_both_ends() -> None:
    assert site_name_problems("-") == [
        "A site name cannot start with a hyphen.",
        "A site name cannot end with a hyphen.",
    ]


def test_site_name_longer_than_a_dns_label() -> None:
    assert site_name_problems("a" * 64) == ["A site name has at most 63 characters; this has 64."]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("café", "'é'"), ("acme corp", "U+0020"), ("acme.example", "'.'"), ("acme\tx", "U+0009")],
)
def test_site_name_stray_characters_are_named(typed: str, shown: str) -> None:
    (problem,) = site_name_problems(typed)
    assert problem.startswith("Site names use only lowercase letters a-z, digits and hyphens")
    assert shown in problem


@pytest.mark.parametrize("typed", ["", "   ", "https://", "https://.atlassian.net/"])
def test_missing_site_name_asks_for_it(typed: str) -> None:
    assert site_name_problems(typed) == [
        "Enter the cloud site name (the part before .atlassian.net)."
    ]


def test_invalid_site_name_is_kept_as_typed() -> None:
    assert normalised(ready_draft(site_name="Bad_Name")).site_name == "Bad_Name"


# --- desired number of users ------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1500", "1,500", "1 500", " 1500 ", "1_500", "1'500", "01500"])
def test_users_accept_thousands_separators(typed: str, tiers: TierTable) -> None:
    assert users_problems(typed, tiers) == []
    assert parse_users(typed) == 1500
    assert normalised(ready_draft(desired_users=typed)).desired_users == "1500"


@pytest.mark.parametrize(
    ("typed", "tier"),
    [
        ("1", "Up to 800"),
        ("800", "Up to 800"),
        ("801", "801 - 1,000"),
        ("1,000", "801 - 1,000"),
        ("1,001", "1,001 - 2,000"),
        ("150,001", "More than 150,000"),
        ("10,000,000", "More than 150,000"),
    ],
)
def test_tier_is_derived_from_the_table(typed: str, tier: str, tiers: TierTable) -> None:
    result = validate(ready_draft(desired_users=typed), tiers)
    assert result.status is RequestStatus.READY
    assert result.tier is not None
    assert result.tier.name == tier


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the desired number of users (the user tier is derived from it)."),
        ("0", "The number of users must be at least 1."),
        ("000", "The number of users must be at least 1."),
        ("-5", "The number of users must be positive."),
        ("-1,500", "The number of users must be positive."),
        ("abc", "Enter a whole number of users, such as 1500; 'abc' is not one."),
        ("1.5", "Enter a whole number of users, such as 1500; '1.5' is not one."),
        ("1e3", "Enter a whole number of users, such as 1500; '1e3' is not one."),
        ("10000001", "10,000,000 users is the most this tool accepts; check the number."),
        ("9" * 40, "10,000,000 users is the most this tool accepts; check the number."),
    ],
)
def test_users_problems(typed: str, message: str, tiers: TierTable) -> None:
    assert users_problems(typed, tiers) == [message]
    result = validate(ready_draft(desired_users=typed), tiers)
    assert result.problems(Field.DESIRED_USERS) == [message]
    assert result.status is RequestStatus.DRAFT


@pytest.mark.parametrize(
    "typed", ["\u0661\u0665\u0660\u0660", "\uff11\uff15\uff10\uff10", "\u00b2"]
)
def test_users_in_unicode_digits_are_not_a_number(typed: str, tiers: TierTable) -> None:
    (problem,) = users_problems(typed, tiers)
    assert problem.startswith("Enter a whole number of users")
    assert parse_users(typed) is None
    assert normalised(ready_draft(desired_users=typed)).desired_users == typed


def test_users_above_a_closed_top_tier() -> None:
    table = TierTable.from_json('{"tiers": [{"name": "Small", "max_users": 1000}]}')
    assert users_problems("1000", table) == []
    assert users_problems("1001", table) == [
        "1,001 users is above the largest user tier (1,000); "
        "talk to the pricing team before submitting."
    ]
    assert validate(ready_draft(desired_users="1001"), table).tier is None


def test_normalise_users_drops_only_separators() -> None:
    assert normalise_users(" 1,500 000\u202f1 ") == "15000001"
    assert normalise_users("-1.5") == "-1.5"


# --- location -----------------------------------------------------------------------------


def test_missing_location_is_a_problem(tiers: TierTable) -> None:
    result = validate(ready_draft(location=None), tiers)
    assert result.problems(Field.LOCATION) == [
        "Choose where the product data and keys live: European Union or USA."
    ]


@pytest.mark.parametrize(
    ("location", "regions"),
    [
        (Location.EU, "eu-central-1 (Frankfurt) + eu-west-1 (Dublin)"),
        (Location.USA, "us-east-1 (N. Virginia) + us-west-2 (Oregon)"),
    ],
)
def test_location_note_names_both_regions_and_that_it_is_final(
    location: Location, regions: str, tiers: TierTable
) -> None:
    result = validate(ready_draft(location=location), tiers)
    assert result.problems(Field.LOCATION) == []
    (note,) = result.notes(Field.LOCATION)
    assert regions in note
    assert "can never be moved" in note
    assert location.regions_label() == regions


def test_location_regions_match_the_domain() -> None:
    assert [r.code for r in Location.EU.regions] == ["eu-central-1", "eu-west-1"]
    assert [r.code for r in Location.USA.regions] == ["us-east-1", "us-west-2"]


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("eu", Location.EU),
        ("European Union", Location.EU),
        (" european union ", Location.EU),
        ("USA", Location.USA),
        ("usa", Location.USA),
    ],
)
def test_location_parse(text: str, location: Location) -> None:
    assert Location.parse(text) is location


@pytest.mark.parametrize("text", ["", "mars", "eu-central-1", "US"])
def test_location_parse_refuses_unknown(text: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(text)}$"):
        Location.parse(text)


# --- products -------------------------------------------------------------------------------

JIRA_FAMILY_NOTE = (
    "BYOK for Jira covers the whole Jira family on this site: Jira Software, "
    "Jira Work Management, Jira Service Management. Revoking its keys suspends all of them."
)
EARLY_ACCESS_NOTE = (
    "Jira Service Management BYOK is early access only: the customer must be "
    "accepted into the early access program."
)


def test_no_products_is_a_problem(tiers: TierTable) -> None:
    result = validate(ready_draft(products=frozenset()), tiers)
    assert result.problems(Field.PRODUCTS) == ["Choose at least one product."]
    assert result.notes(Field.PRODUCTS) == []


@pytest.mark.parametrize(
    ("products", "notes"),
    [
        ({Product.CONFLUENCE}, []),
        ({Product.JIRA_SOFTWARE}, [JIRA_FAMILY_NOTE]),
        ({Product.JIRA_SERVICE_MANAGEMENT}, [JIRA_FAMILY_NOTE, EARLY_ACCESS_NOTE]),
        (
            {Product.JIRA_SOFTWARE, Product.CONFLUENCE, Product.JIRA_SERVICE_MANAGEMENT},
            [JIRA_FAMILY_NOTE, EARLY_ACCESS_NOTE],
        ),
    ],
)
def test_product_notes(products: set[Product], notes: list[str], tiers: TierTable) -> None:
    result = validate(ready_draft(products=frozenset(products)), tiers)
    assert result.problems(Field.PRODUCTS) == []
    assert result.notes(Field.PRODUCTS) == notes
    assert result.status is RequestStatus.READY


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("jira-software", Product.JIRA_SOFTWARE),
        ("Jira Software", Product.JIRA_SOFTWARE),
        (" confluence ", Product.CONFLUENCE),
        ("JIRA SERVICE MANAGEMENT", Product.JIRA_SERVICE_MANAGEMENT),
    ],
)
def test_product_parse(text: str, product: Product) -> None:
    assert Product.parse(text) is product


def test_product_parse_refuses_unknown() -> None:
    with pytest.raises(ValueError, match="jira"):
        Product.parse("jira")


def test_describe_products_uses_display_order() -> None:
    products = {Product.JIRA_SERVICE_MANAGEMENT, Product.CONFLUENCE, Product.JIRA_SOFTWARE}
    assert describe_products(products) == "Jira Software, Confluence, Jira Service Management"


# --- requester, customer, notes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"requester_name": ""}, Field.REQUESTER_NAME, "Enter the requester's name."),
        ({"requester_name": "   "}, Field.REQUESTER_NAME, "Enter the requester's name."),
        (
            {"requester_name": "Ada\nAdmin"},
            Field.REQUESTER_NAME,
            "Remove line breaks and control characters from the requester's name.",
        ),
        (
            {"requester_name": "A" * 201},
            Field.REQUESTER_NAME,
            "The requester's name has at most 200 characters; this has 201.",
        ),
        (
            {"customer_org": ""},
            Field.CUSTOMER_ORG,
            "Enter the customer organization name.",
        ),
        (
            {"customer_org": "Acme\x00Corp"},
            Field.CUSTOMER_ORG,
            "Remove line breaks and control characters from the customer organization name.",
        ),
        (
            {"customer_org": "C" * 1500},
            Field.CUSTOMER_ORG,
            "The customer organization name has at most 200 characters; this has 1,500.",
        ),
        ({"requester_email": ""}, Field.REQUESTER_EMAIL, "Enter the requester's email address."),
        (
            {"requester_email": "ada"},
            Field.REQUESTER_EMAIL,
            "Enter an email address like name@example.com.",
        ),
        (
            {"requester_email": "ada@acme"},
            Field.REQUESTER_EMAIL,
            "Enter an email address like name@example.com.",
        ),
        (
            {"requester_email": "ada admin@acme.example"},
            Field.REQUESTER_EMAIL,
            "Enter an email address like name@example.com.",
        ),
        (
            {"requester_email": "a" * 250 + "@x.io"},
            Field.REQUESTER_EMAIL,
            "An email address has at most 254 characters.",
        ),
        (
            {"requester_is_org_admin": False},
            Field.REQUESTER_IS_ORG_ADMIN,
            "Only an organization admin of the customer's organization can request BYOK; "
            "confirm the requester is one.",
        ),
        (
            {"notes": "n" * (NOTES_MAX + 1)},
            Field.NOTES,
            "Notes have at most 20,000 characters; shorten them.",
        ),
    ],
)
def test_people_and_notes_rules(
    change: dict[str, object], field: Field, message: str, tiers: TierTable
) -> None:
    result = validate(ready_draft(**change), tiers)
    assert result.problems(field) == [message]
    assert result.fields_with_problems() == [field]


def test_name_with_control_char_and_too_long_reports_both(tiers: TierTable) -> None:
    result = validate(ready_draft(requester_name="A\t" * 150), tiers)
    assert len(result.problems(Field.REQUESTER_NAME)) == 2


@pytest.mark.parametrize("email", ["ada@acme.example", " ada@acme.io ", "a.b+c@sub.example.org"])
def test_valid_emails(email: str) -> None:
    assert email_problems(email) == []


def test_notes_at_the_limit_with_newlines_are_fine(tiers: TierTable) -> None:
    notes = ("line\n" * (NOTES_MAX // 5))[:NOTES_MAX]
    assert len(notes) == NOTES_MAX
    assert validate(ready_draft(notes=notes), tiers).status is RequestStatus.READY


def test_normalised_strips_people_fields_and_keeps_notes() -> None:
    draft = ready_draft(
        customer_org="  Acme Corp ",
        requester_name=" Ada ",
        requester_email=" ada@acme.example\n",
        notes="  keep my spacing \n",
    )
    result = normalised(draft)
    assert result.customer_org == "Acme Corp"
    assert result.requester_name == "Ada"
    assert result.requester_email == "ada@acme.example"
    assert result.notes == "  keep my spacing \n"
    assert result.uid == draft.uid


# --- the customer's provisioning role --------------------------------------------------


def test_role_arn_is_optional(tiers: TierTable) -> None:
    assert validate(ready_draft(customer_role_arn=""), tiers).status is RequestStatus.READY


def test_role_arn_in_the_requests_account_passes(tiers: TierTable) -> None:
    draft = ready_draft()
    arn = f"arn:aws:iam::{draft.aws_account_id}:role/teams/byok-provisioning"
    assert validate(draft.with_changes(customer_role_arn=arn), tiers).problems() == []


@pytest.mark.parametrize(
    "arn",
    [
        "byok-provisioning",
        "arn:aws:iam::12345678901:role/x",
        "arn:aws:iam::123456789012:user/x",
        "arn:aws:iam::123456789012:role/" + "x" * 65,
        "arn:aws:iam::123456789012:role/has space",
    ],
)
def test_malformed_role_arn_is_a_problem_naming_the_format(tiers: TierTable, arn: str) -> None:
    result = validate(ready_draft(customer_role_arn=arn), tiers)
    assert result.fields_with_problems() == [Field.CUSTOMER_ROLE_ARN]
    assert "arn:aws:iam::012345678901:role/" in result.problems()[0]


def test_role_in_another_account_is_a_problem_naming_both(tiers: TierTable) -> None:
    draft = ready_draft()
    other = "111122223333" if draft.aws_account_id != "111122223333" else "444455556666"
    result = validate(
        draft.with_changes(customer_role_arn=f"arn:aws:iam::{other}:role/byok"), tiers
    )
    assert result.fields_with_problems() == [Field.CUSTOMER_ROLE_ARN]
    message = result.problems()[0]
    assert other in message
    assert draft.aws_account_id in message
