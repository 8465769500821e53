"""The request store on a real SQLite file: versions, search, sort, the database itself."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from byok_desktop.changes import Changes, Kind
from byok_desktop.context import AppContext, open_context
from byok_desktop.errors import StorageBug
from byok_desktop.locations import Location
from byok_desktop.paths import AppPaths
from byok_desktop.products import Product, encode_products
from byok_desktop.request import RequestDraft, RequestStatus
from byok_desktop.request_records import RequestListRow, RequestNotFound, SortKey, VersionConflict
from byok_desktop.store.engine import BUSY_TIMEOUT_MS
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft

# --- create, get, save, delete ------------------------------------------------------------


def test_create_stores_the_normalised_draft(store: RequestStore) -> None:
    before = datetime.now(UTC)
    typed = ready_draft(
        aws_account_id="0123-4567-8901",
        site_name="https://Acme.atlassian.net/",
        desired_users="1,500",
        customer_org="  Acme Corp  ",
    )
    created = store.create(typed)
    assert created.version == 1
    assert created.status is RequestStatus.READY
    assert created.problem_count == 0
    assert created.tier_name == "1,001 - 2,000"
    assert created.created_at.tzinfo is not None
    assert before <= created.created_at == created.updated_at

    got = store.get(created.id)
    assert got == created
    assert got.draft == typed.with_changes(
        aws_account_id="012345678901",
        site_name="acme",
        desired_users="1500",
        customer_org="Acme Corp",
    )


def test_create_without_a_draft_makes_an_empty_draft(store: RequestStore) -> None:
    created = store.create()
    assert created.status is RequestStatus.DRAFT
    assert created.problem_count == 9
    assert created.tier_name == ""
    assert created.draft == RequestDraft(uid=created.draft.uid)


def test_every_field_survives_the_database(store: RequestStore) -> None:
    draft = RequestDraft(
        aws_account_id="000000000042",
        site_name="zoe-42",
        desired_users="150001",
        location=Location.USA,
        products=frozenset(Product),
        customer_org="Zoë Ångström 山田 GmbH",
        requester_name="Renée O'Brien",
        requester_email="renee@example.org",
        requester_is_org_admin=True,
        notes="line one\nline two\n\ttabbed — ✓",
    )
    created = store.create(draft)
    assert store.get(created.id).draft == draft
    assert created.tier_name == "More than 150,000"


def test_save_bumps_the_version_and_keeps_the_change(store: RequestStore) -> None:
    created = store.create(ready_draft())
    first = store.save(created.id, created.draft.with_changes(notes="one"), 1)
    assert first.version == 2
    assert first.updated_at >= created.updated_at
    assert first.created_at == created.created_at
    second = store.save(created.id, first.draft.with_changes(desired_users="700"), 2)
    assert second.version == 3
    assert second.tier_name == "Up to 800"
    got = store.get(created.id)
    assert got.version == 3
    assert got.draft.notes == "one"
    assert got.draft.desired_users == "700"


def test_save_with_a_stale_version_raises_and_changes_nothing(store: RequestStore) -> None:
    created = store.create(ready_draft())
    saved = store.save(created.id, created.draft.with_changes(notes="theirs"), 1)
    with pytest.raises(VersionConflict) as caught:
        store.save(created.id, created.draft.with_changes(notes="mine", site_name="x"), 1)
    assert caught.value.expected == 1
    assert caught.value.actual == 2
    assert caught.value.request_id == created.id
    assert "version 2" in str(caught.value)
    assert store.get(created.id) == saved


def test_save_or_get_of_a_missing_request(store: RequestStore) -> None:
    with pytest.raises(RequestNotFound) as caught:
        store.get(999)
    assert caught.value.request_id == 999
    with pytest.raises(RequestNotFound, match="Request 999 no longer exists"):
        store.save(999, ready_draft(), 1)


def test_save_can_make_a_ready_request_a_draft_and_back(store: RequestStore) -> None:
    created = store.create(ready_draft())
    broken = store.save(created.id, created.draft.with_changes(aws_account_id="1"), 1)
    assert broken.status is RequestStatus.DRAFT
    assert broken.problem_count == 1
    fixed = store.save(created.id, broken.draft.with_changes(aws_account_id="0" * 12), 2)
    assert fixed.status is RequestStatus.READY


def test_delete(store: RequestStore) -> None:
    a = store.create(ready_draft(site_name="a"))
    b = store.create(ready_draft(site_name="b"))
    c = store.create(ready_draft(site_name="c"))
    assert store.count() == 3
    assert store.delete([a.id, c.id, 12345]) == 2
    assert store.count() == 1
    assert store.list_ids() == [b.id]
    with pytest.raises(RequestNotFound):
        store.get(a.id)
    assert store.delete([a.id]) == 0


def test_duplicate_gets_a_new_uid_and_the_same_fields(store: RequestStore) -> None:
    source = store.create(ready_draft(notes="copy me"))
    copy = store.duplicate(source.id)
    assert copy.id != source.id
    assert copy.draft.uid != source.draft.uid
    assert copy.draft == source.draft.with_changes(uid=copy.draft.uid)
    assert copy.version == 1
    # Same site until renamed: both are drafts now.
    assert copy.status is RequestStatus.DRAFT
    assert store.get(source.id).status is RequestStatus.DRAFT
    assert store.ids_by_uid([source.draft.uid, copy.draft.uid, "nope"]) == {
        source.draft.uid: source.id,
        copy.draft.uid: copy.id,
    }


def test_the_bus_hears_every_committed_change(context: AppContext) -> None:
    store = context.database.requests
    calls: list[Changes] = []
    context.database.changes.subscribe(calls.append)
    created = store.create(ready_draft())
    store.save(created.id, created.draft, 1)
    copy = store.duplicate(created.id)
    store.delete([created.id])
    # The copy claims the same site, so saving or deleting one re-checks the other.
    assert [c.requests for c in calls] == [
        {created.id},
        {created.id},
        {copy.id, created.id},
        {created.id, copy.id},
    ]
    assert all(c.kinds == {Kind.REQUESTS} and not c.remote for c in calls)
    with pytest.raises(VersionConflict):
        store.save(copy.id, copy.draft, 99)
    assert len(calls) == 4  # a refused write announces nothing


def test_create_many_is_all_or_nothing(store: RequestStore) -> None:
    store.create(ready_draft(site_name="existing"))
    first = ready_draft(site_name="one")
    clash = ready_draft(site_name="two", uid=first.uid)
    with pytest.raises(StorageBug):
        store.create_many([first, clash])
    assert store.count() == 1
    assert store.ids_by_uid([first.uid]) == {}


def test_create_many_checks_the_site_rule_across_the_batch(store: RequestStore) -> None:
    ids = store.create_many([ready_draft(), ready_draft(), ready_draft(site_name="solo")])
    rows = store.rows(ids)
    assert [rows[i].status for i in ids] == [
        RequestStatus.DRAFT,
        RequestStatus.DRAFT,
        RequestStatus.READY,
    ]


@pytest.mark.parametrize("users", ["\u00b2", "\u0661\u0662\u0663", "\u2463"])
def test_users_in_unicode_digits_are_saved_as_a_draft(store: RequestStore, users: str) -> None:
    """'²' and '١٢٣' are str.isdigit() but not a number of users: saving such a draft must
    keep the text and report the problem, not crash or count 123 users."""
    created = store.create(ready_draft(desired_users=users))
    assert created.status is RequestStatus.DRAFT
    assert created.draft.desired_users == users
    assert created.tier_name == ""
    # No number of users: it sorts after a real number, as empty values do.
    other = store.create(ready_draft(site_name="other", desired_users="500"))
    assert store.list_ids(sort=SortKey.USERS, descending=False) == [other.id, created.id], (
        f"{users!r} is stored as a count of users"
    )


@pytest.mark.parametrize("users", ["9" * 19, "9" * 40, "9" * 5000])
def test_absurd_user_counts_are_saved_as_drafts(store: RequestStore, users: str) -> None:
    """The validator calls these "the most this tool accepts; check the number": saving
    them must give a Draft with that problem, not an OverflowError or ValueError."""
    created = store.create(ready_draft(desired_users=users))
    assert created.status is RequestStatus.DRAFT
    assert created.draft.desired_users == users
    (problem,) = store.validate(created.draft, created.id).problems()
    assert problem.startswith("10,000,000 users is the most this tool accepts")


# --- list, search, sort ----------------------------------------------------------------------


@pytest.fixture
def listed(store: RequestStore) -> dict[str, int]:
    """Four requests with distinct values in every column and one that is empty."""
    made = {
        "alpha": store.create(
            ready_draft(
                site_name="alpha",
                aws_account_id="111111111111",
                customer_org="Alpha Org",
                products=frozenset({Product.CONFLUENCE}),
                location=Location.EU,
                desired_users="900",
                requester_email="ann@alpha.example",
            )
        ),
        "bravo": store.create(
            ready_draft(
                site_name="bravo",
                aws_account_id="0123-4567-8901",
                customer_org="Bravo Org",
                products=frozenset({Product.JIRA_SOFTWARE}),
                location=Location.USA,
                desired_users="1500",
            )
        ),
        "charlie": store.create(
            ready_draft(
                site_name="charlie",
                aws_account_id="333333333333",
                customer_org="Charlie 100% Org",
                products=frozenset({Product.JIRA_SERVICE_MANAGEMENT, Product.CONFLUENCE}),
                location=Location.EU,
                desired_users="10000",
                requester_is_org_admin=False,
            )
        ),
        "empty": store.create(RequestDraft()),
    }
    return {name: stored.id for name, stored in made.items()}


def test_list_ids_defaults_to_most_recently_updated_first(
    store: RequestStore, listed: dict[str, int]
) -> None:
    ids = store.list_ids()
    assert ids == sorted(listed.values(), reverse=True)
    alpha = store.get(listed["alpha"])
    store.save(alpha.id, alpha.draft.with_changes(notes="touched"), alpha.version)
    assert store.list_ids()[0] == alpha.id


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("", {"alpha", "bravo", "charlie", "empty"}),
        ("alp", {"alpha"}),
        ("BRAVO", {"bravo"}),
        ("charlie org", {"charlie"}),
        ("Org", {"alpha", "bravo", "charlie"}),
        ("0123-4567-8901", {"bravo"}),
        ("0123 4567-8901", {"bravo"}),
        ("4567-89", {"bravo"}),
        ("012345678901", {"bravo"}),
        ("ann@alpha", {"alpha"}),
        ("ready", {"alpha", "bravo"}),
        ("draft", {"charlie", "empty"}),
        ("100%", {"charlie"}),
        ("%", {"charlie"}),
        ("_", set()),
        ("alpha bravo", set()),
        ("zzz", set()),
    ],
)
def test_search(store: RequestStore, listed: dict[str, int], search: str, names: set[str]) -> None:
    assert set(store.list_ids(search)) == {listed[n] for n in names}


@pytest.mark.parametrize("search", ["Ångström", "ångström", "ÅNGSTRÖM", "ström", "STRÖM AB"])
def test_search_ignores_case_beyond_ascii(store: RequestStore, search: str) -> None:
    """Customer names are international; SQLite's lower() folds only ASCII letters, so
    searching must not depend on it for the rest."""
    created = store.create(ready_draft(customer_org="Ångström AB"))
    store.create(ready_draft(site_name="other", customer_org="Other AB"))
    assert store.list_ids(search) == [created.id]


def _sort_value(key: SortKey, row: RequestListRow) -> Any:
    values: dict[SortKey, Any] = {
        SortKey.STATUS: row.status.value,
        SortKey.SITE: row.site_name or None,
        SortKey.ACCOUNT: row.aws_account_id or None,
        SortKey.CUSTOMER: row.customer_org or None,
        SortKey.PRODUCTS: encode_products(row.products) or None,
        SortKey.LOCATION: row.location.value if row.location else None,
        SortKey.USERS: int(row.desired_users) if row.desired_users else None,
        SortKey.UPDATED: row.updated_at,
    }
    return values[key]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", list(SortKey), ids=lambda k: k.value)
def test_sort_by_every_key_with_empty_values_last(
    store: RequestStore, listed: dict[str, int], key: SortKey, descending: bool
) -> None:
    rows = store.rows(list(listed.values()))
    filled = [r for r in rows.values() if _sort_value(key, r) is not None]
    empty = [r for r in rows.values() if _sort_value(key, r) is None]
    expected = [
        r.id for r in sorted(filled, key=lambda r: (_sort_value(key, r), r.id), reverse=descending)
    ] + sorted((r.id for r in empty), reverse=descending)
    assert store.list_ids(sort=key, descending=descending) == expected
    if key not in (SortKey.STATUS, SortKey.UPDATED):
        assert expected[-1] == listed["empty"]


@pytest.mark.parametrize(
    ("key", "order"),
    [
        (SortKey.USERS, ["alpha", "bravo", "charlie", "empty"]),  # numbers, not text
        (SortKey.SITE, ["alpha", "bravo", "charlie", "empty"]),
        (SortKey.ACCOUNT, ["bravo", "alpha", "charlie", "empty"]),
        (SortKey.PRODUCTS, ["alpha", "charlie", "bravo", "empty"]),
        (SortKey.LOCATION, ["alpha", "charlie", "bravo", "empty"]),
        (SortKey.STATUS, ["charlie", "empty", "alpha", "bravo"]),
    ],
)
def test_sort_orders_spelled_out(
    store: RequestStore, listed: dict[str, int], key: SortKey, order: list[str]
) -> None:
    assert store.list_ids(sort=key, descending=False) == [listed[n] for n in order]
    reverse = store.list_ids(sort=key, descending=True)
    if key is SortKey.STATUS:
        assert reverse == [listed[n] for n in ["bravo", "alpha", "empty", "charlie"]]
    else:
        assert reverse == [listed[n] for n in [*reversed(order[:-1]), "empty"]]


def test_search_and_sort_combine(store: RequestStore, listed: dict[str, int]) -> None:
    assert store.list_ids("org", sort=SortKey.USERS, descending=True) == [
        listed["charlie"],
        listed["bravo"],
        listed["alpha"],
    ]


def test_rows(store: RequestStore, listed: dict[str, int]) -> None:
    rows = store.rows([listed["bravo"], listed["empty"], 4242])
    assert set(rows) == {listed["bravo"], listed["empty"]}
    bravo = rows[listed["bravo"]]
    assert bravo.id == listed["bravo"]
    assert bravo.status is RequestStatus.READY
    assert bravo.problem_count == 0
    assert bravo.site_name == "bravo"
    assert bravo.aws_account_id == "012345678901"
    assert bravo.customer_org == "Bravo Org"
    assert bravo.products == frozenset({Product.JIRA_SOFTWARE})
    assert bravo.location is Location.USA
    assert bravo.desired_users == "1500"
    assert bravo.tier_name == "1,001 - 2,000"
    assert bravo.updated_at.tzinfo is not None
    empty = rows[listed["empty"]]
    assert empty.status is RequestStatus.DRAFT
    assert empty.problem_count == 9
    assert empty.location is None
    assert empty.products == frozenset()
    assert store.rows([]) == {}


# --- the database file --------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])  # the file is SQLite's
def test_database_is_a_real_sqlite_file_in_wal_mode(
    context: AppContext, store: RequestStore
) -> None:
    store.create(ready_draft())
    path = context.database.path
    assert path is not None
    assert path == context.paths.database
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT site_name FROM requests").fetchall() == [("acme",)]
    finally:
        conn.close()


@pytest.mark.parametrize("backend", ["sqlite"])  # PRAGMAs are SQLite's
def test_engine_connections_enforce_foreign_keys(context: AppContext) -> None:
    with context.database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS


def test_a_product_must_belong_to_an_existing_request(store: RequestStore) -> None:
    with pytest.raises(StorageBug, match=r"(?i)foreign key"):
        store.record_product("acme", Product.CONFLUENCE, Location.EU, 9999)


def test_data_survives_reopening(paths: AppPaths) -> None:
    first = open_context(paths)
    try:
        created = first.database.requests.create(ready_draft(aws_account_id="000000000007"))
    finally:
        first.close()
    second = open_context(paths)
    try:
        assert second.database.backup is None
        assert second.database.requests.get(created.id) == created
        assert not paths.backups.exists() or not any(paths.backups.iterdir())
    finally:
        second.close()


def test_store_methods_work_from_another_thread(store: RequestStore) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def work(make: Callable[[], int]) -> None:
        try:
            results.append(make())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=work, args=(lambda: store.create(ready_draft()).id,))
    thread.start()
    thread.join(timeout=30)
    assert errors == []
    assert store.get(results[0]).status is RequestStatus.READY
