"""The customer-side commands as a script runs them (main.py in a subprocess): their
output and exit codes (byok_desktop/exit_codes.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from moto.server import ThreadedMotoServer

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.provisioning.naming import DEFAULT_ROLE_NAME
from byok_desktop.provisioning.setup_kit import KIT_FILES
from tests.helpers import REPO
from tests.helpers.customer_account import (
    CUSTOMER,
    REP,
    ROLE_ARN,
    make_provisioning_role,
)

UID = "aaaaaaaa-0000-0000-0000-0000000000c1"


def _main(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stdout + done.stderr


def _request_file(tmp_path: Path, role_arn: str = ROLE_ARN) -> Path:
    request = {
        "uid": UID,
        "aws_account_id": CUSTOMER,
        "customer_role_arn": role_arn,
        "site_name": "acme",
        "desired_users": 1500,
        "location": "eu",
        "products": ["jira-software"],
        "customer_org": "Acme",
        "requester": {"name": "Ada", "email": "ada@example.com", "is_org_admin": True},
        "notes": "",
    }
    path = tmp_path / "acme.byok.json"
    document = {"format": "byok-desktop/request-file", "version": 1, "requests": [request]}
    path.write_text(json.dumps(document), "utf-8")
    return path


def test_external_id_is_made_once_and_printed(tmp_path: Path) -> None:
    code, first = _main(tmp_path / "d", "external-id", CUSTOMER)
    assert code == 0
    again = _main(tmp_path / "d", "external-id", CUSTOMER)
    assert again == (0, first)
    assert len(first.strip()) >= 32


def test_external_id_of_a_bad_account_is_a_usage_error(tmp_path: Path) -> None:
    code, out = _main(tmp_path / "d", "external-id", "27976624415")
    assert code == 2
    assert "12 digits" in out


def test_setup_kit_writes_three_files_with_the_accounts_external_id(tmp_path: Path) -> None:
    folder = tmp_path / "kit"
    code, out = _main(
        tmp_path / "d", "setup-kit", str(_request_file(tmp_path)), "-o", str(folder),
        "--rep-account", REP,
    )  # fmt: skip
    assert code == 0, out
    assert sorted(p.name for p in folder.iterdir()) == sorted(KIT_FILES)
    _, external_id = _main(tmp_path / "d", "external-id", CUSTOMER)
    template = (folder / "byok-setup.cfn.yaml").read_text("utf-8")
    assert external_id.strip() in template
    assert f"arn:aws:iam::{REP}:root" in template


def test_setup_kit_of_an_unknown_request_is_a_usage_error(tmp_path: Path) -> None:
    code, out = _main(tmp_path / "d", "setup-kit", "no-such-uid", "-o", str(tmp_path / "kit"))
    assert code == 2
    assert "no-such-uid" in out


def test_setup_kit_into_a_file_is_an_environment_error(tmp_path: Path) -> None:
    blocker = tmp_path / "kit"
    blocker.write_text("a file, not a folder", "utf-8")
    code, out = _main(
        tmp_path / "d", "setup-kit", str(_request_file(tmp_path)), "-o", str(blocker),
        "--rep-account", REP,
    )  # fmt: skip
    assert code == 3
    assert "cannot write" in out


def test_setup_kit_without_a_verified_profile_says_what_to_do(tmp_path: Path) -> None:
    code, out = _main(tmp_path / "d", "setup-kit", str(_request_file(tmp_path)), "-o", "kit")
    assert code == 4
    assert "No profile of your own is verified" in out


# --- preflight against a moto server (no realistic layer in the subprocess) -------------


@pytest.fixture
def server() -> Iterator[str]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    url = f"http://{host}:{port}"
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()  # moto's state
    # lives in the test process, shared by every server it starts
    try:
        yield url
    finally:
        moto.stop()


def _admin(server: str) -> AwsConnection:
    return AwsConnection(
        AwsConfig(endpoint_url=server, sandbox_account_id=CUSTOMER),
        AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("secret-value")),
        "eu-central-1",
    )


@pytest.fixture
def rep(tmp_path: Path, server: str) -> tuple[Path, dict[str, str]]:
    """A data folder with the rep's own profile (an AWS CLI profile: no keyring needed
    across processes), verified against the server."""
    config = tmp_path / "aws-config"
    config.write_text("[profile rep]\nregion = eu-central-1\n", "utf-8")
    credentials = tmp_path / "aws-credentials"
    credentials.write_text(
        "[rep]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n", "utf-8"
    )
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    data = tmp_path / "d"
    args = ("--aws-endpoint-url", server)
    assert _main(data, *args, "profile", "add", "Rep", "--kind", "cli", "--cli-profile", "rep",
                 env=env)[0] == 0  # fmt: skip
    code, out = _main(data, *args, "profile", "verify", "Rep", env=env)
    assert code == 0, out
    return data, env


def test_preflight_ready_when_the_role_is_set_up(
    tmp_path: Path, server: str, rep: tuple[Path, dict[str, str]]
) -> None:
    data, env = rep
    _, external_id = _main(data, "external-id", CUSTOMER)
    make_provisioning_role(_admin(server), external_id.strip())
    code, out = _main(
        data, "--aws-endpoint-url", server, "preflight", str(_request_file(tmp_path)),
        "--profile", "Rep", env=env,
    )  # fmt: skip
    assert code == 0, out
    assert f"assumed {ROLE_ARN}" in out
    # moto has no SimulatePrincipalPolicy: said, and not a stop.
    assert "can't check permissions" in out
    assert out.rstrip().endswith("ready to provision")


def test_preflight_lists_what_is_missing_and_exits_1(
    tmp_path: Path, server: str, rep: tuple[Path, dict[str, str]]
) -> None:
    data, env = rep
    _, external_id = _main(data, "external-id", CUSTOMER)
    admin = _admin(server)
    make_provisioning_role(admin, external_id.strip())
    # A key-management role that trusts someone else than the key provider.
    admin.client("iam").create_role(
        RoleName=DEFAULT_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    code, out = _main(
        data, "--aws-endpoint-url", server, "preflight", str(_request_file(tmp_path)),
        "--profile", "Rep", env=env,
    )  # fmt: skip
    assert code == 1, out
    assert f"missing: {DEFAULT_ROLE_NAME} exists in account {CUSTOMER} but does not trust" in out
    assert "not ready" in out
