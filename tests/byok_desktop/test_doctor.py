"""main.py doctor: each check, bounded, with the table's exit code."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from byok_desktop import doctor
from byok_desktop.doctor import Verdict
from byok_desktop.exit_codes import ExitCode
from byok_desktop.overrides import ContextOverrides
from byok_desktop.paths import resolve_paths
from tests.byok_desktop.test_cli import run, seed
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[timedelta]]]:
    """A local HTTP endpoint answering 404 with a Date header ``offset`` away from now."""
    offset = [timedelta(0)]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response_only(404)
            self.send_header("Date", format_datetime(datetime.now(UTC) + offset[0], usegmt=True))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", offset
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {c.name: c for c in checks}


def test_all_well(tmp_path: Path, endpoint: tuple[str, list[timedelta]]) -> None:
    url, _ = endpoint
    seed(tmp_path, ready_draft())
    checks = doctor.run_checks(
        resolve_paths(tmp_path), ContextOverrides(aws_endpoint_url=url), MemoryKeyring()
    )
    found = _by_name(checks)
    assert {c.verdict for c in checks} == {Verdict.OK}, doctor.table(checks)
    assert "current" in found["database"].detail
    assert "answers" in found["AWS endpoint"].detail
    assert doctor.exit_code(checks) is ExitCode.OK


def test_clock_skew_and_damaged_database(
    tmp_path: Path, endpoint: tuple[str, list[timedelta]]
) -> None:
    url, offset = endpoint
    offset[0] = timedelta(minutes=-20)
    seed(tmp_path, *(ready_draft(site_name=f"s{i}") for i in range(60)))
    db = tmp_path / "byok.sqlite3"
    data = bytearray(db.read_bytes())
    data[4096 * 3 : 4096 * 5] = b"\xa5" * 8192
    db.write_bytes(bytes(data))
    before = db.read_bytes()

    checks = doctor.run_checks(
        resolve_paths(tmp_path), ContextOverrides(aws_endpoint_url=url), MemoryKeyring()
    )
    found = _by_name(checks)
    assert found["clock"].verdict is Verdict.FAILED
    assert "ahead of" in found["clock"].detail
    assert found["database"].verdict is Verdict.FAILED
    assert doctor.exit_code(checks) is ExitCode.ENVIRONMENT  # the environment first
    assert db.read_bytes() == before


def test_unreachable_aws_is_4(tmp_path: Path) -> None:
    checks = doctor.run_checks(
        resolve_paths(tmp_path),
        ContextOverrides(aws_endpoint_url="http://127.0.0.1:9/"),
        MemoryKeyring(),
    )
    assert _by_name(checks)["AWS endpoint"].verdict is Verdict.FAILED
    assert doctor.exit_code(checks) is ExitCode.AWS
    assert not (tmp_path / "byok.sqlite3").exists()  # the doctor creates nothing


def test_the_command_without_a_keyring_as_json(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "--sandbox",
        "doctor",
        "--json",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert result.returncode == ExitCode.ENVIRONMENT, result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    keyring = next(c for c in document["checks"] if c["name"] == "keyring")
    assert keyring["verdict"] == "failed"
    assert "No OS keyring" in keyring["detail"]
    assert document["exit_code"] == ExitCode.ENVIRONMENT
