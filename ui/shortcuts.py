"""Let the app's own shortcuts win over text fields' emacs-style keys.

On Linux a focused QLineEdit claims Ctrl+E (end of line) and Ctrl+D (delete) through
ShortcutOverride, which would make Export and Duplicate dead while the user types.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence


class ShortcutPriority(QObject):
    def __init__(self, actions: Iterable[QAction], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keys = {
            shortcut.toString()
            for action in actions
            for shortcut in action.shortcuts()
            if not shortcut.isEmpty()
        }

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination()).toString()
            if pressed in self._keys:
                event.ignore()  # not overridden: the shortcut map triggers our action
                return True
        return super().eventFilter(watched, event)
