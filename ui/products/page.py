"""The Security > BYOK encryption page: every BYOK product with the health of its keys in both
regions; check health, revoke and restore key access, add a product to a site, export.

Every store call runs on the database worker (list_ids, rows, counts, detail, the
products a revoke suspends); AWS, keyring and file work on the pool, through Operations.
A keystroke in the search box costs one query (list_ids), after a short debounce. The
page reloads what it shows when the change bus says products changed (a job, a health
check, a revoke or restore, another workstation), never because another page asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.changes import Changes, FamilyKey, Kind
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile
from byok_desktop.health.service import CheckResult, HealthService
from byok_desktop.job_records import Job
from byok_desktop.jobs.access import RoleFamily, restore_target, role_families
from byok_desktop.locations import Location
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.product_records import ProductDetail, ProductFilter, ProductRecord, ProductSort
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import PRODUCT_ORDER, ProductFamily
from byok_desktop.request import RequestDraft
from byok_desktop.settings import Settings
from byok_desktop.store.database import Database
from byok_desktop.store.products import ProductView
from ui.changes import ChangeRelay
from ui.dialogs import Dialogs
from ui.jobs.bridge import JobsBridge
from ui.operations import Executor, Operations, Progress, Ticket
from ui.page_header import page_title, set_page_margins, tab_chain
from ui.products.confirm import TypedConfirm, TypedConfirmation
from ui.products.detail import NEVER_NON_BYOK, ProductDetailPane, restorable
from ui.products.export import export_products
from ui.products.model import (
    COLUMNS,
    STATUS_ICONS,
    STATUS_ORDER,
    Column,
    ProductsModel,
)
from ui.products.rebuild import RebuildDialog
from ui.resources import icon
from ui.shortcuts import SHORTCUTS
from ui.shortcuts import keys as shortcut_keys
from ui.tables import add_copy, fit_columns_when_filled

log = logging.getLogger("ui.products")

SEARCH_DELAY_MS = 150
REFRESH_DELAY_MS = 250  # changes arriving together cost one reload
AGE_TICK_MS = 60_000

PAGE = 500  # products read at once on a worker
Family = FamilyKey  # (site key, family value)


@dataclass(frozen=True, slots=True)
class _Counts:
    """The summary strip's numbers, read on the database worker."""

    every: dict[ProductStatus, int]  # whatever the filters
    narrowed: dict[ProductStatus, int]  # under the location and product filters


@dataclass(frozen=True, slots=True)
class _Detail:
    product_id: int | None
    detail: ProductDetail | None
    draft: RequestDraft | None


@dataclass(frozen=True, slots=True)
class _AccessFacts:
    """What a revoke or restore acts on, read before asking: every family on the
    account's key-management role (the one acted on first), and for a restore the
    family whose keys the revoke disabled and the one deadline."""

    families: list[RoleFamily]
    account: str
    target: tuple[str, str]
    restore_until: datetime | None


def _read_access_facts(database: Database, site: str, family: str, restore: bool) -> _AccessFacts:
    target = restore_target(database, site, family) if restore else (site, family)
    return _AccessFacts(
        role_families(database, site, family),
        database.view.account_of(site, family),
        target,
        database.products.access(*target).restore_until,
    )


def _read_counts(view: ProductView, wanted: ProductFilter) -> _Counts:
    every = view.counts(ProductFilter())
    if wanted.location is None and wanted.product is None:
        return _Counts(every, every)
    return _Counts(
        every, view.counts(ProductFilter(location=wanted.location, product=wanted.product))
    )


def _read_detail(database: Database, product_id: int | None) -> _Detail:
    """The detail pane's product and the request it came from (on the database worker)."""
    if product_id is None:
        return _Detail(None, None, None)
    try:
        detail = database.view.detail(product_id)
    except LookupError:
        return _Detail(product_id, None, None)
    draft: RequestDraft | None = None
    if detail.product.request_id is not None:
        try:
            draft = database.requests.get(detail.product.request_id).draft
        except LookupError:
            draft = None
    return _Detail(product_id, detail, draft)


def _export(
    view: ProductView,
    ids: list[int] | None,
    wanted: ProductFilter,
    sort: tuple[ProductSort, bool],
    path: Path,
) -> int:
    """On a worker: the rows as shown (``ids``; ``None``: read the list first)."""
    if ids is None:
        order, descending = sort
        ids = view.list_ids(wanted, order, descending)
    return export_products(view, ids, path)


