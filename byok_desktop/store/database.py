"""Open the app's database: engine, migrations (with a copy first), stores."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from byok_desktop.changes import ChangeBus
from byok_desktop.errors import DatabaseCorrupt
from byok_desktop.store.boundary import store_boundary, translates_errors
from byok_desktop.store.change_counters import ChangeLog
from byok_desktop.store.engine import (
    ServerTimeouts,
    display_url,
    server_engine,
    session_factory,
    sqlite_engine,
)
from byok_desktop.store.external_ids import ExternalIdStore
from byok_desktop.store.jobs import JobStore
from byok_desktop.store.migrate import upgrade
from byok_desktop.store.models import AppMetaRow
from byok_desktop.store.products import ProductStore, ProductView
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import TierTable

log = logging.getLogger("byok_desktop.db")


# SQLite's words for a file that is not (or no longer) a usable database.
_CORRUPT_SIGNS = ("file is not a database", "malformed", "encrypted", "not a database")


def move_aside(path: Path, backup_dir: Path) -> Path:
    """Move an unreadable database (and its WAL files) into ``backup_dir``; returns where
    the database file went. Nothing is deleted."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"{path.stem}-unreadable-{stamp}{path.suffix}"
    shutil.move(path, target)
    for suffix in ("-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            shutil.move(companion, Path(f"{target}{suffix}"))
    log.warning("Moved unreadable database %s to %s", path, target)
    return target


@store_boundary
@dataclass
class Database:
    engine: Engine
    path: Path | None  # None for a database server
    requests: RequestStore
    jobs: JobStore
    products: ProductStore
    view: ProductView
    external_ids: ExternalIdStore
    backup: Path | None  # copy taken before this start's schema upgrade

    url: str = ""  # a database server's URL (never shown with its password)
    # Announces every committed write (this process's at once, others' when polled).
    change_log: ChangeLog | None = None

    @property
    def changes(self) -> ChangeBus:
        assert self.change_log is not None
        return self.change_log.bus

    @property
    def location(self) -> str:
        """Where the records are, for the screen and the log."""
        return str(self.path) if self.path is not None else display_url(self.url)

    def claim_mode(self, mode: str) -> str:
        """The mode ("sandbox" or "real") the records belong to; a database that has
        none yet is given ``mode``."""
        with session_factory(self.engine).begin() as session:
            row = session.get(AppMetaRow, "mode")
            if row is None:
                session.add(AppMetaRow(key="mode", value=mode))
                return mode
            return row.value

    def close(self) -> None:
        self.engine.dispose()


@translates_errors
def open_database(
    path: Path,
    backup_dir: Path,
    tiers: TierTable,
    step_titles: Mapping[str, str] | None = None,
) -> Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sqlite_engine(path)
    try:
        backup = upgrade(engine, path, backup_dir)
    except DatabaseError as exc:
        engine.dispose()
        detail = str(getattr(exc, "orig", exc))
        if any(sign in detail for sign in _CORRUPT_SIGNS):
            raise DatabaseCorrupt(path, detail) from exc
        raise
    except Exception:
        engine.dispose()
        raise
    log.info("Opened database %s", path)
    return _stores(engine, tiers, path=path, backup=backup, step_titles=step_titles)


def _stores(
    engine: Engine,
    tiers: TierTable,
    *,
    path: Path | None,
    backup: Path | None,
    url: str = "",
    step_titles: Mapping[str, str] | None = None,
) -> Database:
    change_log = ChangeLog(engine, ChangeBus())
    return Database(
        engine=engine,
        path=path,
        requests=RequestStore(engine, tiers, change_log),
        jobs=JobStore(engine, change_log),
        products=ProductStore(engine, change_log),
        view=ProductView(engine, step_titles),
        external_ids=ExternalIdStore(engine),
        backup=backup,
        url=url,
        change_log=change_log,
    )


@translates_errors
def open_server_database(
    url: str,
    tiers: TierTable,
    step_titles: Mapping[str, str] | None = None,
    *,
    timeouts: ServerTimeouts | None = None,
) -> Database:
    """A shared database on a PostgreSQL server: several workstations, one record.
    Migrations run under a server-side lock, so two apps starting at once take turns.
    ``timeouts`` bound every wait on the server (see ``server_engine``)."""
    engine = server_engine(url, timeouts)
    try:
        upgrade(engine, None, None)
    except Exception:
        engine.dispose()
        raise
    log.info("Opened database %s", display_url(url))
    return _stores(engine, tiers, path=None, backup=None, url=url, step_titles=step_titles)
