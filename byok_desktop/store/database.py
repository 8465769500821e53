"""Open the app's database: engine, migrations (with a copy first), stores."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from byok_desktop.store.engine import sqlite_engine
from byok_desktop.store.jobs import JobStore
from byok_desktop.store.migrate import upgrade
from byok_desktop.store.products import ProductStore, ProductView
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import TierTable

log = logging.getLogger("byok_desktop.db")


@dataclass
class Database:
    engine: Engine
    path: Path
    requests: RequestStore
    jobs: JobStore
    products: ProductStore
    view: ProductView
    backup: Path | None  # copy taken before this start's schema upgrade

    def close(self) -> None:
        self.engine.dispose()


def open_database(path: Path, backup_dir: Path, tiers: TierTable) -> Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sqlite_engine(path)
    try:
        backup = upgrade(engine, path, backup_dir)
    except Exception:
        engine.dispose()
        raise
    log.info("Opened database %s", path)
    return Database(
        engine=engine,
        path=path,
        requests=RequestStore(engine, tiers),
        jobs=JobStore(engine),
        products=ProductStore(engine),
        view=ProductView(engine),
        backup=backup,
    )
