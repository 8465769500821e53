"""Database errors leave the store as the core's own types: StorageUnavailable when the
environment is to blame (read-only, locked, full, damaged, unreachable), StorageBug when
the app is; the driver's error stays as ``__cause__``; the store's refusals pass through.

SQLite itself is made to refuse, on a real file: PRAGMA query_only gives its read-only
error, PRAGMA max_page_count its "disk is full", another connection's exclusive lock its
"database is locked" (file permissions would not stop the tests when they run as root).
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from byok_desktop.context import AppContext
from byok_desktop.errors import StorageBug, StorageError, StorageUnavailable
from byok_desktop.request_records import VersionConflict
from byok_desktop.store import boundary
from byok_desktop.store.database import open_server_database
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import TierTable
from tests.helpers.factories import ready_draft
from tests.helpers.postgres import PostgresServer

LONG_NOTES = "The customer asked for a call before provisioning. " * 200  # new pages


@pytest.fixture
def backend() -> str:
    """SQLite's own refusals are made on a file; PostgreSQL's tests below ask for it."""
    return "sqlite"


def _port_nobody_listens_on() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def engine(context: AppContext) -> Engine:
    return context.database.engine


@pytest.fixture
def on_connect(engine: Engine) -> Iterator[Callable[[str], None]]:
    """Run a statement on every new connection of the app's engine (until the test ends)."""
    listeners: list[Callable[[object, object], None]] = []

    def add(statement: str) -> None:
        def listener(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute(statement)  # type: ignore[attr-defined]

        event.listen(engine, "connect", listener)
        listeners.append(listener)
        engine.dispose()

    yield add
    for listener in listeners:
        event.remove(engine, "connect", listener)
    engine.dispose()


def _database_file(context: AppContext) -> Path:
    assert context.database.path is not None
    return context.database.path


def test_a_read_only_database_is_unavailable_with_its_reason(
    store: RequestStore, on_connect: Callable[[str], None]
) -> None:
    stored = store.create(ready_draft())
    on_connect("PRAGMA query_only = ON")

    with pytest.raises(StorageUnavailable) as caught:
        store.save(stored.id, stored.draft.with_changes(notes="x"), stored.version)

    error = caught.value
    assert error.reason == boundary.READ_ONLY[0]
    assert error.message == (
        "The database is read-only. Check that the database file and its folder are "
        "writable (and the disk is not mounted read-only), then try again."
    )
    assert str(error) == "the database is read-only (attempt to write a readonly database)"
    assert isinstance(error.__cause__, OperationalError)
    assert store.get(stored.id).draft.notes == stored.draft.notes  # reads still work


def test_a_full_disk_is_unavailable_and_says_to_free_space(
    store: RequestStore, on_connect: Callable[[str], None], context: AppContext
) -> None:
    stored = store.create(ready_draft())
    with sqlite3.connect(_database_file(context)) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    on_connect(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(StorageUnavailable) as caught:
        store.save(stored.id, stored.draft.with_changes(notes=LONG_NOTES), stored.version)

    assert caught.value.reason == boundary.FULL[0]
    assert caught.value.advice == "Free some disk space, then try again."
    assert "full" in str(caught.value)
    assert isinstance(caught.value.__cause__, OperationalError)


def test_a_locked_database_is_unavailable(
    store: RequestStore, on_connect: Callable[[str], None], context: AppContext
) -> None:
    on_connect("PRAGMA busy_timeout = 50")  # the app waits 5 s before giving up
    holder = sqlite3.connect(_database_file(context), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageUnavailable) as caught:
            store.create(ready_draft())
    finally:
        holder.rollback()
        holder.close()

    assert caught.value.reason == boundary.LOCKED[0]
    assert "database is locked" in str(caught.value)
    store.create(ready_draft())  # works again once the other program lets go


def test_a_damaged_file_is_unavailable(store: RequestStore, context: AppContext) -> None:
    store.create(ready_draft())
    path = _database_file(context)
    context.database.engine.dispose()
    path.write_bytes(b"overwritten by something else " * 200)

    with pytest.raises(StorageUnavailable) as caught:
        store.count()
    with pytest.raises(StorageUnavailable) as caught_raw:
        context.database.view.list_ids()  # the products view reads IDs its own way

    assert caught.value.reason == boundary.DAMAGED[0]
    assert "Restore it from a backup" in caught.value.message
    assert "not a database" in caught.value.detail
    assert caught_raw.value.reason == boundary.DAMAGED[0]


def test_a_programming_error_is_a_bug(store: RequestStore, engine: Engine) -> None:
    store.create(ready_draft())
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE requests"))

    with pytest.raises(StorageBug) as caught:
        store.count()

    assert caught.value.reason == boundary.BUG[0]
    assert "no such table" in caught.value.detail
    assert isinstance(caught.value.__cause__, OperationalError)


def test_an_unexpected_integrity_error_is_a_bug(store: RequestStore) -> None:
    first = ready_draft(site_name="one")
    with pytest.raises(StorageBug) as caught:
        store.create_many([first, ready_draft(site_name="two", uid=first.uid)])
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert "UNIQUE" in caught.value.detail


def test_the_stores_own_refusals_pass_through(store: RequestStore) -> None:
    stored = store.create(ready_draft())
    store.save(stored.id, stored.draft, stored.version)
    with pytest.raises(VersionConflict):
        store.save(stored.id, stored.draft, stored.version)


def test_an_unreachable_server_is_unavailable(tiers: TierTable) -> None:
    port = _port_nobody_listens_on()
    with pytest.raises(StorageUnavailable) as caught:
        open_server_database(
            f"postgresql+psycopg://rep@127.0.0.1:{port}/byok?connect_timeout=2", tiers
        )
    assert caught.value.reason == boundary.UNREACHABLE[0]
    assert isinstance(caught.value.__cause__, OperationalError)


def test_a_read_only_server_transaction_is_unavailable(
    postgres: PostgresServer, tiers: TierTable
) -> None:
    database = open_server_database(postgres.new_database(), tiers)
    try:
        stored = database.requests.create(ready_draft())

        def read_only(dbapi_connection: psycopg.Connection[object], _record: object) -> None:
            dbapi_connection.autocommit = True  # a SET in a transaction is rolled back
            dbapi_connection.execute("SET default_transaction_read_only = on")
            dbapi_connection.autocommit = False

        event.listen(database.engine, "connect", read_only)
        database.engine.dispose()
        with pytest.raises(StorageUnavailable) as caught:
            database.requests.save(stored.id, stored.draft, stored.version)
    finally:
        database.close()
    assert caught.value.reason == boundary.READ_ONLY[0]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (psycopg.errors.lookup("53100")("no space left on device"), boundary.FULL),
        (psycopg.errors.lookup("57P01")("terminating connection"), boundary.UNREACHABLE),
        (psycopg.errors.lookup("08006")("connection failure"), boundary.UNREACHABLE),
        (psycopg.errors.lookup("55P03")("could not obtain lock"), boundary.LOCKED),
        (psycopg.errors.lookup("57014")("canceling statement due to timeout"), boundary.TOO_SLOW),
        (psycopg.errors.lookup("42501")("permission denied for table"), boundary.DENIED),
        (psycopg.OperationalError("connection refused"), boundary.UNREACHABLE),
        (sqlite3.OperationalError("unable to open database file"), boundary.CANNOT_OPEN),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_driver_errors_are_sorted_by_code(error: Exception, kind: tuple[str, str]) -> None:
    translated = boundary.storage_error(error)
    assert isinstance(translated, StorageUnavailable)
    assert (translated.reason, translated.advice) == kind


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.lookup("42P01")('relation "requests" does not exist'),
        psycopg.errors.lookup("23505")("duplicate key value violates unique constraint"),
        sqlite3.ProgrammingError("Incorrect number of bindings supplied"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_driver_errors_of_the_apps_making_are_bugs(error: Exception) -> None:
    assert isinstance(boundary.storage_error(error), StorageBug)


def test_other_errors_are_left_alone() -> None:
    assert boundary.storage_error(ValueError("no")) is None
    assert boundary.storage_error(OSError(28, "No space left on device")) is None
    already = StorageUnavailable("the database is read-only", "Try again.")
    assert boundary.storage_error(already) is already
    assert isinstance(already, StorageError)
