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
    ("products", "problems"),
    [
        (
            {Product.JIRA_SOFTWARE},
            [
                "'acme' already has BYOK for Jira Software; remove it from this request (a "
                "BYOK product stays BYOK), or choose a new site."
            ],
        ),
        (
            {Product.CONFLUENCE, Product.JIRA_SOFTWARE},
            [
                "'acme' already has BYOK for Jira Software; remove it from this request (a "
                "BYOK product stays BYOK), or choose a new site."
            ],
        ),
        ({Product.JIRA_SERVICE_MANAGEMENT}, []),  # same family, new product: added
        ({Product.JIRA_SERVICE_MANAGEMENT, Product.CONFLUENCE}, []),
        ({Product.CONFLUENCE}, []),  # the other family, as before
    ],
)
def test_a_product_already_byok_is_a_problem_and_a_new_one_of_its_family_is_not(
    store: RequestStore, jira_enabled_site: int, products: set[Product], problems: list[str]
) -> None:
    new = store.create(ready_draft(products=frozenset(products)))
    result = store.validate(new.draft, new.id)
    assert result.problems(Field.PRODUCTS) == problems
    assert result.problems() == problems
    assert new.status is (RequestStatus.DRAFT if problems else RequestStatus.READY)


def test_a_same_family_addition_says_no_new_key_is_made(
    store: RequestStore, jira_enabled_site: int
) -> None:
    new = store.create(ready_draft(products=frozenset({Product.JIRA_SERVICE_MANAGEMENT})))
    result = store.validate(new.draft, new.id)
    assert new.status is RequestStatus.READY
    assert (
        "'acme' already has BYOK for the Jira family (Jira Software): Jira Service Management "
        "is added under the family's existing key in European Union. No new key is made; "
        "provisioning checks that key in both regions."
    ) in result.notes(Field.PRODUCTS)
    assert result.notes(Field.SITE_NAME) == []  # no other family is added


def test_a_same_family_addition_in_another_location_is_refused(
    store: RequestStore, jira_enabled_site: int
) -> None:
    new = store.create(
        ready_draft(products=frozenset({Product.JIRA_SERVICE_MANAGEMENT}), location=Location.USA)
    )
    assert new.status is RequestStatus.DRAFT
    result = store.validate(new.draft, new.id)
    assert result.fields_with_problems() == [Field.LOCATION]
    (problem,) = result.problems(Field.LOCATION)
    assert problem.startswith("'acme' is pinned to European Union")


def test_the_reverse_jira_software_where_jsm_is_byok_is_valid(store: RequestStore) -> None:
    provisioned = store.create(ready_draft(products=frozenset({Product.JIRA_SERVICE_MANAGEMENT})))
    store.record_product("acme", Product.JIRA_SERVICE_MANAGEMENT, Location.EU, provisioned.id)
    new = store.create(ready_draft(products=frozenset({Product.JIRA_SOFTWARE})))
    assert new.status is RequestStatus.READY


@pytest.mark.parametrize(
    ("claimed", "asked", "problem_count"),
    [
        (Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT, 0),
        (Product.JIRA_SERVICE_MANAGEMENT, Product.JIRA_SOFTWARE, 0),
        (Product.JIRA_SOFTWARE, Product.JIRA_SOFTWARE, 1),
        (Product.CONFLUENCE, Product.CONFLUENCE, 1),
        (Product.CONFLUENCE, Product.JIRA_SOFTWARE, 0),
        (None, Product.JIRA_SERVICE_MANAGEMENT, 1),  # a claim naming only its family
    ],
)
def test_site_rule_table(
    tiers: TierTable, claimed: Product | None, asked: Product, problem_count: int
) -> None:
    family = (claimed or Product.JIRA_SOFTWARE).family
    claim = SiteClaim("product", family, Location.EU, "BYOK product", claimed)
    result = validate(ready_draft(products=frozenset({asked})), tiers, [claim])
    assert len(result.problems(Field.PRODUCTS)) == problem_count
    assert result.problems() == result.problems(Field.PRODUCTS)


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
