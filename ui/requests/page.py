"""Requests section: the list (search, sort) beside the editor; new, duplicate, delete,
export and import."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import (
    QItemSelectionModel,
    QSettings,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.changes import Changes, Kind
from byok_desktop.jobs.customer_role import CustomerKit
from byok_desktop.locations import Location
from byok_desktop.outbox import Copied, KeptDraft, Landed, Outbox
from byok_desktop.products import PRODUCT_ORDER
from byok_desktop.request import Field, RequestDraft
from byok_desktop.request_file import FILE_SUFFIX
from byok_desktop.request_records import RequestListRow, RequestProvisioned, StoredRequest
from byok_desktop.store.requests import RequestStore
from byok_desktop.transfer import (
    Exported,
    ImportReport,
    OnConflict,
    export_requests,
    import_files,
)
from byok_desktop.validation import site_key
from byok_desktop.wording import counted, match_count
from ui.changes import ChangeRelay
from ui.dialogs import Dialogs
from ui.operations import Executor, Operations
from ui.page_header import PAGE_MARGINS, page_title, tab_chain
from ui.requests.editor import RequestEditor
from ui.requests.faults import Fault, classify, reason
from ui.requests.model import COLUMN_FIELDS, COLUMNS, RequestsModel
from ui.requests.outbox import OutboxSync
from ui.resources import icon
from ui.shortcuts import keys as shortcut_keys
from ui.tables import add_copy, fit_columns_when_filled

log = logging.getLogger("ui.requests")

T = TypeVar("T")

SEARCH_DELAY_MS = 150
LIST_RETRY_MS = (1_000, 2_000, 4_000, 8_000, 16_000, 30_000)


class RequestsPage(QWidget):
    message = Signal(str)  # for the status bar
    submit_requested = Signal(int)  # a Ready request to provision

    def __init__(
        self,
        store: RequestStore,
        ops: Operations,
        settings: QSettings,
        parent: QWidget | None = None,
        *,
        changes: ChangeRelay | SignalInstance | None = None,
        outbox: Outbox | None = None,
        customer: CustomerKit | None = None,
        sandbox_account: str = "",
    ) -> None:
        """``ops`` runs every store call. ``changes`` (the window's ChangeRelay or
        its ``changed`` signal) says when records change; without it the page reads its
        list again after its own writes and when ``refresh_statuses`` is called.
        ``outbox`` (a team database only) keeps drafts on this workstation while the
        database is out of reach. ``sandbox_account``: in the sandbox, the account its
        simulated AWS plays; new requests start with it."""
        super().__init__(parent)
        self.setObjectName("requestsPage")
        self._sandbox_account = sandbox_account
        self._store = store
        self._ops = ops
        self._settings = settings
        self._customer = customer  # the ExternalId and the setup kit, by the role field
        self.outbox: OutboxSync | None = None
        if outbox is not None:
            self.outbox = OutboxSync(outbox, store, ops, self)
            self.outbox.landed.connect(self._draft_landed)
            self.outbox.copied.connect(self._draft_copied)
            self.outbox.pending_changed.connect(self._update_kept)
            if isinstance(changes, ChangeRelay):
                changes.reachable.connect(self.outbox.link_back)
        self.model = RequestsModel(store, self._ops, self, load=False)
        self._shown_before = False
        self._select_first = False  # select the first row once the list is in
        self._want_selected: int | None = None  # selected once the list holds it
        self._list_retries = 0
        self._list_retry = QTimer(self)
        self._list_retry.setSingleShot(True)
        self._list_retry.timeout.connect(self.model.refresh)
        self._build()
        self._make_actions()
        self._restore_state()
        self.model.modelReset.connect(self._reselect)
        self.model.refreshed.connect(self._list_arrived)
        self.model.load_failed.connect(self._list_failed)
        signal = changes.changed if isinstance(changes, ChangeRelay) else changes
        self._listening = signal is not None
        if signal is not None:
            signal.connect(self.apply_changes)
        if self.outbox is not None:
            self.outbox.start()  # drafts kept by an earlier run go to the database
        # The list is read when the page is first shown or needed (ensure_loaded), once,
        # in the restored sort: an app that opens on another section does not wait for
        # tens of thousands of requests it does not show.

    def ensure_loaded(self) -> None:
        if self.model.deferred:
            self.model.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_loaded()
        if not self._shown_before:  # the editor shows a request from the first look on
            self._shown_before = True
            self._select_first = True
            self._select_first_if_none()
        super().showEvent(event)

    # --- construction -------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("requestsSplitter")
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        margins = PAGE_MARGINS
        left_layout.setContentsMargins(margins.left(), margins.top(), 8, margins.bottom())
        left_layout.addWidget(page_title("Requests"))

        bar = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("requestSearch")
        self.search_edit.setPlaceholderText("Search site, account, customer, requester  (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search requests")
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search_edit.textChanged.connect(self._search_timer.start)
        bar.addWidget(self.search_edit, 1)
        self._tool_bar = bar
        left_layout.addLayout(bar)

        self.view = QTableView()
        self.view.setObjectName("requestsTable")
        self.view.setAccessibleName("Requests")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(28)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(len(COLUMNS) - 1, Qt.SortOrder.DescendingOrder)
        for column, width in enumerate((140, 120, 110, 140, 170, 110, 150, 120)):
            self.view.setColumnWidth(column, width)
        account = COLUMN_FIELDS.index(Field.AWS_ACCOUNT_ID)
        add_copy(self.view, middle_columns=(account,))
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        left_layout.addWidget(self.view, 1)

        self.count_label = QLabel()
        self.count_label.setObjectName("requestCount")
        left_layout.addWidget(self.count_label)
        # Drafts kept on this workstation are not rows of the list (it shows the team
        # database, sorted and searched there); this button lists them and opens one.
        self.kept_button = QToolButton()
        self.kept_button.setObjectName("keptDrafts")
        self.kept_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.kept_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kept_menu = QMenu(self.kept_button)
        self.kept_menu.aboutToShow.connect(self._fill_kept_menu)
        self.kept_button.setMenu(self.kept_menu)
        self.kept_button.hide()
        left_layout.addWidget(self.kept_button)
        self.empty_hint = QLabel(
            "No requests yet. Press Ctrl+N to draft one, or Ctrl+I to import a "
            f"{FILE_SUFFIX} file a colleague sent you."
        )
        self.empty_hint.setObjectName("emptyState")
        self.empty_hint.setWordWrap(True)
        left_layout.addWidget(self.empty_hint)
        self.model.refreshed.connect(self._update_count)
        self._update_count()

        self.editor = RequestEditor(
            self._store, self._ops, outbox=self.outbox, customer=self._customer
        )
        if self.editor.customer_tools is not None:
            self.editor.customer_tools.message.connect(self.message)
        if self._sandbox_account:
            self.editor.set_sandbox_account(self._sandbox_account)
        self.editor.saved.connect(self._editor_saved)
        self.editor.request_copied.connect(self._editor_saved)
        self.editor.withdrawn.connect(self._editor_saved)
        self.editor.shown.connect(self._editor_shown)
        self.editor.blocked.connect(self.message)
        self.editor_stack = QStackedWidget()
        self.editor_stack.setObjectName("editorStack")
        self.no_selection = QLabel(
            "Select a request to edit it, or press Ctrl+N to draft a new one.\n"
            "Select several to export or delete them together."
        )
        self.no_selection.setObjectName("emptyState")
        self.no_selection.setWordWrap(True)
        self.editor_stack.addWidget(self.no_selection)
        self.editor_stack.addWidget(self.editor)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.editor_stack)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([560, 640])

    def _make_actions(self) -> None:
        def action(
            name: str,
            text: str,
            icon_name: str,
            slot: object,
        ) -> QAction:
            act = QAction(icon(icon_name), text, self)
            act.setObjectName(name)
            act.setShortcuts(shortcut_keys(name))  # ui/shortcuts.py: the one table
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.new_action = action("newRequest", "&New request", "new", self.new_request)
        self.save_action = action("saveRequest", "&Save now", "save", self.save_now)
        self.duplicate_action = action(
            "duplicateRequest", "&Duplicate", "duplicate", self.duplicate_selected
        )
        self.delete_action = action(
            "deleteRequests",
            "De&lete…",
            "delete",
            self.delete_selected,
        )
        # Delete in a text field deletes text, not requests.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.delete_action)
        self.export_action = action("exportRequests", "&Export…", "export", self.export_selected)
        self.import_action = action("importRequests", "&Import…", "import", self.import_files)
        self.submit_action = action(
            "submitRequest",
            "Submit for &provisioning",
            "jobs",
            self.submit_selected,
        )
        self.find_action = action("findRequests", "&Find", "search", self.focus_search)
        buttons: list[QWidget] = []
        for act in (
            self.new_action,
            self.duplicate_action,
            self.delete_action,
            self.export_action,
            self.import_action,
            self.submit_action,
        ):
            button = QToolButton()
            button.setDefaultAction(act)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setToolTip(
                f"{act.text().replace('&', '')} ({act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
            )
            self._tool_bar.addWidget(button)
            buttons.append(button)
        # Reading order: the search, the buttons beside it, the list, then the editor.
        tab_chain(self.search_edit, *buttons, self.view)
        self._update_actions()

    # --- state ----------------------------------------------------------------------

    def _restore_state(self) -> None:
        splitter = self._settings.value("requests/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = self._settings.value("requests/header")
        if header is not None:
            self.view.horizontalHeader().restoreState(header)
        else:
            fit_columns_when_filled(self.view)
        # restoreState re-applies the saved sort indicator; make the model follow it (the
        # page's first refresh then queries in that order).
        head = self.view.horizontalHeader()
        self.model.sort(head.sortIndicatorSection(), head.sortIndicatorOrder())

    def save_state(self) -> None:
        self._settings.setValue("requests/splitter", self.splitter.saveState())
        self._settings.setValue("requests/header", self.view.horizontalHeader().saveState())

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return [rid for rid in (self.model.request_id(r) for r in rows) if rid is not None]

    def select_request(self, request_id: int) -> None:
        """Select a request in the list (once the list holds it, if it is being read)."""
        self.ensure_loaded()
        if self.model.refreshing or not self.model.loaded:
            self._want_selected = request_id
            return
        row = self.model.row_of(request_id)
        if row is None and self.model.search_text:
            self._want_selected = request_id
            self.search_edit.clear()
            self._apply_search()
            return
        self._want_selected = None
        if row is None:
            return
        index = self.model.index(row, 0)
        # Through the selection model: view.setCurrentIndex() reads the keyboard
        # modifiers, so the Ctrl still held after Ctrl+N would toggle the row off.
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)

    def _select_first_if_none(self) -> None:
        if self.model.refreshing or not self.model.loaded:
            return  # _list_arrived selects the first row
        self._select_first = False
        if not self.selected_ids() and self.model.rowCount() > 0:
            self.select_request(self.model.request_id(0))  # type: ignore[arg-type]

    @Slot()
    def _list_arrived(self) -> None:
        self._list_retries = 0
        self._update_count()
        if self._want_selected is not None:
            self.select_request(self._want_selected)
        elif self._select_first:
            self._select_first_if_none()
        self._update_actions()

    @Slot(object)
    def _list_failed(self, error: BaseException) -> None:
        if classify(error) is Fault.BUG:
            log.error("The requests list could not be read", exc_info=error)
            self.message.emit(f"The requests list could not be read: {reason(error)}")
            return
        delay = LIST_RETRY_MS[min(self._list_retries, len(LIST_RETRY_MS) - 1)]
        if self._list_retries == 0:
            self.message.emit(
                "Offline — the requests list shows what was last read; it is read again "
                "when the database is back."
            )
        self._list_retries += 1
        self._list_retry.start(delay)

    @Slot()
    def _reselect(self) -> None:
        current = self.editor.request_id
        if current is not None and self.model.row_of(current) is not None:
            self.select_request(current)

    @Slot()
    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.editor.load(ids[0])
        elif (
            not ids
            and self.editor.request_id is not None
            and self.model.row_of(self.editor.request_id) is None
        ):
            self.editor.load(None)
        self._update_actions()

    @Slot(object)
    def _editor_shown(self, _request_id: int | None) -> None:
        self._update_actions()

    @Slot()
    def submit_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        self.editor.after_saved(
            self._submit_saved, "Not submitted: the request's edits could not be saved."
        )

    def _submit_saved(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1 or self.editor.request_id != ids[0]:
            return
        self.editor.after_site_checked(self._submit_checked)

    def _submit_checked(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1 or self.editor.request_id != ids[0]:
            return
        if self.editor.validation is None or self.editor.validation.problems():
            self.message.emit("Only a Ready request can be provisioned: fix its problems first.")
            return
        self.submit_requested.emit(ids[0])

    def _update_actions(self) -> None:
        self.editor_stack.setCurrentWidget(
            self.editor
            if self.editor.current is not None or self.editor.busy_loading
            else self.no_selection
        )
        ids = self.selected_ids()
        self.duplicate_action.setEnabled(len(ids) == 1)
        self.delete_action.setEnabled(bool(ids))
        self.export_action.setEnabled(bool(ids))
        current = self.editor.current
        self.submit_action.setEnabled(
            len(ids) == 1 and current is not None and not current.status.locked
        )
        self.save_action.setEnabled(self.editor.current is not None)

    @Slot()
    def _update_count(self) -> None:
        shown = self.model.rowCount()
        total = self.model.total
        if self.model.search_text:
            self.count_label.setText(match_count(shown, total, "request"))
        else:
            self.count_label.setText(counted(total, "request"))
        self.empty_hint.setVisible(self.model.loaded and total == 0)

    @Slot()
    def _apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_search(self.search_edit.text())

    @Slot(int)
    def _editor_saved(self, request_id: int) -> None:
        self._own_write(request_id if request_id not in self.selected_ids() else None)
        self._update_actions()

    def _own_write(self, select: int | None = None) -> None:
        """This page changed requests: the list follows (through the change bus when the
        page listens to it, which announces every write), and selects ``select``."""
        if select is not None:
            self._want_selected = select  # kept until a list that holds it arrives
        if not self._listening:
            if not self.model.deferred:
                self.model.refresh()
        elif select is not None and self.model.row_of(select) is not None:
            self.select_request(select)

    @Slot(object)
    def apply_changes(self, changes: Changes) -> None:
        """Records changed (announced on the change bus): read again what is shown."""
        if changes.touches(Kind.REQUESTS) and not self.model.deferred:
            self.model.refresh()
        self.editor.apply_changes(changes)
        self._update_actions()

    @Slot()
    def refresh_statuses(self) -> None:
        """Requests change status when they are submitted or their jobs finish (for a
        window without the change bus; with it, ``apply_changes`` does this). A list not
        read yet is read with the new statuses when its page is first shown."""
        self.apply_changes(Changes.of(Kind.REQUESTS, Kind.PRODUCTS))

    # --- drafts kept on this workstation --------------------------------------------------

    @property
    def kept_drafts(self) -> int:
        """How many drafts wait on this workstation for the team database (the window
        says so at quit)."""
        return self.outbox.pending_count if self.outbox is not None else 0

    @Slot(int)
    def _update_kept(self, count: int) -> None:
        self.editor.adopt_kept()
        self.kept_button.setVisible(count > 0)
        noun = "draft" if count == 1 else "drafts"
        self.kept_button.setText(
            f"{count} {noun} kept on this workstation — not yet in the team database"
        )

    @Slot()
    def _fill_kept_menu(self) -> None:
        self.kept_menu.clear()
        if self.outbox is None:
            return
        for kept in self.outbox.kept():
            site = kept.draft.site_name.strip() or "new request"
            label = f"#{kept.request_id} · {site}" if kept.request_id else f"{site} (new)"
            when = kept.kept_at.astimezone().strftime("%H:%M")
            act = self.kept_menu.addAction(f"{label} — kept {when}")
            act.setData(kept.uid)
            act.triggered.connect(self._open_kept)

    @Slot()
    def _open_kept(self) -> None:
        act = self.sender()
        uid = act.data() if isinstance(act, QAction) else None
        if self.outbox is None or not isinstance(uid, str):
            return
        kept = next((k for k in self.outbox.kept() if k.uid == uid), None)
        if kept is None:
            return  # it landed meanwhile: it is in the list
        if kept.request_id is not None:
            self.select_request(kept.request_id)  # the editor shows the kept text
            return
        self.editor.after_saved(
            lambda: self._show_kept(uid),
            "Save or resolve the current request before opening another.",
        )

    def _show_kept(self, uid: str) -> None:
        kept = next((k for k in self.outbox.kept() if k.uid == uid), None) if self.outbox else None
        if kept is not None:
            self.view.clearSelection()
            self.editor.show_kept(kept)
            self._update_actions()

    @Slot(object)
    def _draft_landed(self, landed: Landed) -> None:
        if landed.done:
            site = landed.stored.draft.site_name.strip() or "new request"
            self.message.emit(
                f"Request #{landed.stored.id} ({site}) is saved to the team database."
            )

    @Slot(object)
    def _draft_copied(self, copied: Copied) -> None:
        self.message.emit(
            f"While offline, {copied.reason}: your kept edits are saved as a new request."
        )

    def shutdown(self) -> None:
        """The window closes: no more retries (what is kept stays on disk)."""
        if self.outbox is not None:
            self.outbox.stop()

    # --- commands ---------------------------------------------------------------------

    @Slot()
    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _run(
        self,
        work: Callable[[], T],
        success: Callable[[T], None],
        what: str,
        failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        """A store call on the database worker; a failure the caller does not take is
        said in the status bar (never a crash dialog)."""
        self._ops.run(
            work,
            success,
            failure or self._command_failed,
            on=Executor.DATABASE,
            what=what,
            owner=self,
        )

    def _command_failed(self, error: BaseException) -> None:
        if classify(error) is Fault.BUG:
            log.error("A requests command failed", exc_info=error)
        elif classify(error) is Fault.OFFLINE:
            self.message.emit(
                f"Offline — the database cannot be reached ({reason(error)}); nothing was "
                "changed. Try again when it is back."
            )
            return
        self.message.emit(f"The database refused: {reason(error)}. Nothing was changed.")

    @Slot()
    def new_request(self) -> None:
        self.editor.after_saved(
            self._create_new, "Save or resolve the current request before starting a new one."
        )

    def _create_new(self) -> None:
        if self.outbox is not None and (self.editor.offline or self.outbox.offline):
            self._create_here()  # the team database is out of reach: no wait for it
            return
        store, draft = self._store, self._new_draft()
        self._run(
            lambda: store.create(draft), self._created_new, "create a request", self._create_failed
        )

    def _new_draft(self) -> RequestDraft:
        """A blank request (each with its own uid); in the sandbox, for its account."""
        return RequestDraft(aws_account_id=self._sandbox_account)

    def _create_here(self) -> None:
        """A new request kept on this workstation until the team database is back."""
        assert self.outbox is not None
        self.outbox.keep(
            self, self._new_draft(), None, None, self._created_here, self._create_here_failed
        )

    def _created_here(self, kept: KeptDraft) -> None:
        self.search_edit.clear()
        self._search_timer.stop()
        self.model.set_search("")
        self.view.clearSelection()
        self.editor.show_kept(kept)
        self.editor.first_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._update_actions()
        self.message.emit(
            "New request kept on this workstation: the team database is out of reach. "
            "It is saved there as soon as it is back."
        )

    def _create_here_failed(self, error: BaseException) -> None:
        log.error("Could not keep a new request on this workstation", exc_info=error)
        self.message.emit(
            f"Offline, and the new request could not be kept on this workstation either: "
            f"{reason(error)}. Nothing was created."
        )

    def _create_failed(self, error: BaseException) -> None:
        if self.outbox is not None and classify(error) is Fault.OFFLINE:
            self._create_here()
            return
        if classify(error) is Fault.BUG:
            log.error("Could not create a request", exc_info=error)
            Dialogs.error(
                self,
                "Could not create a request",
                f"The database refused the new request: {reason(error)}",
            )
            return
        self._command_failed(error)

    def _created_new(self, stored: StoredRequest) -> None:
        self._show_created(stored)
        self.editor.first_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.message.emit(f"New request #{stored.id}: it is saved as you type.")

    def _show_created(self, stored: StoredRequest) -> None:
        """Show a request this page just created, and select it once the list has it."""
        self.search_edit.clear()
        self._search_timer.stop()
        self.model.set_search("")
        self.editor.show_request(stored)
        self._own_write(stored.id)
        self._update_actions()

    def new_request_for_site(self, site: str, location: Location) -> None:
        """Add a product to a BYOK site: a new request for the site, in its pinned location,
        for the same customer and AWS account as the site's last request."""
        self.editor.after_saved(
            lambda: self._create_for_site(site, location),
            "Save or resolve the current request before starting a new one.",
        )

    def _create_for_site(self, site: str, location: Location) -> None:
        store = self._store

        def create() -> StoredRequest:
            draft = RequestDraft(site_name=site, location=location)
            existing = [
                row
                for row in store.rows(store.list_ids(search=site)).values()
                if site_key(row.site_name) == site and row.status.locked
            ]
            if existing:
                latest = max(existing, key=lambda row: row.updated_at)
                draft = draft.with_changes(
                    aws_account_id=latest.aws_account_id, customer_org=latest.customer_org
                )
            return store.create(draft)

        self._run(
            create, self._created_for_site, f"create a request for {site}", self._create_failed
        )

    def _created_for_site(self, stored: StoredRequest) -> None:
        self._show_created(stored)
        self.editor.product_checks[PRODUCT_ORDER[0]].setFocus(Qt.FocusReason.OtherFocusReason)
        location = stored.draft.location
        where = f" in {location.display_name}" if location else ""
        self.message.emit(
            f"New request #{stored.id} for {stored.draft.site_name}{where}: choose the "
            "product to add."
        )

    @Slot()
    def save_now(self) -> None:
        """Ctrl+S: save at once, then show every problem."""
        self.editor.after_saved(self._saved_now, "Not saved: see the message above the form.")

    def _saved_now(self) -> None:
        self.editor.show_all_problems()
        self.message.emit("Saved.")

    @Slot()
    def duplicate_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        self.editor.after_saved(
            lambda: self._run(
                lambda: self._store.duplicate(ids[0]), self._duplicated, "duplicate a request"
            ),
            "Save or resolve the current request before duplicating it.",
        )

    def _duplicated(self, stored: StoredRequest) -> None:
        self._show_created(stored)
        self.message.emit(
            f"Duplicated as #{stored.id}. Give it its own site name: two requests cannot name one site."
        )

    @Slot()
    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        store = self._store
        self._run(lambda: (ids, store.rows(ids)), self._confirm_delete, "read requests to delete")

    def _confirm_delete(self, found: tuple[list[int], dict[int, RequestListRow]]) -> None:
        ids, rows = found
        names = [f"#{rid} {rows[rid].site_name or '(no site yet)'}" for rid in ids if rid in rows]
        shown = "\n".join(names[:12]) + (
            f"\n…and {len(names) - 12} more" if len(names) > 12 else ""
        )
        noun = "request" if len(ids) == 1 else f"{len(ids)} requests"
        if not Dialogs.confirm(
            self,
            "Delete requests",
            f"Delete this {noun}? This cannot be undone; export first to keep a copy.\n\n{shown}",
            "Delete",
        ):
            return
        if self.editor.request_id in ids:
            self.editor.load(None)
        store = self._store
        self._run(lambda: store.delete(ids), self._deleted, "delete requests", self._delete_failed)

    def _deleted(self, count: int) -> None:
        self._select_first = True
        self._own_write()
        self._update_actions()
        self.message.emit(f"Deleted {counted(count, 'request')}.")

    def _delete_failed(self, error: BaseException) -> None:
        if isinstance(error, RequestProvisioned):
            Dialogs.error(self, "Cannot delete", str(error))
            return
        self._command_failed(error)

    @Slot()
    def export_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        store = self._store
        self.editor.after_saved(
            lambda: self._run(
                lambda: (ids, store.rows(ids[:1])), self._choose_export_file, "read requests"
            ),
            "Not exported: the request's edits could not be saved.",
        )

    def _choose_export_file(self, found: tuple[list[int], dict[int, RequestListRow]]) -> None:
        ids, rows = found
        first = rows.get(ids[0])
        # The site's canonical label (a DNS label: letters, digits, hyphens) names the file,
        # never the raw text, which could hold "../" or a NUL.
        label = site_key(first.site_name) if first and len(ids) == 1 else ""
        stem = label or "byok-requests"
        directory = str(self._settings.value("paths/export", str(Path.home())))
        chosen = Dialogs.save_request_file(self, str(Path(directory) / f"{stem}{FILE_SUFFIX}"))
        if not chosen:
            return
        path = Path(chosen)
        if not path.name.endswith(".json"):
            path = path.with_name(path.name + FILE_SUFFIX)
        self._settings.setValue("paths/export", str(path.parent))
        self.message.emit(f"Exporting {counted(len(ids), 'request')}…")
        store = self._store
        self._ops.run(
            lambda: export_requests(store, ids, path),
            self._exported,
            lambda exc: Dialogs.error(self, "Export failed", f"Could not write {path}:\n{exc}"),
            on=Executor.POOL,
            what="export",
            owner=self,
        )

    def _exported(self, exported: Exported) -> None:
        if len(exported.files) == 1:
            self.message.emit(f"Exported {counted(exported.count, 'request')} to {exported.files[0]}")
            return
        names = "\n".join(str(f) for f in exported.files)
        self.message.emit(f"Exported {counted(exported.count, 'request')} in {len(exported.files)} files.")
        Dialogs.info(
            self,
            "Exported in several files",
            f"{exported.count} requests are more than one request file holds, so they were "
            f"written to {len(exported.files)} numbered files; import them together.",
            names,
        )

    @Slot()
    def import_files(self) -> None:
        directory = str(self._settings.value("paths/import", str(Path.home())))
        files = Dialogs.open_request_files(self, directory)
        if files:
            self._settings.setValue("paths/import", str(Path(files[0]).parent))
            self.import_paths([Path(f) for f in files])

    def import_paths(self, paths: list[Path], on_conflict: OnConflict = OnConflict.FAIL) -> None:
        self.message.emit(f"Importing {counted(len(paths), 'file')}…")
        store = self._store
        self._ops.run(
            lambda: import_files(store, paths, on_conflict),
            lambda report: self._import_done(paths, report),
            lambda exc: Dialogs.error(self, "Import failed", f"Nothing was imported: {exc}"),
            on=Executor.POOL,
            what="import",
            owner=self,
        )

    def _import_done(self, paths: list[Path], report: ImportReport) -> None:
        if report.problems:
            count = len(report.problems)
            Dialogs.error(
                self,
                "Nothing imported",
                f"Nothing was imported: the files have {count} problem{'s' if count != 1 else ''}. "
                "Fix them (or ask the sender for a new export) and import again.",
                "\n".join(str(p) for p in report.problems),
            )
            self.message.emit("Import refused: see the problems listed.")
            return
        if report.conflicts:
            listing = "\n".join(
                f"{c.file}: {c.site_name or '(no site)'} is already here as request #{c.existing_id}"
                for c in report.conflicts
            )
            choice = Dialogs.choose(
                self,
                "Requests already here",
                f"{counted(len(report.conflicts), 'request')} in these files "
                f"{'is' if len(report.conflicts) == 1 else 'are'} already in your list. "
                "Nothing is overwritten: skip them, or import them as new copies beside yours?",
                ["Skip them", "Import as copies"],
                listing,
            )
            if choice is not None:
                self.import_paths(
                    paths, OnConflict.SKIP if choice == "Skip them" else OnConflict.COPY
                )
            else:
                self.message.emit("Import cancelled; nothing was imported.")
            return
        self.ensure_loaded()
        self._own_write(report.imported_ids[0] if report.imported_ids else None)
        parts = [f"Imported {counted(len(report.imported_ids), 'request')}"]
        if report.skipped:
            parts.append(f"skipped {len(report.skipped)} already here")
        if report.copied:
            parts.append(f"{len(report.copied)} as copies")
        self.message.emit(", ".join(parts) + ".")
        if report.status_changes:
            Dialogs.info(
                self,
                "Requests changed by the import",
                f"{counted(len(report.status_changes), 'request')} already here changed status: the "
                "imported requests name the same site.",
                "\n".join(
                    f"#{c.request_id} {c.site_name or '(no site)'}: {c.before.display_name} → "
                    f"{c.after.display_name}" + (f": {c.reason}" if c.reason else "")
                    for c in report.status_changes
                ),
            )
