"""Workstation settings the core needs (GUI and headless alike), kept as JSON.

Window layout and other view state stay in QSettings (ui/settings.py); this file holds
what changes behaviour: where AWS is, sandbox mode, worker and timeout sizes.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from byok_desktop.provisioning.naming import (
    DEFAULT_PROVIDER_PRINCIPAL,
    DEFAULT_ROLE_NAME,
    principal_problem,
    role_name_problem,
)

log = logging.getLogger("byok_desktop.settings")

SETTINGS_FILE = "settings.json"


@dataclass(frozen=True, slots=True)
class Settings:
    aws_endpoint_url: str = ""  # "" = real AWS
    # "" = this workstation's SQLite file; else a shared PostgreSQL database (no password:
    # it would be plain text here; libpq's ~/.pgpass or PGPASSWORD supply it).
    database_url: str = ""
    # The shared database over a slow or fragile link (a VPN); SQLite ignores these.
    # Connecting (TCP, TLS, login) gives up after this long.
    database_connect_timeout_s: float = 5.0
    # The server cancels a statement that runs longer (PostgreSQL statement_timeout).
    database_statement_timeout_s: float = 15.0
    # A link that carries nothing for this long is dead: unacknowledged data (TCP user
    # timeout), keepalives that go unanswered, and no answer within the statement timeout
    # plus this long all drop the connection, so a call fails instead of hanging.
    database_link_timeout_s: float = 10.0
    sandbox: bool = False
    worker_threads: int = 4
    aws_connect_timeout_s: float = 5.0
    aws_read_timeout_s: float = 30.0
    aws_max_attempts: int = 5
    keyring_timeout_s: float = 10.0
    # Provisioning: the role in the customer's account and the provider it trusts.
    role_name: str = DEFAULT_ROLE_NAME
    provider_principal: str = DEFAULT_PROVIDER_PRINCIPAL
    # How long after a revocation access can still be restored (vendor docs: 3, now 15).
    restore_window_days: int = 15
    # Periodic key health check; 0 = off. Off in the sandbox unless set there.
    health_check_minutes: int = 60
    sandbox_health_check_minutes: int = 0

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


# Integer settings where 0 means "off".
_ZERO_MEANS_OFF = frozenset({"health_check_minutes", "sandbox_health_check_minutes"})

# Float settings with bounds (inclusive); the others need only be above 0. libpq (and
# psycopg) count a connect timeout under 2 s as 2 s.
_FLOAT_RANGES: dict[str, tuple[float, float]] = {
    "database_connect_timeout_s": (2.0, 300.0),
    "database_statement_timeout_s": (1.0, 3600.0),
    "database_link_timeout_s": (1.0, 600.0),
}


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        return value if isinstance(value, bool) else default
    if isinstance(default, int):
        lowest = 0 if name in _ZERO_MEANS_OFF else 1
        return value if type(value) is int and value >= lowest else default
    if isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        low, high = _FLOAT_RANGES.get(name, (0.0, math.inf))
        return float(value) if ok and low <= value <= high else default
    if name == "database_url":
        return value if isinstance(value, str) and database_url_problem(value) is None else default
    if name == "role_name":
        return value if isinstance(value, str) and role_name_problem(value) is None else default
    if name == "provider_principal":
        return value if isinstance(value, str) and principal_problem(value) is None else default
    return value if isinstance(value, str) else default


def database_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be saved as the shared database (None when it can)."""
    if not url:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "Enter the database as a URL, e.g. postgresql+psycopg://rep@db.example.com/byok"
    if parsed.get_backend_name() != "postgresql":
        return "Only PostgreSQL can be a shared database (postgresql+psycopg://…)."
    if parsed.password:
        return (
            "Leave the password out of the URL: settings are plain text. Put it in ~/.pgpass "
            "or the PGPASSWORD environment variable instead."
        )
    if not parsed.host and not parsed.query.get("host"):
        return "The URL needs the database server's host name."
    return None


def load_settings(path: Path) -> Settings:
    """Unreadable or odd values fall back to defaults one by one (and are logged)."""
    defaults = Settings()
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return defaults
    except (OSError, ValueError) as exc:
        log.warning("Settings file %s unreadable (%s); using defaults", path, exc)
        return defaults
    if not isinstance(raw, dict):
        return defaults
    values = {}
    for f in fields(Settings):
        default = getattr(defaults, f.name)
        if f.name in raw:
            values[f.name] = _coerce(f.name, raw[f.name], default)
            if values[f.name] != raw[f.name]:
                log.warning("Setting %s=%r is not valid; using %r", f.name, raw[f.name], default)
    return replace(defaults, **values)


def save_settings(path: Path, settings: Settings) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
