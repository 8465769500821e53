"""Logging to a rotating file in the user log directory, one named logger per area."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILE = "byok-desktop.log"
ROOT_LOGGER = "byok_desktop"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


def configure_logging(log_dir: Path, level: int = logging.INFO, console: bool = False) -> Path:
    """Route the app's loggers (and the ``ui`` ones) into a rotating file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    # Replace handlers from an earlier call (tests configure more than once).
    for handler in list(root.handlers):
        if getattr(handler, "_byok_desktop", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [file_handler]
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stream.setLevel(logging.WARNING)
        handlers.append(stream)
    for handler in handlers:
        handler._byok_desktop = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter stays out unless it is a warning.
    for noisy in ("botocore", "boto3", "urllib3", "alembic", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
