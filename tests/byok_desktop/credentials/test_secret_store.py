"""SecretStore: secrets in a keyring backend only, refused backends, errors, timeouts."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator
from typing import Any

import keyring.backends.fail
import keyring.errors
import pytest
from jaraco.classes import properties

from byok_desktop.credentials.keyring_store import (
    SERVICE,
    KeyringFault,
    KeyringProblem,
    SecretStore,
)
from byok_desktop.credentials.secret import AwsSecret
from tests.helpers.fixtures import MakeSecretStore
from tests.helpers.memory_keyring import MemoryKeyring

SECRET = AwsSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token-value")


@pytest.fixture
def backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def secrets(backend: MemoryKeyring, make_secret_store: MakeSecretStore) -> SecretStore:
    return make_secret_store(timeout_s=5.0, backend=backend)


def assert_helpful(problem: KeyringProblem) -> None:
    message = str(problem)
    assert "Drafting requests works without it." in message
    # Says how to fix it (this suite runs on Linux).
    assert "unlock" in message
    assert "gnome-keyring-daemon" in message


# --- round trip -----------------------------------------------------------------------------


def test_save_load_delete_round_trip(secrets: SecretStore, backend: MemoryKeyring) -> None:
    name = secrets.save("uid-1", SECRET)

    assert name.endswith("MemoryKeyring")
    assert secrets.load("uid-1") == SECRET
    # One item, under the app's service name, keyed by the profile.
    assert list(backend.store) == [(SERVICE, "profile/uid-1")]

    assert secrets.delete("uid-1") is True
    assert secrets.load("uid-1") is None
    assert backend.store == {}


def test_items_of_profiles_are_kept_apart(secrets: SecretStore) -> None:
    other = AwsSecret("another-secret")
    secrets.save("uid-1", SECRET)
    secrets.save("uid-2", other)

    assert secrets.load("uid-1") == SECRET
    assert secrets.load("uid-2") == other
    secrets.delete("uid-1")
    assert secrets.load("uid-2") == other


def test_save_overwrites_the_item(secrets: SecretStore) -> None:
    secrets.save("uid-1", SECRET)
    secrets.save("uid-1", AwsSecret("replaced"))

    assert secrets.load("uid-1") == AwsSecret("replaced")


def test_load_of_a_missing_item_is_none(secrets: SecretStore) -> None:
    assert secrets.load("never-saved") is None


def test_delete_of_a_missing_item_is_false(secrets: SecretStore) -> None:
    assert secrets.delete("never-saved") is False


def test_an_item_in_another_format_reads_as_missing(
    secrets: SecretStore, backend: MemoryKeyring
) -> None:
    backend.set_password(SERVICE, "profile/uid-1", "not json at all")

    assert secrets.load("uid-1") is None


def test_current_backend_names_the_backend_class(secrets: SecretStore) -> None:
    name = secrets.current_backend()

    assert name == f"{MemoryKeyring.__module__}.MemoryKeyring"


def test_current_backend_tells_subclasses_apart(make_secret_store: MakeSecretStore) -> None:
    assert (
        make_secret_store(backend=BlockingKeyring()).current_backend().endswith("BlockingKeyring")
    )


# --- refused backends -----------------------------------------------------------------------


class NotViable:
    """Keeps a test backend out of keyring's own backend discovery (every subclass of
    KeyringBackend is registered there, and could otherwise become some test's default)."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("a test double, never chosen by keyring")


class PlaintextKeyring(NotViable, MemoryKeyring):
    """Looks like keyrings.alt's file backend: secrets in a plain file."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class ChainerLike:
    """Like keyring's ChainerBackend: a list of backends tried in turn."""

    def __init__(self, backends: list[Any]) -> None:
        self.backends = backends
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        for backend in self.backends:
            found = backend.get_password(service, username)
            if found is not None:
                return str(found)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        self.backends[0].set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.calls += 1
        self.backends[0].delete_password(service, username)


