"""The tests' PostgreSQL server: the benchmarks' one (benchmarks/postgres_server.py)."""

from benchmarks.postgres_server import PostgresServer, free_port

__all__ = ["PostgresServer", "free_port"]
