"""Settings: where the app keeps its files, and the user tier table in force."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.context import AppContext
from byok_desktop.tiers import TIER_FILE_NAME


class SettingsPage(QWidget):
    def __init__(self, context: AppContext, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        form.addRow("Backups before upgrades", self._path_label(paths.backups))
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

        later = QLabel(
            "AWS connection, worker threads, health checks and the restore window are "
            "configured here once those features arrive."
        )
        later.setObjectName("fieldHint")
        later.setWordWrap(True)
        layout.addWidget(later)
        layout.addStretch(1)

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
