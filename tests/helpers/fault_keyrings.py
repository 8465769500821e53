"""Keyring backends that misbehave, for a subprocess of ``main.py`` to load through
``PYTHON_KEYRING_BACKEND=tests.helpers.fault_keyrings.NAME`` (the repository is the
subprocess's working folder, so ``tests`` imports) or for a test to pass directly.

- ``StuckKeyring``: every call waits forever, as a keyring daemon frozen behind a live
  D-Bus does.
- ``LockedKeyring``: every call says the keyring is locked.
- ``FileKeyring``: items in a JSON file named by ``BYOK_TEST_KEYRING_FILE``, so a test
  and its subprocess share secrets (a test's files only; never a real user's secret).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

FILE_ENV = "BYOK_TEST_KEYRING_FILE"


class StuckKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.never = threading.Event()  # set only by a test that wants it to end

    def get_password(self, service: str, username: str) -> str | None:
        self.never.wait()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.never.wait()

    def delete_password(self, service: str, username: str) -> None:
        self.never.wait()


class LockedKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = path or Path(os.environ[FILE_ENV])

    def _items(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        items: dict[str, str] = json.loads(self.path.read_text("utf-8"))
        return items

    def get_password(self, service: str, username: str) -> str | None:
        return self._items().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._items()
        items[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(items), "utf-8")

    def delete_password(self, service: str, username: str) -> None:
        items = self._items()
        if items.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(items), "utf-8")
