"""The site rule, through the store: a site is new, or BYOK-enabled only for the other
product family, whose location then binds the new request."""

from __future__ import annotations

import pytest

from byok_desktop.locations import Location
from byok_desktop.products import Product, ProductFamily
from byok_desktop.request import Field, RequestStatus
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import TierTable
from byok_desktop.validation import SiteClaim, validate
from tests.helpers.factories import ready_draft


def test_second_request_for_a_site_is_a_draft_naming_the_first(store: RequestStore) -> None:
    first = store.create(ready_draft())
    assert first.status is RequestStatus.READY
    second = store.create(ready_draft(customer_org="Other Org"))
    assert second.status is RequestStatus.DRAFT
    assert second.problem_count == 1

    (problem,) = store.validate(second.draft, second.id).problems(Field.SITE_NAME)
    assert f"request #{first.id} (Acme Corp," in problem
    assert problem.startswith("'acme' is already named by")
    # The first request is re-checked too: it now names the second.
    first_now = store.get(first.id)
    assert first_now.status is RequestStatus.DRAFT
    (problem,) = store.validate(first_now.draft, first.id).problems(Field.SITE_NAME)
    assert f"request #{second.id} (Other Org," in problem


def test_site_conflict_is_found_whatever_way_the_site_is_typed(store: RequestStore) -> None:
    first = store.create(ready_draft())
    second = store.create(ready_draft(site_name="https://ACME.atlassian.net/"))
    assert second.draft.site_name == "acme"
    assert second.status is RequestStatus.DRAFT
    assert store.get(first.id).status is RequestStatus.DRAFT


def test_other_sites_do_not_conflict(store: RequestStore) -> None:
    store.create(ready_draft())
    other = store.create(ready_draft(site_name="acme2"))
    assert other.status is RequestStatus.READY


def test_deleting_one_of_two_conflicting_requests_makes_the_other_ready(
    store: RequestStore,
) -> None:
    first = store.create(ready_draft())
    second = store.create(ready_draft())
    assert store.get(first.id).status is RequestStatus.DRAFT
    assert store.delete([second.id]) == 1
    again = store.get(first.id)
    assert again.status is RequestStatus.READY
    assert again.problem_count == 0
    assert store.rows([first.id])[first.id].status is RequestStatus.READY


def test_renaming_one_of_two_conflicting_requests_makes_both_ready(store: RequestStore) -> None:
    first = store.create(ready_draft())
    second = store.create(ready_draft())
    saved = store.save(second.id, second.draft.with_changes(site_name="globex"), second.version)
    assert saved.status is RequestStatus.READY
    assert store.get(first.id).status is RequestStatus.READY


def test_renaming_into_a_taken_site_makes_both_drafts(store: RequestStore) -> None:
    first = store.create(ready_draft())
    second = store.create(ready_draft(site_name="globex"))
    saved = store.save(second.id, second.draft.with_changes(site_name="Acme"), second.version)
    assert saved.status is RequestStatus.DRAFT
    assert store.get(first.id).status is RequestStatus.DRAFT


@pytest.fixture
def jira_enabled_site(store: RequestStore) -> int:
    """'acme' had a request for Jira Software in the EU, and it was provisioned."""
    provisioned = store.create(ready_draft())
    store.record_product("acme", Product.JIRA_SOFTWARE, Location.EU, provisioned.id)
    return provisioned.id


def test_other_family_in_the_same_location_is_ready(
    store: RequestStore, jira_enabled_site: int
) -> None:
    new = store.create(ready_draft(products=frozenset({Product.CONFLUENCE})))
    assert new.status is RequestStatus.READY
    result = store.validate(new.draft, new.id)
    assert result.problems() == []
    (note,) = result.notes(Field.SITE_NAME)
    assert note == (
        "'acme' already has BYOK for the Jira family; this request adds the other product "
        "family in European Union."
    )


