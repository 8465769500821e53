"""The shared SQLAlchemy engine: one per database file, sessions per unit of work."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("byok_desktop.db")

BUSY_TIMEOUT_MS = 5000


def casefold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLite's lower() folds ASCII only; search and sort must find "Ångström" too.
    dbapi_connection.create_function("casefold", 1, casefold, deterministic=True)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # WAL lets the GUI read while a worker writes; NORMAL is durable across app
        # crashes (only an OS crash can lose the last commits).
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
