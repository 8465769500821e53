"""Credential profiles: form validation and the profile table (never secrets)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import (
    Profile,
    ProfileInput,
    ProfileKind,
    ProfileNameTaken,
    ProfileNotFound,
    profile_problems,
)
from byok_desktop.store.profiles import ProfileStore

KEY = "AKIAIOSFODNN7EXAMPLE"
TEMP_KEY = "ASIAIOSFODNN7EXAMPLE"
LATER = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def keys_entry(**changes: object) -> ProfileInput:
    entry = ProfileInput(
        name="Acme",
        kind=ProfileKind.KEYS,
        access_key_id=KEY,
        expected_account_id="012345678901",
        default_region="eu-central-1",
    )
    return replace(entry, **changes) if changes else entry  # type: ignore[arg-type]


@pytest.fixture
def profiles(context: AppContext) -> ProfileStore:
    return ProfileStore(context.database.engine)


def add(store: ProfileStore, entry: ProfileInput | None = None, **kwargs: object) -> Profile:
    options: dict[str, object] = {"keyring_backend": "tests.Backend", "has_session_token": False}
    options.update(kwargs)
    return store.upsert(store.new_uid(), entry or keys_entry(), **options)  # type: ignore[arg-type]


# --- profile_problems -----------------------------------------------------------------------


def test_a_complete_keys_profile_has_no_problems() -> None:
    assert profile_problems(keys_entry(), has_secret=True, has_token=False) == []


def test_a_complete_temporary_profile_has_no_problems() -> None:
    entry = keys_entry(access_key_id=TEMP_KEY, session_expires_at=LATER)

    assert profile_problems(entry, has_secret=True, has_token=True) == []


@pytest.mark.parametrize(
    ("entry", "has_secret", "has_token", "expected"),
    [
        (keys_entry(name="  "), True, False, "Give the profile a name"),
        (keys_entry(name="x" * 65), True, False, "at most 64 printable characters"),
        (keys_entry(name="tab\there"), True, False, "at most 64 printable characters"),
        (keys_entry(access_key_id="AKIA123"), True, False, "Enter the access key ID"),
        (keys_entry(access_key_id="akiaiosfodnn7example"), True, False, "Enter the access key"),
        (keys_entry(access_key_id="XKIAIOSFODNN7EXAMPLE"), True, False, "Enter the access key"),
        (keys_entry(), False, False, "Enter the secret access key."),
        (keys_entry(access_key_id=TEMP_KEY), True, False, "need their session token"),
        (keys_entry(), True, True, "Enter when the session token expires."),
        (keys_entry(default_region="Frankfurt"), True, False, "Enter an AWS region"),
        (keys_entry(default_region="us-east"), True, False, "Enter an AWS region"),
        (
            ProfileInput(name="CLI", kind=ProfileKind.CLI, cli_profile="  "),
            False,
            False,
            "Enter the name of the AWS CLI profile",
        ),
        (keys_entry(expected_account_id="01234567890"), True, False, "this has 11"),
        (keys_entry(expected_account_id="0123456789012"), True, False, "this has 13"),
        (keys_entry(expected_account_id="27976624415"), True, False, "lost a digit"),
        (keys_entry(expected_account_id="279766244153"), True, False, "key provider's own"),
    ],
    ids=[
        "blank-name",
        "long-name",
        "control-char-name",
        "short-key",
        "lowercase-key",
        "bad-key-prefix",
        "missing-secret",
        "asia-without-token",
        "token-without-expiry",
        "region-word",
        "region-no-number",
        "cli-without-name",
        "account-11-digits",
        "account-13-digits",
        "account-guide-example",
        "account-provider",
    ],
)
def test_each_problem_is_reported_with_what_to_do(
    entry: ProfileInput, has_secret: bool, has_token: bool, expected: str
) -> None:
    problems = profile_problems(entry, has_secret, has_token)

    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_letters_in_the_expected_account_are_named() -> None:
    problems = profile_problems(keys_entry(expected_account_id="0123456789ab"), True, False)

    assert any("only the digits 0-9" in p and "'a'" in p for p in problems), problems


def test_the_access_key_message_explains_the_format() -> None:
    (problem,) = profile_problems(keys_entry(access_key_id="nope"), True, False)

    assert "20 capital letters and digits" in problem
    assert "AKIA" in problem
    assert "ASIA" in problem


def test_all_problems_are_reported_at_once() -> None:
    entry = ProfileInput(
        name="",
        kind=ProfileKind.KEYS,
        access_key_id="bad",
        expected_account_id="123",
        default_region="nowhere",
    )

    problems = profile_problems(entry, has_secret=False, has_token=False)

    assert len(problems) == 5


def test_a_cli_profile_needs_no_keys() -> None:
    entry = ProfileInput(name="CLI", kind=ProfileKind.CLI, cli_profile="customer")

    assert profile_problems(entry, has_secret=False, has_token=False) == []


def test_an_expected_account_is_optional_and_may_be_typed_with_dashes() -> None:
    assert profile_problems(keys_entry(expected_account_id=""), True, False) == []
    assert profile_problems(keys_entry(expected_account_id="0123-4567-8901"), True, False) == []


# --- the profile table ------------------------------------------------------------------------


def test_upsert_creates_and_get_reads_back(profiles: ProfileStore) -> None:
    uid = profiles.new_uid()
    entry = keys_entry(
        name="  Acme  ",
        access_key_id=f" {TEMP_KEY} ",
        expected_account_id="0123-4567-8901",
        session_expires_at=LATER,
    )

    created = profiles.upsert(uid, entry, keyring_backend="tests.Backend", has_session_token=True)
    read = profiles.get(uid)

    assert read == created
    assert read.uid == uid
    assert read.name == "Acme"
    assert read.kind is ProfileKind.KEYS
    assert read.access_key_id == TEMP_KEY
    assert read.expected_account_id == "012345678901"
    assert read.default_region == "eu-central-1"
    assert read.has_session_token is True
    assert read.session_expires_at == LATER
    assert read.keyring_backend == "tests.Backend"
    assert read.verification is None
    assert read.version == 1
    assert read.masked_access_key == "ASIA…MPLE"


def test_an_expiry_keeps_its_instant_whatever_its_time_zone(profiles: ProfileStore) -> None:
    # 12:00 at UTC+2 is 10:00 UTC: reading the profile back must give the same instant.
    local = datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    uid = add(profiles, keys_entry(access_key_id=TEMP_KEY, session_expires_at=local)).uid

    stored = profiles.get(uid).session_expires_at

    assert stored == local, f"stored {stored}, entered {local}"


def test_upsert_updates_in_place(profiles: ProfileStore) -> None:
    first = add(profiles)

    second = profiles.upsert(
        first.uid,
        keys_entry(name="Acme EU", default_region="eu-west-1"),
        keyring_backend=None,
        has_session_token=None,
    )

    assert second.id == first.id
    assert second.version == first.version + 1
    assert second.name == "Acme EU"
    assert second.default_region == "eu-west-1"
    # None keeps the stored values.
    assert second.keyring_backend == "tests.Backend"
    assert second.has_session_token is False
    assert [p.uid for p in profiles.list()] == [first.uid]


def test_list_is_sorted_by_name(profiles: ProfileStore) -> None:
    add(profiles, keys_entry(name="Zeta"))
    add(profiles, keys_entry(name="Alpha"))
    add(profiles, keys_entry(name="Mid"))

    assert [p.name for p in profiles.list()] == ["Alpha", "Mid", "Zeta"]


def test_delete_removes_the_profile(profiles: ProfileStore) -> None:
    keep = add(profiles, keys_entry(name="Keep"))
    gone = add(profiles, keys_entry(name="Gone"))

    profiles.delete(gone.uid)

    assert [p.uid for p in profiles.list()] == [keep.uid]
    with pytest.raises(ProfileNotFound):
        profiles.get(gone.uid)
    profiles.delete(gone.uid)  # deleting again is harmless


def test_get_of_an_unknown_profile_explains(profiles: ProfileStore) -> None:
    with pytest.raises(ProfileNotFound, match="no longer exists"):
        profiles.get("no-such-uid")


def test_a_new_profile_cannot_take_a_used_name(profiles: ProfileStore) -> None:
    add(profiles, keys_entry(name="Acme"))

    with pytest.raises(ProfileNameTaken, match="'Acme' already exists"):
        add(profiles, keys_entry(name="  Acme "))

    assert len(profiles.list()) == 1


def test_a_profile_cannot_be_renamed_to_a_used_name(profiles: ProfileStore) -> None:
    add(profiles, keys_entry(name="Acme"))
    other = add(profiles, keys_entry(name="Other"))

    with pytest.raises(ProfileNameTaken):
        profiles.upsert(
            other.uid, keys_entry(name="Acme"), keyring_backend=None, has_session_token=None
        )

    assert profiles.get(other.uid) == other


def test_record_verification(profiles: ProfileStore) -> None:
    profile = add(profiles)
    before = datetime.now(UTC)

    verified = profiles.record_verification(
        profile.uid, "012345678901", "arn:aws:iam::012345678901:user/rep"
    )

    assert verified.verification is not None
    assert verified.verification.account_id == "012345678901"
    assert verified.verification.arn == "arn:aws:iam::012345678901:user/rep"
    assert before <= verified.verification.at <= datetime.now(UTC)
    assert profiles.get(profile.uid).verification == verified.verification


def test_record_verification_of_an_unknown_profile(profiles: ProfileStore) -> None:
    with pytest.raises(ProfileNotFound):
        profiles.record_verification("no-such-uid", "012345678901", "arn")


def verified(profiles: ProfileStore, entry: ProfileInput | None = None) -> Profile:
    profile = add(profiles, entry)
    return profiles.record_verification(profile.uid, "012345678901", "arn:aws:iam::x:user/a")


@pytest.mark.parametrize(
    "change",
    [
        {"access_key_id": "AKIAIOSFODNN7OTHER00"},
        {"expected_account_id": "111122223333"},
        {"kind": ProfileKind.CLI, "access_key_id": "", "cli_profile": "customer"},
    ],
    ids=["access-key", "expected-account", "kind"],
)
def test_changing_who_the_profile_is_clears_verification(
    profiles: ProfileStore, change: dict[str, object]
) -> None:
    profile = verified(profiles)

    updated = profiles.upsert(
        profile.uid, keys_entry(**change), keyring_backend=None, has_session_token=None
    )

    assert updated.verification is None
    assert profiles.get(profile.uid).verification is None


def test_a_new_secret_clears_verification(profiles: ProfileStore) -> None:
    profile = verified(profiles)

    updated = profiles.upsert(
        profile.uid, keys_entry(), keyring_backend="tests.Backend", has_session_token=False
    )

    assert updated.verification is None


def test_renaming_keeps_verification(profiles: ProfileStore) -> None:
    profile = verified(profiles)

    updated = profiles.upsert(
        profile.uid,
        keys_entry(name="Acme (prod)", default_region="us-west-2"),
        keyring_backend=None,
        has_session_token=None,
    )

    assert updated.verification == profile.verification


def test_expired_compares_with_now() -> None:
    profile = Profile(
        id=1,
        uid="u",
        version=1,
        name="n",
        kind=ProfileKind.KEYS,
        access_key_id=TEMP_KEY,
        cli_profile="",
        expected_account_id="",
        default_region="us-east-1",
        has_session_token=True,
        session_expires_at=LATER,
        keyring_backend="",
        verification=None,
    )

    assert not profile.expired(LATER - timedelta(seconds=1))
    assert profile.expired(LATER)
    assert not replace(profile, session_expires_at=None).expired(LATER)


# --- access key age ------------------------------------------------------------------------


def test_a_keys_profile_remembers_when_its_access_key_was_set(profiles: ProfileStore) -> None:
    saved = profiles.upsert("u1", keys_entry(), keyring_backend="memory", has_session_token=False)
    assert saved.key_saved_at is not None
    first = saved.key_saved_at
    renamed = profiles.upsert(
        "u1", keys_entry(name="Acme EU"), keyring_backend=None, has_session_token=None
    )
    assert renamed.key_saved_at == first  # a new name is not a new key
    rotated = profiles.upsert(
        "u1",
        keys_entry(access_key_id="AKIAIOSFODNN7EXAMPL2"),
        keyring_backend="memory",
        has_session_token=False,
    )
    assert rotated.key_saved_at is not None
    assert rotated.key_saved_at >= first
    cli = profiles.upsert(
        "u1",
        keys_entry(kind=ProfileKind.CLI, access_key_id="", cli_profile="acme"),
        keyring_backend="",
        has_session_token=False,
    )
    assert cli.key_saved_at is None
    assert cli.key_age_days() is None


def test_key_age_warns_past_ninety_days(profiles: ProfileStore) -> None:
    saved = profiles.upsert("u1", keys_entry(), keyring_backend="memory", has_session_token=False)
    assert saved.key_saved_at is not None
    assert saved.key_age_days(saved.key_saved_at + timedelta(days=90)) == 90
    assert saved.key_age_warning(saved.key_saved_at + timedelta(days=90)) == ""
    warning = saved.key_age_warning(saved.key_saved_at + timedelta(days=91, hours=1))
    assert "91 days old" in warning
    assert "rotate it" in warning
    # Temporary keys expire by themselves: no age to watch.
    temporary = replace(saved, has_session_token=True)
    assert temporary.key_age_days() is None
