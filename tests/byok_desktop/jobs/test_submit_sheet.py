"""The submit sheet's content: the permanent choices and what is created."""

from __future__ import annotations

from byok_desktop.jobs.submit_sheet import submit_sheet
from byok_desktop.locations import Location
from byok_desktop.products import Product
from tests.helpers.factories import ready_draft


def test_a_confluence_request_in_the_usa_names_its_regions_and_resources() -> None:
    draft = ready_draft(
        site_name="Globex", location=Location.USA, products=frozenset({Product.CONFLUENCE})
    )

    sheet = submit_sheet(7, draft, "my-role", "arn:aws:iam::279766244153:role/P")

    choices = dict(sheet.choices)
    assert choices["Site"] == "globex.atlassian.net"
    assert "us-east-1" in choices["Location"]
    assert "us-west-2" in choices["Location"]
    assert choices["AWS account"] == "012345678901"
    assert "Jira family" not in choices
    assert len(sheet.creates) == 2
    assert "alias/cryptor-globex-confluence" in sheet.creates[0]
    assert "replica in us-west-2" in sheet.creates[0]
    assert "my-role" in sheet.creates[1]
    text = sheet.text()
    assert text.startswith("Provision request #7 for globex?")
    assert "Can never change after this:" in text


def test_a_jira_request_says_the_key_covers_the_whole_family() -> None:
    draft = ready_draft(products=frozenset({Product.JIRA_SERVICE_MANAGEMENT}))

    sheet = submit_sheet(1, draft, "r", "p")

    covered = dict(sheet.choices)["Jira family"]
    assert "Jira Software" in covered
    assert "Jira Work Management" in covered
    assert "Jira Service Management" in covered
