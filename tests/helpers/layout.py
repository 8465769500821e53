"""Checks of what a user sees at a window size: clipped widgets, sideways scrolling,
the Tab order and the accessible names a screen reader reads.

Used by tests/ui/test_layouts.py and tests/ui/test_accessibility.py; pure look-ups, they
never change the widgets they inspect."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QWidget,
)

TOLERANCE_PX = 2  # rounding in layouts: a widget 1 px past its parent is not clipped


def _describe(widget: QWidget) -> str:
    name = widget.objectName() or "-"
    text = ""
    for getter in ("text", "title", "placeholderText"):
        value = getattr(widget, getter, None)
        if callable(value):
            try:
                got = value()
            except TypeError:
                continue
            if isinstance(got, str) and got:
                text = got[:40]
                break
    return f"{type(widget).__name__}#{name} {text!r}"


def _in_scroll_viewport(widget: QWidget) -> bool:
    """Whether ``widget`` is the content of a scroll area (it may extend past the
    viewport: that is what scrolling is for)."""
    parent = widget.parentWidget()
    if parent is None:
        return False
    area = parent.parentWidget()
    return isinstance(area, QAbstractScrollArea) and area.viewport() is parent


def _qt_internal(widget: QWidget) -> bool:
    return widget.objectName().startswith("qt_")


def _laid_out(widget: QWidget) -> bool:
    """Whether a layout places ``widget`` (then it owes it its minimum size; widgets that
    their parent places by hand, such as a table's header, are the parent's business)."""
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    pending = [layout] if layout is not None else []
    while pending:
        current = pending.pop()
        if current.indexOf(widget) >= 0:
            return True
        for index in range(current.count()):
            item = current.itemAt(index)
            if item is not None and (inner := item.layout()) is not None:
                pending.append(inner)
    return False


def _shown(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.isVisible()


def _expected_minimum(widget: QWidget) -> tuple[int, int]:
    """The size a layout guarantees the widget (Qt's qSmartMinSize, without the max)."""
    hint = widget.minimumSizeHint()
    policy = widget.sizePolicy()
    width = 0 if policy.horizontalPolicy() == QSizePolicy.Policy.Ignored else hint.width()
    height = 0 if policy.verticalPolicy() == QSizePolicy.Policy.Ignored else hint.height()
    if widget.minimumWidth() > 0:
        width = widget.minimumWidth()
    if widget.minimumHeight() > 0:
        height = widget.minimumHeight()
    if isinstance(widget, QLabel) and widget.wordWrap():
        # A wrapping label's hint is for one width; its height follows the width it gets.
        height = 0
    return width, height


def layout_problems(root: QWidget) -> list[str]:
    """Every visible widget under ``root`` that is cut off by its parent (a scroll area's
    content excepted), gets less than its minimum size, or sits in a scroll area that
    must not scroll sideways while being wider than that area's viewport."""
    problems: list[str] = []
    for widget in root.findChildren(QWidget):
        if not _shown(widget, root) or widget.isWindow() or _qt_internal(widget):
            continue
        parent = widget.parentWidget()
        if parent is not None and not _in_scroll_viewport(widget):
            inside = parent.rect().adjusted(
                -TOLERANCE_PX, -TOLERANCE_PX, TOLERANCE_PX, TOLERANCE_PX
            )
            if not inside.contains(widget.geometry()):
                problems.append(
                    f"{_describe(widget)} at {_rect(widget.geometry())} is cut off by "
                    f"{_describe(parent)} ({_rect(parent.rect())})"
                )
        min_width, min_height = _expected_minimum(widget) if _laid_out(widget) else (0, 0)
        if widget.width() + TOLERANCE_PX < min_width or widget.height() + TOLERANCE_PX < min_height:
            problems.append(
                f"{_describe(widget)} is {widget.width()}x{widget.height()}, less than its "
                f"minimum {min_width}x{min_height}"
            )
        if (
            isinstance(widget, QScrollArea)
            and widget.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            and (content := widget.widget()) is not None
            and content.width() > widget.viewport().width() + TOLERANCE_PX
        ):
            problems.append(
                f"{_describe(widget)} shows {content.width()} px of content in a "
                f"{widget.viewport().width()} px viewport that cannot scroll sideways"
            )
    return problems


def _rect(rect: QRect) -> str:
    return f"({rect.x()},{rect.y()} {rect.width()}x{rect.height()})"


@dataclass(frozen=True)
class Stop:
    """A widget the Tab key reaches: where it is and what a screen reader calls it."""

    widget: QWidget
    name: str
    top_left: QPoint
    size: tuple[int, int]

    def __str__(self) -> str:
        return f"{_describe(self.widget)} named {self.name!r} at {self.top_left.toTuple()}"


def accessible_name(widget: QWidget) -> str:
    """The name assistive technology reads (its own, its text, or its buddy label's)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    name = interface.text(QAccessible.Text.Name) if interface is not None else ""
    return (name or widget.accessibleName()).strip()


def tab_stops(page: QWidget) -> list[Stop]:
    """The widgets of ``page`` that Tab visits, in the order it visits them: the focus
    chain from the page, keeping what can take focus by Tab (shown, enabled, TabFocus)."""
    stops: list[Stop] = []
    seen: set[int] = set()
    widget = page.nextInFocusChain()
    while widget is not None and widget is not page and id(widget) not in seen:
        seen.add(id(widget))
        if (
            (page.isAncestorOf(widget))
            and widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
        ):
            stops.append(
                Stop(
                    widget,
                    accessible_name(widget),
                    widget.mapTo(page, QPoint(0, 0)),
                    (widget.width(), widget.height()),
                )
            )
        widget = widget.nextInFocusChain()
    return stops


def out_of_reading_order(stops: list[Stop], tolerance: int = 8) -> list[str]:
    """Steps where Tab goes back up and to the left: reading order is top to bottom, and
    left to right within a row; moving up is fine only into a column to the right."""
    wrong: list[str] = []
    for before, after in itertools.pairwise(stops):
        lower = after.top_left.y() >= before.top_left.y() - tolerance
        to_the_right = after.top_left.x() >= before.top_left.x() + before.size[0] - tolerance
        if not (lower or to_the_right):
            wrong.append(f"Tab goes from {before} back to {after}")
    return wrong
