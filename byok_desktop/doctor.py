"""``main.py doctor``: what works on this workstation and what does not, each check
bounded in time, each failure with what to do. Plain data, so the GUI's Help > Diagnose
can show the same checks."""

from __future__ import annotations

import contextlib
import platform
import shutil
import sqlite3
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from pathlib import Path
from typing import Any

from byok_desktop import __version__
from byok_desktop.exit_codes import ExitCode, classify
from byok_desktop.overrides import ContextOverrides
from byok_desktop.paths import DATABASE_FILE, AppPaths

LOW_DISK_BYTES = 200 * 1024 * 1024
TOO_LITTLE_DISK_BYTES = 20 * 1024 * 1024
MAX_SKEW_S = 300.0  # AWS refuses signatures more than 5 minutes off
KEYRING_TIMEOUT_S = 5.0
AWS_TIMEOUT_S = 5.0
REAL_AWS_URL = "https://sts.amazonaws.com/"


class Verdict(Enum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    verdict: Verdict
    detail: str  # what was found; for a failure, also what to do
    code: ExitCode = ExitCode.OK  # the exit code a failure stands for

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict.value
        data["code"] = int(self.code)
        return data


def exit_code(checks: list[Check]) -> ExitCode:
    """The table's code for the worst failure: the environment first, then AWS, then
    problems found."""
    failed = {c.code for c in checks if c.verdict is Verdict.FAILED}
    for code in (ExitCode.ENVIRONMENT, ExitCode.AWS, ExitCode.PROBLEMS):
        if code in failed:
            return code
    return ExitCode.OK


def run_checks(
    paths: AppPaths,
    overrides: ContextOverrides | None = None,
    keyring_backend: Any | None = None,
) -> list[Check]:
    overrides = overrides or ContextOverrides()
    settings = _settings(paths, overrides)
    checks = [
        Check(
            "versions",
            Verdict.OK,
            f"BYOK Desktop {__version__}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}",
        ),
        _keyring(keyring_backend),
        _writable("data folder", paths.data_dir),
        _writable("log folder", paths.log_dir),
        _disk(paths.data_dir),
    ]
    sandbox = bool(getattr(settings, "sandbox", False))
    database_url = str(getattr(settings, "database_url", "") or "")
    db_path = (paths.sandbox_dir if sandbox else paths.data_dir) / DATABASE_FILE
    if database_url and not sandbox:
        checks.append(Check("database", Verdict.SKIPPED, "a team database: checked by its server"))
    else:
        checks.append(_database(db_path))
    aws, skew = _aws(sandbox, str(getattr(settings, "aws_endpoint_url", "") or ""))
    checks += [aws, skew]
    if database_url or db_path.exists():
        checks += _profiles(paths, overrides, keyring_backend)
    else:  # opening it would create it: the doctor changes nothing
        checks.append(Check("profiles", Verdict.OK, "none yet (no database)"))
    return checks


def _settings(paths: AppPaths, overrides: ContextOverrides) -> Any:
    from byok_desktop.settings import SettingsService

    flags = {
        "sandbox": overrides.sandbox,
        "aws_endpoint_url": overrides.aws_endpoint_url,
        "database_url": overrides.database_url,
    }
    try:
        service = SettingsService(
            paths.core_settings_file, {k: v for k, v in flags.items() if v is not None}
        )
        return service.snapshot()
    except Exception:  # a broken settings file: the defaults, with the flags
        return type("Flags", (), {k: v for k, v in flags.items() if v is not None})()


def _failed(name: str, exc: BaseException) -> Check:
    fault = classify(exc)
    return Check(name, Verdict.FAILED, fault.message, fault.code)


def _keyring(backend: Any | None) -> Check:
    from byok_desktop.credentials.keyring_store import KeyringProblem, SecretStore

    store = SecretStore(KEYRING_TIMEOUT_S, backend)
    try:
        name = store.current_backend()
        store.load("doctor-probe")  # does it answer (a locked keyring refuses here)?
    except KeyringProblem as exc:
        return Check("keyring", Verdict.FAILED, exc.user_message(), ExitCode.ENVIRONMENT)
    finally:
        store.close()
    return Check("keyring", Verdict.OK, f"{name} answers")


def _writable(name: str, folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return _failed(name, exc)
    return Check(name, Verdict.OK, f"{folder} is writable")


def _disk(folder: Path) -> Check:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError as exc:
        return _failed("disk space", exc)
    text = f"{free / 1_048_576:,.0f} MB free at {probe}"
    if free < TOO_LITTLE_DISK_BYTES:
        return Check(
            "disk space", Verdict.FAILED, f"{text}: free some space.", ExitCode.ENVIRONMENT
        )
    if free < LOW_DISK_BYTES:
        return Check("disk space", Verdict.WARNING, f"{text}: space is low.")
    return Check("disk space", Verdict.OK, text)


def _database(path: Path) -> Check:
    """PRAGMA integrity_check and the schema revision, read-only (never creates the file)."""
    from byok_desktop.store.migrate import HEAD_REVISION

    if not path.exists():
        return Check("database", Verdict.OK, f"{path} does not exist yet (made at first use)")
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5.0)
        ) as db:
            found = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if found != ["ok"]:
                return Check(
                    "database",
                    Verdict.FAILED,
                    f"{path} is damaged ({'; '.join(found[:3])}). Quit the app and restore "
                    "it from backups/, or start the app to move it aside.",
                    ExitCode.ENVIRONMENT,
                )
            try:
                (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
            except (sqlite3.Error, TypeError):
                revision = None
    except sqlite3.Error as exc:
        return Check(
            "database",
            Verdict.FAILED,
            f"{path} cannot be read ({exc}). It may be damaged or not a BYOK Desktop "
            "database; start the app to move it aside.",
            ExitCode.ENVIRONMENT,
        )
    if revision == HEAD_REVISION:
        return Check("database", Verdict.OK, f"{path}: intact, schema {revision} (current)")
    return Check(
        "database",
        Verdict.WARNING,
        f"{path}: intact, schema {revision or 'none'}; this version uses {HEAD_REVISION} "
        "and upgrades it at the next start (a copy is kept in backups/).",
    )


def _aws(sandbox: bool, endpoint: str) -> tuple[Check, Check]:
    if sandbox:
        return (
            Check("AWS endpoint", Verdict.SKIPPED, "the sandbox: a simulated AWS in the app"),
            Check("clock", Verdict.SKIPPED, "the sandbox does not check signatures' time"),
        )
    url = endpoint or REAL_AWS_URL
    try:
        date = _date_header(url)
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        return (
            Check(
                "AWS endpoint",
                Verdict.FAILED,
                f"{url} cannot be reached ({reason}). Check the network, the proxy and the "
                "endpoint URL in Settings.",
                ExitCode.AWS,
            ),
            Check("clock", Verdict.SKIPPED, "AWS could not be reached to compare clocks"),
        )
    reached = Check("AWS endpoint", Verdict.OK, f"{url} answers")
    if date is None:
        return reached, Check("clock", Verdict.SKIPPED, f"{url} sent no Date header")
    skew = (datetime.now(UTC) - date).total_seconds()
    text = f"this clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} {url}"
    if abs(skew) > MAX_SKEW_S:
        return reached, Check(
            "clock",
            Verdict.FAILED,
            f"{text}; AWS refuses requests signed more than 5 minutes off. Set the clock "
            "(turn on network time).",
            ExitCode.AWS,
        )
    return reached, Check("clock", Verdict.OK, text)


def _date_header(url: str) -> datetime | None:
    """Any HTTP answer means reachable (AWS answers an unsigned call with 403 or 404)."""
    request = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=AWS_TIMEOUT_S) as response:
            header = response.headers.get("Date")
    except urllib.error.HTTPError as exc:
        header = exc.headers.get("Date") if exc.headers else None
    except ValueError as exc:  # not a URL
        raise OSError(str(exc)) from None
    if not header:
        return None
    try:
        return parsedate_to_datetime(header).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def _profiles(
    paths: AppPaths, overrides: ContextOverrides, keyring_backend: Any | None
) -> list[Check]:
    from byok_desktop.credential_profiles import ProfileState

    try:
        with _opened(paths, overrides, keyring_backend) as context:
            statuses = [context.credentials.status(p) for p in context.credentials.profiles.list()]
    except Exception as exc:
        fault = classify(exc)
        return [Check("profiles", Verdict.SKIPPED, f"not read: {fault.message}")]
    if not statuses:
        return [Check("profiles", Verdict.OK, "none yet (Credentials screen)")]
    return [
        Check(
            f"profile {s.profile.name}",
            Verdict.OK if s.state is ProfileState.VERIFIED else Verdict.WARNING,
            f"{s.state.display_name}: {s.detail}",
        )
        for s in statuses
    ]


@contextlib.contextmanager
def _opened(paths: AppPaths, overrides: ContextOverrides, backend: Any | None) -> Iterator[Any]:
    from byok_desktop.context import open_context

    context = open_context(
        paths,
        sandbox=overrides.sandbox,
        aws_endpoint_url=overrides.aws_endpoint_url,
        database_url=overrides.database_url,
        keyring_backend=backend,
    )
    try:
        yield context
    finally:
        context.close()


def table(checks: list[Check]) -> str:
    """The checks as a plain-text table, one line per check."""
    name_w = max(len(c.name) for c in checks)
    lines = [f"{c.name:<{name_w}}  {c.verdict.value:<8}  {c.detail}" for c in checks]
    return "\n".join(lines) + "\n"
