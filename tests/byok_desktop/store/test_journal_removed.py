"""A database journal (-wal) removed while the app runs: one sentence, nothing lost.

Real SQLite files; what SQLite does on its own is in docs/reliability.md."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from byok_desktop.errors import StorageUnavailable
from byok_desktop.store.database import Database, open_database
from byok_desktop.tiers import TierTable
from tests.helpers.factories import ready_draft

REPO = Path(__file__).resolve().parents[3]


def _remove_journal(path: Path, *, with_index: bool) -> None:
    os.unlink(f"{path}-wal")
    if with_index:
        os.unlink(f"{path}-shm")


def _two_pooled_connections(database: Database) -> None:
    """Like the app: the database worker's and a reader's connection wait in the pool."""
    first, second = database.engine.connect(), database.engine.connect()
    first.close()
    second.close()


def _integrity(path: Path) -> tuple[str, int]:
    with sqlite3.connect(path) as raw:
        verdict = raw.execute("PRAGMA integrity_check").fetchone()[0]
        count = raw.execute("SELECT count(*) FROM requests").fetchone()[0]
    raw.close()
    return verdict, count


@pytest.mark.parametrize("with_index", [False, True], ids=["wal", "wal-and-shm"])
def test_the_write_after_the_removal_is_named_and_the_next_one_works(
    tmp_path: Path, tiers: TierTable, with_index: bool
) -> None:
    path = tmp_path / "byok.sqlite3"
    database = open_database(path, tmp_path / "backups", tiers)
    before = database.requests.create(ready_draft(notes="saved before the removal"))
    _two_pooled_connections(database)
    _remove_journal(path, with_index=with_index)

    with pytest.raises(StorageUnavailable) as caught:
        database.requests.create(ready_draft(notes="first try after"))

    message = caught.value.message
    assert "journal file (byok.sqlite3-wal) was removed while BYOK Desktop was running" in message
    assert "quit BYOK Desktop and start it again" in message
    # The old connections are gone: the retry works on a fresh journal.
    after = database.requests.create(ready_draft(notes="second try after"))
    assert database.requests.get(before.id).draft.notes == "saved before the removal"
    assert database.requests.count() == 2
    database.close()

    assert _integrity(path) == ("ok", 2)
    reopened = open_database(path, tmp_path / "backups", tiers)
    try:
        assert reopened.requests.get(after.id).draft.notes == "second try after"
        assert reopened.requests.get(before.id).draft.notes == "saved before the removal"
    finally:
        reopened.close()


def test_what_was_saved_survives_the_app_being_killed_after_the_removal(
    tmp_path: Path, tiers: TierTable
) -> None:
    """Without the guard the saved request lives only in the removed journal, which the
    operating system drops with the process: it would be lost."""
    path = tmp_path / "byok.sqlite3"
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from byok_desktop.errors import StorageUnavailable
        from byok_desktop.store.database import open_database
        from byok_desktop.tiers import builtin_tier_table
        from tests.helpers.factories import ready_draft

        path = Path({str(path)!r})
        database = open_database(path, path.parent / "backups", builtin_tier_table())
        database.requests.create(ready_draft(notes="saved before the removal"))
        os.unlink(f"{{path}}-wal")
        try:
            database.requests.create(ready_draft(notes="after"))
        except StorageUnavailable as exc:
            print(exc.message, flush=True)
        os._exit(9)  # killed: no clean close, no checkpoint by SQLite
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 9, done.stderr
    assert "journal file (byok.sqlite3-wal) was removed" in done.stdout
    assert "Traceback" not in done.stderr
    assert _integrity(path) == ("ok", 1)
