"""The store tests run twice: against a SQLite file and against a real PostgreSQL server
that the tests start themselves (the team database)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_desktop.context import AppContext, open_context
from byok_desktop.paths import AppPaths
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    # Not under pytest's tmp folder: as root that is private to root, and the server
    # runs as the 'postgres' user.
    root = Path(tempfile.mkdtemp(prefix="byok-postgres-"))
    server = PostgresServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def context(paths: AppPaths, database_url: str | None) -> Iterator[AppContext]:
    ctx = open_context(paths, database_url=database_url, keyring_backend=MemoryKeyring())
    yield ctx
    ctx.close()
