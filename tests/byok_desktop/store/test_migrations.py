"""Alembic migrations: an empty database reaches head; an older one is copied first."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from byok_desktop.store import migrate
from byok_desktop.store.database import open_database
from byok_desktop.store.engine import sqlite_engine
from byok_desktop.tiers import TierTable
from tests.helpers.factories import ready_draft

EXTRA_MIGRATION = '''"""Test-only: a second revision, so there is an older schema to upgrade from.

Revision ID: 9002
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9002"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("test_extra", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("test_extra")
'''


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "byok.sqlite3"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = sqlite_engine(db_path)
    yield engine
    engine.dispose()


def _config(engine: Engine, script_location: Path = migrate.MIGRATIONS_DIR) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["engine"] = engine
    return config


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_head_revision_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(_config(engine=None))  # type: ignore[arg-type]
    assert script.get_heads() == [migrate.HEAD_REVISION]


def test_empty_database_is_created_at_head(engine: Engine, db_path: Path, tmp_path: Path) -> None:
    assert migrate.current_revision(engine) is None
    backup = migrate.upgrade(engine, db_path, tmp_path / "backups")
    assert backup is None
    assert not (tmp_path / "backups").exists()
    assert {"requests", "products", "alembic_version"} <= _tables(engine)
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            migrate.HEAD_REVISION
        ]


def test_schema_matches_the_models(engine: Engine, db_path: Path) -> None:
    from byok_desktop.store.models import Base

    migrate.upgrade(engine, db_path, None)
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in Base.metadata.sorted_tables:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name


def test_up_to_date_database_takes_no_backup(tmp_path: Path, tiers: TierTable) -> None:
    path = tmp_path / "byok.sqlite3"
    backups = tmp_path / "backups"
    first = open_database(path, backups, tiers)
    first.requests.create(ready_draft())
    assert first.backup is None
    first.close()
    second = open_database(path, backups, tiers)
    try:
        assert second.backup is None
        assert not backups.exists()
        assert second.requests.count() == 1
    finally:
        second.close()


def test_downgraded_to_base_reads_as_no_revision_and_is_recreated(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    migrate.upgrade(engine, db_path, tmp_path / "backups")
    command.downgrade(_config(engine), "base")
    assert "requests" not in _tables(engine)
    assert migrate.current_revision(engine) is None
    # Nothing to lose, so no copy; the schema comes back.
    assert migrate.upgrade(engine, db_path, tmp_path / "backups") is None
    assert {"requests", "products"} <= _tables(engine)
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION


@pytest.fixture
def newer_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's migrations plus a test revision 9002 on top, installed as the head."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9002_test_extra.py").write_text(
        EXTRA_MIGRATION.replace("{head}", migrate.HEAD_REVISION), encoding="utf-8"
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    monkeypatch.setattr(migrate, "HEAD_REVISION", "9002")
    return scripts


def test_open_database_upgrades_an_older_database_after_copying_it(
    engine: Engine, db_path: Path, tmp_path: Path, tiers: TierTable, newer_migrations: Path
) -> None:
    command.upgrade(_config(engine, newer_migrations), "0001")
    engine.dispose()
    backups = tmp_path / "backups"
    database = open_database(db_path, backups, tiers)
    try:
        assert database.backup is not None
        assert database.backup.is_file()
        assert database.backup.parent == backups
        assert migrate.current_revision(database.engine) == "9002"
        assert database.requests.create(ready_draft()).id == 1
    finally:
        database.close()


def test_upgrade_from_an_older_revision_takes_a_backup(
    engine: Engine, db_path: Path, tmp_path: Path, tiers: TierTable, newer_migrations: Path
) -> None:
    command.upgrade(_config(engine, newer_migrations), "0001")
    assert migrate.current_revision(engine) == "0001"
    # Put a request in the old schema with plain SQL: today's models may not fit it.
    uid = ready_draft().uid
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO requests (uid, version, created_at, updated_at, status, "
                "problem_count, aws_account_id, site_name, site_key, desired_users, tier_name, "
                "products, customer_org, requester_name, requester_email, "
                "requester_is_org_admin, notes) VALUES (:uid, 1, '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00', 'ready', 0, '123456789012', 'acme', 'acme', '100', "
                "'', 'jira-software', 'Acme', 'Ann', 'ann@acme.test', 1, '')"
            ),
            {"uid": uid},
        )
    backups = tmp_path / "backups"

    backup = migrate.upgrade(engine, db_path, backups)

    assert backup is not None
    assert backup.parent == backups
    assert backup.name.startswith("byok-before-upgrade-from-0001-")
    assert backup.suffix == ".sqlite3"
    assert migrate.current_revision(engine) == "9002"
    assert "test_extra" in _tables(engine)
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert copy.execute("SELECT uid FROM requests").fetchall() == [(uid,)]
        tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "test_extra" not in tables
    finally:
        copy.close()
    # Already at head now: the next start takes no copy.
    assert migrate.upgrade(engine, db_path, backups) is None
    assert list(backups.iterdir()) == [backup]
