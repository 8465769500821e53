"""Request files through ``main.py`` in a process, against real files: ``check`` and
``import`` agree on every request, an import says which requests already here it
changed, and ``export`` never writes a file that ``import`` refuses (issue 15, item 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from byok_desktop.exit_codes import ExitCode
from byok_desktop.request_file import MAX_FILE_BYTES, write_file
from tests.byok_desktop.test_cli import seed
from tests.helpers import REPO
from tests.helpers.factories import ready_draft


def main(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data), *args],
        cwd=REPO,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_and_import_give_the_same_verdict(tmp_path: Path) -> None:
    file = tmp_path / "in.byok.json"
    drafts = [
        ready_draft(site_name="acme", customer_org="Acme"),
        ready_draft(site_name="acme", customer_org="Acme"),  # the same site and family
        ready_draft(site_name="solo", customer_org="Solo"),
        ready_draft(site_name="bad", aws_account_id="27976624415"),  # 11 digits
    ]
    write_file(file, [(d, None) for d in drafts])

    checked = main(tmp_path / "data", "check", "--json", str(file))
    imported = main(tmp_path / "data", "import", str(file))
    listed = main(tmp_path / "data", "list", "--json")

    assert checked.returncode == ExitCode.PROBLEMS, checked.stdout + checked.stderr
    assert imported.returncode == ExitCode.OK, imported.stdout + imported.stderr
    (report,) = json.loads(checked.stdout)["files"]
    says_ready = [entry["ready"] for entry in report["requests"]]
    statuses = [r["status"] for r in sorted(json.loads(listed.stdout)["requests"],
                                            key=lambda r: r["id"])]  # fmt: skip
    assert says_ready == [s == "ready" for s in statuses] == [False, False, True, False]
    first, second = (report["requests"][i]["problems"] for i in (0, 1))
    assert first == second  # both say the same
    assert "'acme' is already named by a request being imported (Acme)" in first[0]["message"]


def test_an_import_lists_the_requests_it_changed_with_the_reason(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (here,) = seed(data, ready_draft(site_name="acme"))
    file = tmp_path / "in.byok.json"
    write_file(file, [(ready_draft(site_name="acme", customer_org="Other"), None)])

    result = main(data, "import", str(file))

    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    assert f"changed #{here} acme: Ready -> Draft: 'acme' is already named by" in result.stdout


def test_export_splits_what_one_file_cannot_hold_and_each_part_imports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    note = "n" * 600_000  # 12 requests: about 7 MB, more than one file holds
    seed(data, *(ready_draft(site_name=f"site{i}", notes=note) for i in range(12)))
    out = tmp_path / "files"
    out.mkdir()

    result = main(data, "export", "--all", "-o", str(out / "requests.byok.json"))

    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    parts = sorted(out.iterdir())
    assert [p.name for p in parts] == ["requests-001.byok.json", "requests-002.byok.json"]
    assert "in 2 files" in result.stdout
    assert all(p.stat().st_size <= MAX_FILE_BYTES for p in parts)
    imported = main(tmp_path / "other", "import", *map(str, parts))
    assert imported.returncode == ExitCode.OK, imported.stdout + imported.stderr
    assert "imported 12 requests" in imported.stdout


def test_export_refuses_a_request_larger_than_a_file_may_be(tmp_path: Path) -> None:
    data = tmp_path / "data"
    huge = "é" * 1_000_000  # 2 MB in UTF-8 per field, three fields
    seed(data, ready_draft(site_name="big", notes=huge, customer_org=huge, requester_name=huge))
    out = tmp_path / "files"
    out.mkdir()

    result = main(data, "export", "--all", "-o", str(out / "requests.byok.json"))

    assert result.returncode == ExitCode.PROBLEMS, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "error: Request #1 (big) alone is" in result.stderr
    assert "Nothing was written." in result.stderr
    assert list(out.iterdir()) == []
