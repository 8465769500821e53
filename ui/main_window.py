"""The main window: console-style navigation on the left, one page per section."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from byok_desktop import APP_NAME
from byok_desktop.context import AppContext
from ui.dialogs import Dialogs
from ui.empty_page import EmptyStatePage
from ui.requests.page import RequestsPage
from ui.resources import icon
from ui.settings_page import SettingsPage
from ui.shortcuts import ShortcutPriority
from ui.tasks import TaskRunner

SECTIONS = (
    ("requests", "Requests", "requests"),
    ("security", "Security › BYOK encryption", "security"),
    ("jobs", "Jobs", "jobs"),
    ("credentials", "Credentials", "credentials"),
    ("settings", "Settings", "settings"),
)


class MainWindow(QMainWindow):
    def __init__(
        self,
        context: AppContext,
        settings: QSettings,
        log_file: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setProperty("sandbox", context.in_sandbox)
        self.setWindowTitle(f"{APP_NAME} — SANDBOX" if context.in_sandbox else APP_NAME)
        self.setWindowIcon(icon("app"))
        self._context = context
        self._settings = settings
        self.tasks = TaskRunner(self)

        central = QWidget()
        central.setObjectName("content")
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.sandbox_banner = QLabel(
            "SANDBOX — simulated AWS on this computer. Nothing here touches a real AWS "
            "account, and sandbox records are kept apart from real ones."
        )
        self.sandbox_banner.setObjectName("sandboxBanner")
        self.sandbox_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sandbox_banner.setVisible(context.in_sandbox)
        outer.addWidget(self.sandbox_banner)
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
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.requests_page = RequestsPage(context.database.requests, self.tasks, settings)
        self.requests_page.message.connect(self.show_message)
        pages: dict[str, QWidget] = {
            "requests": self.requests_page,
            "security": EmptyStatePage(
                "Security › BYOK encryption",
                "No BYOK products yet",
                "Products appear here once a Ready request has been provisioned: the health of "
                "the keys in both regions of each site, suspension and revocation.",
            ),
            "jobs": EmptyStatePage(
                "Jobs",
                "No provisioning jobs yet",
                "Provisioning jobs will be listed here with their progress, step journal and "
                "Retry, Cancel and Resume.",
            ),
            "credentials": EmptyStatePage(
                "Credentials",
                "No AWS credentials yet",
                "AWS credential profiles for customers' BYOK accounts will be managed here; "
                "their secrets are kept only in your operating system's keyring.",
            ),
            "settings": SettingsPage(context, log_file, self.tasks),
        }
        settings_page = pages["settings"]
        assert isinstance(settings_page, SettingsPage)
        settings_page.message.connect(self.show_message)
        self.settings_page = settings_page
        # Long pages scroll instead of raising the window's minimum height.
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(settings_page)
        pages["settings"] = scroll
        for key, label, icon_name in SECTIONS:
            item = QListWidgetItem(icon(icon_name), label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.navigation.addItem(item)
            self.pages.addWidget(pages[key])
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)

        self._make_menus()
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)
        where = context.database.path.parent
        self.data_label = QLabel(
            f"Sandbox data: {where}" if context.in_sandbox else f"Data: {where}"
        )
        self.data_label.setObjectName("dataDirLabel")
        self.statusBar().addPermanentWidget(self.data_label)
        self._restore_state()
        for warning in context.warnings:
            self.show_message(warning)

    def _make_menus(self) -> None:
        page = self.requests_page
        file_menu = self.menuBar().addMenu("&File")
        for act in (page.new_action, page.save_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(page.import_action)
        file_menu.addAction(page.export_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        for act in (page.duplicate_action, page.delete_action, page.find_action):
            edit_menu.addAction(act)
        go_menu = self.menuBar().addMenu("&Go")
        for row, (key, label, _icon) in enumerate(SECTIONS):
            act = QAction(label, self)
            act.setObjectName(f"goto_{key}")
            act.setShortcut(QKeySequence(f"Ctrl+{row + 1}"))
            act.triggered.connect(lambda _checked=False, r=row: self.navigation.setCurrentRow(r))
            go_menu.addAction(act)
            self.addAction(act)
        # Section shortcuts must work wherever focus is.
        for act in (
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
        self._shortcut_priority = ShortcutPriority(
            [page.export_action, page.duplicate_action], self
        )
        QApplication.instance().installEventFilter(self._shortcut_priority)  # type: ignore[union-attr]

    @Slot()
    def _show_requests(self) -> None:
        self.navigation.setCurrentRow(0)

    def _restore_state(self) -> None:
        geometry = self._settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        state = self._settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        section = str(self._settings.value("window/section", 0))
        self.navigation.setCurrentRow(int(section) if section.isdigit() else 0)

    @Slot(str)
    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.requests_page.editor.flush():
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
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/section", self.navigation.currentRow())
        self.requests_page.save_state()
        self._settings.sync()
        self.tasks.wait()
        QApplication.instance().removeEventFilter(self._shortcut_priority)  # type: ignore[union-attr]
        event.accept()
