"""Icons, the stylesheet and the manual: the source tree's ``resources/`` and ``docs/``.

An installed app (wheel) and the standalone build carry the same files as ``ui/assets/``
beside this module (see setup.py and packaging/byok-desktop.spec); a source tree has
them at its root."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QDir
from PySide6.QtGui import QIcon


def _locate() -> tuple[Path, Path]:
    installed = Path(__file__).resolve().parent / "assets"
    if installed.is_dir():
        return installed, installed / "docs"
    root = Path(__file__).resolve().parent.parent
    return root / "resources", root / "docs"


RESOURCES_DIR, DOCS_DIR = _locate()
ICONS_DIR = RESOURCES_DIR / "icons"


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(ICONS_DIR / f"{name}.svg"))


def stylesheet() -> str:
    # The stylesheet refers to icons as url(icons:NAME.svg).
    QDir.addSearchPath("icons", str(ICONS_DIR))
    return (RESOURCES_DIR / "style.qss").read_text(encoding="utf-8")
