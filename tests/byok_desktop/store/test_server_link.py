"""The team database over a link that fails: a stalled link makes a store call fail within
its timeouts instead of hanging, the pool recovers once the link returns, a refused
connection fails at once, and a connection the server closed is replaced unnoticed.

A real PostgreSQL (tests/byok_desktop/store/conftest.py) behind ``benchmarks.latency_proxy`` on
127.0.0.1; the proxy's stall stops forwarding without closing, as a VPN dropping packets
does."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from benchmarks.latency_proxy import LatencyProxy
from byok_desktop.errors import DatabaseUnreachable
from byok_desktop.request import RequestDraft
from byok_desktop.store.database import Database, open_server_database
from byok_desktop.store.engine import ServerTimeouts
from byok_desktop.tiers import builtin_tier_table
from tests.helpers.postgres import PostgresServer, free_port

# Short timeouts so the tests are quick; psycopg counts a connect timeout under 2 s as 2.
TIMEOUTS = ServerTimeouts(connect_s=2.0, statement_s=1.0, link_s=1.0)
SLACK_S = 1.5  # scheduling, the proxy, the first connection's login


def _through(url: str, server: PostgresServer, port: int) -> str:
    return url.replace(f"127.0.0.1:{server.port}/", f"127.0.0.1:{port}/")


@pytest.fixture
def proxy(postgres: PostgresServer) -> Iterator[LatencyProxy]:
    with LatencyProxy(postgres.port, delay_s=0.002) as running:
        yield running


@pytest.fixture
def database(postgres: PostgresServer, proxy: LatencyProxy) -> Iterator[Database]:
    url = _through(postgres.new_database(), postgres, proxy.port)
    opened = open_server_database(url, builtin_tier_table(), timeouts=TIMEOUTS)
    yield opened
    opened.close()


def _timed_failure(call: object) -> float:
    start = time.monotonic()
    with pytest.raises(DatabaseUnreachable):  # the store's word for a link that is gone
        call()  # type: ignore[operator]
    return time.monotonic() - start


def test_a_stalled_link_fails_a_call_in_bounded_time_and_the_pool_recovers(
    database: Database, proxy: LatencyProxy
) -> None:
    store = database.requests
    request_id = store.create(RequestDraft(site_name="acme-1")).id
    proxy.stall()
    try:
        spent = _timed_failure(lambda: store.get(request_id))
    finally:
        proxy.resume()

    # The answer deadline is the statement timeout plus the link timeout (2 s).
    assert spent < TIMEOUTS.answer_s + SLACK_S
    start = time.monotonic()
    assert store.get(request_id).draft.site_name == "acme-1"  # a new connection
    assert time.monotonic() - start < TIMEOUTS.connect_s


def test_a_write_on_a_stalled_link_fails_and_the_next_one_is_saved(
    database: Database, proxy: LatencyProxy
) -> None:
    store = database.requests
    stored = store.create(RequestDraft(site_name="acme-1"))
    proxy.stall()
    try:
        spent = _timed_failure(
            lambda: store.save(
                stored.id, stored.draft.with_changes(site_name="acme-2"), stored.version
            )
        )
    finally:
        proxy.resume()
    assert spent < TIMEOUTS.answer_s + SLACK_S

    again = store.get(stored.id)  # the stalled write never reached the server
    saved = store.save(stored.id, again.draft.with_changes(site_name="acme-3"), again.version)
    assert store.get(stored.id).draft.site_name == saved.draft.site_name == "acme-3"


def test_connecting_over_a_stalled_link_fails_within_the_connect_timeout(
    database: Database, proxy: LatencyProxy
) -> None:
    database.engine.dispose()  # no pooled connection: the next call must connect
    proxy.stall()
    try:
        spent = _timed_failure(lambda: database.requests.get(1))
    finally:
        proxy.resume()

    assert spent < TIMEOUTS.connect_s + SLACK_S
    database.requests.create(RequestDraft(site_name="acme-1"))


def test_a_refused_connection_fails_at_once() -> None:
    nobody = free_port()  # bound then released: nothing listens there
    url = f"postgresql+psycopg://byok@127.0.0.1:{nobody}/postgres"

    start = time.monotonic()
    with pytest.raises(DatabaseUnreachable):
        open_server_database(url, builtin_tier_table(), timeouts=TIMEOUTS)

    assert time.monotonic() - start < 1.0


def test_a_long_statement_is_cancelled_by_the_server(database: Database) -> None:
    start = time.monotonic()
    with pytest.raises(OperationalError) as raised, database.engine.connect() as conn:
        conn.execute(text("SELECT pg_sleep(10)"))

    assert isinstance(raised.value.orig, psycopg.errors.QueryCanceled)
    assert time.monotonic() - start < TIMEOUTS.statement_s + SLACK_S


def test_connections_the_server_closed_are_replaced_without_a_failed_call(
    postgres: PostgresServer,
) -> None:
    """No ping before use: a checkout sees the closed socket and connects afresh."""
    url = postgres.new_database()  # direct: the server's close arrives at once
    database = open_server_database(url, builtin_tier_table(), timeouts=TIMEOUTS)
    try:
        store = database.requests
        request_id = store.create(RequestDraft(site_name="acme-1")).id
        name = database.engine.url.database
        with psycopg.connect(
            host="127.0.0.1", port=postgres.port, user="byok", dbname="postgres", autocommit=True
        ) as admin:
            # With a timeout, pg_terminate_backend waits until each backend has exited
            # (and closed its socket), or says it did not.
            row = admin.execute(
                "SELECT coalesce(bool_and(pg_terminate_backend(pid, 10000)), true) "
                "FROM pg_stat_activity WHERE datname = %s",
                (name,),
            ).fetchone()
            assert row is not None
            assert row[0], "the terminated backends did not exit"

        assert store.get(request_id).draft.site_name == "acme-1"
    finally:
        database.close()
