"""A start-up probe for the benchmarks (benchmarks/bench_startup.py).

With BYOK_DESKTOP_PROBE naming a file, the app records when the main window is first
painted and, with BYOK_DESKTOP_PROBE_SECTION=security, when the products table first
paints rows; it writes those times (time.monotonic, comparable across processes on one
machine), its memory use and whether the database layer was loaded by the first paint as
JSON to that file, then quits. Without the variable nothing is installed: the probe is
not on any path the app normally runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

PROBE_ENV = "BYOK_DESKTOP_PROBE"
SECTION_ENV = "BYOK_DESKTOP_PROBE_SECTION"
ROWS_TABLE = "productsTable"


def install(window: QMainWindow) -> None:
    target = os.environ.get(PROBE_ENV)
    if target:
        _Probe(Path(target), window, os.environ.get(SECTION_ENV, ""))


def _rss_kb() -> int:
    """Resident memory now (Linux); 0 where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class _Probe(QObject):
    def __init__(self, target: Path, window: QMainWindow, section: str) -> None:
        super().__init__(window)
        self._target = target
        self._window = window
        self._marks: dict[str, float] = {}
        self._section = section
        self._table: QTableView | None = None
        if section:
            attached = getattr(window, "attached", None)
            if attached is not None and not getattr(window, "is_attached", True):
                attached.connect(self._watch_section)  # the pages open after the frame
            else:
                self._watch_section()
        window.installEventFilter(self)

    def _watch_section(self) -> None:
        show = getattr(self._window, "show_section", None)
        if callable(show):
            show(self._section)
        self._table = self._window.findChild(QTableView, ROWS_TABLE)
        if self._table is not None:
            self._table.viewport().installEventFilter(self)
        else:  # no such section: report what there is rather than wait forever
            self._section = ""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint:
            return False
        now = time.monotonic()
        if watched is self._window and "shown" not in self._marks:
            self._marks["shown"] = now
            self._marks["db_layer_at_shown"] = float("sqlalchemy" in sys.modules)
        table = self._table
        if (
            table is not None
            and watched is table.viewport()
            and "rows" not in self._marks
            and table.model() is not None
            and table.model().rowCount() > 0
        ):
            self._marks["rows"] = now
        if "shown" in self._marks and (not self._section or "rows" in self._marks):
            QTimer.singleShot(0, self._finish)
        return False

    def _finish(self) -> None:
        if "rss_kb" in self._marks:
            return  # already written
        self._marks["rss_kb"] = float(_rss_kb())
        self._target.write_text(json.dumps(self._marks), encoding="utf-8")
        QApplication.quit()
