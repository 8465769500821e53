"""What every table does: columns sized to their content within limits, long values cut
in the middle (both ends of an ARN or ID are what a reader compares), and Copy (context
menu, Ctrl+C) that copies the full text of the selected cells."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from ui.shortcuts import keys

# A column is never narrower than its heading needs nor wider than this: a longer value
# is elided in the middle and shown whole in its tooltip.
MAX_COLUMN_WIDTH = 320
FIT_DELAY_MS = 150


def selected_text(view: QAbstractItemView) -> str:
    """The selected cells' full text (not the elided one): tab between columns, a line
    per row, in the order they are shown."""
    selection = view.selectionModel()
    if selection is None:
        return ""
    indexes = sorted(selection.selectedIndexes(), key=lambda i: (i.row(), i.column()))
    if not indexes and view.currentIndex().isValid():
        indexes = [view.currentIndex()]
    rows: dict[int, list[str]] = {}
    for index in indexes:
        value = index.data(Qt.ItemDataRole.DisplayRole)
        rows.setdefault(index.row(), []).append("" if value is None else str(value))
    return "\n".join("\t".join(cells) for cells in rows.values())


class MiddleElideDelegate(QStyledItemDelegate):
    """Cuts a cell's text in the middle (ARNs, key IDs, account IDs: both ends matter)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


def add_copy(view: QAbstractItemView, middle_columns: Sequence[int] = ()) -> QAction:
    """A Copy action (context menu and Ctrl+C while the view has focus) that copies the
    full text of the selection; ``middle_columns`` (IDs) are cut in the middle when too
    narrow, the others at the end."""
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    if middle_columns:
        delegate = MiddleElideDelegate(view)
        for column in middle_columns:
            view.setItemDelegateForColumn(column, delegate)
    action = QAction("Copy", view)
    action.setObjectName("copyCells")
    action.setShortcuts(keys("copyCells"))  # ui/shortcuts.py: the one table
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda: QGuiApplication.clipboard().setText(selected_text(view)))
    view.addAction(action)
    if view.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    return action


def fit_columns(view: QTableView, maximum: int = MAX_COLUMN_WIDTH) -> None:
    """Each column as wide as its heading and the rows in view need, up to ``maximum``;
    the last one stretches to the edge."""
    header = view.horizontalHeader()
    for column in range(header.count() - 1):
        if header.isSectionHidden(column):
            continue
        view.resizeColumnToContents(column)
        needed = max(view.columnWidth(column), header.sectionSizeHint(column))
        view.setColumnWidth(column, min(needed, maximum))


class _ColumnFitter(QObject):
    """Fits the view's columns to its headings, then once to its first rows; a column the
    user sizes by hand before that stops the fitting too: from then on widths stay."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self._view = view
        self._fitting = False
        # Rows arrive in bursts (a lazy model fills the rows in view one by one): one fit
        # after each burst.
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(FIT_DELAY_MS)
        self._soon.timeout.connect(self._fit)
        for signal in self._signals():
            signal.connect(self._soon.start)
        view.horizontalHeader().sectionResized.connect(self._resized)
        self._fit()

    def _signals(self) -> list[SignalInstance]:
        model = self._view.model()
        return [model.modelReset, model.rowsInserted, model.layoutChanged, model.dataChanged]

    @Slot()
    def _fit(self) -> None:
        self._fitting = True  # with no rows yet, the headings set the widths
        try:
            fit_columns(self._view)
        finally:
            self._fitting = False
        if self._view.model().rowCount() > 0:
            # Fitted to real rows: keep these widths. Refitting at every sort, filter or
            # row update measured the rows again each time (a sort of 100,000 products
            # took 0.65 s instead of 0.12 s) and moved the columns under the reader.
            self._stop_following()

    def _stop_following(self) -> None:
        for signal in self._signals():
            signal.disconnect(self._soon.start)
        self._soon.stop()
        self._view.horizontalHeader().sectionResized.disconnect(self._resized)

    @Slot(int, int, int)
    def _resized(self, column: int, _old: int, _new: int) -> None:
        header = self._view.horizontalHeader()
        # The last column stretches with the view: only the others are the user's.
        if self._fitting or not self._view.isVisible() or column == header.count() - 1:
            return
        self._stop_following()


def fit_columns_when_filled(view: QTableView) -> None:
    """``fit_columns`` to the headings now and to the first rows when they come, unless
    the user sizes a column first (a user's own widths, restored from the last run, are
    kept: call this only when there are none)."""
    _ColumnFitter(view)
