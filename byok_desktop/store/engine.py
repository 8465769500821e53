"""The shared SQLAlchemy engine: one per database file, sessions per unit of work."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

log = logging.getLogger("byok_desktop.db")

BUSY_TIMEOUT_MS = 5000


def _py_casefold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


class casefold(GenericFunction[str]):  # lowercase: it is the SQL function name
    """casefold(text): Unicode case folding for search and sort. SQLite gets Python's
    str.casefold as a function (its lower() folds ASCII only); PostgreSQL's lower() is
    already Unicode-aware."""

    type = String()
    name = "casefold"
    inherit_cache = True


@compiles(casefold, "postgresql")
def _casefold_postgresql(element: casefold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLite's lower() folds ASCII only; search and sort must find "Ångström" too.
    dbapi_connection.create_function("casefold", 1, _py_casefold, deterministic=True)
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


def server_engine(url: str) -> Engine:
    """An engine for a shared database server (PostgreSQL); connections are checked
    before use so a restarted server or a dropped network is noticed, not fatal."""
    return create_engine(url, future=True, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def display_url(url: str) -> str:
    """The URL without its password, for logs and the screen."""
    return make_url(url).render_as_string(hide_password=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
