"""The shared SQLAlchemy engine: one per database file, sessions per unit of work."""

from __future__ import annotations

import functools
import inspect
import logging
import math
import select
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from byok_desktop.store.journal_guard import JournalGuard

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
    JournalGuard(engine, path)  # after _on_connect: it looks at the journal WAL opened
    return engine


@dataclass(frozen=True, slots=True)
class ServerTimeouts:
    """How long a shared database server may keep the app waiting (``Settings``' database_*
    fields). Without them a VPN that drops packets leaves a call waiting for as long as the
    operating system keeps retrying TCP: minutes."""

    connect_s: float = 5.0  # TCP, TLS and login
    statement_s: float = 15.0  # the server cancels a longer statement
    link_s: float = 10.0  # a link silent for this long is dead

    def connect_args(self) -> dict[str, str]:
        """libpq connection parameters. Keepalives start after half the link timeout of
        silence and give up about a link timeout later; TCP's user timeout drops a
        connection whose sent data goes unacknowledged that long (a stalled link)."""
        link = max(1, round(self.link_s))
        return {
            "connect_timeout": str(max(2, math.ceil(self.connect_s))),  # libpq: at least 2
            "keepalives": "1",
            "keepalives_idle": str(max(1, link // 2)),
            "keepalives_interval": str(max(1, round(link / 6))),
            "keepalives_count": "3",
            "tcp_user_timeout": str(round(self.link_s * 1000)),
            "options": f"-c statement_timeout={round(self.statement_s * 1000)}",
        }

    @property
    def answer_s(self) -> float:
        """How long the app waits for any answer: the server has answered (or cancelled
        the statement) by the statement timeout; the link may take its own timeout to
        carry it. A call waiting longer is on a dead link, whatever TCP believes (a VPN
        client or a proxy on this machine can acknowledge what the far end never got)."""
        return self.statement_s + self.link_s


# Longest a pooled connection lives: a VPN's NAT may forget a quiet connection, and the
# server's configuration may change; a fresh connection costs a few round trips.
POOL_RECYCLE_S = 1800


def server_engine(url: str, timeouts: ServerTimeouts | None = None) -> Engine:
    """An engine for a shared database server (PostgreSQL), bounded in time.

    Connections are not pinged before use (``pool_pre_ping`` costs a round trip per unit
    of work: 20 ms of every keystroke's store call on a 20 ms VPN). Instead a checkout
    looks at the connection's socket without a round trip: a server that restarted or a
    connection the keepalives gave up on has left it readable, and such a connection is
    replaced before use. A connection that fails during a call is invalidated with every
    older one in the pool (SQLAlchemy does that on a disconnect error), so the call fails
    once and the next call connects afresh; ``POOL_RECYCLE_S`` bounds a connection's age.
    """
    timeouts = timeouts or ServerTimeouts()
    parsed = make_url(url)
    # A parameter written in the URL (a DBA's choice) wins over the defaults.
    connect_args = {k: v for k, v in timeouts.connect_args().items() if k not in parsed.query}
    engine = create_engine(url, future=True, pool_recycle=POOL_RECYCLE_S, connect_args=connect_args)
    connection_class = _answer_deadline_connection()
    if connection_class is not None:
        answer_s = timeouts.answer_s

        @event.listens_for(engine, "do_connect")
        def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
            connection = connection_class.connect(*cargs, **cparams)
            connection.answer_deadline_s = answer_s
            return connection

    event.listen(engine, "checkout", _replace_if_closed_by_peer)
    return engine


def _replace_if_closed_by_peer(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """An idle PostgreSQL connection has nothing to read; if it has, the server closed
    it (a restart, idle_session_timeout), a keepalive failed, or the server sent a notice
    nobody asked for: use a new connection (the pool retries on DisconnectionError)."""
    try:
        socket_fd = dbapi_connection.pgconn.socket
        readable, _, failed = select.select([socket_fd], [], [socket_fd], 0)
    except Exception as exc:  # no socket (psycopg raises its own error), a closed fd, …
        raise DisconnectionError(f"the pooled connection is unusable: {exc}") from exc
    if readable or failed:
        log.info("A pooled database connection was closed by the server or the network")
        raise DisconnectionError("the pooled connection was closed by the server or the network")


@functools.cache
def _answer_deadline_connection() -> Any:
    """A psycopg connection class that gives up (and closes) when an answer takes longer
    than ``answer_deadline_s``; None if this psycopg cannot bound a wait (before 3.3)."""
    import psycopg
    from psycopg import errors

    wait_timeout = getattr(errors, "_WaitTimeout", None)
    if (
        not (isinstance(wait_timeout, type) and issubclass(wait_timeout, BaseException))
        or "timeout" not in inspect.signature(psycopg.Connection.wait).parameters
    ):
        log.warning("psycopg %s cannot bound a wait; only TCP timeouts apply", psycopg.__version__)
        return None
    timed_out: type[BaseException] = wait_timeout

    class AnswerDeadlineConnection(psycopg.Connection[Any]):
        answer_deadline_s: float | None = None

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            deadline = self.answer_deadline_s
            if timeout is not None or deadline is None:
                return super().wait(gen, interval, timeout)
            try:
                return super().wait(gen, interval, deadline)
            except timed_out:
                # What the server did with the request is unknown: the connection goes.
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database server did not answer within {deadline:g} s; "
                    "the connection was closed"
                ) from None

    return AnswerDeadlineConnection


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def display_url(url: str) -> str:
    """The URL without its password, for logs and the screen."""
    return make_url(url).render_as_string(hide_password=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
