"""Icons and the stylesheet from the project's ``resources/`` folder."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QDir
from PySide6.QtGui import QIcon

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
ICONS_DIR = RESOURCES_DIR / "icons"


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(ICONS_DIR / f"{name}.svg"))


def stylesheet() -> str:
    # The stylesheet refers to icons as url(icons:NAME.svg).
    QDir.addSearchPath("icons", str(ICONS_DIR))
    return (RESOURCES_DIR / "style.qss").read_text(encoding="utf-8")
