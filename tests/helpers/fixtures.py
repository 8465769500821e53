"""The suite's common fixtures, registered for every test by the root ``conftest.py``.

Qt-free: the headless tests load them too. An app context is opened over real SQLite
files in a temporary data directory, with an in-memory keyring; a folder or a module
overrides ``keyring_backend`` or ``database_url`` to change what it is opened with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend

from byok_desktop.context import AppContext, open_context
from byok_desktop.credentials.keyring_store import SecretStore
from byok_desktop.paths import AppPaths, resolve_paths
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import TierTable, builtin_tier_table
from tests.helpers.memory_keyring import MemoryKeyring

MakeSecretStore = Callable[..., SecretStore]


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep platformdirs and QSettings away from the real profile."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("BYOK_DESKTOP_DATA_DIR", raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def paths(data_dir: Path) -> AppPaths:
    return resolve_paths(data_dir)


@pytest.fixture
def keyring_backend() -> KeyringBackend:
    """Never the user's real keyring: an in-memory one unless a test asks otherwise."""
    return MemoryKeyring()


@pytest.fixture
def database_url() -> str | None:
    """None: the SQLite file in the data directory (the store tests add PostgreSQL)."""
    return None


@pytest.fixture
def context(
    paths: AppPaths, database_url: str | None, keyring_backend: KeyringBackend
) -> Iterator[AppContext]:
    ctx = open_context(paths, database_url=database_url, keyring_backend=keyring_backend)
    yield ctx
    ctx.close()


@pytest.fixture
def sandbox(tmp_path: Path, keyring_backend: KeyringBackend) -> Iterator[AppContext]:
    """The app context in sandbox mode (its own database, AWS answered by a local moto)."""
    ctx = open_context(resolve_paths(tmp_path / "d"), sandbox=True, keyring_backend=keyring_backend)
    yield ctx
    ctx.close()


@pytest.fixture
def make_secret_store() -> Iterator[MakeSecretStore]:
    """``SecretStore(...)`` for a test: each is closed after it, so its keyring thread ends."""
    made: list[SecretStore] = []

    def make(*args: Any, **kwargs: Any) -> SecretStore:
        made.append(SecretStore(*args, **kwargs))
        return made[-1]

    yield make
    for secret_store in made:
        secret_store.close()


@pytest.fixture
def store(context: AppContext) -> RequestStore:
    return context.database.requests


@pytest.fixture
def tiers() -> TierTable:
    return builtin_tier_table()
