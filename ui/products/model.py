"""Table model over product IDs: filter and sort run in SQL (ProductView) on the database
worker; rows are read there in chunks when first shown and cached until the next refresh."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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

from byok_desktop.locations import Location
from byok_desktop.product_records import ProductFilter, ProductRecord, ProductSort
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import ProductFamily
from byok_desktop.store.products import ProductView
from ui.operations import Executor, Operations
from ui.resources import icon
from ui.theme import Tone, colour

CHUNK = 200
FIRST_PAGE = 500  # rows of a new filter read at once; the rest on the next turn
# Rows read together with the IDs: more than a maximised window shows at once.
PREFETCH_ROWS = 120

_Index = QModelIndex | QPersistentModelIndex


def _union(a: tuple[int, int] | None, b: tuple[int, int]) -> tuple[int, int]:
    return b if a is None else (min(a[0], b[0]), max(a[1], b[1]))


class Role(IntEnum):
    PRODUCT_ID = Qt.ItemDataRole.UserRole + 1
    STATUS = Qt.ItemDataRole.UserRole + 2  # ProductStatus value
    SITE_KEY = Qt.ItemDataRole.UserRole + 3
    FAMILY = Qt.ItemDataRole.UserRole + 4  # ProductFamily value


class Column(IntEnum):
    SITE = 0
    PRODUCT = 1
    LOCATION = 2
    PRIMARY_KEY = 3
    SECOND_KEY = 4
    STATUS = 5
    TIER = 6
    PROVISIONED = 7
    CHECKED = 8


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


@dataclass(frozen=True, slots=True)
class _ColumnSpec:
    title: str
    sort: ProductSort
    tooltip: str
    width: int
    # The CSV export's columns for this one: header and cell (the export's one list).
    csv: tuple[tuple[str, Callable[[ProductRecord], str]], ...] = ()


COLUMNS: dict[Column, _ColumnSpec] = {
    Column.SITE: _ColumnSpec(
        "Site",
        ProductSort.SITE,
        "The cloud site (<name>.atlassian.net)",
        110,
        (("Site", lambda r: r.site_key),),
    ),
    Column.PRODUCT: _ColumnSpec(
        "Product",
        ProductSort.PRODUCT,
        "Products of one family on a site share one key: Jira Software, Jira Work Management "
        "and Jira Service Management are the Jira family",
        235,
        (
            ("Product", lambda r: r.product.display_name),
            ("Product family", lambda r: r.family.display_name),
        ),
    ),
    Column.LOCATION: _ColumnSpec(
        "Location",
        ProductSort.LOCATION,
        "Data residency location, pinned for good",
        105,
        (("Location", lambda r: r.location.display_name),),
    ),
    Column.PRIMARY_KEY: _ColumnSpec(
        "Primary region key",
        ProductSort.PRIMARY_STATE,
        "State of the key in the location's first region (eu-central-1 or us-east-1), as "
        "last known (health check, revoke or restore)",
        165,
        (
            ("Primary region", lambda r: r.location.regions[0].code),
            ("Primary region key", lambda r: r.primary_state or "Not checked"),
        ),
    ),
    Column.SECOND_KEY: _ColumnSpec(
        "Second region key",
        ProductSort.SECONDARY_STATE,
        "State of the key in the location's second region (eu-west-1 or us-west-2), as "
        "last known (health check, revoke or restore)",
        160,
        (
            ("Second region", lambda r: r.location.regions[1].code),
            ("Second region key", lambda r: r.secondary_state or "Not checked"),
        ),
    ),
    Column.STATUS: _ColumnSpec(
        "Status",
        ProductSort.STATUS,
        "Hover a status to read its cause",
        100,
        (
            ("Status", lambda r: r.status.display_name),
            ("Status reason", lambda r: r.status_reason),
        ),
    ),
    Column.TIER: _ColumnSpec(
        "User tier",
        ProductSort.TIER,
        "The billed user tier",
        110,
        (("User tier", lambda r: r.tier_name),),
    ),
    Column.PROVISIONED: _ColumnSpec(
        "Provisioned at",
        ProductSort.PROVISIONED,
        "When the keys were provisioned (local time)",
        120,
        (("Provisioned at (UTC)", lambda r: _iso(r.provisioned_at)),),
    ),
    Column.CHECKED: _ColumnSpec(
        "Last health check",
        ProductSort.CHECKED,
        "Hover for the exact time",
        100,
        (("Last health check (UTC)", lambda r: _iso(r.health_checked_at)),),
    ),
}
SORT_COLUMN = {spec.sort: column for column, spec in COLUMNS.items()}
# The CSV export's header and cells: the view's columns, in order, each with its own.
CSV_COLUMNS: tuple[tuple[str, Callable[[ProductRecord], str]], ...] = tuple(
    cell for spec in COLUMNS.values() for cell in spec.csv
)

# --- how statuses and key states look: colour AND icon AND text, never colour alone ------

STATUS_ICONS = {
    ProductStatus.PROVISIONING: "status-submitted",
    ProductStatus.ACTIVE: "status-ready",
    ProductStatus.DEGRADED: "status-warning",
    ProductStatus.SUSPENDED: "status-suspended",
    ProductStatus.RESTORING: "status-restoring",
    ProductStatus.FAILED: "status-error",
}
STATUS_COLOURS = {
    ProductStatus.PROVISIONING: Tone.INFO,
    ProductStatus.ACTIVE: Tone.SUCCESS,
    ProductStatus.DEGRADED: Tone.WARNING,
    ProductStatus.SUSPENDED: Tone.DANGER,
    ProductStatus.RESTORING: Tone.INFO,
    ProductStatus.FAILED: Tone.DANGER,
}
# Order of the summary strip: what needs attention first after the healthy ones.
STATUS_ORDER = (
    ProductStatus.ACTIVE,
    ProductStatus.DEGRADED,
    ProductStatus.SUSPENDED,
    ProductStatus.RESTORING,
    ProductStatus.PROVISIONING,
    ProductStatus.FAILED,
)

_GREEN, _RED, _ORANGE, _BLUE, _GREY = (
    Tone.SUCCESS,
    Tone.DANGER,
    Tone.WARNING,
    Tone.INFO,
    Tone.SUBTLE,
)


@dataclass(frozen=True, slots=True)
class KeyLook:
    text: str
    icon_name: str
    tone: Tone
    meaning: str  # one sentence for the tooltip


def key_look(state: str) -> KeyLook:
    """How a region's key-state token (ProductRecord.primary_state…) is shown."""
    if state == "Enabled":
        return KeyLook("Enabled", "key-enabled", _GREEN, "The key is usable here.")
    if state in ("Disabled", "Missing", "Wrong key", "Not granted", "Unavailable"):
        meaning = {
            "Disabled": "The key is disabled here: the provider cannot use it.",
            "Missing": "The key no longer exists here.",
            "Wrong key": "AWS answers with a different key than the one provisioned.",
            "Not granted": "The key policy no longer lets the key-management role use the key.",
            "Unavailable": "The key is unusable here.",
        }[state]
        return KeyLook(state, "key-bad", _RED, meaning)
    if state in ("PendingDeletion", "PendingReplicaDeletion"):
        return KeyLook(
            "Pending deletion",
            "key-pending",
            _ORANGE,
            "The key is scheduled for deletion; cancel the deletion in AWS to keep data readable.",
        )
    if state in ("Creating", "Updating", "PendingImport"):
        return KeyLook(state, "key-creating", _BLUE, "AWS is still working on the key.")
    if state == "Unknown":
        return KeyLook("Unknown", "key-unknown", _GREY, "AWS could not be asked at the last check.")
    if not state:
        return KeyLook(
            "Not checked", "key-unknown", _GREY, "No health check has seen this key yet."
        )
    return KeyLook(state, "key-bad", _RED, f"Key state {state}.")


