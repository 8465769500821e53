"""Table model over request IDs: rows are fetched lazily in chunks, search and sort run in SQL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from byok_desktop.request import RequestStatus
from byok_desktop.request_fields import LISTED, Field
from byok_desktop.request_records import RequestListRow, SortKey
from byok_desktop.store.requests import RequestStore
from byok_desktop.validation import describe_products
from ui.operations import Executor, Operations, Ticket
from ui.resources import icon
from ui.theme import Tone, colour

log = logging.getLogger("ui.requests")

# Rows read together with the IDs: more than a maximised window shows at once.
PREFETCH_ROWS = 120
CHUNK = 200

_Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    REQUEST_ID = Qt.ItemDataRole.UserRole + 1
    STATUS = Qt.ItemDataRole.UserRole + 2


# Status first, then the fields the declarations list (byok_desktop.request_fields), then
# the time of the last change.
COLUMNS: tuple[tuple[str, SortKey], ...] = (
    ("Status", SortKey.STATUS),
    *((spec.column.header, SortKey(spec.column.sort)) for spec in LISTED if spec.column),
    ("Updated", SortKey.UPDATED),
)
# The field shown in each column (None: Status and Updated).
COLUMN_FIELDS: tuple[Field | None, ...] = (None, *(spec.field for spec in LISTED), None)

_STATUS_COLOURS = {
    RequestStatus.DRAFT: Tone.WARNING,
    RequestStatus.READY: Tone.SUCCESS,
    RequestStatus.SUBMITTED: Tone.INFO,
    RequestStatus.PROVISIONED: Tone.SUCCESS,
}
STATUS_ICONS = {
    RequestStatus.DRAFT: "status-draft",
    RequestStatus.READY: "status-ready",
    RequestStatus.SUBMITTED: "status-submitted",
    RequestStatus.PROVISIONED: "status-provisioned",
}


def _users_text(row: RequestListRow) -> str:
    if row.tier_name:
        users = f"{int(row.desired_users):,}" if row.desired_users.isdigit() else ""
        return f"{users} ({row.tier_name})"
    return row.desired_users


# Fields not shown as they are stored (the others show their text).
_SHOWN: dict[Field, Callable[[RequestListRow], str]] = {
    Field.PRODUCTS: lambda row: describe_products(row.products),
    Field.LOCATION: lambda row: row.location.display_name if row.location else "",
    Field.DESIRED_USERS: _users_text,
}


def status_text(row: RequestListRow) -> str:
    if row.status is RequestStatus.DRAFT and row.problem_count:
        noun = "problem" if row.problem_count == 1 else "problems"
        return f"Draft · {row.problem_count} {noun}"
    return row.status.display_name


class RequestsModel(QAbstractTableModel):
    """Holds only the ordered IDs; a row's data is read when it is first shown.

    Every store call runs on the database worker: the list of IDs (newest query wins) and
    the rows around those the view asks for. ``data()`` never touches the store: a row not
    read yet shows empty, and ``dataChanged`` repaints it when it arrives.
    """

    refreshed = Signal()  # new IDs are in (and ``total`` with them)
    load_failed = Signal(object)  # the exception; the rows shown stay as they were

    def __init__(
        self,
        store: RequestStore,
        ops: Operations,
        parent: QObject | None = None,
        load: bool = True,
    ) -> None:
        """With ``load`` False the model stays empty, and sort and search changes only
        record what to query, until the first ``refresh()`` (a page restoring its saved
        sort would otherwise query once per step)."""
        super().__init__(parent)
        self._store = store
        self._ops = ops
        self._ids: list[int] = []
        self._rows_of: dict[int, int] = {}
        self._cache: dict[int, RequestListRow | None] = {}  # None: gone since listed
        self._fresh: set[int] = set()  # read since the last list query
        self._wanted: set[int] = set()  # rows the view asked for, not read yet
        self._reading: set[int] = set()  # IDs being read on the worker
        self._search = ""
        self._sort = SortKey.UPDATED
        self._descending = True
        self.total = 0  # every request, whatever the search
        self.deferred = not load
        self.loaded = False  # a list query has answered at least once
        self._list_key = f"requests-list:{id(self)}"
        self._list_ticket: Ticket | None = None
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(0)  # after this paint: one read for all its rows
        self._fetch_timer.timeout.connect(self._read_wanted)
        if load:
            self.refresh()

    # --- queries ---------------------------------------------------------------

    @property
    def search_text(self) -> str:
        return self._search

    @property
    def refreshing(self) -> bool:
        return self._ops.is_pending(self._list_ticket)

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
        """Re-run the query on the database worker (a newer query replaces an older)."""
        self.deferred = False
        store, search, sort, descending = self._store, self._search, self._sort, self._descending

        def query() -> tuple[list[int], int, dict[int, RequestListRow]]:
            # The rows a window shows first come with the IDs: one trip to the database
            # worker instead of two before the list can paint.
            return store.list_page(search, sort, descending, PREFETCH_ROWS)

        self._list_ticket = self._ops.run(
            query,
            self._listed,
            self._list_failed,
            on=Executor.DATABASE,
            what="read the requests list",
            owner=self,
            key=self._list_key,
        )

    def _listed(self, result: tuple[list[int], int, dict[int, RequestListRow]]) -> None:
        """Same IDs: rows repaint in place; otherwise the model resets."""
        ids, self.total, first_rows = result
        self.loaded = True
        self._fresh.clear()  # shown rows stay until their new values arrive
        self._wanted.clear()
        if set(ids) == set(self._rows_of) and len(ids) == len(self._ids):
            if ids != self._ids:
                self.layoutAboutToBeChanged.emit()
                old_ids = self._ids
                self._set_ids(ids)
                for persistent in self.persistentIndexList():
                    rid = old_ids[persistent.row()]
                    self.changePersistentIndex(
                        persistent, self.index(self._rows_of[rid], persistent.column())
                    )
                self.layoutChanged.emit()
            elif ids:
                self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._set_ids(ids)
            self._cache = {rid: row for rid, row in self._cache.items() if rid in self._rows_of}
            self.endResetModel()
        for rid in ids[:PREFETCH_ROWS]:  # read with the IDs: fresh, no second trip
            self._cache[rid] = first_rows.get(rid)
            self._fresh.add(rid)
        self.refreshed.emit()

    def _list_failed(self, error: BaseException) -> None:
        log.info("Requests list not read: %s", error)
        self.load_failed.emit(error)

    def _set_ids(self, ids: list[int]) -> None:
        self._ids = ids
        self._rows_of = {rid: row for row, rid in enumerate(ids)}

    def request_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, request_id: int) -> int | None:
        return self._rows_of.get(request_id)

    def cached_row(self, request_id: int) -> RequestListRow | None:
        """The row as last read, if it was (never reads the store)."""
        return self._cache.get(request_id)

    def _row(self, row: int) -> RequestListRow | None:
        rid = self._ids[row]
        if rid not in self._fresh and rid not in self._reading:
            self._wanted.add(row)
            self._fetch_timer.start()
        return self._cache.get(rid)

    def _read_wanted(self) -> None:
        """Read the rows around those asked for since the last turn of the event loop."""
        if not self._wanted:
            return
        first, last = min(self._wanted), max(self._wanted)
        self._wanted.clear()
        start = max(0, first - CHUNK // 4)
        stop = max(last + 1, start + CHUNK)
        chunk = [
            rid
            for rid in self._ids[start:stop]
            if rid not in self._fresh and rid not in self._reading
        ]
        if not chunk:
            return
        self._reading.update(chunk)
        store = self._store
        self._ops.run(
            lambda: (chunk, store.rows(chunk)),
            self._rows_read,
            self._rows_failed,
            on=Executor.DATABASE,
            what="read requests for the list",
            owner=self,
        )

    def _rows_read(self, result: tuple[list[int], dict[int, RequestListRow]]) -> None:
        asked, rows = result
        self._reading.difference_update(asked)
        shown = []
        for rid in asked:
            self._cache[rid] = rows.get(rid)  # None: deleted since listed
            self._fresh.add(rid)
            row = self._rows_of.get(rid)
            if row is not None:
                shown.append(row)
        if shown:
            last = len(COLUMNS) - 1
            self.dataChanged.emit(self.index(min(shown), 0), self.index(max(shown), last))

    def _rows_failed(self, error: BaseException) -> None:
        # The rows stay as shown (or empty); the next paint asks again.
        self._reading.clear()
        log.info("Request rows not read: %s", error)
        self.load_failed.emit(error)

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
        if role == Role.REQUEST_ID:
            return self._ids[index.row()]
        row = self._row(index.row())
        if row is None:  # not read yet, or deleted since the IDs were read
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Role.STATUS:
            return row.status.value
        if column == 0:
            if role == Qt.ItemDataRole.DecorationRole:
                return icon(STATUS_ICONS[row.status])
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour(_STATUS_COLOURS[row.status])
        if role == Qt.ItemDataRole.ToolTipRole:
            if COLUMN_FIELDS[column] is Field.LOCATION and row.location is not None:
                return row.location.regions_label()
            if column == 0:
                return status_text(row)
        return None

    @staticmethod
    def _display(row: RequestListRow, column: int) -> str:
        if column == 0:
            return status_text(row)
        if column == len(COLUMNS) - 1:
            return row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        field = COLUMN_FIELDS[column] if 0 <= column < len(COLUMNS) else None
        if field is None:
            return ""
        shown = _SHOWN.get(field)
        return shown(row) if shown is not None else str(getattr(row, field.value))

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
