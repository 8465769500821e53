"""From no credentials to a provisioned product by script: real ``main.py`` processes,
the rep signed in with IAM Identity Center (the local fake, reached through
BYOK_DESKTOP_SSO_ENDPOINT_URL), the customer's provisioning role assumed with the
account's ExternalId, AWS a moto server seen through the realistic layer (it enforces
the role's trust policy), and the sign-in token in a real GNOME Keyring shared by the
processes. docs/credentials.md, "From nothing to a provisioned product", walks the same
commands."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from moto.server import ThreadedMotoServer

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.credentials.sso import SSO_ENDPOINT_ENV
from byok_desktop.provisioning.permissions import PROVISIONING_ROLE_NAME, provisioning_trust_policy
from tests.helpers import REPO
from tests.helpers.canary import files_containing
from tests.helpers.customer_account import CUSTOMER, REP, ROLE_ARN, make_provisioning_role
from tests.helpers.secret_service import private_keyring
from tests.helpers.sso_fake import FakeIdentityCenterServer

UID = "aaaaaaaa-0000-0000-0000-0000000000e2"
PROFILE = "Rep"


@dataclass
class Workstation:
    data: Path
    env: dict[str, str]
    server: str
    fake: FakeIdentityCenterServer

    def main(self, *args: str) -> tuple[int, str]:
        """``main.py ARGS`` through the realistic layer, as a script runs it (no terminal)."""
        runner = [sys.executable, "-m", "tests.helpers.realistic_cli", self.server, CUSTOMER]
        where = ["--data-dir", str(self.data), "--aws-endpoint-url", self.server]
        done = subprocess.run(
            [*runner, *where, *args],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=self.env,
        )
        return done.returncode, done.stdout + done.stderr

    def admin(self) -> AwsConnection:
        """The customer's admin, in the customer's account."""
        return AwsConnection(
            AwsConfig(endpoint_url=self.server, sandbox_account_id=CUSTOMER),
            AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("secret-value")),
            "eu-central-1",
        )


@pytest.fixture
def workstation(tmp_path: Path) -> Iterator[Workstation]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    server = f"http://{host}:{port}"
    requests.post(f"{server}/moto-api/reset", timeout=10).raise_for_status()
    fake = FakeIdentityCenterServer().start()
    fake.state.interval_s = 0
    aws_files = tmp_path / "aws"
    aws_files.mkdir()
    try:
        with private_keyring() as keyring_env:
            env = {
                **os.environ,
                **keyring_env,
                SSO_ENDPOINT_ENV: fake.url,
                # No AWS CLI set-up of its own: nothing but the app's sign-in.
                "AWS_CONFIG_FILE": str(aws_files / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(aws_files / "credentials"),
                "PYTHONPATH": str(REPO),
            }
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
                env.pop(name, None)
            yield Workstation(tmp_path / "data", env, server, fake)
    finally:
        fake.stop()
        moto.stop()


def _request_file(folder: Path) -> Path:
    request = {
        "uid": UID,
        "aws_account_id": CUSTOMER,
        "customer_role_arn": ROLE_ARN,
        "site_name": "acme",
        "desired_users": 1500,
        "location": "eu",
        "products": ["confluence"],
        "customer_org": "Acme",
        "requester": {"name": "Ada", "email": "ada@example.com", "is_org_admin": True},
        "notes": "",
    }
    path = folder / "acme.byok.json"
    document = {"format": "byok-desktop/request-file", "version": 1, "requests": [request]}
    path.write_text(json.dumps(document), "utf-8")
    return path


def _signed_in(ws: Workstation) -> None:
    """The rep's side: an SSO profile, signed in and verified."""
    code, out = ws.main(
        "profile", "add", PROFILE, "--kind", "sso",
        "--sso-start-url", ws.fake.state.start_url, "--sso-region", "eu-west-1",
        "--sso-account-id", REP, "--sso-role-name", "KeyAdmin",
        "--account", REP, "--region", "eu-central-1",
    )  # fmt: skip
    assert (code, out) == (0, f"added '{PROFILE}' (sso)\n")
    code, out = ws.main("profile", "login", PROFILE)
    assert code == 0, out
    # No terminal, no browser: the code and the page to enter it on are printed.
    assert re.search(r"WXYZ-[0-9A-F]{4}", out), out
    assert "or open https://device.sso.example.amazonaws.com/?user_code=WXYZ-" in out
    assert ws.fake.state.count("token") >= 1
    code, out = ws.main("profile", "verify", PROFILE)
    assert code == 0, out
    assert out.startswith(f"verified '{PROFILE}': account {REP} as ")