@pytest.mark.parametrize(
    "products",
    [
        {Product.JIRA_SOFTWARE},
        {Product.JIRA_SERVICE_MANAGEMENT},
        {Product.CONFLUENCE, Product.JIRA_SOFTWARE},
    ],
)
def test_same_family_again_is_a_products_problem(
    store: RequestStore, jira_enabled_site: int, products: set[Product]
) -> None:
    new = store.create(ready_draft(products=frozenset(products)))
    assert new.status is RequestStatus.DRAFT
    result = store.validate(new.draft, new.id)
    assert result.fields_with_problems() == [Field.PRODUCTS]
    assert result.problems(Field.PRODUCTS) == [
        "'acme' already has BYOK for the Jira family; choose only Confluence products "
        "for this site, or choose a new site."
    ]


def test_other_location_is_a_location_problem(store: RequestStore, jira_enabled_site: int) -> None:
    new = store.create(ready_draft(products=frozenset({Product.CONFLUENCE}), location=Location.USA))
    assert new.status is RequestStatus.DRAFT
    result = store.validate(new.draft, new.id)
    assert result.fields_with_problems() == [Field.LOCATION]
    (problem,) = result.problems(Field.LOCATION)
    assert "'acme' is pinned to European Union" in problem
    assert "eu-central-1 (Frankfurt) + eu-west-1 (Dublin)" in problem
    assert problem.endswith("choose European Union.")


def test_provisioned_request_is_not_in_conflict_with_its_own_product(
    store: RequestStore, jira_enabled_site: int
) -> None:
    """Recording the product a request provisioned must not turn that very request into
    a Draft complaining that its site "already has BYOK for the Jira family"."""
    provisioned = store.get(jira_enabled_site)
    result = store.validate(provisioned.draft, provisioned.id)
    assert result.problems() == []
    assert provisioned.status is RequestStatus.READY


def test_product_enabled_outside_any_request_binds_too(store: RequestStore) -> None:
    store.record_product("globex", Product.CONFLUENCE, Location.USA, None)
    jira_usa = store.create(ready_draft(site_name="globex", location=Location.USA))
    assert jira_usa.status is RequestStatus.READY
    confluence = store.create(
        ready_draft(
            site_name="globex-two", products=frozenset({Product.CONFLUENCE}), location=Location.EU
        )
    )
    assert confluence.status is RequestStatus.READY
    wrong = store.validate(
        ready_draft(site_name="GLOBEX", products=frozenset({Product.CONFLUENCE})), None
    )
    assert set(wrong.fields_with_problems()) == {Field.SITE_NAME, Field.PRODUCTS, Field.LOCATION}


def test_recording_a_product_revalidates_pending_requests(store: RequestStore) -> None:
    pending = store.create(ready_draft(site_name="initech", location=Location.USA))
    assert pending.status is RequestStatus.READY
    store.record_product("initech", Product.CONFLUENCE, Location.EU, None)
    assert store.get(pending.id).status is RequestStatus.DRAFT


def test_record_product_refuses_an_invalid_site(store: RequestStore) -> None:
    with pytest.raises(ValueError, match="invalid site name 'bad_site'"):
        store.record_product("bad_site", Product.CONFLUENCE, Location.EU, None)


def test_site_rule_ignores_claims_while_the_site_name_is_invalid(tiers: TierTable) -> None:
    claim = SiteClaim("request", None, None, "request #1")
    result = validate(ready_draft(site_name="bad_site"), tiers, [claim])
    assert len(result.problems(Field.SITE_NAME)) == 1
    assert "is already named" not in result.problems(Field.SITE_NAME)[0]


def test_site_claims_pure_rule(tiers: TierTable) -> None:
    claims = [
        SiteClaim("product", ProductFamily.CONFLUENCE, Location.USA, "BYOK product Confluence"),
        SiteClaim("request", None, Location.EU, "request #7 (Globex, Draft)"),
    ]
    result = validate(ready_draft(), tiers, claims)
    assert result.problems(Field.SITE_NAME) == [
        "'acme' is already named by request #7 (Globex, Draft). Add the products to that "
        "request, or choose a new site name."
    ]
    assert result.problems(Field.PRODUCTS) == []
    assert len(result.problems(Field.LOCATION)) == 1
    assert result.status is RequestStatus.DRAFT
