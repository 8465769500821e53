"""Bring a database to the current schema, copying the file first.

Alembic is imported only when an upgrade is needed, so an up-to-date start costs a
single query.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text

log = logging.getLogger("byok_desktop.db")

# The newest migration; tests/byok_desktop/store/test_migrations.py checks it matches Alembic's head.
HEAD_REVISION = "0008"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup_database(db_path: Path, backup_dir: Path, label: str) -> Path:
    """A consistent copy through SQLite's backup API (safe with WAL and readers)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir / f"{db_path.stem}-before-{label}-{stamp}.sqlite3"
    source = sqlite3.connect(db_path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def _alembic_config(engine: Engine) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


# pg_advisory_lock key: "BYOK" in ASCII, so other apps on the server are unlikely to clash.
_MIGRATION_LOCK = 0x42594F4B


def upgrade(engine: Engine, db_path: Path | None, backup_dir: Path | None) -> Path | None:
    """Upgrade to head. Returns the backup taken, if any (none for a new database)."""
    if current_revision(engine) == HEAD_REVISION:
        return None
    if engine.dialect.name != "postgresql":
        return _upgrade(engine, db_path, backup_dir)
    # Another workstation may be upgrading the shared database right now: wait for it.
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
        try:
            return _upgrade(engine, None, None)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
            lock.commit()


def _upgrade(engine: Engine, db_path: Path | None, backup_dir: Path | None) -> Path | None:
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return None
    backup: Path | None = None
    if revision is not None and db_path is not None and backup_dir is not None:
        backup = backup_database(db_path, backup_dir, f"upgrade-from-{revision}")
        log.info("Copied database to %s before upgrading from %s", backup, revision)
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")  # type: ignore[arg-type]
    log.info("Database schema upgraded from %s to %s", revision or "empty", HEAD_REVISION)
    return backup
