"""CredentialService: keyring first, states, verification against moto, CLI profiles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import keyring.backends.fail
import pytest
from jaraco.classes import properties

from byok_desktop.aws.connection import AwsConfig
from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import (
    Profile,
    ProfileInput,
    ProfileKind,
    ProfileNameTaken,
    ProfileNotFound,
    ProfileState,
)
from byok_desktop.credentials.keyring_store import KeyringFault, KeyringProblem
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.credentials.service import (
    SANDBOX_ACCESS_KEY_ID,
    CredentialService,
    ProfileInvalid,
)
from byok_desktop.store.profiles import ProfileStore
from tests.helpers.fixtures import MakeSecretStore
from tests.helpers.memory_keyring import MemoryKeyring

KEY = "AKIAIOSFODNN7EXAMPLE"
KEY_2 = "AKIAIOSFODNN7SECOND0"
KEY_3 = "AKIAIOSFODNN7THIRD00"
TEMP_KEY = "ASIAIOSFODNN7EXAMPLE"
SECRET = AwsSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
MOTO_ACCOUNT = "123456789012"


class OtherMemoryKeyring(MemoryKeyring):
    """Another backend class: the keyring in use changed since the profile was saved."""

    @properties.classproperty
    def priority(cls) -> float:  # never chosen by keyring's own discovery
        raise RuntimeError("a test double")


class NoSecrets:
    """A secret store that must not be used: any call fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the keyring was used ({name})")


class Recorder:
    """An aws_config callback that counts its calls."""

    def __init__(self) -> None:
        self.calls: list[Profile] = []

    def __call__(self, profile: Profile) -> AwsConfig:
        self.calls.append(profile)
        return AwsConfig()


def keys_entry(**changes: object) -> ProfileInput:
    entry = ProfileInput(name="Acme", kind=ProfileKind.KEYS, access_key_id=KEY)
    return replace(entry, **changes) if changes else entry  # type: ignore[arg-type]


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def profiles(context: AppContext) -> ProfileStore:
    return ProfileStore(context.database.engine)


@pytest.fixture
def aws_config() -> Recorder:
    return Recorder()


@pytest.fixture
def service(
    profiles: ProfileStore,
    memory: MemoryKeyring,
    aws_config: Recorder,
    make_secret_store: MakeSecretStore,
) -> CredentialService:
    return CredentialService(profiles, make_secret_store(5.0, memory), aws_config)


def service_with(profiles: ProfileStore, secrets: Any) -> CredentialService:
    def no_aws(profile: Profile) -> AwsConfig:
        raise AssertionError("AWS was used")

    return CredentialService(profiles, secrets, no_aws)


# --- save and delete ----------------------------------------------------------------------


def test_save_keeps_the_secret_in_the_keyring_only(
    service: CredentialService, memory: MemoryKeyring, context: AppContext
) -> None:
    profile = service.save(None, keys_entry(), SECRET)

    assert profile.keyring_backend.endswith("MemoryKeyring")
    assert service.secrets.load(profile.uid) == SECRET
    assert len(memory.store) == 1
    raw = b"".join(p.read_bytes() for p in context.database.path.parent.glob("byok.sqlite3*"))
    assert SECRET.secret_access_key.encode() not in raw


def test_save_writes_the_keyring_first(
    profiles: ProfileStore, make_secret_store: MakeSecretStore
) -> None:
    failing = CredentialService(
        profiles, make_secret_store(5.0, keyring.backends.fail.Keyring()), Recorder()
    )

    with pytest.raises(KeyringProblem) as caught:
        failing.save(None, keys_entry(), SECRET)

    assert caught.value.fault is KeyringFault.NO_BACKEND
    assert profiles.list() == []


def test_an_invalid_profile_writes_nothing(
    service: CredentialService, memory: MemoryKeyring
) -> None:
    with pytest.raises(ProfileInvalid) as caught:
        service.save(None, keys_entry(access_key_id="bad", default_region="x"), SECRET)

    assert len(caught.value.problems) == 2
    assert memory.store == {}
    assert service.profiles.list() == []


def test_a_new_profile_needs_its_secret(service: CredentialService) -> None:
    with pytest.raises(ProfileInvalid, match="Enter the secret access key"):
        service.save(None, keys_entry(), None)


