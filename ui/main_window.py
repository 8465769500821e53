"""The main window: console-style navigation on the left, one page per section.

It is made in two parts so that it shows quickly: the frame (navigation, menus, status
bar) needs only Qt and is shown at once; ``attach`` then opens the pages on the app's
context, which loads the database layer, once the frame has been painted."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from byok_desktop import APP_NAME
from ui.operations import Operations
from ui.resources import icon

if TYPE_CHECKING:
    from byok_desktop.context import AppContext
    from byok_desktop.job_records import Job
    from byok_desktop.locations import Location
    from ui.changes import ChangeRelay
    from ui.credentials import CredentialsPage
    from ui.jobs.bridge import JobsBridge
    from ui.jobs.page import JobsPage
    from ui.products import ProductsPage
    from ui.requests.page import RequestsPage
    from ui.requests.submit_sheet import SubmitSheetDialog
    from ui.settings_page import SettingsPage

MIN_WIDTH, MIN_HEIGHT = 1024, 640

SECTIONS = (
    ("requests", "Requests", "requests"),
    ("security", "Security › BYOK encryption", "security"),
    ("jobs", "Jobs", "jobs"),
    ("credentials", "Credentials", "credentials"),
    ("settings", "Settings", "settings"),
)


def _quit_question(running: int, queued: int) -> str:
    """The quit confirmation: what stops and what stays, counted as the Jobs screen does."""
    parts = []
    if running:
        parts.append(f"{running} job{' is' if running == 1 else 's are'} running")
    if queued:
        parts.append(f"{queued} job{' is' if queued == 1 else 's are'} queued")
    said = " and ".join(parts) if parts else "Jobs are starting"
    text = f"{said}. Quit anyway?"
    if running:
        text += (
            f" The running job{'' if running == 1 else 's'} stop{'s' if running == 1 else ''} "
            "at the next step and can be resumed next time."
        )
    if queued:
        text += f" Queued job{'s stay' if queued != 1 else ' stays'} Queued, to resume next time."
    return text + " Nothing is cancelled."


class MainWindow(QMainWindow):
    first_painted = Signal()  # the frame is on screen: time to open the pages
    attached = Signal()  # the pages are open

    def __init__(
        self,
        context: AppContext | None,
        settings: QSettings,
        log_file: Path,
        parent: QWidget | None = None,
        *,
        sandbox: bool = False,
    ) -> None:
        """With a context, the window opens its pages at once; without one it is the frame
        alone until ``attach`` (``sandbox`` then says how to mark it meanwhile)."""
        super().__init__(parent)
        self._settings = settings
        self._log_file = log_file
        self._context: AppContext | None = None
        self._painted = False
        # The one way off the GUI thread; failures nobody handles are shown by this
        # window (present_failure). The change relay comes with the context (attach).
        self.ops = Operations(self)
        self.ops.presenter = self
        self.changes: ChangeRelay | None = None
        self._losing_edits = False  # the user chose to quit with unsaved edits
        self.restart_requested = False  # run_gui starts the app again after closing
        self._stopping_jobs = False  # quit confirmed: jobs are being stopped
        self._jobs_stopped = False  # ...and have stopped: the next close is the last
        self.submit_sheet: SubmitSheetDialog | None = None  # open while the user decides
        self._tray: QSystemTrayIcon | None = None  # made when first needed
        self.setObjectName("mainWindow")
        self.setWindowIcon(icon("app"))
        # The smallest window every page is laid out for (tests/ui/test_layouts.py).
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)

        central = QWidget()
        central.setObjectName("content")
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.sandbox_banner = QLabel(
            "SANDBOX — simulated AWS on this computer. Nothing here touches a real AWS "
            "account, and sandbox records are kept apart from real ones."
        )
        self.sandbox_banner.setObjectName("sandboxBanner")  # centred by the stylesheet
        outer.addWidget(self.sandbox_banner)
        # Shown while the database does not answer (the change poll is its heartbeat).
        self.link_banner = QLabel()
        self.link_banner.setObjectName("linkBanner")
        self.link_banner.setWordWrap(True)
        self.link_banner.hide()
        outer.addWidget(self.link_banner)
        # What opening the data had to say (a reset, a fallback): whole, not cut off in
        # the status bar, until the user dismisses it.
        self.notice_banner = QFrame()
        self.notice_banner.setObjectName("startNotice")
        notice_layout = QHBoxLayout(self.notice_banner)
        notice_layout.setContentsMargins(12, 6, 12, 6)
        self.notice_text = QLabel()
        self.notice_text.setWordWrap(True)
        notice_layout.addWidget(self.notice_text, 1)
        dismiss = QPushButton("Dismiss")
        dismiss.setObjectName("dismissNotice")
        dismiss.clicked.connect(self.notice_banner.hide)
        notice_layout.addWidget(dismiss)
        self.notice_banner.hide()
        outer.addWidget(self.notice_banner)
        body = QWidget()
        outer.addWidget(body, 1)
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(236)
        self.navigation.setIconSize(QSize(18, 18))
        self.navigation.ensurePolished()  # item heights come from the stylesheet
        for _key, label, icon_name in SECTIONS:
            self.navigation.addItem(QListWidgetItem(icon(icon_name), label))
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self._opening = QLabel("Opening the database…")
        self._opening.setObjectName("openingHint")  # centred by the stylesheet
        self.pages.addWidget(self._opening)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self._make_frame_menus()
        self.status = QLabel()  # plain text from attach on (see there)
        self.statusBar().addWidget(self.status, 1)
        self.running_label = QLabel()
        self.running_label.setObjectName("runningJobs")
        self.statusBar().addPermanentWidget(self.running_label)
        self.data_label = QLabel()
        self.data_label.setObjectName("dataDirLabel")
        self.statusBar().addPermanentWidget(self.data_label)
        self._mark_sandbox(sandbox)
        self._restore_geometry()
        if context is not None:
            self.attach(context)

    def _mark_sandbox(self, sandbox: bool) -> None:
        self.setProperty("sandbox", sandbox)
        # The platform adds the application's name after the title ("Sandbox — BYOK
        # Desktop"); a title equal to that name stands alone.
        self.setWindowTitle("Sandbox" if sandbox else APP_NAME)
        self.sandbox_banner.setVisible(sandbox)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.first_painted.emit)  # after this paint is done

    @property
    def is_attached(self) -> bool:
        return self._context is not None

    def attach(self, context: AppContext) -> None:
        """Open the pages on ``context`` (loads the database layer and the pages)."""
        from PySide6.QtCore import Qt  # its namespace costs ~14 ms: not before the frame shows

        from byok_desktop.jobs.customer_role import CustomerKit
        from ui.changes import ChangeRelay
        from ui.credentials import CredentialsPage
        from ui.jobs.bridge import JobsBridge, WorkerLaunch, worker_possible
        from ui.jobs.page import JobsPage
        from ui.products import ProductsPage
        from ui.requests.page import RequestsPage
        from ui.settings_page import SettingsPage

        assert self._context is None, "a window attaches to one context"
        self._context = context
        # Messages quote user text; the frame shows none before this.
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.link_banner.setTextFormat(Qt.TextFormat.PlainText)
        settings = self._settings
        self._mark_sandbox(context.in_sandbox)
        database = context.database
        # Every write, here or (polled) on another workstation, reaches the pages here;
        # each page decides what to reload.
        self.changes = changes = ChangeRelay(
            database.changes,
            self.ops,
            poll=database.change_log.poll if database.change_log is not None else None,
            parent=self,
        )
        changes.link_lost.connect(self._link_lost)
        changes.link_back.connect(self._link_back)
        # Jobs run in a worker process (their threads never hold up this window), unless
        # it could not reach the same secrets; then, or if it cannot start, in this one.
        launch = WorkerLaunch.for_context(context) if worker_possible(context) else None
        self.jobs: JobsBridge = JobsBridge(context, self.ops, self, worker=launch)
        self.jobs.worker_message.connect(self.show_message)
        self.jobs.submit_failed.connect(self._submit_failed)
        self.jobs.submitted.connect(self._submitted)
        from byok_desktop.context import SANDBOX_ACCOUNT_ID

        self.requests_page: RequestsPage = RequestsPage(
            database.requests,
            self.ops,
            settings,
            changes=changes,
            outbox=context.outbox,
            customer=CustomerKit(database, context.credentials, context.settings_service.snapshot),
            sandbox_account=SANDBOX_ACCOUNT_ID if context.in_sandbox else "",
        )
        self.requests_page.message.connect(self.show_message)
        self.requests_page.submit_requested.connect(self._submit)
        # One banner for a lost link: the editor's failed save raises it at once.
        self.requests_page.editor.link_banner_elsewhere = True
        self.requests_page.editor.link_lost.connect(self._link_lost)
        self.credentials_page: CredentialsPage = CredentialsPage(context, self.ops, changes)
        # Jobs in the worker process ask for MFA codes in the same dialog, one at a time.
        self.jobs.mfa_prompter = self.credentials_page.mfa_prompter
        self.credentials_page.message.connect(self.show_message)
        self.jobs_page: JobsPage = JobsPage(self.jobs, self.ops, changes)
        self.jobs_page.message.connect(self.show_message)
        self.jobs_page.running_changed.connect(self._running_changed)
        self.jobs_page.job_finished.connect(self._job_finished)
        self.products_page: ProductsPage = ProductsPage(
            context, self.jobs, self.ops, settings, changes
        )
        self.products_page.message.connect(self.show_message)
        self.products_page.show_requests_requested.connect(self._show_requests)
        self.products_page.add_product_requested.connect(self._add_product)
        settings_page = SettingsPage(context, self._log_file, self.ops)
        settings_page.message.connect(self.show_message)
        settings_page.settings_changed.connect(self.products_page.apply_settings)
        self.settings_page: SettingsPage = settings_page
        # Long pages scroll instead of raising the window's minimum height.
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # The page reflows to the width; it never scrolls sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(settings_page)
        pages: dict[str, QWidget] = {
            "requests": self.requests_page,
            "security": self.products_page,
            "jobs": self.jobs_page,
            "credentials": self.credentials_page,
            "settings": scroll,
        }
        for key, _label, _icon in SECTIONS:
            self.pages.addWidget(pages[key])
        # The section the user left is the first page shown (pages read their data when
        # first shown, so the others wait). The hint still holds index 0 here.
        section = str(self._settings.value("window/section", 0))
        row = int(section) if section.isdigit() else 0
        row = row if 0 <= row < len(SECTIONS) else 0
        self.pages.setCurrentIndex(row + 1)
        self.pages.removeWidget(self._opening)
        self._opening.deleteLater()
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self._set_frame_shortcuts()
        self._add_page_actions()
        self.help.attach(context)
        path = context.database.path
        where = path.parent if path is not None else context.database.location
        self.data_label.setText(
            f"Sandbox data: {where}" if context.in_sandbox else f"Data: {where}"
        )
        self.navigation.setCurrentRow(row)
        self.pages.setCurrentIndex(row)
        if context.in_sandbox:
            self.reset_sandbox_action.setVisible(True)
        if context.warnings:
            self.notice_text.setTextFormat(Qt.TextFormat.PlainText)  # they quote paths
            self.notice_text.setText("\n\n".join(context.warnings))
            self.notice_banner.show()
            self.show_message("Opened with a notice: see above the pages.")
        self.attached.emit()

    def _make_frame_menus(self) -> None:
        """The menus with what works without the pages; ``_add_page_actions`` fills in."""
        self.file_menu = self.menuBar().addMenu("&File")
        self._file_end = self.file_menu.addSeparator()
        self.reset_sandbox_action = QAction("Reset sandbox…", self)
        self.reset_sandbox_action.setObjectName("resetSandbox")
        self.reset_sandbox_action.setVisible(False)  # sandbox runs only (attach)
        self.reset_sandbox_action.triggered.connect(self._reset_sandbox)
        self.file_menu.addAction(self.reset_sandbox_action)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("quit")
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = self.menuBar().addMenu("&Edit")
        self.jobs_menu = self.menuBar().addMenu("&Jobs")
        go_menu = self.menuBar().addMenu("&Go")
        self._go_actions: list[QAction] = []
        for row, (key, label, _icon) in enumerate(SECTIONS):
            act = QAction(label, self)
            act.setObjectName(f"goto_{key}")
            act.triggered.connect(lambda _checked=False, r=row: self.navigation.setCurrentRow(r))
            go_menu.addAction(act)
            self.addAction(act)
            self._go_actions.append(act)
        from ui.help.menu import HelpMenu

        self.help = HelpMenu(self, self.ops, self._log_file.parent, self.show_message)

    def _set_frame_shortcuts(self) -> None:
        """Set in ``attach``, not with the frame: a key sequence loads PySide6's Qt
        namespace, ~14 ms that would delay the first paint."""
        from ui.shortcuts import keys

        self.quit_action.setShortcuts(keys("quit"))
        for act in self._go_actions:
            act.setShortcuts(keys(act.objectName()))
        self.help.set_shortcuts()

    def _add_page_actions(self) -> None:
        page = self.requests_page
        self.file_menu.insertActions(self._file_end, [page.new_action, page.save_action])
        self.file_menu.insertSeparator(self._file_end)
        self.file_menu.insertActions(self._file_end, [page.import_action, page.export_action])
        rebuild = self.products_page.rebuild_action
        self.file_menu.insertActions(self._file_end, [rebuild])
        rebuild.triggered.connect(self._show_security)
        self.addAction(rebuild)  # Ctrl+Shift+R from any section
        for act in (page.duplicate_action, page.delete_action, page.find_action):
            self.edit_menu.addAction(act)
        self.jobs_menu.addAction(page.submit_action)
        # Section shortcuts must work wherever focus is.
        for act in (
            page.submit_action,
            page.new_action,
            page.save_action,
            page.import_action,
            page.export_action,
            page.duplicate_action,
            page.find_action,
        ):
            self.addAction(act)
        for act in (
            page.new_action,
            page.save_action,
            page.import_action,
            page.export_action,
            page.duplicate_action,
            page.find_action,
        ):
            act.triggered.connect(self._show_requests)
        # Ctrl+F and Ctrl+E act on the products page while it is shown.
        self.products_page.claim_shortcuts_while_shown([page.find_action, page.export_action])
        from ui.shortcuts import ShortcutPriority

        self._shortcut_priority = ShortcutPriority(
            [page.export_action, page.duplicate_action, page.submit_action], self
        )
        QApplication.instance().installEventFilter(self._shortcut_priority)  # type: ignore[union-attr]

    @Slot()
    def _reset_sandbox(self) -> None:
        """Start the sandbox afresh: its files are set aside at the next start (they are
        open now), so the app closes and starts again."""
        from byok_desktop.context import request_sandbox_reset
        from ui.dialogs import Dialogs
        from ui.operations import Executor

        context = self._context
        if context is None or not context.in_sandbox:
            return
        if not Dialogs.confirm(
            self,
            "Reset the sandbox?",
            "The sandbox's requests, profiles and simulated AWS keys are set aside (kept in "
            f"{context.paths.sandbox_dir / 'backups'}) and the app starts again with an "
            "empty sandbox. Real records are untouched.",
            "Reset and restart",
        ):
            return
        paths = context.paths
        self.ops.run(
            lambda: request_sandbox_reset(paths),
            self._reset_requested,
            on=Executor.POOL,
            what="reset the sandbox",
        )

    def _reset_requested(self, _result: object) -> None:
        self.restart_requested = True
        self.show_message("Restarting with a fresh sandbox…")
        self.close()

    @Slot()
    def _show_requests(self) -> None:
        self.navigation.setCurrentRow(0)

    @Slot()
    def _show_security(self) -> None:
        self.show_section("security")

    def _restore_geometry(self) -> None:
        geometry = self._settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        state = self._settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    @Slot(str)
    def show_message(self, text: str) -> None:
        self.status.setText(text)

    @Slot(int)
    def _submit(self, request_id: int) -> None:
        """Show the submit sheet for the request in the editor (just saved and checked
        Ready); it is submitted only when the user confirms."""
        from byok_desktop.jobs.submit_sheet import submit_sheet
        from ui.requests.submit_sheet import SubmitSheetDialog

        assert self._context is not None
        stored = self.requests_page.editor.current
        if stored is None or stored.id != request_id or self.submit_sheet is not None:
            return
        settings = self._context.settings
        sheet = submit_sheet(
            request_id, stored.draft, settings.role_name, settings.provider_principal
        )
        dialog = SubmitSheetDialog(sheet, self)
        dialog.finished.connect(self._submit_sheet_closed)
        self.submit_sheet = dialog
        dialog.open()  # window-modal, not a nested event loop

    @Slot(int)
    def _submit_sheet_closed(self, result: int) -> None:
        dialog, self.submit_sheet = self.submit_sheet, None
        if dialog is None:
            return
        dialog.deleteLater()
        request_id = dialog.sheet.request_id
        if result != QDialog.DialogCode.Accepted:
            self.show_message(f"Request #{request_id} not submitted: nothing was locked.")
            return
        self.show_message(f"Checking request #{request_id} and its AWS profile…")
        self.jobs.submit(request_id)

    @Slot(str, object)
    def _add_product(self, site: str, location: Location) -> None:
        self.show_section("requests")
        self.requests_page.new_request_for_site(site, location)

    @Slot(str)
    def _link_lost(self, why: str) -> None:
        assert self._context is not None
        where = self._context.database.location
        self.link_banner.setText(
            f"The database at {where} is not answering ({why}). Your edits stay on this "
            "computer and are saved when it is back; checking every few seconds."
        )
        self.link_banner.show()

    @Slot()
    def _link_back(self) -> None:
        self.link_banner.hide()
        self.show_message("The database is answering again.")

    def present_failure(self, what: str, error: BaseException) -> None:
        """Operations' default for a failure nobody handled: one sentence in a dialog;
        the traceback goes to the log, never to the screen."""
        from ui.dialogs import Dialogs
        from ui.failures import describe_failure

        title, text = describe_failure(what, error, self._log_file)
        Dialogs.error(self, title, text)

    @Slot(int, int)
    def _submitted(self, request_id: int, count: int) -> None:
        self.show_message(
            f"Request #{request_id} submitted: {count} job{'s' if count != 1 else ''} queued; "
            "follow them on the Jobs screen."
        )

    @Slot(str)
    def _submit_failed(self, text: str) -> None:
        self.show_message("Not submitted.")
        from ui.dialogs import Dialogs

        Dialogs.error(self, "Cannot provision this request", text)

    @Slot(int)
    def _running_changed(self, running: int) -> None:
        self.running_label.setText(
            f"{running} job{'s' if running != 1 else ''} running" if running else ""
        )

    @Slot(object)
    def _job_finished(self, job: Job) -> None:
        from byok_desktop.job_records import JobStatus

        text = f"Job #{job.id} ({job.site_key}, {job.family}) {job.status.display_name.lower()}"
        if job.error_message:
            text += f": {job.error_message}"
        self.show_message(text)
        # Flashes the taskbar entry when the window is in the background, and where the
        # desktop has a notification area, says what happened there too.
        QApplication.alert(self)
        if not self.isActiveWindow() and QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(icon("app"), self)
                self._tray.setToolTip("BYOK Desktop")
                self._tray.messageClicked.connect(self._show_jobs)
            self._tray.show()
            severity = (
                QSystemTrayIcon.MessageIcon.Information
                if job.status is JobStatus.SUCCEEDED
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self._tray.showMessage("BYOK Desktop", text, severity, 10_000)

    @Slot()
    def _show_jobs(self) -> None:
        self.showNormal()
        self.activateWindow()
        self.show_section("jobs")

    def show_section(self, key: str) -> None:
        """Show a section (once attached: before, the frame has no pages to show)."""
        keys = [k for k, _label, _icon in SECTIONS]
        self.navigation.setCurrentRow(keys.index(key))

    @Slot(bool)
    def _saved_before_quit(self, saved: bool) -> None:
        self.requests_page.editor.save_finished.disconnect(self._saved_before_quit)
        if not saved:
            from ui.dialogs import Dialogs

            if not Dialogs.confirm(
                self,
                "Unsaved edits",
                "Your edits could not be saved (see the message above the form). Quit anyway "
                "and lose them?",
                "Quit and lose edits",
            ):
                self.show_message("Not quitting: your edits are still here.")
                return
            self._losing_edits = True
        self.close()

    def _stop_jobs_then_close(self) -> None:
        from PySide6.QtCore import Qt

        if self._stopping_jobs:
            return
        self._stopping_jobs = True
        self.show_message("Stopping jobs before quitting… (a running job stops at its next step)")
        central = self.centralWidget()
        if central is not None:
            central.setEnabled(False)
        self.menuBar().setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self.jobs.stopped.connect(self._jobs_have_stopped)
        self.jobs.stop()

    @Slot()
    def _jobs_have_stopped(self) -> None:
        QApplication.restoreOverrideCursor()
        self._jobs_stopped = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        from ui.dialogs import Dialogs

        if self._context is None:  # closed while opening: nothing to save but the frame
            self._settings.setValue("window/geometry", self.saveGeometry())
            self._settings.sync()
            event.accept()
            return
        editor = self.requests_page.editor
        if editor.has_unsaved_edits and not self._losing_edits:
            if editor.save_now() is not None:
                # Saved on the database worker; the window stays responsive and closes
                # once the save is in (or asks, if it fails).
                event.ignore()
                self.show_message("Saving your edits before quitting…")
                editor.save_finished.connect(self._saved_before_quit)
                return
            keep_open = not Dialogs.confirm(
                self,
                "Unsaved edits",
                "The request you are editing could not be saved (see the message above the "
                "form). Quit anyway and lose those edits?",
                "Quit and lose edits",
            )
            if keep_open:
                event.ignore()
                return
        self.settings_page.apply_pending()  # a field still being edited
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/section", self.navigation.currentRow())
        self.requests_page.save_state()
        self.products_page.save_state()
        self._settings.sync()
        if not self._jobs_stopped:
            # Counted from the Jobs screen's list, as the status bar's "N jobs running".
            model = self.jobs_page.model
            running, queued = model.running(), model.queued()
            if (running or queued or self.jobs.active) and not Dialogs.confirm(
                self, "Jobs are not finished", _quit_question(running, queued), "Quit"
            ):
                event.ignore()
                return
            if self.jobs.needs_stopping:
                # Stopping waits for a step boundary: off the GUI thread, the window
                # says so and closes when it is done.
                event.ignore()
                self._stop_jobs_then_close()
                return
        kept = self.requests_page.kept_drafts
        if kept:  # nothing is lost, and nothing to decide: the user is told, not asked
            Dialogs.info(
                self,
                "Drafts kept on this workstation",
                f"{kept} draft{'s are' if kept != 1 else ' is'} kept on this workstation "
                "and will be saved to the team database next time.",
            )
        self.requests_page.shutdown()
        self.products_page.shutdown()
        self.jobs.shutdown()  # queues its last writes on the database worker: first
        if self.changes is not None:
            self.changes.stop()
        self.ops.shutdown()
        QApplication.instance().removeEventFilter(self._shortcut_priority)  # type: ignore[union-attr]
        event.accept()
