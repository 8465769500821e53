"""Shared fixtures. Tests use real SQLite files in a temporary data directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before any Qt import: no display is needed, and no test touches the user's settings.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from byok_desktop.context import AppContext, open_context
from byok_desktop.paths import AppPaths, resolve_paths
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import TierTable, builtin_tier_table
from tests.helpers.memory_keyring import MemoryKeyring


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
def context(paths: AppPaths) -> Iterator[AppContext]:
    # Never the user's real keyring: an in-memory one unless a test asks otherwise.
    ctx = open_context(paths, keyring_backend=MemoryKeyring())
    yield ctx
    ctx.close()


@pytest.fixture
def store(context: AppContext) -> RequestStore:
    return context.database.requests


@pytest.fixture
def tiers() -> TierTable:
    return builtin_tier_table()
