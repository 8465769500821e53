"""SSO and MFA profiles through CredentialService: what the GUI will call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.context import AppContext, open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind, ProfileState, SsoSession
from byok_desktop.credentials.service import CredentialService, ProfileInvalid
from byok_desktop.credentials.sso import SSO_ENDPOINT_ENV, SignedIn
from byok_desktop.paths import AppPaths
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.sso_fake import FakeIdentityCenterServer


@pytest.fixture
def fake() -> Iterator[FakeIdentityCenterServer]:
    server = FakeIdentityCenterServer().start()
    server.state.interval_s = 0
    yield server
    server.stop()


@pytest.fixture
def service(
    context: AppContext, fake: FakeIdentityCenterServer, tmp_path: Path
) -> CredentialService:
    context.credentials.sso_endpoint_url = fake.url
    context.credentials.aws_cli_sso_cache = tmp_path / "no-cli-cache"
    return context.credentials


def sso_entry(
    fake: FakeIdentityCenterServer, name: str = "Acme", role: str = "KeyAdmin"
) -> ProfileInput:
    return ProfileInput(
        name=name,
        kind=ProfileKind.SSO,
        default_region="eu-central-1",
        sso_session=SsoSession("acme", fake.state.start_url, "eu-west-1"),
        sso_account_id="123456789012",
        sso_role_name=role,
    )


def test_an_sso_profile_signs_in_verifies_and_shares_its_connection(
    service: CredentialService, fake: FakeIdentityCenterServer
) -> None:
    profile = service.save(None, sso_entry(fake), None)
    assert profile.sso_session == SsoSession("acme", fake.state.start_url, "eu-west-1")
    assert not profile.uses_keyring
    status = service.status(profile)
    assert status.state is ProfileState.SIGNED_OUT
    assert status.detail == "Not signed in to 'acme'; sign in to use it."
    with pytest.raises(AwsProblem) as caught:
        service.connect(profile)
    assert caught.value.fault is AwsFault.EXPIRED_CREDENTIALS

    assert service.sign_in(profile.sso_session) is service.sign_in(profile.sso_session)
    steps = list(service.sign_in(profile.sso_session).device_flow())
    assert isinstance(steps[-1], SignedIn)
    assert service.status(profile).state is ProfileState.UNVERIFIED
    with mock_aws():
        verified, identity = service.verify(profile.uid)
        assert verified.verification is not None
        assert identity.account_id == "123456789012"
        assert service.connect(verified) is service.connect(verified)
        service.connect(verified).client("kms").list_keys()
    assert fake.state.count("credentials") == 1  # kept in memory, shared
    assert service.status(verified).state is ProfileState.VERIFIED


def test_profiles_share_a_session_and_removing_the_last_signs_out(
    service: CredentialService, fake: FakeIdentityCenterServer, context: AppContext
) -> None:
    first = service.save(None, sso_entry(fake), None)
    second = service.save(None, sso_entry(fake, "Acme read-only", "ReadOnly"), None)
    list(service.sign_in(SsoSession("acme", fake.state.start_url, "eu-west-1")).device_flow())
    assert service.status(second).state is ProfileState.UNVERIFIED
    service.delete(first.uid)
    assert service.status(second).state is ProfileState.UNVERIFIED  # still signed in
    service.delete(second.uid)
    assert service.secrets.load_item("sso-session/acme") is None


def test_an_sso_profile_needs_its_start_url_account_and_role(
    service: CredentialService, fake: FakeIdentityCenterServer
) -> None:
    entry = ProfileInput(name="Acme", kind=ProfileKind.SSO)
    with pytest.raises(ProfileInvalid) as caught:
        service.save(None, entry, None)
    assert caught.value.problems == ["Enter the IAM Identity Center start URL and its region."]


@pytest.fixture
def mfa_profile_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
        "source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/rep\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))


@pytest.mark.usefixtures("mfa_profile_files")
def test_the_mfa_code_comes_from_the_callers_prompter_on_any_thread(
    service: CredentialService,
) -> None:
    profile = service.save(
        None, ProfileInput(name="Admin", kind=ProfileKind.CLI, cli_profile="admin"), None
    )
    asked: list[tuple[str, str]] = []

    def prompter(serial: str) -> str:
        asked.append((serial, threading.current_thread().name))
        return "123456"

    with mock_aws():
        with pytest.raises(AwsProblem) as caught:
            service.verify(profile.uid)  # nobody to ask: a sentence, not getpass
        assert "needs an MFA code from arn:aws:iam::123456789012:mfa/rep" in str(caught.value)
        service.forget_connections()
        service.mfa_prompter = prompter
        result: list[object] = []
        worker = threading.Thread(
            target=lambda: result.append(service.verify(profile.uid)), name="worker"
        )
        worker.start()
        worker.join(30)
    assert asked == [("arn:aws:iam::123456789012:mfa/rep", "worker")]
    assert len(result) == 1


def test_the_status_says_until_when_and_tells_expired_from_signed_out(
    service: CredentialService, fake: FakeIdentityCenterServer
) -> None:
    profile = service.save(None, sso_entry(fake), None)
    assert profile.sso_session is not None
    sign_in = service.sign_in(profile.sso_session)
    list(sign_in.device_flow())
    status = service.status(profile)
    assert status.sign_in is not None
    assert status.sign_in.expires_at is not None
    assert not status.sign_in.from_aws_cli
    assert status.detail.startswith(
        f"Signed in to 'acme' until {status.sign_in.expires_at:%Y-%m-%d %H:%M} UTC, "
        "as role KeyAdmin in account 123456789012."
    )
    assert status.credentials_until is None  # none fetched yet
    sign_in.role_credentials("123456789012", "KeyAdmin")
    assert service.status(profile).credentials_until is not None

    fake.state.refresh_allowed = False
    ended = status.sign_in.expires_at.timestamp()
    sign_in._clock = lambda: ended + 60
    expired = service.status(profile)
    assert expired.state is ProfileState.EXPIRED
    assert expired.detail == "The sign-in to 'acme' expired; sign in again to use it."

    service.sign_out(profile.sso_session)
    assert service.status(profile).state is ProfileState.SIGNED_OUT


def test_the_app_signs_in_where_the_environment_says(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch, fake: FakeIdentityCenterServer
) -> None:
    monkeypatch.setenv(SSO_ENDPOINT_ENV, fake.url)
    opened = open_context(paths, keyring_backend=MemoryKeyring())
    try:
        assert opened.credentials.sso_endpoint_url == fake.url
    finally:
        opened.close()