def _provisioned_families(view: ProductView, ids: Sequence[int]) -> list[Family]:
    """The distinct provisioned families of the products ``ids``, in their order (on a
    worker: a large selection is read in pages)."""
    found: dict[Family, None] = {}
    for start in range(0, len(ids), PAGE):
        page = ids[start : start + PAGE]
        records = view.rows(page)
        for pid in page:
            record = records.get(pid)
            if record is not None and record.status.provisioned:
                found.setdefault((record.site_key, record.family.value), None)
    return list(found)


def _plural(count: int, noun: str, nouns: str = "") -> str:
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


class ProductsPage(QWidget):
    message = Signal(str)  # for the status bar
    add_product_requested = Signal(str, object)  # site key, Location
    show_requests_requested = Signal()

    def __init__(
        self,
        context: AppContext,
        jobs: JobsBridge,
        ops: Operations,
        settings: QSettings,
        changes: ChangeRelay,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("productsPage")
        self._context = context
        self._database = context.database
        self._jobs = jobs
        self._ops = ops
        self._settings = settings
        self._health = HealthService(context.database, context.credentials, self._core_settings)
        # No query until the page is first shown: the header's restored sort comes first.
        self.model = ProductsModel(context.database.view, ops, self, load=False)
        self._detail_id: int | None = None
        self._detail: ProductDetail | None = None
        self._total: int | None = None  # every product, whatever the filters (None: not read)
        self._remembered: tuple[list[int], int | None] = ([], None)
        self._restore_when_complete = False
        self._restoring = False
        self._stale = False  # data changed while the page was hidden
        self._detail_stale = False  # the detail's family changed while the page was hidden
        self._reload_detail_too = False  # the scheduled reload reads the detail again
        self._claimed: list[tuple[QAction, list[QKeySequence]]] = []
        self._check: Ticket | None = None
        self.rebuild_dialog: RebuildDialog | None = None
        self._closing = False  # shut down: nothing new is read or checked
        self._check_manual = False
        self._check_selected = False
        key = id(self)
        self._keys = {
            "counts": f"products-counts-{key}",
            "detail": f"products-detail-{key}",
            "facts": f"products-facts-{key}",
        }

        self._build()
        self._make_actions()
        self._restore_state()

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._scheduled_reload)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_TICK_MS)
        self._age_timer.timeout.connect(self._age_tick)
        self._age_timer.start()
        self.periodic_timer = QTimer(self)
        self.periodic_timer.setObjectName("periodicHealthCheck")
        self.periodic_timer.timeout.connect(self._periodic_check)
        self.apply_settings(context.settings)

        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.model.completed.connect(self._list_completed)
        self.model.rows_loaded.connect(self._update_actions)
        jobs.access_submitted.connect(self._access_submitted)
        changes.changed.connect(self._changed)
        self._stale = True  # read when first shown (startup reads nothing here)

    def _core_settings(self) -> Settings:
        return self._context.settings

    # --- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        self.stack.setObjectName("productsStack")
        outer.addWidget(self.stack)

        # The products: summary strip, filters, table beside the detail pane.
        self.main = QWidget()
        layout = QVBoxLayout(self.main)
        set_page_margins(layout)
        layout.addWidget(page_title("Security › BYOK encryption"))

        strip = QHBoxLayout()
        strip.setSpacing(6)
        self.all_button = QPushButton("All")
        self.all_button.setObjectName("statusAll")
        self.all_button.setCheckable(True)
        self.all_button.setChecked(True)
        self.all_button.setProperty("summary", True)
        self.all_button.setToolTip("Show every status")
        self.all_button.clicked.connect(self._show_all_statuses)
        strip.addWidget(self.all_button)
        self.status_buttons: dict[ProductStatus, QPushButton] = {}
        for status in STATUS_ORDER:
            button = QPushButton(icon(STATUS_ICONS[status]), status.display_name)
            button.setObjectName(f"status_{status.value}")
            button.setCheckable(True)
            button.setProperty("summary", True)
            button.setIconSize(QSize(16, 16))
            button.setToolTip(
                f"Show only {status.display_name} products (click again to show all). Counts "
                "follow the location and product filters; the search box narrows the list only."
            )
            button.clicked.connect(self._status_clicked)
            strip.addWidget(button)
            self.status_buttons[status] = button
        strip.addStretch(1)
        layout.addLayout(strip)

        bar = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("productSearch")
        self.search_edit.setPlaceholderText("Search site, product, status, tier  (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search products")
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search_edit.textChanged.connect(self._search_timer.start)
        bar.addWidget(self.search_edit, 1)
        self.location_combo = QComboBox()
        self.location_combo.setObjectName("locationFilter")
        self.location_combo.setAccessibleName("Location filter")
        self.location_combo.addItem("All locations", None)
        for location in Location:
            self.location_combo.addItem(location.display_name, location)
        self.location_combo.currentIndexChanged.connect(self._combo_changed)
        bar.addWidget(self.location_combo)
        self.product_combo = QComboBox()
        self.product_combo.setObjectName("productFilter")
        self.product_combo.setAccessibleName("Product filter")
        self.product_combo.addItem("All products", None)
        for product in PRODUCT_ORDER:
            self.product_combo.addItem(product.display_name, product)
        self.product_combo.currentIndexChanged.connect(self._combo_changed)
        bar.addWidget(self.product_combo)
        self._tool_bar = bar
        layout.addLayout(bar)

        # The table on top, all its columns in view; the selected product's detail below.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("productsSplitter")
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.view = QTableView()
        self.view.setObjectName("productsTable")
        self.view.setModel(self.model)
        self.view.setAccessibleName("Products")
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setIconSize(QSize(16, 16))
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(28)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(Column.SITE, Qt.SortOrder.AscendingOrder)
        for column, spec in COLUMNS.items():
            self.view.setColumnWidth(column, spec.width)
        add_copy(self.view)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        left_layout.addWidget(self.view, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("productCount")
        left_layout.addWidget(self.count_label)
        self.no_match = QLabel("No product matches the filters and the search.")
        self.no_match.setObjectName("emptyState")
        left_layout.addWidget(self.no_match)
        self.splitter.addWidget(left)
        self.detail = ProductDetailPane()
        self.detail.message.connect(self.message)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 420])
        self.stack.addWidget(self.main)

        # No products at all yet.
        self.empty = QWidget()
        self.empty.setObjectName("productsEmpty")
        empty = QVBoxLayout(self.empty)
        set_page_margins(empty)
        empty.addWidget(page_title("Security › BYOK encryption"))
        empty.addStretch(1)
        picture = QLabel()
        picture.setPixmap(icon("security").pixmap(QSize(72, 72)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.addWidget(picture)
        heading = QLabel("No BYOK products yet")
        heading.setObjectName("emptyStateHeading")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.addWidget(heading)
        body = QLabel(
            "Products appear here once a request has been submitted for provisioning: the "
            "health of their keys in both regions of the site's location, revocation and "
            "restore. Draft a request and submit it from the Requests screen."
        )
        body.setObjectName("emptyState")
        body.setWordWrap(True)
        body.setMaximumWidth(560)
        centred = QHBoxLayout()  # wraps at the label's width (an alignment would squeeze it)
        centred.addStretch(1)
        centred.addWidget(body, 4)
        centred.addStretch(1)
        empty.addLayout(centred)
        self.go_to_requests = QPushButton(icon("requests"), "Go to Requests")
        self.go_to_requests.setObjectName("goToRequests")
        self.go_to_requests.setProperty("primary", True)
        self.go_to_requests.clicked.connect(self._go_to_requests)
        empty.addWidget(self.go_to_requests, 0, Qt.AlignmentFlag.AlignHCenter)
        # A new workstation, or a data folder started afresh: the products are in AWS.
        self.rebuild_button = QPushButton(icon("import"), "Rebuild from AWS…")
        self.rebuild_button.setObjectName("rebuildFromAwsEmpty")
        self.rebuild_button.setToolTip(
            "Products provisioned from another workstation or an earlier data folder: read "
            "them back from the AWS account (Ctrl+Shift+R)"
        )
        self.rebuild_button.clicked.connect(self.rebuild_from_aws)
        empty.addWidget(self.rebuild_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty.addStretch(2)
        self.stack.addWidget(self.empty)

    def _make_actions(self) -> None:
        def action(
            name: str,
            text: str,
            icon_name: str,
            slot: Callable[[], None],
            tip: str,
        ) -> QAction:
            act = QAction(icon(icon_name), text, self)
            act.setObjectName(name)
            keys = ""
            if any(s.name == name for s in SHORTCUTS):  # ui/shortcuts.py: the one table
                act.setShortcuts(shortcut_keys(name))
                # In effect while this page is shown, wherever the focus is in the window.
                act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip} ({keys})" if keys else tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.check_action = action(
            "checkHealth",
            "Check &health",
            "health-check",
            self.check_health,
            "Check the keys of the selected products in AWS, or of every product when none "
            "is selected",
        )
        self.revoke_action = action(
            "revokeAccess",
            "&Revoke key access…",
            "revoke",
            self.revoke_selected,
            "Deny the key provider and disable the keys in both regions: the products of "
            "the family are suspended until access is restored",
        )
        self.restore_action = action(
            "restoreAccess",
            "Re&store access…",
            "restore",
            self.restore_selected,
            "Enable the keys again and let the key provider back in (only within the "
            "restore window)",
        )
        self.add_product_action = action(
            "addProductToSite",
            "&Add product to this site",
            "add-product",
            self.add_product,
            "Start a new BYOK request for this site, in its pinned location",
        )
        self.export_action = action(
            "exportProductsCsv",
            "E&xport visible rows to CSV…",
            "export",
            self.export_csv,
            "Save the rows as filtered and sorted now to a CSV file",
        )
        self.rebuild_action = action(
            "rebuildFromAws",
            "Re&build from AWS…",
            "import",
            self.rebuild_from_aws,
            "Read the keys this app made in an AWS account and rebuild or repair the product "
            "records here (a new workstation, a lost data folder); nothing in AWS changes",
        )
        self.find_action = action(
            "findProducts",
            "&Find",
            "search",
            self.focus_search,
            "Search products",
        )
        buttons: list[QWidget] = []
        for act in (
            self.check_action,
            self.revoke_action,
            self.restore_action,
            self.add_product_action,
            self.export_action,
            self.rebuild_action,
        ):
            button = QToolButton()
            button.setObjectName(f"{act.objectName()}Button")
            button.setDefaultAction(act)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            self._tool_bar.addWidget(button)
            buttons.append(button)
        self.detail.set_actions(
            [self.check_action, self.revoke_action, self.restore_action, self.add_product_action]
        )
        # Reading order: filters and their buttons, the table, then the detail below it.
        tab_chain(self.product_combo, *buttons, self.view, self.detail.first_tab_stop())
        self._update_actions()

    # --- shortcuts shared with other pages ----------------------------------------------------

    def claim_shortcuts_while_shown(self, actions: Sequence[QAction]) -> None:
        """Window-wide actions of other pages that use our keys (Ctrl+F, Ctrl+E) give them
        up while this page is shown, so the keys act here and are never ambiguous."""
        self._claimed = [(act, list(act.shortcuts())) for act in actions]
        if self.isVisible():
            self._take_shortcuts()

    def _take_shortcuts(self) -> None:
        for act, _keys in self._claimed:
            act.setShortcuts([])

    def _give_back_shortcuts(self) -> None:
        for act, keys in self._claimed:
            act.setShortcuts(keys)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self._take_shortcuts()
            if self._stale:
                self.reload()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not event.spontaneous():
            self._give_back_shortcuts()

    # --- state --------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        splitter = self._settings.value("products/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = self._settings.value("products/header")
        if header is not None:
            self.view.horizontalHeader().restoreState(header)
        else:
            fit_columns_when_filled(self.view)
        head = self.view.horizontalHeader()
        self.model.sort(head.sortIndicatorSection(), head.sortIndicatorOrder())

    def save_state(self) -> None:
        self._settings.setValue("products/splitter", self.splitter.saveState())
        self._settings.setValue("products/header", self.view.horizontalHeader().saveState())

    def shutdown(self) -> None:
        """On quit: a running health check stops at the next family, and nothing new
        starts: no periodic check, no reload a change or a finished check scheduled, no
        search still waiting for its delay (Operations refuses work once it is closing)."""
        self._closing = True
        self.stop_check()
        for timer in (
            self.periodic_timer,
            self._refresh_timer,
            self._search_timer,
            self._age_timer,
        ):
            timer.stop()

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        minutes = (
            settings.sandbox_health_check_minutes
            if self._context.in_sandbox
            else settings.health_check_minutes
        )
        if minutes <= 0:
            self.periodic_timer.stop()
            return
        interval = minutes * 60_000
        if not self.periodic_timer.isActive() or self.periodic_timer.interval() != interval:
            self.periodic_timer.start(interval)

    # --- data ---------------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Everything shown: the list, the counts and the detail, read on the database
        worker. The rows on screen stay until the new ones arrive."""
        self._reload(detail=True)

    def _reload(self, detail: bool) -> None:
        self._refresh_timer.stop()
        if self._closing:
            return
        detail = detail or self._reload_detail_too or self._detail_stale
        self._stale = self._detail_stale = self._reload_detail_too = False
        self.model.refresh()
        self._read_counts()
        if detail:
            self._reload_detail(force=True)

    @Slot()
    def _scheduled_reload(self) -> None:
        self._reload(detail=False)

    def schedule_reload(self, detail: bool = True) -> None:
        """Soon (changes arriving together cost one reload); while the page is hidden, when
        it is shown again. ``detail``: the detail pane's product changed too."""
        if self._closing:
            return
        if detail:
            self._reload_detail_too = True
        if not self.isVisible():
            self._stale = True
            self._detail_stale = self._detail_stale or detail
        elif not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @Slot(object)
    def _changed(self, changes: Changes) -> None:
        """A write somewhere (a job, a health check, a revoke, another workstation): reload
        if it touches products; the detail pane only if its family is among them."""
        if not (changes.touches(Kind.PRODUCTS) or changes.remote):
            return
        detail = self._detail
        family = (
            (detail.product.site_key, detail.product.family.value) if detail is not None else None
        )
        self.schedule_reload(
            detail=changes.remote or not changes.families or family in changes.families
        )

    def _filter_from_widgets(self) -> ProductFilter:
        statuses = frozenset(s for s, b in self.status_buttons.items() if b.isChecked())
        return ProductFilter(
            statuses=statuses,
            location=self.location_combo.currentData(),
            product=self.product_combo.currentData(),
            search=self.search_edit.text(),
        )

    @Slot()
    def _apply_filters(self) -> None:
        """Statuses and search: one list_ids query, nothing else."""
        self._search_timer.stop()
        self.model.set_filter(self._filter_from_widgets())
        self._after_filter()

    @Slot()
    def _combo_changed(self) -> None:
        """Location and product change the strip's counts too."""
        self._search_timer.stop()
        self.model.set_filter(self._filter_from_widgets())
        self._read_counts()

    @Slot()
    def _status_clicked(self) -> None:
        self.all_button.setChecked(not any(b.isChecked() for b in self.status_buttons.values()))
        self._apply_filters()

    @Slot()
    def _show_all_statuses(self) -> None:
        for button in self.status_buttons.values():
            button.setChecked(False)
        self.all_button.setChecked(True)
        self._apply_filters()

    def _read_counts(self) -> None:
        if self._closing:
            return
        view, wanted = self._database.view, self.model.filter
        self._ops.run(
            lambda: _read_counts(view, wanted),
            self._update_counts,
            on=Executor.DATABASE,
            what="count products",
            owner=self,
            key=self._keys["counts"],
        )

    def _update_counts(self, read: _Counts) -> None:
        """The summary strip: products per status under the location and product filters."""
        self._total = sum(read.every.values())
        counts = read.narrowed
        self.all_button.setText(f"All {sum(counts.values()):,}")
        for status, button in self.status_buttons.items():
            count = counts.get(status, 0)
            button.setText(f"{status.display_name} {count:,}")
            button.setAccessibleName(f"{status.display_name}: {_plural(count, 'product')}")
            # A status nobody is in stays out of the way, unless it is the filter.
            button.setVisible(count > 0 or button.isChecked())
        self._after_filter()

    def _after_filter(self) -> None:
        self._update_actions()
        if self._total is None:  # the counts are on their way
            self.count_label.setText("Reading products…")
            self.no_match.hide()
            return
        shown = self.model.rowCount()
        wanted = self.model.filter
        narrowed = bool(
            wanted.statuses or wanted.search.strip() or wanted.location or wanted.product
        )
        if narrowed:
            more = "" if self.model.is_complete else "+"  # the rest follows in a moment
            self.count_label.setText(f"{shown:,}{more} of {_plural(self._total, 'product')} shown")
        else:
            self.count_label.setText(_plural(self._total, "product"))
        self.no_match.setVisible(shown == 0 and self._total > 0 and self.model.is_complete)
        self.stack.setCurrentWidget(self.main if self._total else self.empty)

    @Slot()
    def _age_tick(self) -> None:
        self.model.touch_column(Column.CHECKED)

    # --- selection ----------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.view.selectionModel().selectedRows()})

    def selected_ids(self) -> list[int]:
        ids = (self.model.product_id(row) for row in self.selected_rows())
        return [pid for pid in ids if pid is not None]

    def select_product(self, product_id: int, keep: bool = False) -> bool:
        """Select ``product_id`` if it is among the rows read so far."""
        row = self.model.row_of(product_id)
        if row is None:
            return False
        flags = QItemSelectionModel.SelectionFlag.Rows | (
            QItemSelectionModel.SelectionFlag.Select
            if keep
            else QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index)
        return True

    @Slot()
    def _go_to_requests(self) -> None:
        self.show_requests_requested.emit()

    @Slot()
    def _remember_selection(self) -> None:
        if self._restore_when_complete:
            return  # still holding the selection from before an earlier first page
        current = self.model.product_id(self.view.currentIndex().row())
        self._remembered = (self.selected_ids(), current)

    @Slot()
    def _list_completed(self) -> None:
        if self._restore_when_complete:
            self._restore_selection()
        self._after_filter()

    @Slot()
    def _restore_selection(self) -> None:
        if not self.model.is_complete:
            # A first page: the selected products may be further down the list.
            self._restore_when_complete = True
            return
        self._restore_when_complete = False
        ids, current = self._remembered
        self._remembered = ([], None)
        rows = sorted(r for r in map(self.model.row_of, ids) if r is not None)
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        start = 0
        while start < len(rows):  # contiguous runs: one range each, however many rows
            end = start
            while end + 1 < len(rows) and rows[end + 1] == rows[end] + 1:
                end += 1
            selection.select(self.model.index(rows[start], 0), self.model.index(rows[end], last))
            start = end + 1
        self._restoring = True  # one detail read at the end, not one per range
        try:
            model = self.view.selectionModel()
            model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            row = self.model.row_of(current) if current is not None else None
            if row is not None and current in ids:
                model.setCurrentIndex(
                    self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
                )
        finally:
            self._restoring = False
        self._selection_changed()

    @Slot()
    def _selection_changed(self) -> None:
        if self._restoring:
            return
        self._reload_detail(force=False)
        self._update_actions()

    def _reload_detail(self, force: bool) -> None:
        """The detail pane follows the first selected product; the same product is not
        read again unless ``force`` (its data changed)."""
        ids = self.selected_ids()
        wanted = ids[0] if ids else None
        if self._closing or (wanted == self._detail_id and not force):
            return
        if wanted != self._detail_id:
            self._detail = None  # revoke and restore wait for the new product's detail
        self._detail_id = wanted
        database = self._database
        self._ops.run(
            lambda: _read_detail(database, wanted),
            self._detail_read,
            on=Executor.DATABASE,
            what="read product detail",
            owner=self,
            key=self._keys["detail"],
        )
        self._update_actions()

    def _detail_read(self, read: _Detail) -> None:
        if read.product_id != self._detail_id:
            return  # the selection moved on; its own read follows
        self._detail = read.detail
        self.detail.show_detail(read.detail, read.draft)
        self._update_actions()

    def _one_family(self) -> ProductRecord | None:
        """The first selected product when the selection is one site's product family
        (stops reading at the first product of another family). None too while a selected
        row has not been read yet: nothing acts on a family it cannot see."""
        first: ProductRecord | None = None
        for row in self.selected_rows():
            record = self.model.record(row)
            if record is None:
                if self.model.is_loaded(row):
                    continue  # deleted since the list was read
                return None
            if first is None:
                first = record
            elif record.site_key != first.site_key or record.family is not first.family:
                return None
        return first

    def _update_actions(self) -> None:
        one = self._one_family()
        detail = self._detail
        # Revoke and restore act on the family the detail pane shows, once it is loaded.
        family = (
            detail
            if one is not None
            and detail is not None
            and detail.product.site_key == one.site_key
            and detail.product.family is one.family
            else None
        )
        ready = family is not None and all(
            s.status.provisioned and s.status is not ProductStatus.RESTORING
            for s in family.siblings
        )
        access = family.access if family is not None else None
        self.revoke_action.setEnabled(ready and access is not None and access.revoked_at is None)
        self.restore_action.setEnabled(ready and access is not None and restorable(access))
        self.add_product_action.setEnabled(one is not None)
        self.export_action.setEnabled(self.model.rowCount() > 0)
        self.check_action.setEnabled(bool(self._total))

    # --- jobs ---------------------------------------------------------------------------------

    @Slot(object)
    def _access_submitted(self, job: Job) -> None:
        """Says where to follow the job; the statuses it changes arrive on the change bus."""
        family = ProductFamily(job.family).display_name
        self.message.emit(
            f"{job.kind.capitalize()} job #{job.id} queued for {job.site_key} ({family}); "
            "follow it on the Jobs screen."
        )

    # --- commands -----------------------------------------------------------------------------

    @Slot()
    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @property
    def check_running(self) -> bool:
        return self._check is not None

    def stop_check(self) -> None:
        """A running health check stops at the next family; its outcome is not shown."""
        self._ops.drop(self._check)
        self._check = None

    @Slot()
    def check_health(self) -> None:
        """The selected products' families, or every provisioned family when none is
        selected."""
        self.start_check(self.selected_ids() or None, manual=True)

    @Slot()
    def _periodic_check(self) -> None:
        if not self.check_running:
            self.start_check(None, manual=False)

    def start_check(self, product_ids: list[int] | None, manual: bool) -> bool:
        """Check the families of ``product_ids`` (``None``: every provisioned family) on a
        worker; never two checks at once, and none once the page is shut down."""
        if self._closing:
            return False
        if self.check_running:
            if manual:
                self.message.emit("A health check is already running; wait for it to finish.")
            return False
        service, database = self._health, self._database

        def work(progress: Progress) -> list[CheckResult]:  # on the worker: no widget here
            if product_ids is None:
                wanted = database.products.provisioned_families()
            else:
                wanted = _provisioned_families(database.view, product_ids)
            if not wanted:
                return []
            total = len(wanted)
            progress.report(0, total)
            done = 0

            def on_result(_result: CheckResult) -> None:
                nonlocal done
                done += 1
                progress.report(done, total)

            # Each result is stored as it comes; the store announces it on the change bus.
            return service.check(wanted, on_result=on_result, cancelled=lambda: progress.cancelled)

        self._check_manual = manual
        self._check_selected = product_ids is not None
        self.message.emit("Checking key health…")
        self._check = self._ops.run_with_progress(
            work,
            self._check_done,
            self._check_failed,
            self._check_progress,
            on=Executor.POOL,
            what="health check",
            owner=self,
        )
        return True

    def _check_progress(self, done: int, total: int, _text: str) -> None:
        if total and done < total:
            self.message.emit(f"Checking {done + 1} of {total}…")

    def _check_done(self, results: list[CheckResult]) -> None:
        self._check = None
        self.schedule_reload(detail=True)  # this page's own check: its outcome, at once
        if not results:
            what = "the selected products are" if self._check_selected else "no product is"
            self.message.emit(f"Nothing to check: {what} not provisioned yet.")
            return
        by_status: dict[ProductStatus, int] = {}
        for result in results:
            by_status[result.status] = by_status.get(result.status, 0) + 1
        parts = [f"{by_status[s]} {s.display_name.lower()}" for s in STATUS_ORDER if s in by_status]
        checked = _plural(len(results), "product family", "product families")
        text = f"Health checked for {checked}: {', '.join(parts)}."
        unknown = [r for r in results if r.error]
        if unknown:
            text += (
                f" AWS could not be asked for {len(unknown)}; their last known status is kept "
                f"(e.g. {unknown[0].site_key}: {unknown[0].error})."
            )
        self.message.emit(text)

    def _check_failed(self, exc: BaseException) -> None:
        self._check = None
        self.schedule_reload(detail=True)
        self.message.emit(f"Health check failed: {exc}")
        if self._check_manual:
            Dialogs.error(self, "Health check failed", f"The health check stopped: {exc}")

    @Slot()
    def rebuild_from_aws(self) -> None:
        """Read the profiles (on the database worker), then open the dialog that reads AWS
        and repairs the records; the view follows through the change bus."""
        if self._closing:
            return
        profiles = self._context.credentials.profiles
        self._ops.run(
            profiles.list,
            self._open_rebuild,
            on=Executor.DATABASE,
            what="read the credential profiles",
            owner=self,
        )

    def _open_rebuild(self, profiles: list[Profile]) -> None:
        if self.rebuild_dialog is not None:
            self.rebuild_dialog.close()
        log_file = self._context.paths.log_dir / LOG_FILE
        dialog = RebuildDialog(self._context, self._ops, profiles, log_file, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self._rebuilt)
        dialog.destroyed.connect(self._rebuild_closed)
        self.rebuild_dialog = dialog
        dialog.open()

    def _rebuilt(self, count: int) -> None:
        self.message.emit(f"Rebuilt from AWS: {_plural(count, 'difference')} repaired.")

    def _rebuild_closed(self) -> None:
        self.rebuild_dialog = None

    @Slot()
    def revoke_selected(self) -> None:
        """Read what a revoke suspends (on the database worker), then ask."""
        record = self._one_family()
        if record is None or not self.revoke_action.isEnabled():
            return
        database, site, family = self._database, record.site_key, record.family.value
        self._ops.run(
            lambda: _read_access_facts(database, site, family, restore=False),
            lambda facts: self._confirm_revoke(record, facts),
            on=Executor.DATABASE,
            what="read the products a revoke suspends",
            owner=self,
            key=self._keys["facts"],
        )

    def _confirm_revoke(self, record: ProductRecord, facts: _AccessFacts) -> None:
        site, family = record.site_key, record.family.value
        families, account = facts.families, facts.account
        days = self._context.settings.restore_window_days
        request = TypedConfirmation(
            title="Revoke key access",
            intro=(
                f"Revoke the key provider's access to the {record.family.display_name} keys of "
                f"{site}? The provider's statement in the trust policy of AWS account "
                f"{account}'s key-management role becomes Deny and the key is disabled in "
                f"{record.location.regions_label()}. The role is one per account, so every "
                "product family below is suspended at once: their data cannot be read until "
                "access is restored."
            ),
            required=site,
            ok_label="Revoke access",
            groups=(
                (
                    f"Suspended ({_plural(len(families), 'product family', 'product families')}"
                    f" on the key-management role of account {account}):",
                    [f.line() for f in families],
                ),
            ),
            outro=(
                f"One restore window covers them all: access can be restored within {days} "
                "days of the revocation, from any of them; after that only the vendor's "
                f"support can help. {NEVER_NON_BYOK}"
            ),
        )
        if not TypedConfirm.ask(self, request):
            self.message.emit("Nothing was revoked.")
            return
        self.message.emit(f"Checking before revoking access for {site}…")
        self._jobs.change_access("revoke", site, family)

    @Slot()
    def restore_selected(self) -> None:
        """Read the products a restore brings back (on the database worker), then ask."""
        record = self._one_family()
        if record is None or not self.restore_action.isEnabled():
            return
        database, site, family = self._database, record.site_key, record.family.value
        self._ops.run(
            lambda: _read_access_facts(database, site, family, restore=True),
            lambda facts: self._confirm_restore(record, facts),
            on=Executor.DATABASE,
            what="read the products a restore brings back",
            owner=self,
            key=self._keys["facts"],
        )

    def _confirm_restore(self, record: ProductRecord, facts: _AccessFacts) -> None:
        site, family = record.site_key, record.family.value
        listed = "\n".join(f"• {f.line()}" for f in facts.families)
        # The restore runs on the family whose keys the revoke disabled, maybe another.
        keys = next(
            (f for f in facts.families if (f.site_key, f.family.value) == facts.target), None
        )
        whose = f"{keys.site_key}'s {keys.family.display_name}" if keys else facts.target[0]
        where = (keys.products[0].location if keys else record.location).regions_label()
        until = (
            f" One restore window covers them all: restorable until "
            f"{facts.restore_until.astimezone():%Y-%m-%d %H:%M}."
            if facts.restore_until is not None
            else ""
        )
        if not Dialogs.confirm(
            self,
            "Restore key access",
            f"Restore the key provider's access through the key-management role of AWS "
            f"account {facts.account}? The keys the revoke disabled ({whose}) are enabled "
            f"again in {where} and the role's trust policy allows "
            f"the provider again. Every product family on the role comes back:\n\n{listed}"
            f"\n\n{until.strip()}",
            "Restore access",
        ):
            self.message.emit("Nothing was restored.")
            return
        self.message.emit(f"Checking before restoring access for {site}…")
        self._jobs.change_access("restore", site, family)

    @Slot()
    def add_product(self) -> None:
        record = self._one_family()
        if record is None:
            return
        self.add_product_requested.emit(record.site_key, record.location)

    @Slot()
    def export_csv(self) -> None:
        """The rows as filtered and sorted now, written on a worker (a list still being
        read is read there again, whole)."""
        shown = self.model.rowCount()
        if not shown:
            self.message.emit("No rows to export.")
            return
        ids = self.model.ids if self.model.is_complete else None
        directory = str(self._settings.value("paths/export", str(Path.home())))
        stamp = datetime.now(UTC).astimezone().strftime("%Y%m%d-%H%M")
        chosen = Dialogs.save_csv_file(self, str(Path(directory) / f"byok-products-{stamp}.csv"))
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        self._settings.setValue("paths/export", str(path.parent))
        view, wanted, sort = self._database.view, self.model.filter, self.model.sort_key
        self.message.emit(f"Exporting {_plural(shown, 'row')}…" if ids else "Exporting…")
        self._ops.run(
            lambda: _export(view, ids, wanted, sort, path),
            lambda count: self._exported(count, path),
            lambda exc: self._export_failed(exc, path),
            on=Executor.POOL,
            what="export products",
            owner=self,
        )

    def _exported(self, count: int, path: Path) -> None:
        self.message.emit(f"Exported {_plural(count, 'row')} to {path}")

    def _export_failed(self, exc: BaseException, path: Path) -> None:
        Dialogs.error(self, "Export failed", f"Could not write {path}:\n{exc}")
