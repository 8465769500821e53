"""Secrets in the OS keyring through ``keyring``, never anywhere else.

Every call runs on a helper thread with a timeout: an unlock prompt nobody answers must
not hang the caller. The helper is a daemon thread, not a ThreadPoolExecutor worker: the
interpreter joins those at exit, so a call that never returns would keep the process alive. Errors become :class:`KeyringProblem` with a message that says what is
wrong and how to fix it on this OS. There is no plaintext fallback.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from byok_desktop.credentials.secret import AwsSecret, keyring_saved_at

log = logging.getLogger("byok_desktop.keyring")

SERVICE = "byok-desktop"
T = TypeVar("T")

# Backends that would keep secrets in a plain file, or nowhere.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


class KeyringFault(Enum):
    NO_BACKEND = "no_backend"
    LOCKED = "locked"
    INIT_FAILED = "init_failed"
    TIMEOUT = "timeout"
    INSECURE_BACKEND = "insecure_backend"
    FAILED = "failed"


def _fix_hint() -> str:
    if sys.platform == "darwin":
        return "Open Keychain Access and unlock your login keychain."
    if sys.platform == "win32":
        return "Windows Credential Manager should always be available; sign out and in again."
    return (
        "Start your desktop's keyring (GNOME Keyring or KWallet; on a server: "
        "gnome-keyring-daemon --unlock --components=secrets inside a D-Bus session) and "
        "unlock it, then try again."
    )


class KeyringProblem(RuntimeError):
    def __init__(self, fault: KeyringFault, detail: str = "") -> None:
        self.fault = fault
        self.detail = detail
        super().__init__(self.user_message())

    def user_message(self) -> str:
        what = {
            KeyringFault.NO_BACKEND: "No OS keyring is available, so AWS secrets cannot be "
            "stored or read.",
            KeyringFault.LOCKED: "The OS keyring is locked.",
            KeyringFault.INIT_FAILED: "The OS keyring could not be opened.",
            KeyringFault.TIMEOUT: "The OS keyring did not answer in time (an unlock prompt may "
            "be waiting).",
            KeyringFault.INSECURE_BACKEND: "The configured keyring backend stores secrets "
            "without protection; BYOK Desktop refuses to use it.",
            KeyringFault.FAILED: "The OS keyring refused the operation.",
        }[self.fault]
        detail = f" ({self.detail})" if self.detail else ""
        return f"{what}{detail} {_fix_hint()} Drafting requests works without it."


def backend_name(backend: Any) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _insecure(backend: Any) -> bool:
    inner = getattr(backend, "backends", None)  # keyring's ChainerBackend
    if isinstance(inner, list | tuple):
        return any(_insecure(b) for b in inner) or not inner
    return type(backend).__module__.startswith(_REFUSED_MODULES)


class _KeyringThread:
    """One daemon thread running keyring calls in order. Abandoned when a call times out
    (the stuck call keeps it); the process may exit while it waits."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="keyring", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (item := self._calls.get()) is not None:
            call, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to the caller, who sorts it
                future.set_exception(exc)

    def submit(self, call: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._calls.put((call, future))
        return future

    def stop(self) -> None:
        self._calls.put(None)  # after the calls already queued


class SecretStore:
    """One keyring item per profile, under the app's service name."""

    def __init__(self, timeout_s: float = 10.0, backend: Any | None = None) -> None:
        self._timeout = timeout_s
        self._backend = backend  # None: keyring's configured default
        self._lock = threading.Lock()
        self._worker: _KeyringThread | None = None

    @property
    def backend(self) -> Any | None:
        """The backend handed in (None: keyring's configured default), so that a check of
        the keyring (Help > Diagnose) asks the same one."""
        return self._backend

    def _run(self, what: str, call: Callable[[Any], T]) -> T:
        import keyring
        import keyring.errors

        with self._lock:
            if self._worker is None:
                self._worker = _KeyringThread()
            worker = self._worker

        def work() -> T:
            backend = self._backend if self._backend is not None else keyring.get_keyring()
            if _insecure(backend):
                if type(backend).__module__.startswith(
                    ("keyring.backends.fail", "keyring.backends.null")
                ):
                    raise KeyringProblem(KeyringFault.NO_BACKEND)
                raise KeyringProblem(KeyringFault.INSECURE_BACKEND, backend_name(backend))
            return call(backend)

        future = worker.submit(work)
        try:
            return future.result(timeout=self._timeout)
        except concurrent.futures.TimeoutError:
            # The stuck call keeps its thread; later calls get a fresh one.
            with self._lock:
                if self._worker is worker:
                    self._worker = None
            worker.stop()
            log.warning(
                "Keyring %s timed out after %.0f s",
                what,
                self._timeout,
                extra={"console": False},  # the caller says it, as a KeyringProblem
            )
            raise KeyringProblem(KeyringFault.TIMEOUT) from None
        except KeyringProblem:
            raise
        except keyring.errors.NoKeyringError as exc:
            raise KeyringProblem(KeyringFault.NO_BACKEND) from exc
        except keyring.errors.KeyringLocked as exc:
            raise KeyringProblem(KeyringFault.LOCKED) from exc
        except keyring.errors.InitError as exc:
            raise KeyringProblem(KeyringFault.INIT_FAILED, type(exc).__name__) from exc
        except keyring.errors.KeyringError as exc:
            # The exception text comes from the backend, never from our secret.
            raise KeyringProblem(KeyringFault.FAILED, type(exc).__name__) from exc

    def close(self) -> None:
        """Let the keyring thread end (at once when idle; a stuck call keeps it, and being
        a daemon it does not keep the process alive)."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()

    def current_backend(self) -> str:
        """Name of the backend in force (may block: call off the GUI thread)."""
        return self._run("lookup", backend_name)

    @staticmethod
    def _username(profile_uid: str) -> str:
        return f"profile/{profile_uid}"

    def save(self, profile_uid: str, secret: AwsSecret) -> str:
        """Store the secret; returns the backend that holds it."""
        text = secret.to_keyring_text(saved_at=time.time())
        name = self.save_item(self._username(profile_uid), text)
        log.info("Stored the secret of profile %s in %s", profile_uid, name)
        return name

    def load(self, profile_uid: str) -> AwsSecret | None:
        found = self.load_dated(profile_uid)
        return found[0] if found is not None else None

    def load_dated(self, profile_uid: str) -> tuple[AwsSecret, datetime | None] | None:
        """The secret and when it was entered here (None when the item does not say)."""
        text = self.load_item(self._username(profile_uid))
        if text is None:
            return None
        try:
            return AwsSecret.from_keyring_text(text), keyring_saved_at(text)
        except ValueError:
            log.warning("Keyring item of profile %s is not in the expected format", profile_uid)
            return None

    def delete(self, profile_uid: str) -> bool:
        """Remove the item; False when there was none."""
        return self.delete_item(self._username(profile_uid))

    # --- items by name (a profile's secret, a sign-in session's token) -------------

    def save_item(self, username: str, text: str) -> str:
        """Store ``text`` under ``username``; returns the backend that holds it."""

        def call(backend: Any) -> str:
            backend.set_password(SERVICE, username, text)
            return backend_name(backend)

        return self._run("save", call)

    def load_item(self, username: str) -> str | None:
        def call(backend: Any) -> str | None:
            text: str | None = backend.get_password(SERVICE, username)
            return text

        return self._run("read", call)

    def delete_item(self, username: str) -> bool:
        """Remove the item; False when there was none."""
        import keyring.errors

        def call(backend: Any) -> bool:
            try:
                backend.delete_password(SERVICE, username)
            except keyring.errors.PasswordDeleteError:
                return False
            return True

        return self._run("delete", call)
