"""A section that a later release fills: says honestly what will appear here."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.page_header import page_title, set_page_margins
from ui.resources import icon


class EmptyStatePage(QWidget):
    def __init__(self, title: str, heading: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyStatePage")
        layout = QVBoxLayout(self)
        set_page_margins(layout)
        layout.addWidget(page_title(title))
        layout.addStretch(1)
        picture = QLabel()
        picture.setPixmap(icon("empty").pixmap(QSize(96, 96)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(picture)
        head = QLabel(heading)
        head.setObjectName("emptyStateHeading")
        head.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = head.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        head.setFont(font)
        layout.addWidget(head)
        body = QLabel(text)
        body.setObjectName("emptyState")
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setMaximumWidth(560)
        layout.addWidget(body, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
