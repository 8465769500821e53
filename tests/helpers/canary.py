"""Where a canary secret must never show up: files under a folder, log records, and the
app's own DEBUG log file (a fixture that turns it on and undoes it afterwards)."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_desktop.logging_setup import configure_logging
from byok_desktop.paths import AppPaths


@pytest.fixture
def app_logging(paths: AppPaths) -> Iterator[Path]:
    """The app's own DEBUG file logging, undone afterwards."""
    root = logging.getLogger()
    noisy = ("botocore", "boto3", "urllib3", "alembic", "werkzeug")
    levels = {name: logging.getLogger(name).level for name in noisy}
    root_level = root.level
    path = configure_logging(paths.log_dir, logging.DEBUG)
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_byok_desktop", False):
                root.removeHandler(handler)
                handler.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        root.setLevel(root_level)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def files_containing(root: Path, needles: list[bytes]) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found.extend(f"{path} holds {n!r}" for n in needles if n in data)
    return found


def record_texts(records: list[logging.LogRecord]) -> Iterator[str]:
    for record in records:
        yield record.getMessage()
        yield repr(record.args)
        yield record.exc_text or ""
        if record.exc_info and record.exc_info[1] is not None:
            yield "".join(traceback.format_exception(record.exc_info[1]))
