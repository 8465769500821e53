"""The headless commands against faults of the environment, run as a user runs them
(``python main.py ...`` in a process, real files): each ends within a bound with the exit
code of the table (byok_desktop/exit_codes.py), one sentence on stderr, no traceback, and
the database as it was."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from byok_desktop.exit_codes import ExitCode
from byok_desktop.paths import DATABASE_FILE
from byok_desktop.request_file import write_file
from tests.byok_desktop.test_cli import seed
from tests.helpers import REPO
from tests.helpers.factories import ready_draft

BOUND_S = 20.0  # a command meeting a fault is gone well within this


@dataclass
class Setup:
    data: Path
    files: Path  # a folder beside the data folder for request files and exports
    wrap: list[str]  # a prefix for the command (a read-only mount)
    stdout_closed: bool = False


def _database(data: Path) -> Path:
    return data / DATABASE_FILE


def _snapshot(data: Path) -> bytes | None:
    db = _database(data)
    return db.read_bytes() if db.exists() else None


def _read_only(setup: Setup) -> None:
    """The data folder on a read-only file system (root ignores permission bits: a
    read-only bind mount in a private mount namespace), else a folder without write
    permission."""
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("needs unshare (util-linux) to make a read-only mount as root")
        folder = str(setup.data)
        setup.wrap = [
            "unshare",
            "-m",
            "sh",
            "-c",
            f'mount --bind -o ro "{folder}" "{folder}" && exec "$@"',
            "sh",
        ]
    else:
        for path in (setup.data, *setup.data.rglob("*")):
            if path.is_dir():
                path.chmod(0o555)


def _log_folder_is_a_file(setup: Setup) -> None:
    shutil.rmtree(setup.data / "logs", ignore_errors=True)
    (setup.data / "logs").write_text("not a folder\n", encoding="utf-8")


def _damaged_pages(setup: Setup) -> None:
    """Every page after the schema's overwritten: SQLite opens it, then reads garbage."""
    db = _database(setup.data)
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 3, len(data), page):
        data[offset : offset + page] = b"\xa5" * page
    db.write_bytes(bytes(data))


def _closed_stdout(setup: Setup) -> None:
    setup.stdout_closed = True


FAULTS: dict[str, Callable[[Setup], None]] = {
    "read-only data folder": _read_only,
    "log folder is a file": _log_folder_is_a_file,
    "damaged database pages": _damaged_pages,
    "stdout closed (| head)": _closed_stdout,
}

# command -> arguments (with {files} for the folder of files)
COMMANDS = {
    "list": ["list"],
    "export": ["export", "--all", "-o", "{files}/out.byok.json"],
    "import": ["import", "{files}/in.byok.json"],
    "check": ["check", "{files}/in.byok.json"],
}

# (fault, command) -> (exit code, what stderr says); errors on stderr as one sentence
EXPECTED: dict[tuple[str, str], tuple[int, str]] = {
    ("read-only data folder", "list"): (ExitCode.ENVIRONMENT, "database cannot be used"),
    ("read-only data folder", "export"): (ExitCode.ENVIRONMENT, "database cannot be used"),
    ("read-only data folder", "import"): (ExitCode.ENVIRONMENT, "database cannot be used"),
    ("read-only data folder", "check"): (ExitCode.OK, ""),
    ("log folder is a file", "list"): (ExitCode.OK, ""),
    ("log folder is a file", "import"): (ExitCode.OK, ""),
    ("damaged database pages", "list"): (ExitCode.ENVIRONMENT, "cannot be read"),
    ("damaged database pages", "export"): (ExitCode.ENVIRONMENT, "cannot be read"),
    ("damaged database pages", "import"): (ExitCode.ENVIRONMENT, "cannot be read"),
    ("stdout closed (| head)", "list"): (ExitCode.BROKEN_PIPE, ""),
    ("stdout closed (| head)", "check"): (ExitCode.BROKEN_PIPE, ""),
}


