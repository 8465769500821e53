"""The AWS configuration's profiles for a picker: kinds, regions, the files read."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok_desktop.aws.config_profiles import ConfigProfileKind, list_config_profiles
from byok_desktop.credential_profiles import SsoSession

CONFIG = """\
[default]
region = us-east-1

[profile acme-sso]
sso_session = acme
sso_account_id = 123456789012
sso_role_name = KeyAdmin
region = eu-central-1

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile legacy-sso]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 210987654321
sso_role_name = ReadOnly

[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = default
mfa_serial = arn:aws:iam::111122223333:mfa/rep

[profile vault]
credential_process = /usr/bin/aws-vault export --format=json acme

[profile lost]
sso_session = missing

[services dev]
s3 =
  endpoint_url = http://localhost:4566
"""

CREDENTIALS = """\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = CANARY-never-listed

[keys-only]
aws_access_key_id = AKIAIOSFODNN7SECOND0
aws_secret_access_key = CANARY-never-listed
"""


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    config = tmp_path / "elsewhere" / "config"
    credentials = tmp_path / "elsewhere" / "creds"
    config.parent.mkdir()
    config.write_text(CONFIG)
    credentials.write_text(CREDENTIALS)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return config, credentials


def test_profiles_with_their_kind_and_region_from_the_env_files(
    files: tuple[Path, Path],
) -> None:
    config, credentials = files
    listing = list_config_profiles()
    assert listing.read == [config, credentials]
    kinds = {p.name: (p.kind, p.region) for p in listing.profiles}
    assert kinds == {
        "default": (ConfigProfileKind.KEYS, "us-east-1"),
        "acme-sso": (ConfigProfileKind.SSO, "eu-central-1"),
        "legacy-sso": (ConfigProfileKind.SSO, ""),
        "admin": (ConfigProfileKind.ASSUME_ROLE, ""),
        "vault": (ConfigProfileKind.PROCESS, ""),
        "lost": (ConfigProfileKind.SSO, ""),
        "keys-only": (ConfigProfileKind.KEYS, ""),
    }
    assert listing.profiles[0].name == "default"
    sso = listing.find("acme-sso")
    assert sso is not None
    assert sso.sso_session == SsoSession("acme", "https://acme.awsapps.com/start", "eu-west-1")
    assert (sso.sso_account_id, sso.sso_role_name) == ("123456789012", "KeyAdmin")
    admin = listing.find("admin")
    assert admin is not None
    assert admin.needs_mfa
    assert listing.find("default") is not None
    assert "CANARY" not in repr(listing)
    assert listing.problems == [
        f"Profile 'lost' in {config} names the sso-session 'missing', which that file "
        "does not define."
    ]
    assert str(config) in listing.summary
    assert str(credentials) in listing.summary


def test_missing_and_unreadable_files_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    listing = list_config_profiles()
    assert listing.profiles == []
    assert listing.read == []
    assert str(config) in listing.summary
    assert str(tmp_path / "none") in listing.summary
    config.write_text("region = us-east-1\n[profile x\n")
    broken = list_config_profiles()
    assert len(broken.problems) == 1
    assert broken.problems[0].startswith(f"The AWS configuration {config} could not be read:")


def test_the_home_folder_without_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    monkeypatch.delenv("AWS_SHARED_CREDENTIALS_FILE", raising=False)
    aws = Path.home() / ".aws"
    aws.mkdir()
    (aws / "config").write_text("[profile home]\nregion = eu-west-1\n")
    listing = list_config_profiles()
    assert [(p.name, p.kind, p.region) for p in listing.profiles] == [
        ("home", ConfigProfileKind.OTHER, "eu-west-1")
    ]
    assert listing.read == [aws / "config"]
