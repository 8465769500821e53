"""Headless provisioning in the sandbox: a real moto server inside the app process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

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
    done = _main(tmp_path / "d", "provision", "--all-ready")
    out = done.stdout
    assert "job #1 acme/confluence: Succeeded" in out or "acme/confluence: Succeeded" in out
    assert "acme/jira: Succeeded" in out
    assert "globex/confluence: Succeeded" in out
    assert "step 3/6: Create the multi-Region key" in out
    # No verified profile opens 222233334444: refused before any AWS call, and said so.
    assert "error: #3: not submitted" in done.stderr
    assert "222233334444" in done.stderr
    assert done.returncode == 4  # no profile opens the account: AWS, per the exit-code table
