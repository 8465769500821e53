"""Layouts that change shape with the room they get, so that a window from 1024x640 up
shows everything without sideways scrolling.

- ``ReflowBox``: its widgets side by side when it is at least ``breakpoint`` wide, one
  above the other when narrower. Its minimum width is the stacked one, so it never
  forces its window wider than the narrowest arrangement needs.
- ``wrap_forms_below``: form layouts whose labels sit beside their fields, or above them
  when the form is narrower than a breakpoint.
- ``wrapping_check``: a check box whose text wraps."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QWidget,
)

_ACROSS = QBoxLayout.Direction.LeftToRight
_DOWN = QBoxLayout.Direction.TopToBottom


class ReflowBox(QWidget):
    def __init__(self, breakpoint: int, spacing: int = 10, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.breakpoint = breakpoint
        self.box = QBoxLayout(_ACROSS, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(spacing)

    @property
    def across(self) -> bool:
        return self.box.direction() == _ACROSS

    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:
        self.box.addWidget(widget, stretch)

    def resizeEvent(self, event: object) -> None:
        self._follow(self.width())
        super().resizeEvent(event)  # type: ignore[arg-type]

    def _follow(self, width: int) -> None:
        wanted = _ACROSS if width >= self.breakpoint else _DOWN
        if self.box.direction() != wanted:
            self.box.setDirection(wanted)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if not self.across:
            return hint
        # Side by side only when there is room: the minimum is the stacked width.
        widths = [
            widget.minimumSizeHint().width()
            for i in range(self.box.count())
            if (item := self.box.itemAt(i)) is not None
            and (widget := item.widget()) is not None
            and not widget.isHidden()
        ]
        margins = self.box.contentsMargins()
        stacked = max(widths, default=0) + margins.left() + margins.right()
        return QSize(stacked, hint.height())


class _FormWrapper(QObject):
    """Watches the room a form gets (a scroll area's viewport) and sets its forms' row
    wrap policy to match: wrapped below the breakpoint, or whenever the unwrapped form
    would need more than the room there is."""

    def __init__(
        self, room: QWidget, content: QWidget, forms: Sequence[QFormLayout], breakpoint: int
    ) -> None:
        super().__init__(content)
        self._content = content
        self._forms = list(forms)
        self._breakpoint = breakpoint
        self._unwrapped_width = 0  # the content's minimum width, last seen unwrapped
        room.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.follow(watched.width())
        return False

    @property
    def wrapped(self) -> bool:
        return bool(self._forms) and (
            self._forms[0].rowWrapPolicy() == QFormLayout.RowWrapPolicy.WrapAllRows
        )

    def follow(self, width: int) -> None:
        if not self.wrapped:
            self._unwrapped_width = self._content.minimumSizeHint().width()
        wrap = width < max(self._breakpoint, self._unwrapped_width)
        policy = (
            QFormLayout.RowWrapPolicy.WrapAllRows
            if wrap
            else QFormLayout.RowWrapPolicy.DontWrapRows
        )
        for form in self._forms:
            if form.rowWrapPolicy() != policy:
                form.setRowWrapPolicy(policy)


def wrap_forms_below(
    room: QWidget, content: QWidget, forms: Sequence[QFormLayout], breakpoint: int
) -> None:
    """Labels above their fields while ``room`` (where ``content`` is shown, e.g. a scroll
    area's viewport) is narrower than ``breakpoint`` or than the unwrapped content."""
    _FormWrapper(room, content, forms, breakpoint).follow(room.width())


class _CheckText(QLabel):
    """A check box's text that wraps; clicking it toggles the box, as its own text would."""

    def __init__(self, text: str, check: QCheckBox) -> None:
        super().__init__(text)
        self._check = check
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setBuddy(check)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._check.isEnabled():
            self._check.toggle()
            self._check.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mouseReleaseEvent(event)


def wrapping_check(text: str, name: str = "") -> tuple[QWidget, QCheckBox]:
    """A check box whose long text wraps in a narrow window (QCheckBox's own never does):
    the row to lay out, and the box (its accessible name is the text)."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    check = QCheckBox()
    if name:
        check.setObjectName(name)
    check.setAccessibleName(text)
    layout.addWidget(check, 0, Qt.AlignmentFlag.AlignTop)
    layout.addWidget(_CheckText(text, check), 1)
    return row, check
