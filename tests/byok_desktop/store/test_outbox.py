"""The outbox: drafts kept on the workstation reach the database once, whatever the link
does. Against a SQLite file and a real PostgreSQL (tests/byok_desktop/store/conftest.py), and through
the latency proxy stalled and resumed (a VPN dropping packets)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from benchmarks.latency_proxy import LatencyProxy
from byok_desktop.changes import Changes
from byok_desktop.context import AppContext
from byok_desktop.errors import DatabaseUnreachable
from byok_desktop.outbox import Outbox, decode_draft, encode_draft
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft
from byok_desktop.store.database import Database, open_server_database
from byok_desktop.store.engine import ServerTimeouts
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import builtin_tier_table
from tests.helpers.factories import ready_draft
from tests.helpers.postgres import PostgresServer


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite3", "team database")


@pytest.fixture
def store(context: AppContext) -> RequestStore:
    return context.database.requests


class LostAnswers:
    """A store whose chosen calls commit and then fail, as a link lost before the
    answer came back does."""

    def __init__(self, store: RequestStore) -> None:
        self._store = store
        self.lose: set[str] = set()
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            result = real(*args, **kwargs)
            if name in self.lose:
                self.lose.discard(name)
                raise DatabaseUnreachable(
                    "the database server cannot be reached or closed the connection",
                    "Check the network connection (and VPN), then try again.",
                    "connection reset",
                )
            return result

        return call


def test_the_draft_round_trips_every_field() -> None:
    draft = ready_draft(
        products=frozenset({Product.CONFLUENCE, Product.JIRA_SOFTWARE}),
        notes="line\nbreak — ünïcode",
        desired_users=" 1,500 ",
    )
    assert decode_draft(encode_draft(draft)) == draft
    assert decode_draft(encode_draft(RequestDraft())).location is None


def test_kept_drafts_are_pushed_once_and_forgotten(outbox: Outbox, store: RequestStore) -> None:
    stored = store.create(ready_draft(site_name="acme"))
    outbox.keep(stored.draft.with_changes(notes="edited offline"), stored.id, stored.version)
    new = outbox.keep(ready_draft(site_name="drafted-offline"), None, None)
    assert outbox.count() == 2
    assert [k.uid for k in outbox.pending()] == [stored.draft.uid, new.uid]

    report = outbox.push(store)

    assert report.error is None
    assert report.remaining == 0
    assert {landed.uid for landed in report.landed} == {stored.draft.uid, new.uid}
    assert all(landed.done for landed in report.landed)
    assert store.get(stored.id).draft.notes == "edited offline"
    assert store.get(stored.id).version == stored.version + 1
    ids = store.ids_by_uid([new.uid])
    assert store.get(ids[new.uid]).draft.site_name == "drafted-offline"
    assert store.count() == 2
    assert outbox.pending() == []
    assert outbox.push(store).landed == []  # nothing left: nothing written again
    assert store.count() == 2


def test_a_push_is_announced_on_the_change_bus(
    outbox: Outbox, store: RequestStore, context: AppContext
) -> None:
    heard: list[Changes] = []
    context.database.changes.subscribe(heard.append)
    outbox.keep(ready_draft(), None, None)
    (landed,) = outbox.push(store).landed
    assert any(change.touches_request(landed.stored.id) for change in heard)


def test_a_lost_answer_to_a_create_never_creates_twice(outbox: Outbox, store: RequestStore) -> None:
    kept = outbox.keep(ready_draft(site_name="once"), None, None)
    lossy = LostAnswers(store)
    lossy.lose.add("create")

    first = outbox.push(cast(RequestStore, lossy))
    assert isinstance(first.error, DatabaseUnreachable)
    assert first.remaining == 1
    assert store.count() == 1  # the server committed; the app never heard

    second = outbox.push(cast(RequestStore, lossy))
    assert second.error is None
    assert store.count() == 1
    assert lossy.calls.count("create") == 1
    (landed,) = second.landed
    assert landed.uid == kept.uid
    assert landed.stored.draft.site_name == "once"
    assert outbox.count() == 0


def test_a_lost_answer_to_a_save_is_not_taken_for_a_conflict(
    outbox: Outbox, store: RequestStore
) -> None:
    stored = store.create(ready_draft())
    outbox.keep(stored.draft.with_changes(notes="saved once"), stored.id, stored.version)
    lossy = LostAnswers(store)
    lossy.lose.add("save")
    assert outbox.push(cast(RequestStore, lossy)).error is not None

    report = outbox.push(cast(RequestStore, lossy))

    assert report.error is None
    assert report.copied == []
    assert store.count() == 1
    assert store.get(stored.id).version == stored.version + 1
    assert store.get(stored.id).draft.notes == "saved once"


def test_a_change_made_elsewhere_keeps_the_kept_edit_as_a_copy(
    outbox: Outbox, store: RequestStore
) -> None:
    stored = store.create(ready_draft(site_name="acme"))
    outbox.keep(stored.draft.with_changes(notes="mine, offline"), stored.id, stored.version)
    theirs = store.save(stored.id, stored.draft.with_changes(notes="theirs"), stored.version)

    report = outbox.push(store)

    assert report.error is None
    (copied,) = report.copied
    assert copied.old_uid == stored.draft.uid
    assert copied.request_id == stored.id
    assert "changed elsewhere" in copied.reason
    (landed,) = report.landed
    assert landed.uid == copied.new_uid
    assert store.get(stored.id).draft.notes == "theirs"  # their change stays
    assert store.get(stored.id).version == theirs.version
    assert landed.stored.draft.notes == "mine, offline"
    assert landed.stored.id != stored.id
    assert store.count() == 2
    assert outbox.count() == 0

    # A keep of the old uid that arrives late goes to the copy, never to theirs.
    late = outbox.keep(stored.draft.with_changes(notes="mine, later"), stored.id, 1)
    assert late.uid == copied.new_uid
    assert late.request_id == landed.stored.id
    outbox.push(store)
    assert store.get(landed.stored.id).draft.notes == "mine, later"
    assert store.get(stored.id).draft.notes == "theirs"
    assert store.count() == 2


@pytest.mark.parametrize("elsewhere", ["submitted", "deleted"])
def test_a_request_locked_or_deleted_elsewhere_keeps_a_copy(
    outbox: Outbox, store: RequestStore, elsewhere: str
) -> None:
    stored = store.create(ready_draft(site_name="acme"))
    outbox.keep(stored.draft.with_changes(notes="mine"), stored.id, stored.version)
    if elsewhere == "submitted":
        store.submit(stored.id, stored.version, [])
    else:
        store.delete([stored.id])

    report = outbox.push(store)

    (copied,) = report.copied
    assert elsewhere in copied.reason
    (landed,) = report.landed
    assert landed.stored.draft.notes == "mine"
    assert landed.stored.draft.uid == copied.new_uid


def test_an_edit_kept_during_a_push_is_pushed_next(outbox: Outbox, store: RequestStore) -> None:
    kept = outbox.keep(ready_draft(site_name="racing", notes="first"), None, None)

    class KeepsMeanwhile(LostAnswers):
        pass

    racing = KeepsMeanwhile(store)
    real_create = store.create

    def create(draft: RequestDraft) -> Any:
        stored = real_create(draft)
        outbox.keep(kept.draft.with_changes(notes="second"), None, None)  # typed meanwhile
        return stored

    racing.create = create  # type: ignore[method-assign]
    report = outbox.push(cast(RequestStore, racing))

    (landed,) = report.landed
    assert not landed.done  # the newer text is still to save
    waiting = outbox.get(kept.uid)
    assert waiting is not None
    assert waiting.request_id == landed.stored.id
    assert waiting.base_version == landed.stored.version

    again = outbox.push(store)
    assert again.copied == []
    assert store.get(landed.stored.id).draft.notes == "second"
    assert store.count() == 1
    assert outbox.count() == 0


def test_drafts_of_another_team_database_are_left_alone(
    tmp_path: Path, store: RequestStore
) -> None:
    ours = Outbox(tmp_path / "outbox.sqlite3", "ours")
    theirs = Outbox(tmp_path / "outbox.sqlite3", "another server")
    theirs.keep(ready_draft(site_name="elsewhere"), None, None)
    assert ours.count() == 0
    assert ours.push(store).landed == []
    assert store.count() == 0
    assert theirs.count() == 1


# --- through a link that stalls ---------------------------------------------------------

TIMEOUTS = ServerTimeouts(connect_s=2.0, statement_s=1.0, link_s=1.0)


@pytest.fixture
def proxy(postgres: PostgresServer) -> Iterator[LatencyProxy]:
    with LatencyProxy(postgres.port, delay_s=0.002) as running:
        yield running


@pytest.fixture
def team(postgres: PostgresServer, proxy: LatencyProxy) -> Iterator[Database]:
    direct = postgres.new_database()
    url = direct.replace(f"127.0.0.1:{postgres.port}/", f"127.0.0.1:{proxy.port}/")
    opened = open_server_database(url, builtin_tier_table(), timeouts=TIMEOUTS)
    yield opened
    opened.close()


def _stalled(proxy: LatencyProxy, call: Callable[[], Any]) -> Any:
    proxy.stall()
    try:
        return call()
    finally:
        proxy.resume()


def test_drafts_kept_while_the_link_is_stalled_reach_the_server_once_it_is_back(
    outbox: Outbox, team: Database, proxy: LatencyProxy
) -> None:
    store = team.requests
    stored = store.create(ready_draft(site_name="acme"))
    # Offline: the save fails within the timeouts; the edit is kept, and so is a new one.
    proxy.stall()
    try:
        with pytest.raises(DatabaseUnreachable):
            store.save(stored.id, stored.draft.with_changes(notes="offline edit"), 1)
    finally:
        proxy.resume()
    outbox.keep(stored.draft.with_changes(notes="offline edit"), stored.id, stored.version)
    new = outbox.keep(ready_draft(site_name="offline-new"), None, None)

    stalled = _stalled(proxy, lambda: outbox.push(store))
    assert isinstance(stalled.error, DatabaseUnreachable)
    assert outbox.count() >= 1

    report = outbox.push(store)
    assert report.error is None
    assert outbox.count() == 0
    assert store.get(stored.id).draft.notes == "offline edit"
    assert store.count() == 2  # the new request once, even if the stalled create got in
    assert new.uid in store.ids_by_uid([new.uid])
    assert outbox.push(store).landed == []
    assert store.count() == 2
