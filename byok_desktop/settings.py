"""Workstation settings the core needs (GUI and headless alike), kept as JSON.

Window layout and other view state stay in QSettings (ui/settings.py); this file holds
what changes behaviour: where AWS is, sandbox mode, worker and timeout sizes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from byok_desktop.changes import ChangeBus, Changes, Kind
from byok_desktop.provisioning.naming import (
    DEFAULT_PROVIDER_PRINCIPAL,
    DEFAULT_ROLE_NAME,
    principal_problem,
    role_name_problem,
)

log = logging.getLogger("byok_desktop.settings")

SETTINGS_FILE = "settings.json"


def _setting(default: Any, check: Check | None = None, *, restart: bool = False) -> Any:
    """A setting's default and its own check (value → problem, None when fine);
    ``restart`` when a change takes effect only at the next start."""
    return field(default=default, metadata={"check": check, "restart": restart})


Check = Callable[[Any], "str | None"]


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be more than 0"


def _zero_or_more(value: Any) -> str | None:
    return None if value >= 0 else "must be 0 (off) or more"


def _between(low: float, high: float) -> Check:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}"

    return check


APPEARANCES = ("system", "light", "dark")


def _appearance(value: str) -> str | None:
    return None if value in APPEARANCES else "must be system, light or dark"


def _http_url(value: str) -> str | None:
    if not value:
        return None
    from urllib.parse import urlparse

    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return "Enter the endpoint as a URL, e.g. http://127.0.0.1:5000"
    return None


@dataclass(frozen=True, slots=True)
class Settings:
    """One immutable snapshot of the workstation's settings: a job or health check takes
    one when it starts and keeps it, whatever is saved meanwhile."""

    aws_endpoint_url: str = _setting("", lambda v: _http_url(v))  # "" = real AWS
    # "" = this workstation's SQLite file; else a shared PostgreSQL database (no password:
    # it would be plain text here; libpq's ~/.pgpass or PGPASSWORD supply it).
    database_url: str = _setting("", lambda v: database_url_problem(v), restart=True)
    # The shared database over a slow or fragile link (a VPN); SQLite ignores these.
    # Connecting (TCP, TLS, login) gives up after this long (libpq counts under 2 s as 2).
    database_connect_timeout_s: float = _setting(5.0, _between(2.0, 300.0), restart=True)
    # The server cancels a statement that runs longer (PostgreSQL statement_timeout).
    database_statement_timeout_s: float = _setting(15.0, _between(1.0, 3600.0), restart=True)
    # A link that carries nothing for this long is dead: unacknowledged data (TCP user
    # timeout), keepalives that go unanswered, and no answer within the statement timeout
    # plus this long all drop the connection, so a call fails instead of hanging.
    database_link_timeout_s: float = _setting(10.0, _between(1.0, 600.0), restart=True)
    sandbox: bool = _setting(False, restart=True)
    # "Behave like real AWS (slower)": the sandbox adds IAM propagation delays, Creating
    # replicas and throttling (byok_desktop/aws/realism.py), for training.
    sandbox_realistic_aws: bool = _setting(False)
    worker_threads: int = _setting(4, _positive, restart=True)
    aws_connect_timeout_s: float = _setting(5.0, _positive)
    aws_read_timeout_s: float = _setting(30.0, _positive)
    aws_max_attempts: int = _setting(5, _positive)
    # How long a job waits out AWS's eventual consistency (IAM propagation, a replica
    # still Creating) before it fails with the cause.
    aws_consistency_wait_s: float = _setting(120.0, _positive)
    keyring_timeout_s: float = _setting(10.0, _positive, restart=True)
    # Provisioning: the role in the customer's account and the provider it trusts.
    role_name: str = _setting(DEFAULT_ROLE_NAME, lambda v: role_name_problem(v))
    provider_principal: str = _setting(
        DEFAULT_PROVIDER_PRINCIPAL, lambda v: principal_problem(v)
    )
    # How long after a revocation access can still be restored (vendor docs: 3, now 15).
    restore_window_days: int = _setting(15, _positive)
    # Periodic key health check; 0 = off. Off in the sandbox unless set there.
    health_check_minutes: int = _setting(60, _zero_or_more)
    sandbox_health_check_minutes: int = _setting(0, _zero_or_more)
    # Light or dark colours; "system" follows the operating system's choice.
    appearance: str = _setting("system", _appearance)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


_FIELDS = {f.name: f for f in fields(Settings)}


def setting_problem(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be setting ``name`` (None when it can): its type, then the
    setting's own check."""
    spec = _FIELDS.get(name)
    if spec is None:
        return f"there is no setting called {name!r}"
    default = spec.default
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = type(value) is int
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        return f"must be {type(default).__name__}, not {type(value).__name__}"
    check: Check | None = spec.metadata["check"]
    return check(value) if check is not None else None


def needs_restart(name: str) -> bool:
    return bool(_FIELDS[name].metadata["restart"])

def _coerce(name: str, value: Any, default: Any) -> Any:
    if setting_problem(name, value) is not None:
        return default
    return float(value) if isinstance(default, float) else value


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


class SettingsInvalid(ValueError):
    """Settings refused before anything was written, each with its reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        listed = "; ".join(f"{name.replace('_', ' ')} {why}" for name, why in problems.items())
        super().__init__(f"Not saved: {listed}.")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class SettingsSaved:
    settings: Settings  # the snapshot now in force
    restart_needed: tuple[str, ...]  # changed settings that apply at the next start


class SettingsService:
    """The one reader and writer of ``settings.json``.

    ``snapshot()`` is the immutable settings in force (the file's, with this run's
    overrides such as command-line flags on top): cheap, any thread. ``update`` checks
    each change with the setting's own check, writes the file atomically (blocking: call
    it off the GUI thread) and announces ``Kind.SETTINGS`` on the bus.
    """

    def __init__(
        self,
        path: Path,
        overrides: dict[str, Any] | None = None,
        bus: ChangeBus | None = None,
    ) -> None:
        self.path = path
        self.bus = bus
        self._lock = threading.Lock()
        self._saved = load_settings(path)
        self._overrides = dict(overrides or {})
        self._snapshot = self._saved.with_changes(**self._overrides)

    def snapshot(self) -> Settings:
        return self._snapshot

    @property
    def saved(self) -> Settings:
        """What the settings file says (without this run's overrides)."""
        return self._saved

    def override(self, **changes: Any) -> Settings:
        """For this run only, never saved (command-line flags, tests)."""
        problems = {n: p for n, v in changes.items() if (p := setting_problem(n, v))}
        if problems:
            raise SettingsInvalid(problems)
        with self._lock:
            self._overrides.update(changes)
            self._snapshot = self._saved.with_changes(**self._overrides)
        self._announce()
        return self._snapshot

    def update(self, **changes: Any) -> SettingsSaved:
        problems = {n: p for n, v in changes.items() if (p := setting_problem(n, v))}
        if problems:
            raise SettingsInvalid(problems)
        with self._lock:
            before = self._snapshot
            # Other fields as the file has them now: another window may have saved them.
            saved = load_settings(self.path).with_changes(**changes)
            save_settings(self.path, saved)
            self._saved = saved
            self._snapshot = saved.with_changes(**self._overrides)
            after = self._snapshot
        restart = tuple(
            name
            for name in changes
            if needs_restart(name) and getattr(before, name) != getattr(saved, name)
        )
        log.info("Settings saved: %s", ", ".join(sorted(changes)))
        self._announce()
        return SettingsSaved(after, restart)

    def _announce(self) -> None:
        if self.bus is not None:
            self.bus.publish(Changes.of(Kind.SETTINGS))
