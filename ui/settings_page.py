"""Settings: where the app keeps its files, and the user tier table in force."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.context import AppContext
from byok_desktop.settings import load_settings, save_settings
from byok_desktop.tiers import TIER_FILE_NAME
from ui.tasks import TaskRunner


class SettingsPage(QWidget):
    message = Signal(str)

    def __init__(
        self,
        context: AppContext,
        log_file: Path,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._tasks = tasks
        self.setObjectName("settingsPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        title = QLabel("Settings")
        title.setObjectName("pageTitle")
        layout.addWidget(title)

        files = QGroupBox("Where your data lives")
        form = QFormLayout(files)
        paths = context.paths
        form.addRow("Data folder", self._path_row(paths.data_dir, "openDataFolder"))
        form.addRow("Database", self._path_label(context.database.path))
        form.addRow(
            "Backups before upgrades", self._path_label(context.database.path.parent / "backups")
        )
        form.addRow("Log file", self._path_row(log_file, "openLogFolder", open_parent=True))
        mode = (
            "Portable: settings are kept in the data folder (--data-dir or BYOK_DESKTOP_DATA_DIR)."
            if paths.portable
            else "Per user: settings are kept in your profile."
        )
        form.addRow("Mode", QLabel(mode))
        layout.addWidget(files)

        tiers = QGroupBox("User tiers")
        tiers_layout = QVBoxLayout(tiers)
        explain = QLabel(
            "The desired number of users falls in one of these billing tiers. To use your own "
            f"price book, put a {TIER_FILE_NAME} in the data folder (same format as the built-in "
            "table, documented in docs/user-tiers.md) and restart."
        )
        explain.setWordWrap(True)
        explain.setObjectName("fieldHint")
        tiers_layout.addWidget(explain)
        listing = QLabel(
            "\n".join(
                f"{tier.name}:  {tier.min_users:,} – "
                + (f"{tier.max_users:,}" if tier.max_users is not None else "no limit")
                for tier in context.tiers.tiers
            )
        )
        listing.setObjectName("tierTable")
        tiers_layout.addWidget(listing)
        layout.addWidget(tiers)

        layout.addWidget(self._aws_group(context))

        later = QLabel(
            "Worker threads, health checks and the restore window are configured here once "
            "those features arrive."
        )
        later.setObjectName("fieldHint")
        later.setWordWrap(True)
        layout.addWidget(later)
        layout.addStretch(1)

    def _aws_group(self, context: AppContext) -> QGroupBox:
        group = QGroupBox("AWS connection")
        box = QVBoxLayout(group)
        self.aws_real = QRadioButton("Real AWS (default)")
        self.aws_real.setObjectName("awsReal")
        self.aws_custom = QRadioButton("A custom endpoint, e.g. a local AWS emulator:")
        self.aws_custom.setObjectName("awsCustom")
        self.endpoint_edit = QLineEdit(context.settings.aws_endpoint_url)
        self.endpoint_edit.setObjectName("awsEndpointUrl")
        self.endpoint_edit.setPlaceholderText("http://127.0.0.1:5000")
        self.aws_sandbox = QRadioButton(
            "Sandbox: a simulated AWS on this computer, with its own database (try the "
            "whole flow without an AWS account)"
        )
        self.aws_sandbox.setObjectName("awsSandbox")
        if context.settings.sandbox:
            self.aws_sandbox.setChecked(True)
        elif context.settings.aws_endpoint_url:
            self.aws_custom.setChecked(True)
        else:
            self.aws_real.setChecked(True)
        for widget in (self.aws_real, self.aws_custom, self.endpoint_edit, self.aws_sandbox):
            box.addWidget(widget)
        self.aws_error = QLabel()
        self.aws_error.setObjectName("fieldError")
        self.aws_error.hide()
        box.addWidget(self.aws_error)
        self.keyring_label = QLabel("OS keyring: checking…")
        self.keyring_label.setObjectName("keyringBackend")
        self.keyring_label.setWordWrap(True)
        box.addWidget(self.keyring_label)
        save = QPushButton("Save connection settings")
        save.setObjectName("saveAwsSettings")
        save.clicked.connect(self.save_aws_settings)
        box.addWidget(save, 0, Qt.AlignmentFlag.AlignLeft)
        self._tasks.run(
            context.credentials.secrets.current_backend,
            lambda name: self.keyring_label.setText(f"OS keyring: {name}"),
            lambda exc: self.keyring_label.setText(f"OS keyring: unavailable. {exc}"),
            what="keyring lookup",
        )
        return group

    @Slot()
    def save_aws_settings(self) -> None:
        url = self.endpoint_edit.text().strip()
        if self.aws_custom.isChecked():
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                self.aws_error.setText("Enter the endpoint as a URL, e.g. http://127.0.0.1:5000")
                self.aws_error.show()
                return
        self.aws_error.hide()
        current = self._context.settings
        wanted = current.with_changes(
            sandbox=self.aws_sandbox.isChecked(),
            aws_endpoint_url=url if self.aws_custom.isChecked() else "",
        )
        on_disk = load_settings(self._context.paths.core_settings_file)
        try:
            save_settings(
                self._context.paths.core_settings_file,
                on_disk.with_changes(
                    sandbox=wanted.sandbox, aws_endpoint_url=wanted.aws_endpoint_url
                ),
            )
        except OSError as exc:
            self.aws_error.setText(f"Could not save the settings: {exc}")
            self.aws_error.show()
            return
        if wanted.sandbox != current.sandbox:
            self.message.emit(
                "Saved. Restart BYOK Desktop to switch "
                + ("to the sandbox." if wanted.sandbox else "back to real AWS.")
            )
        else:
            # New connections use the new endpoint at once.
            self._context.settings = current.with_changes(aws_endpoint_url=wanted.aws_endpoint_url)
            self.message.emit("Saved. New AWS connections use " + (url or "real AWS") + ".")

    @staticmethod
    def _path_label(path: Path) -> QLabel:
        label = QLabel(str(path))
        label.setTextInteractionFlags(
            label.textInteractionFlags() | label.textInteractionFlags().TextSelectableByMouse
        )
        return label

    def _path_row(self, path: Path, name: str, open_parent: bool = False) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._path_label(path), 1)
        button = QPushButton("Open folder")
        button.setObjectName(name)
        target = path.parent if open_parent else path
        button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))))
        layout.addWidget(button)
        return row
