"""The secret part of a credential profile. Its repr never shows the values."""

from __future__ import annotations

import json
from datetime import UTC, datetime


class AwsSecret:
    """A secret access key and optional session token, kept out of reprs, str and logs."""

    __slots__ = ("_secret_access_key", "_session_token")

    def __init__(self, secret_access_key: str, session_token: str | None = None) -> None:
        self._secret_access_key = secret_access_key
        self._session_token = session_token or None

    @property
    def secret_access_key(self) -> str:
        return self._secret_access_key

    @property
    def session_token(self) -> str | None:
        return self._session_token

    def __repr__(self) -> str:
        token = ", session token" if self._session_token else ""
        return f"AwsSecret(<secret access key hidden>{token})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AwsSecret)
            and other._secret_access_key == self._secret_access_key
            and other._session_token == self._session_token
        )

    def __hash__(self) -> int:
        return hash((self._secret_access_key, self._session_token))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("AwsSecret is not picklable: secrets stay in the keyring")

    def to_keyring_text(self, saved_at: float | None = None) -> str:
        """The keyring item; ``saved_at`` (epoch seconds, not a secret) dates the key as
        entered here, so its age can be told without another store."""
        item: dict[str, object] = {
            "v": 1,
            "secret": self._secret_access_key,
            "token": self._session_token,
        }
        if saved_at is not None:
            item["saved"] = saved_at
        return json.dumps(item)

    @classmethod
    def from_keyring_text(cls, text: str) -> AwsSecret:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("secret"), str):
            raise ValueError("not a BYOK Desktop secret")
        token = data.get("token")
        return cls(data["secret"], token if isinstance(token, str) else None)


def keyring_saved_at(text: str) -> datetime | None:
    """When a keyring item's secret was entered here (None: not recorded, older items)."""
    try:
        data = json.loads(text)
        saved = data.get("saved") if isinstance(data, dict) else None
        return datetime.fromtimestamp(float(saved), UTC) if saved is not None else None
    except (ValueError, TypeError, OverflowError, OSError):
        return None
