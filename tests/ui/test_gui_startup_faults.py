"""The GUI started as ``main.py`` starts it (a subprocess, offscreen) on a data folder it
cannot use: one sentence in a dialog or on the window's status line, never a traceback
and never a silent exit (issue 15: "the GUI shows no window and no dialog"). Dialogs are
printed by tests/helpers/gui_driver.py instead of waiting for a click."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from byok_desktop.context import open_context
from byok_desktop.paths import resolve_paths
from tests.helpers import REPO
from tests.helpers.memory_keyring import MemoryKeyring


def _seeded(tmp_path: Path) -> Path:
    paths = resolve_paths(tmp_path / "data")
    open_context(paths, keyring_backend=MemoryKeyring()).close()
    return paths.data_dir


def _gui(data: Path, wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BYOK_JOBS_IN_PROCESS": "1"}
    return subprocess.run(
        [*(wrap or []), sys.executable, "-m", "tests.helpers.gui_driver", "--data-dir", str(data)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _said(result: subprocess.CompletedProcess[str], kind: str) -> list[str]:
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return [line[len(kind) + 2 :] for line in result.stdout.splitlines() if line.startswith(kind)]


def test_a_file_where_the_data_folder_should_be(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file\n")

    result = _gui(blocker / "data")

    assert result.returncode == 3, result.stdout + result.stderr
    (dialog,) = _said(result, "dialog")
    assert dialog.startswith(f"BYOK Desktop: The data folder {blocker / 'data'} cannot be used")
    assert "A file stands where a folder is expected" in dialog
    assert _said(result, "status") == []  # no window with nothing behind it


def test_a_log_folder_that_cannot_be_written(tmp_path: Path) -> None:
    data = _seeded(tmp_path)
    shutil.rmtree(data / "logs")
    (data / "logs").write_text("not a folder\n")

    result = _gui(data)

    assert result.returncode == 0, result.stdout + result.stderr
    assert _said(result, "dialog") == []
    (status,) = _said(result, "status")
    assert status == "Opened with a notice: see above the pages."
    (notice,) = _said(result, "notice")
    assert notice.startswith(f"The log cannot be written in {data / 'logs'}")
    assert "carrying on without a log file" in notice


def test_a_read_only_data_folder(tmp_path: Path) -> None:
    data = _seeded(tmp_path)
    if os.geteuid() != 0:
        for path in (data, *data.rglob("*")):
            if path.is_dir():
                path.chmod(0o555)
        wrap: list[str] = []
    else:  # root ignores permission bits: a read-only bind mount in a private namespace
        if not shutil.which("unshare"):
            pytest.skip("needs unshare (util-linux) to make a read-only mount as root")
        wrap = ["unshare", "-m", "sh", "-c", f'mount --bind -o ro "{data}" "{data}" && exec "$@"',
                "sh"]  # fmt: skip
    before = (data / "byok.sqlite3").read_bytes()

    result = _gui(data, wrap)

    (dialog,) = _said(result, "dialog")
    assert dialog.startswith("BYOK Desktop: The database at"), dialog
    assert "Check that the folder exists and is writable" in dialog
    assert result.returncode != 0
    assert (data / "byok.sqlite3").read_bytes() == before
