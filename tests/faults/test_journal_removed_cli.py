"""A command whose database journal (-wal) is removed while it runs: one sentence on
stderr, the environment's exit code, and nothing lost; the next command works.

In-process with a real SQLite file: the journal goes at a known moment (while ``import``
reads its file, the database already open), which a separate process cannot time."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from byok_desktop import cli, transfer
from byok_desktop.exit_codes import ExitCode
from byok_desktop.paths import AppPaths
from byok_desktop.request_file import write_file
from main import build_parser
from tests.byok_desktop.test_cli import seed
from tests.helpers.factories import ready_draft


def _run(paths: AppPaths, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(build_parser().parse_args(list(argv)), paths, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_import_meeting_a_removed_journal_says_so_and_loses_nothing(
    paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(paths.data_dir, ready_draft(site_name="kept", notes="saved before"))
    request_file = tmp_path / "new.byok.json"
    write_file(request_file, [(ready_draft(site_name="arrives"), None)])
    reading: Callable[[Path], object] = transfer.read_file

    def read_then_remove_the_journal(path: Path) -> object:
        os.unlink(f"{paths.database}-wal")  # the command's database is open by now
        return reading(path)

    monkeypatch.setattr(transfer, "read_file", read_then_remove_the_journal)
    code, out, err = _run(paths, "import", str(request_file))

    assert code == ExitCode.ENVIRONMENT
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "journal file (byok.sqlite3-wal) was removed while BYOK Desktop was running" in err
    assert "Traceback" not in err + out
    monkeypatch.undo()

    code, out, err = _run(paths, "list")
    assert code == ExitCode.OK, err
    assert "kept" in out
    assert "arrives" not in out  # the import wrote nothing
    code, out, err = _run(paths, "import", str(request_file))
    assert code == ExitCode.OK, err
    with sqlite3.connect(paths.database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        notes = dict(raw.execute("SELECT site_name, notes FROM requests").fetchall())
    raw.close()
    assert notes == {"kept": "saved before", "arrives": ""}
