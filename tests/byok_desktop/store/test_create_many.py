"""create_many (the bulk import) stores exactly what creating the requests one by one
stores, on SQLite and PostgreSQL: statuses, problem counts, tiers, site keys, and the
requests already on the batch's sites, checked again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from byok_desktop.changes import Changes
from byok_desktop.context import AppContext, open_context
from byok_desktop.errors import StorageBug
from byok_desktop.locations import Location
from byok_desktop.paths import resolve_paths
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft, RequestStatus
from byok_desktop.store import site_claims
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.postgres import PostgresServer

JIRA = frozenset({Product.JIRA_SOFTWARE})
CONFLUENCE = frozenset({Product.CONFLUENCE})

# Every stored column but the id and the times.
_COLUMNS = (
    "uid, version, status, problem_count, aws_account_id, site_name, site_key, "
    "desired_users, users_count, tier_name, location, products, customer_org, "
    "requester_name, requester_email, requester_is_org_admin, notes"
)


@pytest.fixture
def twin(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[AppContext]:
    """A second, empty database on the same backend as ``context``."""
    url = None
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    data = tmp_path / "twin"
    data.mkdir()
    ctx = open_context(resolve_paths(data), database_url=url, keyring_backend=MemoryKeyring())
    yield ctx
    ctx.close()


def _existing(store: RequestStore) -> None:
    """What the database holds before the import (the same uids in both databases)."""

    def create(uid: str, **changes: object) -> int:
        return store.create(ready_draft(uid=f"existing-{uid}", **changes)).id

    create("shared", site_name="shared", customer_org="Earlier Corp")
    store.record_product("byok", Product.JIRA_SOFTWARE, Location.EU, None)
    store.record_product("byok-jira", Product.JIRA_SOFTWARE, Location.EU, None)
    store.record_product("byok-usa", Product.CONFLUENCE, Location.USA, None)
    create("byok-usa", site_name="byok-usa", products=JIRA, location=Location.USA)
    locked = create("locked", site_name="locked", products=JIRA)
    store.submit(locked, 1, [])  # locked; its products now claim the site
    create("locked-rival", site_name="locked", products=JIRA)  # a Draft: the same family
    create("untouched-1", site_name="untouched")
    create("untouched-2", site_name="untouched")


def _batch() -> list[RequestDraft]:
    return [
        ready_draft(site_name="https://Shared.atlassian.net/", customer_org="  Later Corp "),
        ready_draft(site_name="twice"),
        ready_draft(site_name="TWICE", aws_account_id="0123-4567-8901", desired_users="1,500"),
        ready_draft(site_name="byok", products=CONFLUENCE),  # the other family: Ready
        ready_draft(site_name="byok-jira", products=JIRA | CONFLUENCE),  # Jira again
        ready_draft(site_name="byok-usa", products=JIRA),  # pinned to the USA; a rival
        ready_draft(site_name="byok-usa", products=JIRA, location=Location.USA),
        ready_draft(site_name="locked", products=CONFLUENCE),
        ready_draft(site_name="bad_site"),
        ready_draft(site_name="bad_site"),  # invalid names make no claim on each other
        ready_draft(site_name="solo", desired_users="lots"),
        ready_draft(site_name="huge", desired_users="9" * 19),
        ready_draft(site_name="alone", products=frozenset(Product)),
        RequestDraft(),
        RequestDraft(),
    ]


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text(f"SELECT {_COLUMNS} FROM requests ORDER BY uid"))
        ]


def _ids_to_uids(engine: Engine, ids: list[int]) -> list[str]:
    with engine.connect() as conn:
        found = {rid: uid for rid, uid in conn.execute(text("SELECT id, uid FROM requests"))}
    return [found[i] for i in ids]


@pytest.mark.parametrize("chunk", [site_claims.CHUNK, 2])  # 2: sites read in many queries
def test_create_many_stores_what_creating_one_by_one_stores(
    context: AppContext, twin: AppContext, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_claims, "CHUNK", chunk)
    bulk, single = context.database.requests, twin.database.requests
    _existing(bulk)
    _existing(single)
    drafts = _batch()
    calls: list[Changes] = []
    context.database.changes.subscribe(calls.append)

    ids = bulk.create_many(drafts)
    for draft in drafts:
        single.create(draft)

    assert calls == [Changes.of_requests()]  # one announcement: reload every request
    assert _ids_to_uids(context.database.engine, ids) == [d.uid for d in drafts]
    assert _rows(context.database.engine) == _rows(twin.database.engine)
    # The mix gives the comparison something to compare.
    stored = [bulk.get(i) for i in ids]
    ready = {s.draft.site_name for s in stored if s.status is RequestStatus.READY}
    assert ready == {"byok", "alone"}
    assert [s.tier_name for s in stored if s.draft.site_name == "huge"] == [""]
    statuses = [r[2] for r in _rows(context.database.engine)]
    assert statuses.count(RequestStatus.SUBMITTED.value) == 1


def test_create_many_revalidates_the_requests_already_on_its_sites(store: RequestStore) -> None:
    earlier = store.create(ready_draft(site_name="acme"))
    untouched = store.create(ready_draft(site_name="globex"))
    store.create_many([ready_draft(site_name="ACME")])
    assert store.get(earlier.id).status is RequestStatus.DRAFT
    assert store.get(earlier.id).problem_count == 1
    assert store.get(untouched.id).status is RequestStatus.READY


def test_create_many_leaves_submitted_requests_as_they_were(store: RequestStore) -> None:
    submitted = store.create(ready_draft(site_name="acme"))
    store.submit(submitted.id, submitted.version, [])
    [rival] = store.create_many([ready_draft(site_name="acme")])
    assert store.get(submitted.id).status is RequestStatus.SUBMITTED
    assert store.get(rival).status is RequestStatus.DRAFT  # same family as its products


def test_a_failing_create_many_changes_nothing_and_tells_no_one(context: AppContext) -> None:
    store = context.database.requests
    earlier = store.create(ready_draft(site_name="acme"))
    calls: list[Changes] = []
    context.database.changes.subscribe(calls.append)
    first = ready_draft(site_name="acme")
    with pytest.raises(StorageBug):
        store.create_many([first, ready_draft(site_name="other", uid=first.uid)])
    assert store.count() == 1
    assert store.get(earlier.id).status is RequestStatus.READY
    assert calls == []


@pytest.fixture
def ids_to_uids(context: AppContext) -> Callable[[list[int]], list[str]]:
    return lambda ids: _ids_to_uids(context.database.engine, ids)


@pytest.mark.parametrize("size", [0, 1, 2_345])  # more than an INSERT batch and a chunk
def test_create_many_returns_ids_in_the_order_of_the_drafts(
    store: RequestStore, size: int, ids_to_uids: Callable[[list[int]], list[str]]
) -> None:
    drafts = [ready_draft(site_name=f"site-{i}") for i in range(size)]
    ids = store.create_many(drafts)
    assert ids_to_uids(ids) == [d.uid for d in drafts]
    assert store.count() == size
