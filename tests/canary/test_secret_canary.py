"""A canary secret goes through everything the app does; it must surface nowhere but the keyring."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from byok_desktop.aws.connection import AwsConfig, AwsConnection
from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.aws.identity import caller_identity
from byok_desktop.context import open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind, ProfileState
from byok_desktop.credentials.keyring_store import SERVICE
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.paths import AppPaths
from byok_desktop.settings import Settings, save_settings
from byok_desktop.transfer import export_requests
from tests.helpers.canary import files_containing, free_port, record_texts
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring

log = logging.getLogger("byok_desktop.canary_test")


def test_the_secret_never_leaves_the_keyring(
    paths: AppPaths, app_logging: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = "CANARY-" + uuid.uuid4().hex
    token = "CANARYTOKEN-" + uuid.uuid4().hex
    needles = [canary.encode(), token.encode()]
    save_settings(paths.core_settings_file, Settings())
    memory = MemoryKeyring()
    context = open_context(paths, keyring_backend=memory)
    failures: list[AwsProblem] = []
    try:
        service = context.credentials
        entry = ProfileInput(
            name="Canary",
            kind=ProfileKind.KEYS,
            access_key_id="ASIAIOSFODNN7EXAMPLE",
            expected_account_id="123456789012",
            session_expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        with mock_aws():
            profile = service.save(None, entry, AwsSecret(canary, token))
            status = service.status(profile)
            assert status.state is ProfileState.UNVERIFIED
            verified, identity = service.verify(profile.uid)
            assert service.status(verified).state is ProfileState.VERIFIED

            connection = service.connect(verified)
            kms = connection.client("kms")
            key_id = kms.create_key(Description="canary key")["KeyMetadata"]["KeyId"]
            assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == [key_id]
            connection.client("kms", "eu-west-1").list_keys()
            creds = service.credentials(verified)
            # The canary really is what signs the calls.
            signer = kms._request_signer._credentials.get_frozen_credentials()
            assert (signer.secret_key, signer.token) == (canary, token)

            store = context.database.requests
            request = store.create(ready_draft())
            exports = paths.data_dir / "exports"
            exports.mkdir()
            export_requests(store, [request.id], exports / "requests.json")

            # A failure with a traceback: the profile now expects another account.
            service.save(profile.uid, replace(entry, expected_account_id="111122223333"), None)
            try:
                service.verify(profile.uid)
            except AwsProblem as exc:
                failures.append(exc)
                log.exception("Verification failed")
        # And one that goes over the network, with the canary's connection.
        unreachable = AwsConnection(
            AwsConfig(endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=1),
            creds,
            "us-east-1",
        )
        try:
            caller_identity(unreachable)
        except AwsProblem as exc:
            failures.append(exc)
            log.exception("Could not reach AWS")

        assert [f.fault for f in failures] == [AwsFault.ACCOUNT_MISMATCH, AwsFault.UNREACHABLE]
        # The keyring holds it: the test is not vacuous.
        assert canary in memory.store[(SERVICE, f"profile/{profile.uid}")]

        reprs = {
            "profile": repr(service.profiles.get(profile.uid)),
            "status": repr(status),
            "identity": repr(identity),
            "context": repr(context),
            "service": repr(service),
            "connection": repr(connection),
            "unreachable connection": repr(unreachable),
            "credentials": repr(creds),
            "credentials str": str(creds),
            "secret": repr(creds.secret),
            "failures": repr(failures) + " ".join(str(f) for f in failures),
        }
        files_while_open = files_containing(paths.data_dir, needles)
    finally:
        context.close()

    for handler in logging.getLogger().handlers:
        handler.flush()
    log_text = app_logging.read_text("utf-8")
    assert app_logging == paths.log_dir / LOG_FILE
    assert "Verified profile Canary" in log_text  # the app's DEBUG/INFO logging was on
    assert "Created kms client" in log_text
    assert "Traceback" in log_text
    assert (paths.data_dir / "exports" / "requests.json").exists()

    assert files_while_open == []
    assert files_containing(paths.data_dir, needles) == []
    leaks = [name for name, text in reprs.items() if canary in text or token in text]
    assert leaks == []
    assert caplog.records
    logged = [t for t in record_texts(caplog.records) if canary in t or token in t]
    assert logged == []
