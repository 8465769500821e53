"""Everything a running app (GUI or headless) works with, opened in one place."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from byok_desktop.paths import AppPaths
from byok_desktop.store.database import Database, open_database
from byok_desktop.tiers import TierTable, TierTableError, builtin_tier_table, load_tier_table

log = logging.getLogger("byok_desktop")


@dataclass
class AppContext:
    paths: AppPaths
    tiers: TierTable
    database: Database
    warnings: list[str]  # for the user: things that work, but not as configured

    def close(self) -> None:
        self.database.close()


def open_context(paths: AppPaths) -> AppContext:
    paths.ensure()
    warnings: list[str] = []
    try:
        tiers = load_tier_table(paths.data_dir)
    except TierTableError as exc:
        warnings.append(f"The user tier table could not be used, so the built-in one is: {exc}")
        log.warning("Tier table override rejected: %s", exc)
        tiers = builtin_tier_table()
    database = open_database(paths.database, paths.backups, tiers)
    return AppContext(paths=paths, tiers=tiers, database=database, warnings=warnings)
