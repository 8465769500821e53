"""``main.py profile ...`` end to end in the process: the real parser and ``cli.run``,
an in-memory keyring, the fake IAM Identity Center, moto for STS."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from byok_desktop import cli
from byok_desktop.cli_profiles import SSO_ENDPOINT_ENV
from byok_desktop.credentials.keyring_store import SERVICE
from byok_desktop.paths import AppPaths
from byok_desktop_app.launcher import build_parser
from tests.helpers import REPO
from tests.helpers.canary import files_containing, record_texts
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.sso_fake import FakeIdentityCenterServer

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARYKEY"


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    """The keyring every context of these commands opens."""
    backend = MemoryKeyring()
    monkeypatch.setattr("keyring.get_keyring", lambda: backend)
    return backend


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentityCenterServer]:
    server = FakeIdentityCenterServer().start()
    server.state.interval_s = 0
    monkeypatch.setenv(SSO_ENDPOINT_ENV, server.url)
    yield server
    server.stop()


class Cli:
    def __init__(self, paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths = paths
        self.monkeypatch = monkeypatch
        self.outputs: list[str] = []

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str]:
        args = build_parser().parse_args(list(argv))
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        out = io.StringIO()
        code = cli.run(args, self.paths, out=out)
        self.outputs.append(out.getvalue())
        return code, out.getvalue()


@pytest.fixture
def run(paths: AppPaths, monkeypatch: pytest.MonkeyPatch, memory: MemoryKeyring) -> Cli:
    return Cli(paths, monkeypatch)


def test_keys_profile_add_list_verify_remove(run: Cli, memory: MemoryKeyring) -> None:
    code, out = run(
        "profile", "add", "Acme", "--kind", "keys", "--access-key-id", "AKIAIOSFODNN7EXAMPLE",
        stdin=SECRET + "\n",
    )  # fmt: skip
    assert (code, out) == (0, "added 'Acme' (keys)\n")
    assert any(SECRET in v for v in memory.store.values())
    code, out = run("profile", "list")
    assert code == 0
    assert out.startswith("Acme\tkeys\tus-east-1\tNot verified\t")
    with mock_aws():
        code, out = run("profile", "verify", "Acme")
    assert (code, out) == (
        0,
        "verified 'Acme': account 123456789012 as arn:aws:sts::123456789012:user/moto\n",
    )
    code, out = run("profile", "remove", "Acme")
    assert (code, out) == (0, "removed 'Acme'\n")
    assert memory.store == {}
    assert all(SECRET not in o for o in run.outputs)


def test_a_secret_is_never_an_argument(run: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["profile", "add", "A", "--kind", "keys", "--secret", "x"])
    capsys.readouterr()
    code, out = run(
        "profile", "add", "Acme", "--kind", "keys", "--access-key-id", "AKIAIOSFODNN7EXAMPLE"
    )
    assert code == 1
    assert out.startswith("error: Give the secret access key on standard input")
    code, out = run("profile", "verify", "Nobody")
    assert (code, out) == (1, "error: No profile is named 'Nobody'; 'profile list' shows them.\n")


def test_sso_profile_login_verify_logout(
    run: Cli,
    fake: FakeIdentityCenterServer,
    memory: MemoryKeyring,
    paths: AppPaths,
    app_logging: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    code, out = run(
        "profile", "add", "Acme SSO", "--kind", "sso", "--region", "eu-central-1",
        "--sso-session", "acme", "--sso-start-url", fake.state.start_url,
        "--sso-region", "eu-west-1", "--sso-account-id", "123456789012",
        "--sso-role-name", "KeyAdmin",
    )  # fmt: skip
    assert (code, out) == (0, "added 'Acme SSO' (sso)\n")
    code, out = run("profile", "list")
    assert "Not signed in to 'acme'; sign in to use it." in out
    with mock_aws():
        code, out = run("profile", "verify", "Acme SSO")
    assert code == 1
    assert "not signed in to 'acme'" in out
    assert "sign in first" in out

    fake.state.answer("pending", "pending")
    code, out = run("profile", "login", "Acme SSO")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(
        "Open https://device.sso.example.amazonaws.com/ and confirm the code WXYZ-"
    )
    assert lines[1].startswith("or open https://device.sso.example.amazonaws.com/?user_code=WXYZ-")
    assert lines[2].startswith("Signed in to 'acme' until ")
    code, out = run("profile", "login", "Acme SSO")
    assert out.startswith("already signed in to 'acme' until ")
    code, out = run("profile", "accounts", "Acme SSO")
    assert out == (
        "123456789012\tAcme production\tKeyAdmin, ReadOnly\n210987654321\tAcme staging\tKeyAdmin\n"
    )
    with mock_aws():
        code, out = run("profile", "verify", "Acme SSO")
    assert code == 0
    assert out.startswith("verified 'Acme SSO': account 123456789012")
    assert list(memory.store) == [(SERVICE, "sso-session/acme")]

    secrets = fake.state.secrets_seen()
    assert len(secrets) >= 5  # access and refresh token, client secret, role secret and token
    code, out = run("profile", "logout", "Acme SSO")
    assert (code, out) == (0, "signed out of 'acme'\n")
    assert memory.store == {}
    code, out = run("profile", "list")
    assert "Not signed in" in out

    # No secret anywhere but the keyring: the database, the log, the output, log records.
    for handler in logging.getLogger().handlers:
        handler.flush()
    needles = [s.encode() for s in secrets]
    assert files_containing(paths.data_dir, needles) == []
    assert "Signed in to acme" in app_logging.read_text("utf-8")
    assert [o for o in run.outputs if any(s in o for s in secrets)] == []
    assert [t for t in record_texts(caplog.records) if any(s in t for s in secrets)] == []


def test_sso_login_denied_says_so(run: Cli, fake: FakeIdentityCenterServer) -> None:
    run(
        "profile", "add", "Acme SSO", "--kind", "sso", "--sso-start-url", fake.state.start_url,
        "--sso-region", "eu-west-1", "--sso-account-id", "123456789012",
        "--sso-role-name", "KeyAdmin",
    )  # fmt: skip
    fake.state.answer("denied")
    code, out = run("profile", "login", "Acme SSO")
    assert code == 1
    assert out.splitlines()[-1] == (
        "error: The sign-in was denied in the browser; start again and approve it, "
        "or ask your administrator for access."
    )


def test_an_invalid_sso_profile_is_refused_with_what_to_do(run: Cli) -> None:
    code, out = run(
        "profile", "add", "Acme SSO", "--kind", "sso", "--sso-start-url", "acme.awsapps.com",
        "--sso-region", "west", "--sso-role-name", "KeyAdmin",
    )  # fmt: skip
    assert code == 1
    assert "Enter the start URL as your administrator gave it" in out
    assert "Enter the region of IAM Identity Center" in out
    assert "Choose the AWS account to open." in out


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "aws-config"
    credentials = tmp_path / "aws-credentials"
    config.write_text(
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
        "source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/rep\n"
        "region = eu-west-1\n"
    )
    credentials.write_text(
        f"[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return config


def test_mfa_code_from_the_option_never_from_getpass(
    run: Cli, aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_getpass(*args: object, **kwargs: object) -> str:
        raise AssertionError("getpass was used")

    monkeypatch.setattr("getpass.getpass", no_getpass)
    code, out = run("profile", "add", "Admin", "--kind", "cli", "--cli-profile", "admin")
    assert code == 0
    with mock_aws():
        code, out = run("profile", "verify", "Admin")
        assert code == 1
        assert out == (
            "error: The profile assumes a role that needs an MFA code from "
            "arn:aws:iam::123456789012:mfa/rep; pass it with --mfa-code CODE (there is no "
            "terminal to ask on).\n"
        )
        code, out = run("profile", "verify", "Admin", "--mfa-code", "123456")
    assert code == 0
    assert out.startswith(
        "verified 'Admin': account 123456789012 as arn:aws:sts::123456789012:assumed-role/Admin/"
    )


def test_aws_config_lists_the_picker_source(run: Cli, aws_files: Path) -> None:
    code, out = run("profile", "aws-config")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"2 profiles in {aws_files} and {aws_files.parent / 'aws-credentials'}."
    assert lines[1:] == ["admin\tAssume role (MFA)\teu-west-1", "base\tAccess keys\t-"]
    assert SECRET not in out


def test_add_from_the_aws_config(run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile acme]\nsso_session = acme\nsso_account_id = 123456789012\n"
        "sso_role_name = KeyAdmin\nregion = eu-central-1\n"
        "[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\n"
        "sso_region = eu-west-1\n"
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    assert run("profile", "add", "Acme", "--from-aws-config", "acme") == (0, "added 'Acme' (sso)\n")
    assert run("profile", "add", "Admin", "--from-aws-config", "admin") == (
        0,
        "added 'Admin' (cli)\n",
    )
    code, out = run("profile", "add", "X", "--from-aws-config", "nope")
    assert code == 1
    assert out == f"error: No profile 'nope' in the AWS configuration. 2 profiles in {config}.\n"
    code, out = run("profile", "list")
    assert out.splitlines()[0].startswith("Acme\tsso\teu-central-1\tSigned out\tNot signed in")
    assert out.splitlines()[1].startswith("Admin\tcli\tus-east-1\t")


def _main(data_dir: Path, *args: str, stdin: str = "", env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
    return done.returncode, done.stdout + done.stderr


def test_main_py_reads_the_secret_from_standard_input(tmp_path: Path, aws_files: Path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "tests.helpers.memory_keyring.MemoryKeyring"}
    code, out = _main(
        tmp_path / "d", "profile", "add", "Acme", "--kind", "keys",
        "--access-key-id", "AKIAIOSFODNN7EXAMPLE", stdin=SECRET + "\n", env=env,
    )  # fmt: skip
    assert (code, out) == (0, "added 'Acme' (keys)\n")
    code, out = _main(tmp_path / "d", "profile", "aws-config", env=env)
    assert code == 0
    assert out.splitlines()[1:] == ["admin\tAssume role (MFA)\teu-west-1", "base\tAccess keys\t-"]
    assert SECRET not in out


def test_profile_list_shows_a_keys_profiles_age_and_warns_when_old(
    run: Cli, paths: AppPaths
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from byok_desktop.context import open_context
    from byok_desktop.store.models import CredentialProfileRow

    run("profile", "add", "Acme", "--kind", "keys", "--access-key-id", "AKIAIOSFODNN7EXAMPLE",
        stdin=SECRET + "\n")  # fmt: skip
    code, out = run("profile", "list")
    assert code == 0
    assert out.splitlines()[1] == "  key age: 0 day(s)"
    context = open_context(paths, keyring_backend=MemoryKeyring())
    try:
        with context.database.engine.begin() as conn:
            conn.execute(
                update(CredentialProfileRow).values(
                    key_saved_at=datetime.now(UTC) - timedelta(days=120)
                )
            )
    finally:
        context.close()
    code, out = run("profile", "list")
    assert code == 0
    assert out.splitlines()[1].startswith(
        "  key age: 120 day(s); warning: The access key of 'Acme'"
    )
