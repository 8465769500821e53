"""Icons, the stylesheet and the manual: the source tree's ``resources/`` and ``docs/``.

An installed app (wheel) and the standalone build carry the same files as ``ui/assets/``
beside this module (see setup.py and packaging/byok-desktop.spec); a source tree has
them at its root."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QDir, QPoint, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ui.theme import ICON_INK, scheme_name


def _locate() -> tuple[Path, Path]:
    installed = Path(__file__).resolve().parent / "assets"
    if installed.is_dir():
        return installed, installed / "docs"
    root = Path(__file__).resolve().parent.parent
    return root / "resources", root / "docs"


RESOURCES_DIR, DOCS_DIR = _locate()
ICONS_DIR = RESOURCES_DIR / "icons"
DISABLED_OPACITY = 0.4


class _SvgIconEngine(QIconEngine):
    """Draws an SVG icon at whatever size and pixel ratio it is asked for (crisp at 200%),
    in the ink of the colour scheme in force when it paints (the dark scheme swaps the
    light scheme's dark greys for light ones)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path

    def _renderer(self) -> QSvgRenderer:
        return _renderer(self._path, scheme_name())

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(DISABLED_OPACITY)
        self._renderer().render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(  # Qt's name
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.fill(QColor(0, 0, 0, 0))  # transparent (Qt's namespace is slow to load)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size * scale), mode, state)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._path)


@cache
def _renderer(path: Path, scheme: str) -> QSvgRenderer:
    text = path.read_text(encoding="utf-8")
    if scheme == "dark":
        for light, dark in ICON_INK.items():
            text = text.replace(light, dark)
    return QSvgRenderer(QByteArray(text.encode("utf-8")))


@cache
def icon(name: str) -> QIcon:
    return QIcon(_SvgIconEngine(ICONS_DIR / f"{name}.svg"))


def stylesheet_template() -> str:
    """The stylesheet with its colours as ``$name`` (ui.theme fills them in)."""
    # The stylesheet refers to icons as url(icons:NAME.svg).
    QDir.addSearchPath("icons", str(ICONS_DIR))
    return (RESOURCES_DIR / "style.qss").read_text(encoding="utf-8")
