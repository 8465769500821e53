"""The headless commands, run as the user runs them: ``python main.py ...`` in a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from byok_desktop.context import open_context
from byok_desktop.paths import DATA_DIR_ENV, DATABASE_FILE, resolve_paths
from byok_desktop.request import RequestDraft
from byok_desktop.request_file import write_file
from tests.helpers import REPO
from tests.helpers.factories import ready_draft

ROOT = REPO


def run(
    data_dir: Path | None, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "main.py"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(
        [*command, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
    )


def seed(data_dir: Path, *drafts: RequestDraft) -> list[int]:
    context = open_context(resolve_paths(data_dir))
    try:
        return [context.database.requests.create(d).id for d in drafts]
    finally:
        context.close()


def test_check_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.byok.json"
    write_file(path, [(ready_draft(), None)])
    result = run(tmp_path / "data", "check", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"{path}: requests[0] (acme): ready"


def test_check_an_invalid_request_prints_each_problem_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.byok.json"
    write_file(
        path,
        [
            (ready_draft(), None),
            (
                ready_draft(
                    aws_account_id="01234567890", site_name="a_b-", requester_is_org_admin=False
                ),
                None,
            ),
        ],
    )
    result = run(tmp_path / "data", "check", path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    label = f"{path}: requests[1] (a_b-)"
    assert lines == [
        f"{path}: requests[0] (acme): ready",
        f"{label}: AWS account ID: AWS account IDs have exactly 12 digits; this has 11. "
        "Check for a missing or extra digit (leading zeros count).",
        f"{label}: Cloud site name: Site names use only lowercase letters a-z, digits and "
        "hyphens; remove '_'.",
        f"{label}: Cloud site name: A site name cannot end with a hyphen.",
        f"{label}: Requester is an org admin: Only an organization admin of the customer's "
        "organization can request BYOK; confirm the requester is one.",
    ]


def test_check_a_broken_file_and_a_good_one(tmp_path: Path) -> None:
    good = tmp_path / "ok.byok.json"
    write_file(good, [(ready_draft(), None)])
    broken = tmp_path / "broken.byok.json"
    broken.write_text('{"format": "nope"}', encoding="utf-8")
    result = run(tmp_path / "data", "check", broken, good)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f'{broken}: format: is not a BYOK Desktop request file (expected "format": '
        '"byok-desktop/request-file").',
        f"{good}: requests[0] (acme): ready",
    ]


def test_export_then_import_into_another_data_directory(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    seed(
        source,
        ready_draft(aws_account_id="000000000042"),
        ready_draft(site_name="globex", customer_org="Globex 山田", desired_users="abc"),
    )
    out = tmp_path / "f.byok.json"
    exported = run(source, "export", "--all", "-o", out)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert exported.stdout.strip() == f"exported 2 requests to {out}"
    assert len(json.loads(out.read_text("utf-8"))["requests"]) == 2

    imported = run(target, "import", out)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert imported.stdout.splitlines() == [
        "imported 2 requests",
        "  #1 acme: Ready",
        "  #2 globex: Draft",
    ]

    listed = run(target, "list")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == [
        "#1\tReady\tacme\t000000000042\tAcme Corp",
        "#2\tDraft\tglobex\t012345678901\tGlobex 山田",
    ]


def test_import_conflicts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seed(data, ready_draft())
    out = tmp_path / "mine.byok.json"
    assert run(data, "export", "--all", "-o", out).returncode == 0

    failed = run(data, "import", out)
    assert failed.returncode == 1
    assert "is already here as #1; use --on-conflict skip or copy" in failed.stdout
    assert failed.stdout.splitlines()[-1] == "nothing imported"

    skipped = run(data, "import", "--on-conflict", "skip", out)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "imported 0 requests" in skipped.stdout
    assert "skipped" in skipped.stdout

    copied = run(data, "import", "--on-conflict", "copy", out)
    assert copied.returncode == 0
    assert "imported 1 request" in copied.stdout
    assert run(data, "list").stdout.splitlines() == [
        "#1\tDraft\tacme\t012345678901\tAcme Corp",
        "#2\tDraft\tacme\t012345678901\tAcme Corp",
    ]


def test_import_of_an_invalid_file_reports_where(tmp_path: Path) -> None:
    bad = tmp_path / "bad.byok.json"
    write_file(bad, [(ready_draft(), None)])
    document = json.loads(bad.read_text("utf-8"))
    document["requests"][0]["location"] = "mars"
    bad.write_text(json.dumps(document), encoding="utf-8")
    result = run(tmp_path / "data", "import", bad)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"error: {bad}: requests[0].location: 'mars' is not a location; use 'eu' or 'usa'.",
        "nothing imported",
    ]
    assert run(tmp_path / "data", "list").stdout == ""


def test_export_selections(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = tmp_path / "out.byok.json"
    nothing = run(data, "export", "--all", "-o", out)
    assert nothing.returncode == 1
    assert "nothing exported" in nothing.stdout
    assert not out.exists()

    seed(data, ready_draft(), ready_draft(site_name="globex", customer_org="Globex"))
    missing = run(data, "export", "--id", "1", "--id", "7", "-o", out)
    assert missing.returncode == 1
    assert missing.stdout.strip() == "error: no request with id 7"

    searched = run(data, "export", "--search", "globex", "-o", out)
    assert searched.returncode == 0
    (entry,) = json.loads(out.read_text("utf-8"))["requests"]
    assert entry["site_name"] == "globex"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path / "data", "export", "--all")
    assert result.returncode == 2
    assert "-o/--output" in result.stderr


@pytest.mark.parametrize("how", ["flag", "env", "both"])
def test_data_dir_flag_beats_the_environment(tmp_path: Path, how: str) -> None:
    flag_dir, env_dir = tmp_path / "flag", tmp_path / "env"
    env = {DATA_DIR_ENV: str(env_dir)} if how in ("env", "both") else {}
    result = run(flag_dir if how in ("flag", "both") else None, "list", env=env)
    assert result.returncode == 0, result.stderr
    chosen = env_dir if how == "env" else flag_dir
    other = flag_dir if how == "env" else env_dir
    assert (chosen / DATABASE_FILE).is_file()
    assert (chosen / "logs" / "byok-desktop.log").is_file()
    assert not other.exists()
