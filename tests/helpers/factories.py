"""Builders for test data."""

from __future__ import annotations

from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft


def ready_draft(**changes: object) -> RequestDraft:
    """A request that passes every rule; tests change one thing at a time."""
    draft = RequestDraft(
        aws_account_id="012345678901",
        site_name="acme",
        desired_users="1500",
        location=Location.EU,
        products=frozenset({Product.JIRA_SOFTWARE}),
        customer_org="Acme Corp",
        requester_name="Ada Admin",
        requester_email="ada@acme.example",
        requester_is_org_admin=True,
        notes="",
    )
    return draft.with_changes(**changes) if changes else draft