def _external_id(ws: Workstation) -> str:
    code, out = ws.main("external-id", CUSTOMER)
    assert code == 0, out
    return out.strip()


def _imported(ws: Workstation, folder: Path) -> str:
    code, out = ws.main("import", str(_request_file(folder)))
    assert code == 0, out
    code, out = ws.main("list")
    assert code == 0, out
    found = re.search(r"^#?(\d+)\b.*Ready", out, re.MULTILINE)
    assert found, out
    return found.group(1)


def test_sign_in_and_customer_role_to_an_active_product_by_cli(
    workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    _signed_in(ws)
    # The customer's side: the setup kit, which their admin runs (emulated: the same
    # role, trust and inline policy, made in their account).
    external_id = _external_id(ws)
    request_id = _imported(ws, tmp_path)
    kit = tmp_path / "kit"
    code, out = ws.main("setup-kit", UID, "-o", str(kit))
    assert code == 0, out
    template = (kit / "byok-setup.cfn.yaml").read_text("utf-8")
    assert external_id in template
    assert f"arn:aws:iam::{REP}:root" in template  # the account the verified sign-in opens
    make_provisioning_role(ws.admin(), external_id)

    code, out = ws.main("preflight", UID, "--profile", PROFILE)
    assert code == 0, out
    assert f"assumed {ROLE_ARN} with ExternalId {external_id}" in out
    # The layer answers SimulatePrincipalPolicy from the role's policy: checked for real.
    assert "every permission provisioning needs is allowed" in out
    assert out.rstrip().endswith("ready to provision")

    code, out = ws.main("provision", "--yes", "--profile", PROFILE, request_id)
    assert code == 0, out
    code, out = ws.main("health")
    assert code == 0, out
    assert out.strip() == "acme/confluence: Active", out
    code, out = ws.main("list")
    assert re.search(rf"^#?{request_id}\b.*Provisioned", out, re.MULTILINE), out
    # The keys were made in the customer's account, by the chained role.
    keys = ws.admin().client("kms").list_keys()["Keys"]
    assert keys
    # The sign-in's tokens and the portal's credentials are in the keyring, never in
    # the data folder (database, logs, settings).
    secrets = [s.encode() for s in ws.fake.state.secrets_seen()]
    assert secrets
    assert files_containing(ws.data, secrets) == []


def test_a_trust_with_another_external_id_is_refused_before_locking(
    workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    _signed_in(ws)
    external_id = _external_id(ws)
    admin = ws.admin()
    make_provisioning_role(admin, external_id)
    # The customer's trust now names another ExternalId (a copy-paste from another vendor).
    admin.client("iam").update_assume_role_policy(
        RoleName=PROVISIONING_ROLE_NAME,
        PolicyDocument=json.dumps(provisioning_trust_policy(REP, "someone-elses-external-id")),
    )
    request_id = _imported(ws, tmp_path)

    code, out = ws.main("preflight", UID, "--profile", PROFILE)
    assert code == 4, out  # AWS refused the role: the same code as provision's
    assert f"with ExternalId {external_id}" in out
    assert out.rstrip().endswith("not ready: see missing above")
    code, out = ws.main("provision", "--yes", "--profile", PROFILE, request_id)
    assert code == 4, out
    assert f"with ExternalId {external_id}" in out
    assert "nothing was submitted" in out
    code, out = ws.main("list")
    assert re.search(rf"^#?{request_id}\b.*Ready", out, re.MULTILINE), out
    assert admin.client("kms").list_keys()["Keys"] == []