def _prepare(tmp_path: Path) -> Setup:
    data, files = tmp_path / "data", tmp_path / "files"
    files.mkdir()
    seed(data, *(ready_draft(site_name=f"site{i}") for i in range(60)))
    write_file(files / "in.byok.json", [(ready_draft(site_name="newsite"), None)])
    return Setup(data, files, [])


def _run(setup: Setup, args: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    command = [
        *setup.wrap,
        sys.executable,
        "main.py",
        "--data-dir",
        str(setup.data),
        *(a.format(files=setup.files) for a in args),
    ]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    start = time.monotonic()
    if not setup.stdout_closed:
        result = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False, env=env
        )
        return result, time.monotonic() - start
    # `main.py list | head -0`: the reader has gone before the first line is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.run(
            command, cwd=REPO, stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=60, check=False, env=env,
        )  # fmt: skip
    finally:
        os.close(write_end)
    return process, time.monotonic() - start


def _check_stderr(stderr: str, expected: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), stderr
    errors = [line for line in lines if line.startswith("error: ")]
    if expected:
        assert len(errors) == 1, stderr
        assert expected in errors[0], stderr
        assert errors[0].rstrip().endswith("."), stderr  # a sentence
    else:
        assert not errors, stderr


@pytest.mark.parametrize(("fault", "command"), sorted(EXPECTED), ids="{0[0]} × {0[1]}".format)
def test_a_command_meets_a_fault(tmp_path: Path, fault: str, command: str) -> None:
    setup = _prepare(tmp_path)
    FAULTS[fault](setup)
    before = _snapshot(setup.data)
    code, says = EXPECTED[(fault, command)]

    result, elapsed = _run(setup, COMMANDS[command])

    assert result.returncode == code, result.stderr
    _check_stderr(result.stderr, says)
    assert elapsed < BOUND_S
    if code != ExitCode.OK:
        assert _snapshot(setup.data) == before
        assert not (setup.files / "out.byok.json").exists()


def test_export_into_a_missing_folder(tmp_path: Path) -> None:
    setup = _prepare(tmp_path)
    before = _snapshot(setup.data)
    result, _ = _run(setup, ["export", "--all", "-o", "{files}/missing/out.byok.json"])
    assert result.returncode == ExitCode.USAGE
    _check_stderr(result.stderr, "the folder")
    assert "does not exist" in result.stderr
    assert _snapshot(setup.data) == before


def test_ctrl_c_while_reading_a_file_exits_130_and_imports_nothing(tmp_path: Path) -> None:
    setup = _prepare(tmp_path)
    fifo = setup.files / "never.byok.json"
    os.mkfifo(fifo)
    before = _snapshot(setup.data)
    process = subprocess.Popen(
        [sys.executable, "main.py", "--data-dir", str(setup.data), "import", str(fifo)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = -1
    opened: list[int] = []
    # Opening a FIFO for writing blocks until the command opens it to read: wait on that.
    opener = threading.Thread(target=lambda: opened.append(os.open(fifo, os.O_WRONLY)))
    opener.start()
    try:
        opener.join(BOUND_S)
        if not opened:
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # release the opener
            opener.join()
            pytest.fail(f"the command never opened the file: {process.communicate()}")
        writer = opened[0]
        process.send_signal(signal.SIGINT)  # the command waits for the file's bytes
        _, stderr = process.communicate(timeout=BOUND_S)
    finally:
        if writer >= 0:
            os.close(writer)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    _check_stderr(stderr, "interrupted")
    assert _snapshot(setup.data) == before


def test_debug_shows_the_traceback_on_stderr(tmp_path: Path) -> None:
    setup = _prepare(tmp_path)
    _damaged_pages(setup)
    result, _ = _run(setup, ["--debug", "list"])
    assert result.returncode == ExitCode.ENVIRONMENT
    assert "Traceback" in result.stderr
    log = (setup.data / "logs" / "byok-desktop.log").read_text("utf-8")
    assert "Traceback" in log  # the log has it without --debug too
