"""An IAM Identity Center sign-in's secrets (tokens, the client secret, role credentials)
surface nowhere but the keyring: not the database, the log, exceptions or reprs."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest
from moto import mock_aws

from byok_desktop.aws.errors import AwsProblem
from byok_desktop.context import open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind, SsoSession
from byok_desktop.credentials.keyring_store import SERVICE
from byok_desktop.credentials.sso import SignInFailed
from byok_desktop.paths import AppPaths
from tests.helpers.canary import files_containing, record_texts
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.sso_fake import FakeIdentityCenterServer

log = logging.getLogger("byok_desktop.canary_test")


def test_sign_in_secrets_never_leave_the_keyring(
    paths: AppPaths, app_logging: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeIdentityCenterServer().start()
    fake.state.interval_s = 0
    fake.state.token_lifetime_s = 120  # inside the renewal margin: every use refreshes
    memory = MemoryKeyring()
    context = open_context(paths, keyring_backend=memory)
    failures: list[BaseException] = []
    try:
        service = context.credentials
        service.sso_endpoint_url = fake.url
        service.aws_cli_sso_cache = tmp_path / "cli-cache"
        session = SsoSession("acme", fake.state.start_url, "eu-west-1")
        profile = service.save(
            None,
            ProfileInput(
                name="Canary",
                kind=ProfileKind.SSO,
                sso_session=session,
                sso_account_id="123456789012",
                sso_role_name="KeyAdmin",
            ),
            None,
        )
        sign_in = service.sign_in(session)
        steps = list(sign_in.device_flow())
        token = sign_in.token()  # refreshed
        with mock_aws():
            verified, identity = service.verify(profile.uid)
            connection = service.connect(verified)
            connection.client("kms").list_keys()
        role = sign_in.role_credentials("123456789012", "KeyAdmin")
        assert fake.state.count("token") >= 2  # the test is not vacuous: it refreshed
        assert memory.store[(SERVICE, "sso-session/acme")]
        # Identity Center forgets the session: a failure with a traceback.
        fake.state.revoke_all_tokens()
        sign_in._role_credentials.clear()
        fake.state.refresh_allowed = False
        try:
            sign_in.role_credentials("123456789012", "KeyAdmin")
        except (SignInFailed, AwsProblem) as exc:
            failures.append(exc)
            log.exception("Role credentials failed")
        reprs = {
            "steps": repr(steps),
            "token": repr(token) + str(token),
            "role": repr(role),
            "sign_in": repr(sign_in),
            "connection": repr(connection),
            "profile": repr(service.profiles.get(profile.uid)),
            "identity": repr(identity),
            "failures": "".join("".join(traceback.format_exception(f)) + repr(f) for f in failures),
        }
        assert failures
    finally:
        context.close()
        fake.stop()

    secrets = fake.state.secrets_seen()
    assert len(secrets) >= 6
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert files_containing(paths.data_dir, [s.encode() for s in secrets]) == []
    log_text = app_logging.read_text("utf-8")
    assert "Signed in to acme" in log_text
    assert "Traceback" in log_text
    assert [name for name, text in reprs.items() if any(s in text for s in secrets)] == []
    assert [t for t in record_texts(caplog.records) if any(s in t for s in secrets)] == []
