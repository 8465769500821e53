"""An in-memory keyring backend, so benchmarks never touch the OS keyring (a copy of
the test helper: benchmarks do not import tests)."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Keeps passwords in a dict keyed by (service, username)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            try:
                del self.store[(service, username)]
            except KeyError:
                raise PasswordDeleteError(f"no item for {service}/{username}") from None