def test_saving_without_a_secret_keeps_the_stored_one(
    service: CredentialService, memory: MemoryKeyring
) -> None:
    first = service.save(None, keys_entry(), SECRET)
    backend = first.keyring_backend
    memory_before = dict(memory.store)

    renamed = service.save(first.uid, keys_entry(name="Acme (prod)"), None)

    assert renamed.name == "Acme (prod)"
    assert renamed.keyring_backend == backend
    assert memory.store == memory_before
    assert service.credentials(renamed).secret == SECRET


def test_saving_without_a_secret_keeps_the_session_token(service: CredentialService) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    entry = keys_entry(access_key_id=TEMP_KEY, session_expires_at=later)
    first = service.save(None, entry, AwsSecret("s", "token"))

    again = service.save(first.uid, replace(entry, name="Renamed"), None)

    assert again.has_session_token is True
    assert service.credentials(again).secret == AwsSecret("s", "token")


def test_a_new_secret_replaces_the_old_one(service: CredentialService) -> None:
    first = service.save(None, keys_entry(), SECRET)

    service.save(first.uid, keys_entry(), AwsSecret("replacement"))

    assert service.secrets.load(first.uid) == AwsSecret("replacement")


def test_a_new_profile_whose_row_fails_leaves_no_keyring_item(
    service: CredentialService, memory: MemoryKeyring
) -> None:
    first = service.save(None, keys_entry(name="Acme"), SECRET)

    with pytest.raises(ProfileNameTaken):
        service.save(None, keys_entry(name="Acme", access_key_id=KEY_2), AwsSecret("other"))

    assert list(memory.store) == [("byok-desktop", f"profile/{first.uid}")]
    assert service.secrets.load(first.uid) == SECRET


def test_a_failed_update_leaves_the_stored_secret_alone(service: CredentialService) -> None:
    service.save(None, keys_entry(name="Acme"), SECRET)
    other = service.save(None, keys_entry(name="Other", access_key_id=KEY_2), AwsSecret("two"))

    # The user enters new keys for "Other" but picks a name that is taken: nothing is saved.
    with pytest.raises(ProfileNameTaken):
        service.save(other.uid, keys_entry(name="Acme", access_key_id=KEY_3), AwsSecret("three"))

    stored = service.profiles.get(other.uid)
    assert stored.access_key_id == KEY_2
    # The key ID in the database and the secret in the keyring must still be a pair.
    assert service.credentials(stored).secret == AwsSecret("two"), (
        "the keyring holds the secret of the failed save, paired with the old access key ID"
    )


def test_switching_to_a_cli_profile_drops_the_keyring_copy(
    service: CredentialService, memory: MemoryKeyring
) -> None:
    first = service.save(None, keys_entry(), SECRET)

    cli = service.save(
        first.uid,
        ProfileInput(name="Acme", kind=ProfileKind.CLI, cli_profile="customer"),
        None,
    )

    assert memory.store == {}
    assert cli.keyring_backend == ""
    assert cli.access_key_id == ""
    assert not cli.uses_keyring


def test_delete_removes_the_keyring_item(service: CredentialService, memory: MemoryKeyring) -> None:
    keep = service.save(None, keys_entry(name="Keep", access_key_id=KEY_2), AwsSecret("keep"))
    gone = service.save(None, keys_entry(name="Gone"), SECRET)

    service.delete(gone.uid)

    assert list(memory.store) == [("byok-desktop", f"profile/{keep.uid}")]
    assert [p.uid for p in service.profiles.list()] == [keep.uid]


def test_delete_of_a_cli_profile_leaves_the_keyring_alone(
    service: CredentialService, profiles: ProfileStore
) -> None:
    cli = service.save(None, ProfileInput(name="CLI", kind=ProfileKind.CLI, cli_profile="c"), None)

    service_with(profiles, NoSecrets()).delete(cli.uid)

    assert profiles.list() == []


def test_delete_of_an_unknown_profile(service: CredentialService) -> None:
    with pytest.raises(ProfileNotFound):
        service.delete("no-such-uid")


def test_the_sandbox_profile_is_created_once(service: CredentialService) -> None:
    first = service.ensure_sandbox_profile()
    second = service.ensure_sandbox_profile()

    assert first == second
    assert first.kind is ProfileKind.SANDBOX
    assert first.expected_account_id == MOTO_ACCOUNT
    assert service.credentials(first).access_key_id == SANDBOX_ACCESS_KEY_ID
    assert len(service.profiles.list()) == 1


