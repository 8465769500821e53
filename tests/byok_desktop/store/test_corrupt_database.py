"""An unreadable database is reported, never deleted, and can be moved aside."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from byok_desktop import cli
from byok_desktop.errors import DatabaseCorrupt
from byok_desktop.paths import AppPaths
from byok_desktop.store.database import move_aside, open_database
from byok_desktop.tiers import TierTable
from main import build_parser

GARBAGE = b"this is not an SQLite file, it was overwritten by something else" * 100


def _corrupt(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(GARBAGE)
    Path(f"{path}-wal").write_bytes(b"wal bytes")
    return GARBAGE


def test_an_unreadable_file_is_reported_and_left_as_it_was(
    tmp_path: Path, tiers: TierTable
) -> None:
    path = tmp_path / "byok.sqlite3"
    content = _corrupt(path)

    with pytest.raises(DatabaseCorrupt) as caught:
        open_database(path, tmp_path / "backups", tiers)

    assert caught.value.path == path
    assert "cannot be read" in str(caught.value)
    assert path.read_bytes() == content
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_moving_aside_keeps_every_byte_and_a_fresh_database_opens(
    tmp_path: Path, tiers: TierTable
) -> None:
    path = tmp_path / "byok.sqlite3"
    content = _corrupt(path)

    kept = move_aside(path, tmp_path / "backups")

    assert not path.exists()
    assert kept.read_bytes() == content
    assert Path(f"{kept}-wal").read_bytes() == b"wal bytes"
    assert "unreadable" in kept.name
    database = open_database(path, tmp_path / "backups", tiers)
    try:
        assert database.requests.count() == 0
    finally:
        database.close()


def test_a_truncated_database_is_unreadable_too(tmp_path: Path, tiers: TierTable) -> None:
    path = tmp_path / "byok.sqlite3"
    database = open_database(path, tmp_path / "backups", tiers)
    database.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\0" * 50 + data[150:1024])  # header and first page cut

    with pytest.raises(DatabaseCorrupt):
        open_database(path, tmp_path / "backups", tiers)


def test_the_command_line_says_what_to_do_and_changes_nothing(paths: AppPaths) -> None:
    content = _corrupt(paths.database)
    out = io.StringIO()

    code = cli.run(build_parser().parse_args(["list"]), paths, out=out, err=out)

    assert code == cli.EXIT_UNAVAILABLE
    assert "cannot be read" in out.getvalue()
    assert "move it aside" in out.getvalue()
    assert paths.database.read_bytes() == content
