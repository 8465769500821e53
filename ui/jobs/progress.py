"""Progress bars for the jobs table, drawn once per state as pixmaps.

The table shows them as the progress cell's decoration, which Qt paints in C++: no
Python runs while the view paints (see ui/jobs/model.py for why that matters)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap

from ui.theme import SCHEMES, Tone, scheme_name

WIDTH, HEIGHT = 56, 10
_FILL = {"running": Tone.INFO, "done": Tone.SUCCESS, "stopped": Tone.WARNING}


def progress_pixmap(done: int, total: int, tone: str) -> QPixmap:
    """A rounded bar ``done`` of ``total`` full, coloured by ``tone`` (a key of _FILL)
    in the colour scheme in force."""
    return _progress_pixmap(done, total, tone, scheme_name())


@lru_cache(maxsize=256)
def _progress_pixmap(done: int, total: int, tone: str, scheme: str) -> QPixmap:
    screen = QGuiApplication.primaryScreen()
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    pixmap = QPixmap(round(WIDTH * ratio), round(HEIGHT * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    radius = HEIGHT / 2
    painter.setBrush(QColor(SCHEMES[scheme]["border"]))
    painter.drawRoundedRect(QRectF(0, 0, WIDTH, HEIGHT), radius, radius)
    share = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
    if share > 0:
        painter.setBrush(QColor(SCHEMES[scheme][_FILL.get(tone, Tone.INFO).value]))
        painter.drawRoundedRect(QRectF(0, 0, max(WIDTH * share, HEIGHT), HEIGHT), radius, radius)
    painter.end()
    return pixmap