# --- status ---------------------------------------------------------------------------------


def test_status_unverified(service: CredentialService) -> None:
    profile = service.save(None, keys_entry(), SECRET)

    status = service.status(profile)

    assert status.state is ProfileState.UNVERIFIED
    assert "Verify" in status.detail


def test_status_verified_names_account_and_arn(service: CredentialService) -> None:
    profile = service.save(None, keys_entry(), SECRET)
    arn = "arn:aws:iam::012345678901:user/rep"
    verified = service.profiles.record_verification(profile.uid, "012345678901", arn)

    status = service.status(verified)

    assert status.state is ProfileState.VERIFIED
    assert "012345678901" in status.detail
    assert arn in status.detail


def test_status_expired_needs_neither_keyring_nor_aws(
    service: CredentialService, profiles: ProfileStore
) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    entry = keys_entry(access_key_id=TEMP_KEY, session_expires_at=past)
    profile = service.save(None, entry, AwsSecret("s", "token"))

    status = service_with(profiles, NoSecrets()).status(profiles.get(profile.uid))

    assert status.state is ProfileState.EXPIRED
    assert "expired" in status.detail


def test_status_secret_missing_when_the_item_was_removed_outside(
    service: CredentialService, memory: MemoryKeyring
) -> None:
    profile = service.save(None, keys_entry(), SECRET)
    memory.store.clear()

    status = service.status(profile)

    assert status.state is ProfileState.SECRET_MISSING
    assert "enter the secret again" in status.detail


def test_status_backend_changed(
    service: CredentialService, profiles: ProfileStore, make_secret_store: MakeSecretStore
) -> None:
    profile = service.save(None, keys_entry(), SECRET)
    elsewhere = CredentialService(
        profiles, make_secret_store(5.0, OtherMemoryKeyring()), Recorder()
    )

    status = elsewhere.status(profile)

    assert status.state is ProfileState.BACKEND_CHANGED
    assert profile.keyring_backend in status.detail
    assert "OtherMemoryKeyring" in status.detail


def test_status_keyring_unavailable(
    service: CredentialService, profiles: ProfileStore, make_secret_store: MakeSecretStore
) -> None:
    profile = service.save(None, keys_entry(), SECRET)
    broken = CredentialService(
        profiles, make_secret_store(5.0, keyring.backends.fail.Keyring()), Recorder()
    )

    status = broken.status(profile)

    assert status.state is ProfileState.KEYRING_UNAVAILABLE
    assert "No OS keyring" in status.detail


def test_status_of_a_cli_profile_does_not_touch_the_keyring(
    service: CredentialService, profiles: ProfileStore
) -> None:
    cli = service.save(None, ProfileInput(name="CLI", kind=ProfileKind.CLI, cli_profile="c"), None)

    status = service_with(profiles, NoSecrets()).status(cli)

    assert status.state is ProfileState.UNVERIFIED


# --- credentials ----------------------------------------------------------------------------


def test_credentials_of_an_expired_profile_fail_before_any_call(
    service: CredentialService, profiles: ProfileStore
) -> None:
    past = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
    entry = keys_entry(access_key_id=TEMP_KEY, session_expires_at=past)
    profile = service.save(None, entry, AwsSecret("s", "token"))

    with pytest.raises(AwsProblem) as caught:
        service_with(profiles, NoSecrets()).credentials(profiles.get(profile.uid))

    assert caught.value.fault is AwsFault.EXPIRED_CREDENTIALS
    assert "2024-05-06 07:08 UTC" in str(caught.value)
    assert "'Acme'" in str(caught.value)


def test_credentials_without_a_secret_explain(
    service: CredentialService, memory: MemoryKeyring
) -> None:
    profile = service.save(None, keys_entry(), SECRET)
    memory.store.clear()

    with pytest.raises(AwsProblem) as caught:
        service.credentials(profile)

    assert caught.value.fault is AwsFault.MISSING_CREDENTIALS
    assert "'Acme'" in str(caught.value)


def test_credentials_hide_the_secret(service: CredentialService) -> None:
    profile = service.save(None, keys_entry(), SECRET)

    creds = service.credentials(profile)

    assert creds.secret == SECRET
    assert SECRET.secret_access_key not in repr(creds)


