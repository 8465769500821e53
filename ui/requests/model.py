"""Table model over request IDs: rows are fetched lazily in chunks, search and sort run in SQL."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from byok_desktop.request import RequestStatus
from byok_desktop.request_records import RequestListRow, SortKey
from byok_desktop.store.requests import RequestStore
from byok_desktop.validation import describe_products
from ui.resources import icon

CHUNK = 200

_Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    REQUEST_ID = Qt.ItemDataRole.UserRole + 1
    STATUS = Qt.ItemDataRole.UserRole + 2


COLUMNS: tuple[tuple[str, SortKey], ...] = (
    ("Status", SortKey.STATUS),
    ("Site", SortKey.SITE),
    ("AWS account", SortKey.ACCOUNT),
    ("Customer", SortKey.CUSTOMER),
    ("Products", SortKey.PRODUCTS),
    ("Location", SortKey.LOCATION),
    ("Users", SortKey.USERS),
    ("Updated", SortKey.UPDATED),
)

_STATUS_COLOURS = {
    RequestStatus.DRAFT: QColor("#a54800"),
    RequestStatus.READY: QColor("#1f845a"),
    RequestStatus.SUBMITTED: QColor("#0c66e4"),
    RequestStatus.PROVISIONED: QColor("#1f845a"),
}
STATUS_ICONS = {
    RequestStatus.DRAFT: "status-draft",
    RequestStatus.READY: "status-ready",
    RequestStatus.SUBMITTED: "status-submitted",
    RequestStatus.PROVISIONED: "status-provisioned",
}


def status_text(row: RequestListRow) -> str:
    if row.status is RequestStatus.DRAFT and row.problem_count:
        noun = "problem" if row.problem_count == 1 else "problems"
        return f"Draft · {row.problem_count} {noun}"
    return row.status.display_name


class RequestsModel(QAbstractTableModel):
    """Holds only the ordered IDs; a row's data is read from the store when first shown."""

    refreshed = Signal()

    def __init__(
        self, store: RequestStore, parent: QObject | None = None, load: bool = True
    ) -> None:
        """With ``load`` False the model stays empty, and sort and search changes only
        record what to query, until the first ``refresh()`` (a page restoring its saved
        sort would otherwise query once per step)."""
        super().__init__(parent)
        self._store = store
        self._ids: list[int] = []
        self._cache: dict[int, RequestListRow] = {}
        self._search = ""
        self._sort = SortKey.UPDATED
        self._descending = True
        self.deferred = not load
        if load:
            self.refresh()

    # --- queries ---------------------------------------------------------------

    @property
    def search_text(self) -> str:
        return self._search

    def set_search(self, text: str) -> None:
        if text != self._search:
            self._search = text
            if not self.deferred:
                self.refresh()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._sort = COLUMNS[column][1]
        self._descending = order == Qt.SortOrder.DescendingOrder
        if not self.deferred:
            self.refresh()

    def refresh(self) -> None:
        """Re-run the query. Same IDs: rows repaint in place; otherwise the model resets."""
        self.deferred = False
        ids = self._store.list_ids(self._search, self._sort, self._descending)
        self._cache.clear()
        if set(ids) == set(self._ids) and len(ids) == len(self._ids):
            if ids != self._ids:
                self.layoutAboutToBeChanged.emit()
                old_ids = self._ids
                new_rows = {rid: row for row, rid in enumerate(ids)}
                self._ids = ids
                for persistent in self.persistentIndexList():
                    rid = old_ids[persistent.row()]
                    self.changePersistentIndex(
                        persistent, self.index(new_rows[rid], persistent.column())
                    )
                self.layoutChanged.emit()
            elif ids:
                self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._ids = ids
            self.endResetModel()
        self.refreshed.emit()

    def request_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, request_id: int) -> int | None:
        try:
            return self._ids.index(request_id)
        except ValueError:
            return None

    def _row(self, row: int) -> RequestListRow | None:
        rid = self._ids[row]
        found = self._cache.get(rid)
        if found is None:
            start = max(0, row - CHUNK // 4)
            chunk = [i for i in self._ids[start : start + CHUNK] if i not in self._cache]
            self._cache.update(self._store.rows(chunk))
            found = self._cache.get(rid)
        return found

    # --- Qt model interface ---------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section][0]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row = self._row(index.row())
        if row is None:  # deleted since the IDs were read; the next refresh drops it
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Role.REQUEST_ID:
            return row.id
        if role == Role.STATUS:
            return row.status.value
        if column == 0:
            if role == Qt.ItemDataRole.DecorationRole:
                return icon(STATUS_ICONS[row.status])
            if role == Qt.ItemDataRole.ForegroundRole:
                return _STATUS_COLOURS[row.status]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 5 and row.location is not None:
                return row.location.regions_label()
            if column == 0:
                return status_text(row)
        return None

    @staticmethod
    def _display(row: RequestListRow, column: int) -> str:
        if column == 0:
            return status_text(row)
        if column == 1:
            return row.site_name
        if column == 2:
            return row.aws_account_id
        if column == 3:
            return row.customer_org
        if column == 4:
            return describe_products(row.products)
        if column == 5:
            return row.location.display_name if row.location else ""
        if column == 6:
            if row.tier_name:
                users = f"{int(row.desired_users):,}" if row.desired_users.isdigit() else ""
                return f"{users} ({row.tier_name})"
            return row.desired_users
        if column == 7:
            return row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return ""

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
