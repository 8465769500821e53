"""Headless provisioning in the sandbox: a real moto server inside the app process."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

from byok_desktop.cli_jobs import run_job_command
from byok_desktop.context import AppContext
from byok_desktop.products import Product
from byok_desktop.request import RequestStatus
from tests.helpers import REPO
from tests.helpers.factories import ready_draft

ROOT = REPO


def _main(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), "--sandbox", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _request(
    uid: str, site: str, location: str, products: list[str], account: str = "123456789012"
) -> dict[str, object]:
    return {
        "uid": uid,
        "aws_account_id": account,
        "site_name": site,
        "desired_users": 1500,
        "location": location,
        "products": products,
        "customer_org": site.title(),
        "requester": {"name": "Ada", "email": "ada@example.com", "is_org_admin": True},
        "notes": "",
    }


def test_provision_all_ready_in_the_sandbox(tmp_path: Path) -> None:
    file = tmp_path / "r.byok.json"
    file.write_text(
        json.dumps(
            {
                "format": "byok-desktop/request-file",
                "version": 1,
                "requests": [
                    _request(
                        "aaaaaaaa-0000-0000-0000-000000000001",
                        "acme",
                        "eu",
                        ["jira-software", "confluence"],
                    ),
                    _request(
                        "aaaaaaaa-0000-0000-0000-000000000002", "globex", "usa", ["confluence"]
                    ),
                    _request(
                        "aaaaaaaa-0000-0000-0000-000000000003",
                        "other",
                        "eu",
                        ["confluence"],
                        account="222233334444",
                    ),
                ],
            }
        ),
        "utf-8",
    )
    assert _main(tmp_path / "d", "import", str(file)).returncode == 0
    done = _main(tmp_path / "d", "provision", "--yes", "--all-ready")
    out = done.stdout
    assert "job #1 acme/confluence: Succeeded" in out or "acme/confluence: Succeeded" in out
    assert "acme/jira: Succeeded" in out
    assert "globex/confluence: Succeeded" in out
    assert "step 3/6: Create the multi-Region key" in out
    # No verified profile opens 222233334444: refused before any AWS call, and said so.
    assert "error: #3: not submitted" in done.stderr
    assert "222233334444" in done.stderr
    assert done.returncode == 4  # no profile opens the account: AWS, per the exit-code table


def test_provision_without_a_terminal_asks_for_yes(tmp_path: Path) -> None:
    file = tmp_path / "r.byok.json"
    file.write_text(
        json.dumps(
            {
                "format": "byok-desktop/request-file",
                "version": 1,
                "requests": [
                    _request("aaaaaaaa-0000-0000-0000-000000000001", "acme", "eu", ["confluence"])
                ],
            }
        ),
        "utf-8",
    )
    assert _main(tmp_path / "d", "import", str(file)).returncode == 0

    refused = _main(tmp_path / "d", "provision", "1")

    assert refused.returncode == 2
    assert "--yes" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr
    listed = _main(tmp_path / "d", "list", "--json")
    assert json.loads(listed.stdout)["requests"][0]["status"] == "ready"


def _provision_args(*ids: int) -> argparse.Namespace:
    return argparse.Namespace(
        command="provision", request_ids=list(ids), all_ready=False, yes=False, profile=None
    )


def test_provision_shows_the_sheet_and_a_no_submits_nothing(sandbox: AppContext) -> None:
    stored = sandbox.database.requests.create(
        ready_draft(aws_account_id="123456789012", products=frozenset({Product.JIRA_SOFTWARE}))
    )
    out = io.StringIO()
    prompts: list[str] = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return "n"

    code = run_job_command(sandbox, _provision_args(stored.id), out, ask=answer)

    assert code == 0
    assert prompts == ["Submit and provision? [y/N] "]
    text = out.getvalue()
    assert f"Provision request #{stored.id} for acme?" in text
    assert "eu-central-1 (Frankfurt) and eu-west-1 (Dublin)" in text
    assert "Jira Work Management" in text
    assert "alias/cryptor-acme-jira" in text
    assert "not submitted (not confirmed)" in text
    assert sandbox.database.requests.get(stored.id).status is RequestStatus.READY
    assert sandbox.database.jobs.all_jobs() == []


def test_provision_submits_when_the_user_says_yes(sandbox: AppContext) -> None:
    stored = sandbox.database.requests.create(
        ready_draft(aws_account_id="123456789012", products=frozenset({Product.CONFLUENCE}))
    )
    out = io.StringIO()

    code = run_job_command(sandbox, _provision_args(stored.id), out, ask=lambda _p: "y")

    assert code == 0, out.getvalue()
    assert "acme/confluence: Succeeded" in out.getvalue()
    assert sandbox.database.requests.get(stored.id).status is RequestStatus.PROVISIONED
