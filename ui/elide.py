"""Long identifiers (key ARNs, key IDs) shown whole when there is room and cut in the
middle when there is not ("arn:aws:kms:eu-…:key/mrk-1234"): both ends are what a reader
compares. The full text is always in the tooltip and one Copy away (context menu, Ctrl+C)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Slot
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QGuiApplication,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from ui.shortcuts import keys

# The narrowest an elided identifier gets: both ends still show a few characters.
MIN_ELIDED_WIDTH = 90


class ElidedText(QLabel):
    """A one-line, read-only value that elides in the middle; ``text()`` stays whole."""

    def __init__(self, text: str = "", name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        if name:
            self.setObjectName(name)
        # Focusable so that Ctrl+C reaches it from the keyboard.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.copy_action = QAction("Copy", self)
        self.copy_action.setObjectName("copyValue")
        self.copy_action.setShortcuts(keys("copyValue"))  # ui/shortcuts.py: the one table
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy)
        self.addAction(self.copy_action)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)
        self.copy_action.setEnabled(bool(text))

    def shown_text(self) -> str:
        """What fits in the label now (the middle elided)."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, self.contentsRect().width()
        )

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), MIN_ELIDED_WIDTH), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.contentsRect(), align, self.shown_text())
        if self.hasFocus():  # where Ctrl+C goes
            underline = self.contentsRect().bottomLeft()
            painter.drawLine(underline, underline + QPoint(self.contentsRect().width(), 0))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        menu.addAction(self.copy_action)
        menu.exec(event.globalPos())

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