def test_the_fail_backend_means_no_keyring(make_secret_store: MakeSecretStore) -> None:
    store = make_secret_store(backend=keyring.backends.fail.Keyring())

    with pytest.raises(KeyringProblem) as caught:
        store.save("uid-1", SECRET)

    assert caught.value.fault is KeyringFault.NO_BACKEND
    assert "No OS keyring is available" in str(caught.value)
    assert_helpful(caught.value)


@pytest.mark.parametrize("operation", ["save", "load", "delete", "current_backend"])
def test_a_plaintext_backend_is_refused_for_every_operation(
    operation: str, make_secret_store: MakeSecretStore
) -> None:
    plaintext = PlaintextKeyring()
    store = make_secret_store(backend=plaintext)
    calls = {
        "save": lambda: store.save("uid-1", SECRET),
        "load": lambda: store.load("uid-1"),
        "delete": lambda: store.delete("uid-1"),
        "current_backend": store.current_backend,
    }

    with pytest.raises(KeyringProblem) as caught:
        calls[operation]()

    assert caught.value.fault is KeyringFault.INSECURE_BACKEND
    assert "keyrings.alt.file.PlaintextKeyring" in str(caught.value)
    assert_helpful(caught.value)
    assert plaintext.store == {}  # nothing was written


def test_a_chain_containing_a_plaintext_backend_is_refused(
    make_secret_store: MakeSecretStore,
) -> None:
    plaintext = PlaintextKeyring()
    safe = MemoryKeyring()
    chain = ChainerLike([safe, plaintext])
    store = make_secret_store(backend=chain)

    with pytest.raises(KeyringProblem) as caught:
        store.save("uid-1", SECRET)

    assert caught.value.fault is KeyringFault.INSECURE_BACKEND
    assert chain.calls == 0
    assert safe.store == {}


def test_an_empty_chain_is_refused(make_secret_store: MakeSecretStore) -> None:
    with pytest.raises(KeyringProblem):
        make_secret_store(backend=ChainerLike([])).load("uid-1")


def test_a_chain_of_safe_backends_is_used(make_secret_store: MakeSecretStore) -> None:
    chain = ChainerLike([MemoryKeyring()])
    store = make_secret_store(backend=chain)

    store.save("uid-1", SECRET)

    assert store.load("uid-1") == SECRET


# --- errors raised by the backend -----------------------------------------------------------


class RaisingKeyring(NotViable, MemoryKeyring):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "fault", "says"),
    [
        (keyring.errors.KeyringLocked("locked"), KeyringFault.LOCKED, "locked"),
        (keyring.errors.InitError("no bus"), KeyringFault.INIT_FAILED, "could not be opened"),
        (keyring.errors.PasswordSetError("denied"), KeyringFault.FAILED, "refused"),
        (keyring.errors.KeyringError("odd"), KeyringFault.FAILED, "refused"),
        (keyring.errors.NoKeyringError("none"), KeyringFault.NO_BACKEND, "No OS keyring"),
    ],
    ids=["locked", "init", "set-error", "keyring-error", "no-keyring"],
)
@pytest.mark.parametrize("operation", ["save", "load"])
def test_backend_errors_become_keyring_problems(
    error: Exception,
    fault: KeyringFault,
    says: str,
    operation: str,
    make_secret_store: MakeSecretStore,
) -> None:
    store = make_secret_store(backend=RaisingKeyring(error))
    call = {"save": lambda: store.save("uid-1", SECRET), "load": lambda: store.load("uid-1")}

    with pytest.raises(KeyringProblem) as caught:
        call[operation]()

    assert caught.value.fault is fault
    assert says in str(caught.value)
    assert_helpful(caught.value)


