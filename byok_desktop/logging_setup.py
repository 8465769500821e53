"""Logging to a file in the user log directory, one named logger per area; the file is
rotated when the app starts."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

LOG_FILE = "byok-desktop.log"
ROOT_LOGGER = "byok_desktop"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
MAX_BYTES = 2_000_000
BACKUPS = 5


def rotate(path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
    """Once ``path`` has reached ``max_bytes``: path.4 -> path.5, ..., path -> path.1 (the
    oldest goes). Done at start rather than by logging.handlers, whose import (sockets,
    pickle, queues) costs the GUI's start-up more than the rotation itself."""
    try:
        if path.stat().st_size < max_bytes:
            return
    except FileNotFoundError:
        return
    for index in range(backups - 1, 0, -1):
        older = path.with_name(f"{path.name}.{index}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{index + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


class _OneLine(logging.Formatter):
    """The console's format: one line per record, never a traceback (that is for the log
    file, or for stderr with --debug)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname} {record.name}: {record.getMessage()}"


def _for_console(record: logging.LogRecord) -> bool:
    return getattr(record, "console", True) is not False


def configure_logging(log_dir: Path, level: int = logging.INFO, console: bool = False) -> Path:
    """Route the app's loggers (and the ``ui`` ones) into the log file. Raises OSError
    when the log cannot be written (see configure_logging_or_warn)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    # Not when another instance has it open (Windows) or the folder is read-only.
    with contextlib.suppress(OSError):
        rotate(path)
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter(FORMAT))
    _install([file_handler], level, console)
    return path


def configure_logging_or_warn(
    log_dir: Path, level: int = logging.INFO, console: bool = False
) -> str:
    """As configure_logging, but a log that cannot be written (a read-only or full disk,
    a file where the folder should be) is not fatal: the app runs without a log file.
    Returns "" or one sentence saying the log cannot be written and why."""
    try:
        configure_logging(log_dir, level, console)
    except OSError as exc:
        _install([], level, console)
        why = exc.strerror or type(exc).__name__
        if isinstance(exc, FileExistsError | NotADirectoryError):
            why = "a file stands where the folder should be"
        return (
            f"the log cannot be written in {log_dir} ({why}); carrying on without a log file. "
            "Fix the folder's permissions or choose another with --data-dir."
        )
    return ""


def _install(handlers: list[logging.Handler], level: int, console: bool) -> None:
    root = logging.getLogger()
    # Replace handlers from an earlier call (tests configure more than once).
    for handler in list(root.handlers):
        if getattr(handler, "_byok_desktop", False):
            root.removeHandler(handler)
            handler.close()
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(_OneLine())
        stream.setLevel(logging.WARNING)
        stream.addFilter(_for_console)
        handlers = [*handlers, stream]
    if not handlers:
        # No log file and no console (the GUI on an unwritable log folder): records go
        # nowhere, rather than to logging's last resort, which prints tracebacks on stderr.
        handlers = [logging.NullHandler()]
    for handler in handlers:
        handler._byok_desktop = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter stays out unless it is a warning.
    for noisy in ("botocore", "boto3", "urllib3", "alembic", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