# --- verify against moto ----------------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_verify_records_account_and_arn(service: CredentialService) -> None:
    profile = service.save(None, keys_entry(expected_account_id=MOTO_ACCOUNT), SECRET)

    updated, identity = service.verify(profile.uid)

    assert identity.account_id == MOTO_ACCOUNT
    assert MOTO_ACCOUNT in identity.arn
    assert updated.verification is not None
    assert updated.verification.account_id == MOTO_ACCOUNT
    assert updated.verification.arn == identity.arn
    assert service.profiles.get(profile.uid).verification == updated.verification
    assert service.status(updated).state is ProfileState.VERIFIED


@pytest.mark.usefixtures("aws")
def test_verify_refuses_another_account(service: CredentialService) -> None:
    profile = service.save(None, keys_entry(expected_account_id="111122223333"), SECRET)

    with pytest.raises(AwsProblem) as caught:
        service.verify(profile.uid)

    assert caught.value.fault is AwsFault.ACCOUNT_MISMATCH
    assert MOTO_ACCOUNT in str(caught.value)
    assert "111122223333" in str(caught.value)
    assert service.profiles.get(profile.uid).verification is None


@pytest.mark.usefixtures("aws")
def test_verify_of_an_expired_profile(service: CredentialService) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    entry = keys_entry(access_key_id=TEMP_KEY, session_expires_at=past)
    profile = service.save(None, entry, AwsSecret("s", "token"))

    with pytest.raises(AwsProblem) as caught:
        service.verify(profile.uid)

    assert caught.value.fault is AwsFault.EXPIRED_CREDENTIALS
    assert service.profiles.get(profile.uid).verification is None


@pytest.mark.usefixtures("aws")
def test_check_can_provision_names_both_accounts(service: CredentialService) -> None:
    profile = service.save(None, keys_entry(), SECRET)
    service.verify(profile.uid)

    assert service.check_can_provision(profile.uid, MOTO_ACCOUNT).account_id == MOTO_ACCOUNT
    with pytest.raises(AwsProblem) as caught:
        service.check_can_provision(profile.uid, "111122223333")

    assert caught.value.fault is AwsFault.ACCOUNT_MISMATCH
    assert MOTO_ACCOUNT in str(caught.value)
    assert "111122223333" in str(caught.value)
    assert "'Acme'" in str(caught.value)


def test_check_can_provision_needs_a_verified_profile(service: CredentialService) -> None:
    profile = service.save(None, keys_entry(), SECRET)

    with pytest.raises(AwsProblem, match="not verified") as caught:
        service.check_can_provision(profile.uid, MOTO_ACCOUNT)

    assert caught.value.fault is AwsFault.ACCOUNT_MISMATCH


def test_profile_for_account_finds_the_verified_profile(service: CredentialService) -> None:
    a = service.save(None, keys_entry(name="A"), SECRET)
    b = service.save(None, keys_entry(name="B", access_key_id=KEY_2), SECRET)
    service.save(None, keys_entry(name="C", access_key_id=KEY_3), SECRET)  # unverified
    service.profiles.record_verification(a.uid, "012345678901", "arn:a")
    service.profiles.record_verification(b.uid, "111122223333", "arn:b")

    assert service.profile_for_account("111122223333").uid == b.uid
    assert service.profile_for_account("012345678901").uid == a.uid
    with pytest.raises(AwsProblem) as caught:
        service.profile_for_account("444455556666")

    message = str(caught.value)
    assert caught.value.fault is AwsFault.ACCOUNT_MISMATCH
    assert "444455556666" in message
    assert "'A' (012345678901)" in message
    assert "'B' (111122223333)" in message
    assert "'C'" not in message


def test_profile_for_account_without_verified_profiles(service: CredentialService) -> None:
    service.save(None, keys_entry(), SECRET)

    with pytest.raises(AwsProblem, match="no profile is verified") as caught:
        service.profile_for_account("012345678901")

    assert "Credentials" in str(caught.value)


# --- AWS CLI profiles -------------------------------------------------------------------------


