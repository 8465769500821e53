"""The start-up floor: a script that only starts PySide6 and shows an empty QMainWindow.
Run as ``python -m benchmarks.floor_window OUT``; it writes the monotonic time of the
window's first paint and its resident memory to OUT as JSON, then quits."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class _FirstPaint(QObject):
    def __init__(self, out: Path) -> None:
        super().__init__()
        self.out = out
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            shown = time.monotonic()
            self.out.write_text(json.dumps({"shown": shown, "rss_kb": _rss_kb()}))
            QTimer.singleShot(0, QApplication.quit)
        return False


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1200, 800)
    probe = _FirstPaint(Path(sys.argv[1]))
    window.installEventFilter(probe)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
