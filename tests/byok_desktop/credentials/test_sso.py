"""Signing in through IAM Identity Center, against the local fake of its APIs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.identity import caller_identity
from byok_desktop.credential_profiles import SsoSession
from byok_desktop.credentials.keyring_store import SERVICE, SecretStore
from byok_desktop.credentials.sso import (
    CodeReady,
    SignedIn,
    SignInFailed,
    SignInFault,
    SsoSignIn,
    Waiting,
    token_username,
)
from tests.helpers.fixtures import MakeSecretStore
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.sso_fake import FakeIdentityCenter, FakeIdentityCenterServer


@pytest.fixture
def fake() -> Iterator[FakeIdentityCenterServer]:
    server = FakeIdentityCenterServer().start()
    yield server
    server.stop()


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def secrets(memory: MemoryKeyring, make_secret_store: MakeSecretStore) -> SecretStore:
    return make_secret_store(backend=memory)


@pytest.fixture
def cli_cache(tmp_path: Path) -> Path:
    return tmp_path / "aws-cli-sso-cache"


def session_of(state: FakeIdentityCenter) -> SsoSession:
    return SsoSession("acme", state.start_url, "eu-west-1")


@pytest.fixture
def sign_in(fake: FakeIdentityCenterServer, secrets: SecretStore, cli_cache: Path) -> SsoSignIn:
    return SsoSignIn(
        session_of(fake.state), secrets, endpoint_url=fake.url, aws_cli_cache=cli_cache
    )


def run_flow(sign_in: SsoSignIn) -> list[object]:
    """Drive the flow as the CLI does, without waiting: the fake answers at once."""
    return list(sign_in.device_flow())


def test_pending_then_slow_down_then_signed_in(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer, memory: MemoryKeyring
) -> None:
    fake.state.answer("pending", "slow_down")
    steps = run_flow(sign_in)
    kinds = [type(s) for s in steps]
    assert kinds == [CodeReady, Waiting, Waiting, Waiting, SignedIn]
    code = steps[0]
    assert isinstance(code, CodeReady)
    assert code.user_code.startswith("WXYZ-")
    assert code.verification_uri in code.message
    assert code.user_code in code.message
    waits = [s for s in steps if isinstance(s, Waiting)]
    assert [(w.seconds, w.slowed_down) for w in waits] == [(1, False), (1, False), (6, True)]
    assert "less often" in waits[-1].message
    assert fake.state.count("token") == 3
    # The token is in the keyring and nowhere else in the app.
    stored = memory.store[(SERVICE, token_username(sign_in.session))]
    token = sign_in.token()
    assert token is not None
    assert token.access_token in stored
    assert token.refresh_token
    assert token.refresh_token in stored
    assert token.access_token not in repr(token)
    assert token.access_token not in str(steps)


@pytest.mark.parametrize(
    ("answer", "fault", "words"),
    [
        ("expired", SignInFault.EXPIRED, "expired before it was confirmed"),
        ("denied", SignInFault.DENIED, "denied"),
    ],
)
def test_expired_and_denied_end_the_flow_with_a_sentence(
    sign_in: SsoSignIn,
    fake: FakeIdentityCenterServer,
    memory: MemoryKeyring,
    answer: str,
    fault: SignInFault,
    words: str,
) -> None:
    fake.state.answer("pending", answer)
    with pytest.raises(SignInFailed) as caught:
        run_flow(sign_in)
    assert caught.value.fault is fault
    assert words in str(caught.value)
    assert memory.store == {}
    assert sign_in.token() is None


def test_the_code_expires_on_the_clock_without_another_poll(
    fake: FakeIdentityCenterServer, secrets: SecretStore, cli_cache: Path
) -> None:
    now = [1_800_000_000.0]
    sign_in = SsoSignIn(
        session_of(fake.state),
        secrets,
        endpoint_url=fake.url,
        aws_cli_cache=cli_cache,
        clock=lambda: now[0],
    )
    fake.state.answer("pending", "pending", "pending")
    flow = sign_in.device_flow()
    assert isinstance(next(flow), CodeReady)
    assert isinstance(next(flow), Waiting)
    now[0] += fake.state.device_lifetime_s + 1
    with pytest.raises(SignInFailed) as caught:
        next(flow)  # the first poll (pending), then the clock says it is over
    assert caught.value.fault is SignInFault.EXPIRED
    assert fake.state.count("token") == 1


def test_a_wrong_start_url_is_refused_with_a_sentence(
    fake: FakeIdentityCenterServer, secrets: SecretStore, cli_cache: Path
) -> None:
    session = SsoSession("acme", "https://other.awsapps.com/start", "eu-west-1")
    sign_in = SsoSignIn(session, secrets, endpoint_url=fake.url, aws_cli_cache=cli_cache)
    with pytest.raises(SignInFailed) as caught:
        run_flow(sign_in)
    assert caught.value.fault is SignInFault.REJECTED
    assert "https://other.awsapps.com/start" in str(caught.value)


def test_a_token_near_expiry_is_refreshed_and_kept_in_the_keyring(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer, memory: MemoryKeyring
) -> None:
    fake.state.token_lifetime_s = 60  # inside the renewal margin at once
    run_flow(sign_in)
    first = memory.store[(SERVICE, token_username(sign_in.session))]
    fake.state.token_lifetime_s = 3600
    token = sign_in.token()
    assert token is not None
    assert token.valid(datetime.now(UTC))
    assert fake.state.count("token") == 2  # the device grant, then the refresh
    second = memory.store[(SERVICE, token_username(sign_in.session))]
    assert second != first
    assert token.access_token in second
    assert [a.account_id for a in sign_in.accounts()] == ["123456789012", "210987654321"]


def test_a_refused_refresh_means_signing_in_again_once_the_token_expires(
    fake: FakeIdentityCenterServer, secrets: SecretStore, cli_cache: Path
) -> None:
    now = [1_800_000_000.0]
    sign_in = SsoSignIn(
        session_of(fake.state),
        secrets,
        endpoint_url=fake.url,
        aws_cli_cache=cli_cache,
        clock=lambda: now[0],
    )
    fake.state.token_lifetime_s = 60
    run_flow(sign_in)
    fake.state.refresh_allowed = False
    assert sign_in.token() is not None  # still valid for a minute: used as it is
    assert sign_in.token() is not None
    assert fake.state.count("token") == 2  # one refused refresh, not one per use
    now[0] += 61
    assert sign_in.token() is None
    with pytest.raises(SignInFailed) as caught:
        sign_in.accounts()
    assert caught.value.fault is SignInFault.NOT_SIGNED_IN
    assert "sign in first" in str(caught.value)


def test_the_token_survives_a_restart_through_the_keyring(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer, secrets: SecretStore, cli_cache: Path
) -> None:
    run_flow(sign_in)
    again = SsoSignIn(sign_in.session, secrets, endpoint_url=fake.url, aws_cli_cache=cli_cache)
    assert [r.role_name for r in again.roles("123456789012")] == ["KeyAdmin", "ReadOnly"]


def test_sign_out_forgets_the_token_everywhere(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer, memory: MemoryKeyring
) -> None:
    run_flow(sign_in)
    token = sign_in.access_token()
    sign_in.sign_out()
    assert memory.store == {}
    assert token not in fake.state.access_tokens  # ended at Identity Center too
    assert sign_in.token() is None


def write_cli_cache(folder: Path, key: str, start_url: str, token: str, expires: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (hashlib.sha1(key.encode()).hexdigest() + ".json")
    path.write_text(
        json.dumps(
            {
                "startUrl": start_url,
                "region": "eu-west-1",
                "accessToken": token,
                "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    )
    return path


def test_a_valid_aws_cli_token_is_used_instead_of_asking(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer, memory: MemoryKeyring, cli_cache: Path
) -> None:
    fake.state.access_tokens.add("cli-token")
    path = write_cli_cache(
        cli_cache, "acme", fake.state.start_url, "cli-token", datetime.now(UTC) + timedelta(hours=1)
    )
    before = path.read_bytes()
    token = sign_in.token()
    assert token is not None
    assert token.from_aws_cli
    assert sign_in.uses_aws_cli_token
    assert [a.name for a in sign_in.accounts()] == ["Acme production", "Acme staging"]
    assert memory.store == {}  # never copied
    assert path.read_bytes() == before  # never written
    sign_in.sign_out()
    assert path.exists()
    assert "cli-token" in fake.state.access_tokens


@pytest.mark.parametrize("case", ["other start URL", "expired", "broken"])
def test_an_unusable_aws_cli_token_is_ignored(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer, cli_cache: Path, case: str
) -> None:
    url = "https://other.awsapps.com/start" if case == "other start URL" else fake.state.start_url
    expires = datetime.now(UTC) + (
        timedelta(minutes=1) if case == "expired" else timedelta(hours=1)
    )
    path = write_cli_cache(cli_cache, "acme", url, "cli-token", expires)
    if case == "broken":
        path.write_text("{not json")
    assert sign_in.token() is None


def test_role_credentials_are_kept_in_memory_and_renewed_before_expiry(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer
) -> None:
    run_flow(sign_in)
    first = sign_in.role_credentials("123456789012", "KeyAdmin")
    assert sign_in.role_credentials("123456789012", "KeyAdmin") is first
    assert fake.state.count("credentials") == 1
    assert first.secret.secret_access_key not in repr(first)
    fake.state.credential_lifetime_s = 60  # inside the renewal margin
    sign_in._role_credentials.clear()
    sign_in.role_credentials("123456789012", "KeyAdmin")
    sign_in.role_credentials("123456789012", "KeyAdmin")
    assert fake.state.count("credentials") == 3


def test_portal_credentials_sign_sts_calls(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer
) -> None:
    run_flow(sign_in)
    source = sign_in.role_source("123456789012", "KeyAdmin")
    connection = AwsConnection(AwsConfig(), AwsCredentials(source=source), "eu-west-1")
    with mock_aws():
        identity = caller_identity(connection)
        sts = connection.client("sts")
        signer = sts._request_signer._credentials.get_frozen_credentials()
    assert signer.access_key == fake.state.issued_keys[-1]
    assert identity.account_id == "123456789012"  # moto's default account
    assert "source=SsoRoleSource('acme', 123456789012, KeyAdmin)" in repr(connection)


def test_a_token_identity_center_no_longer_accepts_is_forgotten(
    sign_in: SsoSignIn, fake: FakeIdentityCenterServer, memory: MemoryKeyring
) -> None:
    run_flow(sign_in)
    fake.state.revoke_all_tokens()
    with pytest.raises(SignInFailed) as caught:
        sign_in.accounts()
    assert caught.value.fault is SignInFault.NOT_SIGNED_IN
    assert str(caught.value) == (
        "IAM Identity Center no longer accepts the sign-in to 'acme'; sign in again."
    )
    assert memory.store == {}
    assert sign_in.token() is None
