"""One page header for every section: the title at the same place on each page, so that
switching sections never makes the heading jump; and the pages' Tab order."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QMargins, Qt
from PySide6.QtWidgets import QLabel, QLayout, QWidget

# Around a page's content: the title's top-left corner is here on every page.
PAGE_MARGINS = QMargins(16, 12, 16, 8)


def page_title(text: str) -> QLabel:
    title = QLabel(text)
    title.setObjectName("pageTitle")  # size and weight from the stylesheet
    title.setTextFormat(Qt.TextFormat.PlainText)
    title.setAccessibleName(text)
    return title


def set_page_margins(layout: QLayout) -> None:
    layout.setContentsMargins(PAGE_MARGINS)


def tab_chain(*widgets: QWidget) -> None:
    """Tab visits ``widgets`` in this order (the reading order of the page)."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)
