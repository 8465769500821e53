"""Help > Keyboard shortcuts (F1): the table of ui/shortcuts.py, searchable."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.shortcuts import Shortcut

COLUMNS = ("Keys", "Command", "Where", "What it does")


class ShortcutSheet(QDialog):
    def __init__(self, shortcuts: Sequence[Shortcut], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutSheet")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setObjectName("shortcutSearch")
        self.search.setPlaceholderText("Search keys, commands or screens")
        self.search.setAccessibleName("Search shortcuts")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        for shortcut in shortcuts:
            row = [shortcut.text(), shortcut.title, shortcut.where, shortcut.description]
            items = [QStandardItem(text) for text in row]
            for item in items:
                item.setEditable(False)
            self.model.appendRow(items)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)  # any column
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = QTableView()
        self.table.setObjectName("shortcutTable")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setModel(self.proxy)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        # Rows as tall as their wrapped descriptions (two dozen rows: cheap).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)

        self.none_found = QLabel("No shortcut matches.")
        self.none_found.setObjectName("emptyState")
        self.none_found.hide()
        layout.addWidget(self.none_found)
        self.search.textChanged.connect(self._show_none_found)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.search.setFocus()

    def _show_none_found(self) -> None:
        self.none_found.setVisible(self.proxy.rowCount() == 0)

    def visible_rows(self) -> list[list[str]]:
        """The rows the filter lets through, as shown."""
        return [
            [str(self.proxy.index(r, c).data()) for c in range(len(COLUMNS))]
            for r in range(self.proxy.rowCount())
        ]