def test_a_backend_error_message_is_not_repeated_to_the_user(
    make_secret_store: MakeSecretStore,
) -> None:
    # A backend may put anything in its message; the problem names only the error type.
    store = make_secret_store(
        backend=RaisingKeyring(keyring.errors.PasswordSetError("backend said x"))
    )

    with pytest.raises(KeyringProblem) as caught:
        store.save("uid-1", SECRET)

    assert "backend said x" not in str(caught.value)
    assert "PasswordSetError" in str(caught.value)


def test_errors_other_than_keyring_errors_are_not_swallowed(
    make_secret_store: MakeSecretStore,
) -> None:
    store = make_secret_store(backend=RaisingKeyring(ZeroDivisionError("bug")))

    with pytest.raises(ZeroDivisionError):
        store.load("uid-1")


# --- timeouts -------------------------------------------------------------------------------


class BlockingKeyring(NotViable, MemoryKeyring):
    """get_password waits for ``release`` while ``blocking`` is set (an unanswered prompt)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.blocking = True

    def get_password(self, service: str, username: str) -> str | None:
        if self.blocking:
            self.blocking = False
            self.entered.set()
            self.release.wait(timeout=30)
        return super().get_password(service, username)


@pytest.fixture
def blocking() -> Iterator[BlockingKeyring]:
    backend = BlockingKeyring()
    yield backend
    backend.release.set()


def test_a_keyring_that_does_not_answer_times_out(
    blocking: BlockingKeyring, make_secret_store: MakeSecretStore
) -> None:
    store = make_secret_store(timeout_s=0.2, backend=blocking)

    with pytest.raises(KeyringProblem) as caught:
        store.load("uid-1")

    assert blocking.entered.is_set()
    assert caught.value.fault is KeyringFault.TIMEOUT
    assert "did not answer in time" in str(caught.value)
    assert_helpful(caught.value)


def test_the_store_still_works_while_the_timed_out_call_is_stuck(
    blocking: BlockingKeyring,
    make_secret_store: MakeSecretStore,
) -> None:
    store = make_secret_store(timeout_s=0.2, backend=blocking)
    with pytest.raises(KeyringProblem):
        store.load("uid-1")

    # The stuck call still holds its thread: later calls must not queue behind it.
    assert not blocking.release.is_set()
    store.save("uid-1", SECRET)
    assert store.load("uid-1") == SECRET
    assert store.delete("uid-1") is True

    blocking.release.set()
    assert store.load("uid-1") is None


# --- AwsSecret --------------------------------------------------------------------------------


def test_secret_repr_and_str_hide_the_values() -> None:
    secret = AwsSecret("very-secret-key-material", "very-secret-session-token")

    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret])):
        assert "very-secret" not in text
        assert "hidden" in text


def test_secret_repr_says_whether_there_is_a_token() -> None:
    assert "session token" in repr(AwsSecret("a", "b"))
    assert "session token" not in repr(AwsSecret("a"))


def test_secret_refuses_pickling() -> None:
    secret = AwsSecret("very-secret-key-material", "token")

    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="not picklable"):
            pickle.dumps(secret, protocol=protocol)


def test_secret_keyring_text_round_trip() -> None:
    with_token = AwsSecret("key/with+odd=chars\u00e9", 'token\n"quoted"')
    without_token = AwsSecret("plain-key")

    assert AwsSecret.from_keyring_text(with_token.to_keyring_text()) == with_token
    back = AwsSecret.from_keyring_text(without_token.to_keyring_text())
    assert back == without_token
    assert back.session_token is None


def test_an_empty_token_is_no_token() -> None:
    assert AwsSecret("k", "").session_token is None


def test_secret_equality_compares_both_values() -> None:
    assert AwsSecret("a", "t") == AwsSecret("a", "t")
    assert AwsSecret("a", "t") != AwsSecret("a", "u")
    assert AwsSecret("a") != AwsSecret("b")


@pytest.mark.parametrize("text", ["[]", '{"token": "x"}', '{"secret": 5}', "null"])
def test_foreign_keyring_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a BYOK Desktop secret"):
        AwsSecret.from_keyring_text(text)
