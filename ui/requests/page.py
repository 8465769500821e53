"""Requests section: the list (search, sort) beside the editor; new, duplicate, delete,
export and import."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.errors import StorageError
from byok_desktop.locations import Location
from byok_desktop.products import PRODUCT_ORDER
from byok_desktop.request import RequestDraft
from byok_desktop.request_file import FILE_SUFFIX
from byok_desktop.request_records import RequestProvisioned
from byok_desktop.store.requests import RequestStore
from byok_desktop.transfer import ImportReport, OnConflict, export_requests, import_files
from byok_desktop.validation import site_key
from ui.dialogs import Dialogs
from ui.requests.editor import RequestEditor
from ui.requests.model import COLUMNS, RequestsModel
from ui.resources import icon
from ui.tasks import TaskRunner

log = logging.getLogger("ui.requests")

SEARCH_DELAY_MS = 150


class RequestsPage(QWidget):
    message = Signal(str)  # for the status bar
    submit_requested = Signal(int)  # a Ready request to provision

    def __init__(
        self,
        store: RequestStore,
        tasks: TaskRunner,
        settings: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("requestsPage")
        self._store = store
        self._tasks = tasks
        self._settings = settings
        self.model = RequestsModel(store, self, load=False)
        self._shown_before = False
        self._build()
        self._make_actions()
        self._restore_state()
        self.model.modelReset.connect(self._reselect)
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
        left_layout.setContentsMargins(16, 12, 8, 8)
        title = QLabel("Requests")
        title.setObjectName("pageTitle")
        left_layout.addWidget(title)

        bar = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("requestSearch")
        self.search_edit.setPlaceholderText("Search site, account, customer, requester  (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
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
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        left_layout.addWidget(self.view, 1)

        self.count_label = QLabel()
        self.count_label.setObjectName("requestCount")
        left_layout.addWidget(self.count_label)
        self.empty_hint = QLabel(
            "No requests yet. Press Ctrl+N to draft one, or Ctrl+I to import a "
            f"{FILE_SUFFIX} file a colleague sent you."
        )
        self.empty_hint.setObjectName("emptyState")
        self.empty_hint.setWordWrap(True)
        left_layout.addWidget(self.empty_hint)
        self.model.refreshed.connect(self._update_count)
        self._update_count()

        self.editor = RequestEditor(self._store)
        self.editor.saved.connect(self._editor_saved)
        self.editor.request_copied.connect(self.select_request)
        self.editor.withdrawn.connect(self._editor_saved)
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
            shortcut: QKeySequence | QKeySequence.StandardKey | str,
            slot: object,
        ) -> QAction:
            act = QAction(icon(icon_name), text, self)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.new_action = action(
            "newRequest", "&New request", "new", QKeySequence.StandardKey.New, self.new_request
        )
        self.save_action = action(
            "saveRequest", "&Save now", "save", QKeySequence.StandardKey.Save, self.save_now
        )
        self.duplicate_action = action(
            "duplicateRequest", "&Duplicate", "duplicate", "Ctrl+D", self.duplicate_selected
        )
        self.delete_action = action(
            "deleteRequests",
            "De&lete…",
            "delete",
            QKeySequence.StandardKey.Delete,
            self.delete_selected,
        )
        # Delete in a text field deletes text, not requests.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.delete_action)
        self.export_action = action(
            "exportRequests", "&Export…", "export", "Ctrl+E", self.export_selected
        )
        self.import_action = action(
            "importRequests", "&Import…", "import", "Ctrl+I", self.import_files
        )
        self.submit_action = action(
            "submitRequest",
            "Submit for &provisioning",
            "jobs",
            "Ctrl+Return",
            self.submit_selected,
        )
        self.find_action = action(
            "findRequests", "&Find", "search", QKeySequence.StandardKey.Find, self.focus_search
        )
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
        self._update_actions()

    # --- state ----------------------------------------------------------------------

    def _restore_state(self) -> None:
        splitter = self._settings.value("requests/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = self._settings.value("requests/header")
        if header is not None:
            self.view.horizontalHeader().restoreState(header)
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
        self.ensure_loaded()
        row = self.model.row_of(request_id)
        if row is None and self.model.search_text:
            self.search_edit.clear()
            self._apply_search()
            row = self.model.row_of(request_id)
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
        if not self.selected_ids() and self.model.rowCount() > 0:
            self.select_request(self.model.request_id(0))  # type: ignore[arg-type]

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
            if self.editor.request_id != ids[0]:  # unsaved edits elsewhere could not be saved
                self.message.emit("Your edits could not be saved; they are still in the editor.")
        elif (
            not ids
            and self.editor.request_id is not None
            and self.model.row_of(self.editor.request_id) is None
        ):
            self.editor.load(None)
        self._update_actions()

    @Slot()
    def submit_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1 or not self.editor.flush():
            return
        if self.editor.validation is None or self.editor.validation.problems():
            self.message.emit("Only a Ready request can be provisioned: fix its problems first.")
            return
        self.submit_requested.emit(ids[0])

    def _update_actions(self) -> None:
        self.editor_stack.setCurrentWidget(
            self.editor if self.editor.request_id is not None else self.no_selection
        )
        ids = self.selected_ids()
        self.duplicate_action.setEnabled(len(ids) == 1)
        self.delete_action.setEnabled(bool(ids))
        self.export_action.setEnabled(bool(ids))
        current = self.editor.current
        self.submit_action.setEnabled(
            len(ids) == 1 and current is not None and not current.status.locked
        )
        self.save_action.setEnabled(self.editor.request_id is not None)

    @Slot()
    def _update_count(self) -> None:
        shown = self.model.rowCount()
        total = self._store.count()
        if self.model.search_text:
            self.count_label.setText(f"{shown:,} of {total:,} requests match")
        else:
            self.count_label.setText(f"{total:,} request{'s' if total != 1 else ''}")
        self.empty_hint.setVisible(total == 0)

    @Slot()
    def _apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_search(self.search_edit.text())

    @Slot(int)
    def _editor_saved(self, request_id: int) -> None:
        self.model.refresh()
        if self.model.row_of(request_id) is not None and request_id not in self.selected_ids():
            self.select_request(request_id)
        self._update_actions()

    @Slot()
    def refresh_statuses(self) -> None:
        """Requests change status when they are submitted or their jobs finish. A list
        not read yet is read with the new statuses when its page is first shown."""
        if not self.model.deferred:
            self.model.refresh()
        self.editor.reload()
        self._update_actions()

    # --- commands ---------------------------------------------------------------------

    @Slot()
    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot()
    def new_request(self) -> None:
        if not self.editor.flush():
            self.message.emit("Save or resolve the current request before starting a new one.")
            return
        try:
            stored = self._store.create()
        except StorageError as exc:
            Dialogs.error(
                self, "Could not create a request", f"The database refused the new request: {exc}"
            )
            return
        self.search_edit.clear()
        self._apply_search()
        self.model.refresh()
        self.select_request(stored.id)
        self.editor.first_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.message.emit(f"New request #{stored.id}: it is saved as you type.")

    def new_request_for_site(self, site: str, location: Location) -> None:
        """Add a product to a BYOK site: a new request for the site, in its pinned location,
        for the same customer and AWS account as the site's last request."""
        if not self.editor.flush():
            self.message.emit("Save or resolve the current request before starting a new one.")
            return
        draft = RequestDraft(site_name=site, location=location)
        existing = [
            row
            for row in self._store.rows(self._store.list_ids(search=site)).values()
            if site_key(row.site_name) == site and row.status.locked
        ]
        if existing:
            latest = max(existing, key=lambda row: row.updated_at)
            draft = draft.with_changes(
                aws_account_id=latest.aws_account_id, customer_org=latest.customer_org
            )
        try:
            stored = self._store.create(draft)
        except StorageError as exc:
            Dialogs.error(
                self, "Could not create a request", f"The database refused the new request: {exc}"
            )
            return
        self.search_edit.clear()
        self._apply_search()
        self.model.refresh()
        self.select_request(stored.id)
        self.editor.product_checks[PRODUCT_ORDER[0]].setFocus(Qt.FocusReason.OtherFocusReason)
        self.message.emit(
            f"New request #{stored.id} for {site} in {location.display_name}: choose the "
            "product to add."
        )

    @Slot()
    def save_now(self) -> None:
        if self.editor.flush():
            self.editor.show_all_problems()
            self.message.emit("Saved.")

    @Slot()
    def duplicate_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1 or not self.editor.flush():
            return
        stored = self._store.duplicate(ids[0])
        self.model.refresh()
        self.select_request(stored.id)
        self.message.emit(
            f"Duplicated as #{stored.id}. Give it its own site name: two requests cannot name one site."
        )

    @Slot()
    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        rows = self._store.rows(ids)
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
        try:
            self._store.delete(ids)
        except RequestProvisioned as exc:
            Dialogs.error(self, "Cannot delete", str(exc))
            return
        self.model.refresh()
        self._select_first_if_none()
        self._update_actions()
        self.message.emit(f"Deleted {len(ids)} request(s).")

    @Slot()
    def export_selected(self) -> None:
        ids = self.selected_ids()
        if not ids or not self.editor.flush():
            return
        rows = self._store.rows(ids)
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
        self.message.emit(f"Exporting {len(ids)} request(s)…")
        self._tasks.run(
            lambda: export_requests(self._store, ids, path),
            lambda count: self.message.emit(f"Exported {count} request(s) to {path}"),
            lambda exc: Dialogs.error(self, "Export failed", f"Could not write {path}:\n{exc}"),
            what="export",
        )

    @Slot()
    def import_files(self) -> None:
        directory = str(self._settings.value("paths/import", str(Path.home())))
        files = Dialogs.open_request_files(self, directory)
        if files:
            self._settings.setValue("paths/import", str(Path(files[0]).parent))
            self.import_paths([Path(f) for f in files])

    def import_paths(self, paths: list[Path], on_conflict: OnConflict = OnConflict.FAIL) -> None:
        self.message.emit(f"Importing {len(paths)} file(s)…")
        self._tasks.run(
            lambda: import_files(self._store, paths, on_conflict),
            lambda report: self._import_done(paths, report),
            lambda exc: Dialogs.error(self, "Import failed", f"Nothing was imported: {exc}"),
            what="import",
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
                f"{len(report.conflicts)} request(s) in these files are already in your list. "
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
        self.model.refresh()
        if report.imported_ids:
            self.select_request(report.imported_ids[0])
        parts = [f"Imported {len(report.imported_ids)} request(s)"]
        if report.skipped:
            parts.append(f"skipped {len(report.skipped)} already here")
        if report.copied:
            parts.append(f"{len(report.copied)} as copies")
        self.message.emit(", ".join(parts) + ".")