def local_time(moment: datetime | None, seconds: bool = False) -> str:
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def age_text(moment: datetime | None, now: datetime | None = None) -> str:
    """ "12 min ago", "3 h ago", "2 days ago"; "Never" when there is no time."""
    if moment is None:
        return "Never"
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 60:
        return "Just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` as written: Qt would render a tooltip that looks like
    HTML as HTML, and reasons quote AWS error messages. Long ones wrap."""
    return f"<p>{html.escape(text)}</p>"


def product_label(record: ProductRecord) -> str:
    """ "Jira Software (Jira family)": products of one family share a key."""
    if record.family is ProductFamily.JIRA:
        return f"{record.product.display_name} ({record.family.display_name})"
    return record.product.display_name


def region_codes(location: Location) -> tuple[str, str]:
    first, second = location.regions
    return first.code, second.code


class ProductsModel(QAbstractTableModel):
    """Holds only the ordered IDs; a row's data is read on the database worker when the
    view first asks for it, and cached until the next refresh. ``data()`` never touches
    the store: a row not read yet shows empty and is painted again when it arrives.

    A new filter shows its first page as soon as the worker has read it and appends the
    rest from a second read: the rows a keystroke changes are on screen before the whole
    list of up to 100,000 IDs has been read. The newest list wins: an older filter's
    result never lands on a newer one's rows."""

    refreshed = Signal()  # the IDs were re-read (all, or the first page)
    completed = Signal()  # the whole list is in (after a first page: the rest appended)
    rows_loaded = Signal()  # rows read on the worker are in the cache

    def __init__(
        self,
        view: ProductView,
        ops: Operations,
        parent: QObject | None = None,
        load: bool = True,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._ops = ops
        self._ids: list[int] = []
        self._cache: dict[int, ProductRecord] = {}
        self._gone: set[int] = set()  # asked for, but deleted since the IDs were read
        self._rows: dict[int, int] | None = None  # product id -> row, when first needed
        self._filter = ProductFilter()
        self._sort = ProductSort.SITE
        self._descending = False
        self.deferred = not load  # sort and filter changes wait for refresh()
        self._loading = False  # a list read (a first page or the rest) is on its way
        self._generation = 0  # which list read a result belongs to
        self._cache_generation = 0  # which cache a row read belongs to
        self._fetching: set[int] = set()  # IDs whose rows are being read
        self._fetch_span: tuple[int, int] | None = None  # their rows, first and last
        self._dropped_span: tuple[int, int] | None = None  # rows of a read a newer one replaced
        self._list_key = f"products-list-{id(self)}"
        self._rows_key = f"products-rows-{id(self)}"
        if load:
            self.refresh()

    # --- queries -----------------------------------------------------------------------

    @property
    def filter(self) -> ProductFilter:
        return self._filter

    @property
    def sort_key(self) -> tuple[ProductSort, bool]:
        return self._sort, self._descending

    @property
    def ids(self) -> list[int]:
        """The products shown, in the order shown (a copy; while ``is_complete`` is False,
        only those read so far)."""
        return list(self._ids)

    @property
    def is_complete(self) -> bool:
        """No list read is on its way: the IDs are the whole list."""
        return not self._loading

    def set_filter(self, wanted: ProductFilter) -> None:
        if wanted != self._filter:
            self._filter = wanted
            if not self.deferred:
                self._read_list(first_page=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        self._sort = COLUMNS[Column(column)].sort
        self._descending = order == Qt.SortOrder.DescendingOrder
        if not self.deferred:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the whole list (a reload, a new order): same IDs, rows repaint in place;
        the same set in a new order, a layout change (the selection follows); else a
        reset. An empty model (the first load) shows the first page, then the rest."""
        self.deferred = False
        self._read_list(first_page=not self._ids)

    def _read_list(self, first_page: bool) -> None:
        self._generation += 1
        self._loading = True
        generation = self._generation
        view, wanted, sort, descending = self._view, self._filter, self._sort, self._descending
        limit = FIRST_PAGE + 1 if first_page else None

        def read() -> tuple[list[int], dict[int, ProductRecord]]:
            # The rows a window shows first come with the IDs: one trip to the database
            # worker, and the paint never waits behind the rest of the list.
            return view.list_page(wanted, sort, descending, limit, PREFETCH_ROWS)

        self._ops.run(
            read,
            lambda found: self._listed(generation, found[0], first_page, found[1]),
            on=Executor.DATABASE,
            what="list products",
            owner=self,
            key=self._list_key,
        )

    def _listed(
        self,
        generation: int,
        ids: list[int],
        first_page: bool,
        rows: dict[int, ProductRecord],
    ) -> None:
        if generation != self._generation:
            return
        if not first_page or len(ids) <= FIRST_PAGE:  # that is all of it
            self._loading = False
            self._apply(ids, rows)
            self.completed.emit()
            return
        page = ids[:FIRST_PAGE]
        if page != self._ids[:FIRST_PAGE]:
            # Another list: show its first page now. (The same first page: the rows on
            # screen are right already; the rest sees whether anything else changed.)
            self._apply(page, rows)
        else:
            self.refreshed.emit()  # re-read: the rows shown are this list's first page
        self._generation += 1
        generation = self._generation
        view, wanted, sort, descending = self._view, self._filter, self._sort, self._descending
        self._ops.run(
            lambda: view.list_ids(wanted, sort, descending),
            lambda rest: self._rest_listed(generation, rest),
            on=Executor.DATABASE,
            what="list products",
            owner=self,
            key=self._list_key,
        )

    def _rest_listed(self, generation: int, ids: list[int]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        shown = len(self._ids)
        if len(ids) > shown and ids[:shown] == self._ids:
            self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
            self._ids = ids
            self._rows = None
            self.endInsertRows()
        else:  # the kept list, or a store that changed between the two reads
            self._apply(ids)
        self.completed.emit()

    def _apply(self, ids: list[int], rows: dict[int, ProductRecord] | None = None) -> None:
        self._clear_cache()
        if rows:
            self._cache.update(rows)  # read right after the IDs, in the same operation
        if len(ids) == len(self._ids) and set(ids) == set(self._ids):
            if ids != self._ids:
                self.layoutAboutToBeChanged.emit()
                old_ids = self._ids
                persistent_indexes = self.persistentIndexList()
                self._ids = ids
                self._rows = None
                if persistent_indexes:  # a map of 100,000 rows only when something needs it
                    new_rows = {pid: row for row, pid in enumerate(ids)}
                    for persistent in persistent_indexes:
                        pid = old_ids[persistent.row()]
                        self.changePersistentIndex(
                            persistent, self.index(new_rows[pid], persistent.column())
                        )
                self.layoutChanged.emit()
            elif ids:
                self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, len(Column) - 1))
        else:
            self.beginResetModel()
            self._ids = ids
            self._rows = None
            self.endResetModel()
        self.refreshed.emit()

    def _clear_cache(self) -> None:
        self._cache.clear()
        self._gone.clear()
        self._fetching.clear()
        self._fetch_span = self._dropped_span = None
        self._cache_generation += 1

    def touch_column(self, column: Column) -> None:
        """Repaint one column (relative times age without a query)."""
        if self._ids:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._ids) - 1, column))

    def product_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, product_id: int) -> int | None:
        """The row of ``product_id`` among the IDs read so far."""
        if self._rows is None:  # built once per list, for large selections
            self._rows = {pid: row for row, pid in enumerate(self._ids)}
        return self._rows.get(product_id)

    def record(self, row: int) -> ProductRecord | None:
        """The row's data if it has been read; else None, and it is read on the worker
        (``rows_loaded`` says when)."""
        if not 0 <= row < len(self._ids):
            return None
        pid = self._ids[row]
        found = self._cache.get(pid)
        if found is None and pid not in self._gone and pid not in self._fetching:
            self._fetch_around(row)
        return found

    def is_loaded(self, row: int) -> bool:
        """The row's data has been read (or it was deleted meanwhile)."""
        pid = self.product_id(row)
        return pid is not None and (pid in self._cache or pid in self._gone)

    def _fetch_around(self, row: int) -> None:
        """Read a chunk of rows around ``row`` on the database worker. A newer read
        replaces an older one still waiting (the view has scrolled on); the older one's
        rows are painted again when the newer arrives, and read then if still shown."""
        start = max(0, row - CHUNK // 4)
        span = (start, min(len(self._ids), start + CHUNK) - 1)
        chunk = [i for i in self._ids[span[0] : span[1] + 1] if i not in self._cache]
        if self._fetch_span is not None:
            self._dropped_span = _union(self._dropped_span, self._fetch_span)
        self._fetching = set(chunk)
        self._fetch_span = span
        generation = self._cache_generation
        view = self._view
        self._ops.run(
            lambda: view.rows(chunk),
            lambda found: self._rows_arrived(generation, chunk, span, found),
            on=Executor.DATABASE,
            what="read products",
            owner=self,
            key=self._rows_key,
        )

    def _rows_arrived(
        self,
        generation: int,
        chunk: list[int],
        span: tuple[int, int],
        found: dict[int, ProductRecord],
    ) -> None:
        if generation != self._cache_generation:
            return  # read for a list since replaced
        self._cache.update(found)
        self._gone.update(pid for pid in chunk if pid not in found)
        self._fetching = set()
        self._fetch_span = None
        first, last = _union(self._dropped_span, span)
        self._dropped_span = None
        last = min(last, len(self._ids) - 1)
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        self.rows_loaded.emit()

    # --- Qt model interface ------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        spec = COLUMNS[Column(section)]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return spec.tooltip
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        record = self.record(index.row())
        if record is None:  # not read yet (it is on its way), or deleted meanwhile
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == Role.PRODUCT_ID:
            return record.id
        if role == Role.STATUS:
            return record.status.value
        if role == Role.SITE_KEY:
            return record.site_key
        if role == Role.FAMILY:
            return record.family.value
        if role == Qt.ItemDataRole.DecorationRole:
            if column == Column.STATUS:
                return icon(STATUS_ICONS[record.status])
            if column in (Column.PRIMARY_KEY, Column.SECOND_KEY):
                return icon(key_look(self._state(record, column)).icon_name)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.STATUS:
                return colour(STATUS_COLOURS[record.status])
            if column in (Column.PRIMARY_KEY, Column.SECOND_KEY):
                return colour(key_look(self._state(record, column)).tone)
            if column == Column.SITE and self._continues_family(index.row(), record):
                return colour(_GREY)  # the same key as the row above: the family reads as a group
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record, column, index.row())
        return None

    def _continues_family(self, row: int, record: ProductRecord) -> bool:
        if row == 0:
            return False
        above = self._cache.get(self._ids[row - 1])
        return (
            above is not None
            and above.site_key == record.site_key
            and above.family is record.family
        )

    @staticmethod
    def _state(record: ProductRecord, column: Column) -> str:
        return record.primary_state if column == Column.PRIMARY_KEY else record.secondary_state

    @classmethod
    def _display(cls, record: ProductRecord, column: Column) -> str:
        if column == Column.SITE:
            return record.site_key
        if column == Column.PRODUCT:
            return product_label(record)
        if column == Column.LOCATION:
            return record.location.display_name
        if column in (Column.PRIMARY_KEY, Column.SECOND_KEY):
            code = region_codes(record.location)[0 if column == Column.PRIMARY_KEY else 1]
            return f"{code} · {key_look(cls._state(record, column)).text}"
        if column == Column.STATUS:
            return record.status.display_name
        if column == Column.TIER:
            return record.tier_name
        if column == Column.PROVISIONED:
            return local_time(record.provisioned_at) or "—"
        if column == Column.CHECKED:
            return age_text(record.health_checked_at)
        return ""

    def _tooltip(self, record: ProductRecord, column: Column, row: int) -> str | None:
        if column == Column.STATUS:
            return plain_tip(
                record.status_reason or f"{record.status.display_name}: nothing to report"
            )
        if column in (Column.PRIMARY_KEY, Column.SECOND_KEY):
            region = record.location.regions[0 if column == Column.PRIMARY_KEY else 1]
            look = key_look(self._state(record, column))
            return f"{region.label()}: {look.text}. {look.meaning}"
        if column == Column.LOCATION:
            return record.location.regions_label()
        if column == Column.CHECKED:
            if record.health_checked_at is None:
                return "No health check yet: press F5 to check"
            return f"Last checked {local_time(record.health_checked_at, seconds=True)}"
        if column == Column.PRODUCT and record.family is ProductFamily.JIRA:
            return (
                "BYOK for the Jira family covers Jira Software, Jira Work Management and Jira "
                f"Service Management on {record.site_key}: one key, suspended together"
            )
        if column == Column.SITE and self._continues_family(row, record):
            return f"{record.site_key}: shares its key with the row above"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
