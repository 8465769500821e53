"""Where the app keeps its files: one place, overridable for tests and portable use."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from byok_desktop import APP_ID

DATA_DIR_ENV = "BYOK_DESKTOP_DATA_DIR"
DATABASE_FILE = "byok.sqlite3"
OUTBOX_FILE = "outbox.sqlite3"


@dataclass(frozen=True, slots=True)
class AppPaths:
    data_dir: Path
    log_dir: Path
    config_dir: Path
    # True when --data-dir or the environment chose the folder: settings then live
    # beside the data instead of in the user's profile.
    portable: bool

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def outbox(self) -> Path:
        """Drafts kept on this workstation until a team database takes them."""
        return self.data_dir / OUTBOX_FILE

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    @property
    def settings_file(self) -> Path:
        """QSettings (view state) for portable runs."""
        return self.data_dir / "settings.ini"

    @property
    def core_settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def sandbox_dir(self) -> Path:
        """The sandbox keeps its own database, apart from real records."""
        return self.data_dir / "sandbox"

    def ensure(self) -> None:
        for folder in (self.data_dir, self.config_dir):
            folder.mkdir(parents=True, exist_ok=True)
        # A log folder that cannot be made is not fatal: logging says so and runs without it.
        with contextlib.suppress(OSError):
            self.log_dir.mkdir(parents=True, exist_ok=True)


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """``data_dir`` (from ``--data-dir``) wins, then the environment, then platformdirs."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(data_dir=root, log_dir=root / "logs", config_dir=root, portable=True)
    import platformdirs

    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
        portable=False,
    )