@pytest.fixture
def cli_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    config = tmp_path / "aws" / "config"
    credentials = tmp_path / "aws" / "credentials"
    config.parent.mkdir()
    config.write_text("[profile other]\nregion = us-west-2\n", encoding="utf-8")
    credentials.write_text("", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_PROFILE", raising=False)
    return config, credentials


@pytest.mark.usefixtures("aws")
def test_a_cli_profile_uses_the_aws_cli_files(
    service: CredentialService, memory: MemoryKeyring, cli_files: tuple[Path, Path]
) -> None:
    # A real IAM user in moto, so the identity proves which keys were used.
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="cli-user")
    key = iam.create_access_key(UserName="cli-user")["AccessKey"]
    config, credentials = cli_files
    with config.open("a", encoding="utf-8") as out:
        out.write("[profile customer]\nregion = eu-west-1\n")
    credentials.write_text(
        f"[customer]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n",
        encoding="utf-8",
    )
    profile = service.save(
        None, ProfileInput(name="Customer CLI", kind=ProfileKind.CLI, cli_profile="customer"), None
    )

    updated, identity = service.verify(profile.uid)

    assert identity.arn == f"arn:aws:iam::{MOTO_ACCOUNT}:user/cli-user"
    assert updated.verification is not None
    assert updated.verification.arn == identity.arn
    assert memory.store == {}  # the CLI's secret is never copied
    assert key["SecretAccessKey"] not in repr(service.credentials(updated))


@pytest.mark.usefixtures("aws", "cli_files")
def test_an_unknown_cli_profile_explains(service: CredentialService) -> None:
    profile = service.save(
        None, ProfileInput(name="Missing", kind=ProfileKind.CLI, cli_profile="nope"), None
    )

    with pytest.raises(AwsProblem) as caught:
        service.verify(profile.uid)

    assert caught.value.fault is AwsFault.MISSING_CREDENTIALS
    message = str(caught.value)
    assert "nope" in message
    assert "not found" in message
    assert "~/.aws/config" in message
    assert service.profiles.get(profile.uid).verification is None


def test_connections_are_shared_until_the_profile_or_the_settings_change(
    context: AppContext,
) -> None:
    service = context.credentials
    entry = ProfileInput(name="Shared", kind=ProfileKind.KEYS, access_key_id="AKIAIOSFODNN7EXAMPLE")
    profile = service.save(None, entry, AwsSecret("first-secret"))
    first = service.connect(profile)
    assert service.connect(service.profiles.get(profile.uid)) is first  # jobs share it
    updated = service.save(profile.uid, entry, AwsSecret("second-secret"))
    again = service.connect(updated)
    assert again is not first  # a new secret signs from now on
    assert service.credentials(updated).secret == AwsSecret("second-secret")
    context.settings_service.override(aws_endpoint_url="http://127.0.0.1:9")
    assert service.connect(updated) is not again  # another endpoint, another connection
    service.delete(profile.uid)


def test_an_access_key_entered_over_90_days_ago_is_flagged(
    service: CredentialService, memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = service.save(None, keys_entry(), SECRET)
    assert service.status(fresh).old_key_days is None
    assert "rotate" not in service.status(fresh).detail

    entered = datetime.now(UTC) - timedelta(days=120)
    with monkeypatch.context() as patched:
        patched.setattr("time.time", lambda: entered.timestamp())
        old = service.save(None, keys_entry(name="Old"), SECRET)
    status = service.status(old)
    assert status.state is ProfileState.UNVERIFIED
    assert status.old_key_days == 120
    assert status.detail.endswith(
        "This access key was entered 120 days ago: rotate it (AWS advises every 90 days), "
        "or sign in with IAM Identity Center instead."
    )
    # Saving the profile again without a new secret keeps the key's date.
    kept = service.save(old.uid, keys_entry(name="Old (renamed)"), None)
    assert service.status(kept).old_key_days == 120
    # A new secret starts the count again.
    renewed = service.save(old.uid, keys_entry(name="Old (renamed)"), AwsSecret("new-one"))
    assert service.status(renewed).old_key_days is None


def test_an_item_saved_before_dates_were_kept_has_no_age(
    service: CredentialService, memory: MemoryKeyring
) -> None:
    profile = service.save(None, keys_entry(), SECRET)
    [key] = list(memory.store)
    memory.store[key] = SECRET.to_keyring_text()  # as older versions wrote it
    assert service.secrets.load(profile.uid) == SECRET
    assert service.status(profile).old_key_days is None
