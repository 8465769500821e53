"""Everything a running app (GUI or headless) works with, opened in one place."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from byok_desktop.aws.connection import AwsConfig
from byok_desktop.aws.sandbox import SandboxServer
from byok_desktop.aws.sandbox_state import STATE_FILE, state_usable
from byok_desktop.credential_profiles import Profile
from byok_desktop.credentials.keyring_store import SecretStore
from byok_desktop.credentials.service import CredentialService
from byok_desktop.credentials.sso import SSO_ENDPOINT_ENV
from byok_desktop.jobs.runner import STEP_TITLES
from byok_desktop.outbox import Outbox
from byok_desktop.paths import DATABASE_FILE, AppPaths
from byok_desktop.settings import Settings, SettingsService
from byok_desktop.store.database import Database, open_database, open_server_database
from byok_desktop.store.engine import ServerTimeouts
from byok_desktop.store.profiles import ProfileStore
from byok_desktop.tiers import TierTable, TierTableError, builtin_tier_table, load_tier_table

log = logging.getLogger("byok_desktop")

SANDBOX_ACCOUNT_ID = "123456789012"


class WrongDatabaseMode(RuntimeError):
    pass


@dataclass
class AppContext:
    paths: AppPaths
    settings_service: SettingsService
    tiers: TierTable
    database: Database
    credentials: CredentialService
    sandbox: SandboxServer | None
    warnings: list[str] = field(default_factory=list)  # for the user: works, but not as set
    # Drafts kept on this workstation while a team database is out of reach; None on a
    # local SQLite database (it is on the workstation already).
    outbox: Outbox | None = None

    @property
    def settings(self) -> Settings:
        """The settings in force now: an immutable snapshot (see SettingsService)."""
        return self.settings_service.snapshot()

    @property
    def in_sandbox(self) -> bool:
        return self.sandbox is not None

    def aws_config(self, profile: Profile) -> AwsConfig:
        s = self.settings
        endpoint = s.aws_endpoint_url
        account = ""
        if self.sandbox is not None:
            endpoint = self.sandbox.start()  # lazily: moto loads only when AWS is used
            account = profile.expected_account_id or SANDBOX_ACCOUNT_ID
        return AwsConfig(
            endpoint_url=endpoint,
            connect_timeout_s=s.aws_connect_timeout_s,
            read_timeout_s=s.aws_read_timeout_s,
            max_attempts=s.aws_max_attempts,
            sandbox_account_id=account,
            realism=self.sandbox.realism() if self.sandbox and s.sandbox_realistic_aws else None,
        )

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
        self.credentials.secrets.close()
        self.database.close()


def server_timeouts(settings: Settings) -> ServerTimeouts:
    return ServerTimeouts(
        connect_s=settings.database_connect_timeout_s,
        statement_s=settings.database_statement_timeout_s,
        link_s=settings.database_link_timeout_s,
    )


def _check_mode(database: Database, mode: str) -> None:
    """A database belongs to the sandbox or to real work, never both."""
    recorded = database.claim_mode(mode)
    if recorded != mode:
        raise WrongDatabaseMode(
            f"{database.location} holds {recorded} records and cannot be opened in {mode} "
            "mode; sandbox and real records are kept apart."
        )


RESET_REQUEST_FILE = "reset-requested"


def request_sandbox_reset(paths: AppPaths) -> None:
    """Ask for a fresh sandbox at the next start (the running one holds its files open)."""
    paths.sandbox_dir.mkdir(parents=True, exist_ok=True)
    (paths.sandbox_dir / RESET_REQUEST_FILE).touch()


def _set_aside(path: Path, state: Path, backups: Path) -> Path:
    backups.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = backups / f"sandbox-before-reset-{stamp}.sqlite3"
    if path.exists():
        shutil.move(path, kept)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if state.exists():
        shutil.move(state, kept.with_suffix(".aws.pickle"))
    return kept


def _reset_sandbox_if_needed(sandbox_dir: Path, backups: Path, tiers: TierTable) -> str | None:
    """Start the sandbox afresh when the user asked for it, or when its records name
    products its saved AWS does not hold (no saved state, or one this moto cannot read:
    it would claim keys that do not exist). The old files are set aside, never deleted."""
    path, state = sandbox_dir / DATABASE_FILE, sandbox_dir / STATE_FILE
    requested = sandbox_dir / RESET_REQUEST_FILE
    if requested.exists():
        kept = _set_aside(path, state, backups)
        requested.unlink()
        log.info("Sandbox reset as asked; old database kept at %s", kept)
        return f"The sandbox starts afresh, as you asked. The previous one is kept at {kept}."
    if not path.exists() or state_usable(state):
        return None
    database = open_database(path, backups, tiers)
    try:
        provisioned = sum(database.view.counts().values())
    finally:
        database.close()
    if not provisioned:
        return None
    kept = _set_aside(path, state, backups)
    log.warning(
        "Sandbox reset: %d provisioned product(s) without a saved AWS; old database kept at %s",
        provisioned,
        kept,
    )
    return (
        f"The sandbox was reset: its simulated AWS was not saved last time (the app did not "
        f"close normally), so the {provisioned} sandbox product(s) recorded no longer exist "
        f"there. The previous sandbox database is kept at {kept}. Real records are untouched."
    )


def open_context(
    paths: AppPaths,
    *,
    sandbox: bool | None = None,
    aws_endpoint_url: str | None = None,
    database_url: str | None = None,
    keyring_backend: Any | None = None,
    sandbox_endpoint_url: str | None = None,
) -> AppContext:
    """Open the app's state. ``sandbox`` and ``aws_endpoint_url`` override the settings
    file for this run (command-line flags). ``sandbox_endpoint_url``: the sandbox server
    the app that started this process runs (the job worker): its database is in use, so
    it is never reset, and no second server starts."""
    paths.ensure()
    warnings: list[str] = []
    flags = {
        "sandbox": sandbox,
        "aws_endpoint_url": aws_endpoint_url,
        "database_url": database_url,
    }
    service = SettingsService(
        paths.core_settings_file, {name: v for name, v in flags.items() if v is not None}
    )
    settings = service.snapshot()
    try:
        tiers = load_tier_table(paths.data_dir)
    except TierTableError as exc:
        warnings.append(f"The user tier table could not be used, so the built-in one is: {exc}")
        log.warning("Tier table override rejected: %s", exc)
        tiers = builtin_tier_table()

    if settings.sandbox:
        db_path = paths.sandbox_dir / DATABASE_FILE
        backups = paths.sandbox_dir / "backups"
        notice = (
            None
            if sandbox_endpoint_url
            else _reset_sandbox_if_needed(paths.sandbox_dir, backups, tiers)
        )
        if notice:
            warnings.append(notice)
    else:
        db_path, backups = paths.database, paths.backups
    if settings.database_url and not settings.sandbox:
        database = open_server_database(
            settings.database_url, tiers, STEP_TITLES, timeouts=server_timeouts(settings)
        )
    else:
        database = open_database(db_path, backups, tiers, STEP_TITLES)
    try:
        _check_mode(database, "sandbox" if settings.sandbox else "real")
    except Exception:
        database.close()
        raise
    secrets = SecretStore(settings.keyring_timeout_s, keyring_backend)
    server = (
        SandboxServer(
            running_at=sandbox_endpoint_url or "", state_file=paths.sandbox_dir / STATE_FILE
        )
        if settings.sandbox
        else None
    )
    context = AppContext(
        paths=paths,
        settings_service=service,
        tiers=tiers,
        database=database,
        credentials=None,  # type: ignore[arg-type]  # set below: it needs the context
        sandbox=server,
        warnings=warnings,
        outbox=Outbox(paths.outbox, database.location) if database.path is None else None,
    )
    service.bus = database.changes  # saved settings are announced like any change
    context.credentials = CredentialService(
        ProfileStore(database.engine, database.change_log), secrets, context.aws_config
    )
    # The GUI and the job worker sign in where the CLI does (a local fake, an emulator).
    context.credentials.sso_endpoint_url = os.environ.get(SSO_ENDPOINT_ENV, "")
    if server is not None:
        context.credentials.ensure_sandbox_profile(SANDBOX_ACCOUNT_ID)
    return context
