"""Settings: where the app keeps its files, the user tiers, AWS, provisioning and health.

Every setting applies as it is changed (a text field when it is left, a number a moment
after the last step), checked on its own: a value that fails its check is not saved and
its message says why, the others are. So nothing waits to be saved at quit or when the
user goes to another page. Messages and help text that come and go have their room
reserved, so nothing below them moves under the mouse.

The settings file is read and written on the pool, and the keyring looked up there
(Operations): neither may hold up the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.context import AppContext
from byok_desktop.provisioning.naming import (
    DEFAULT_ROLE_NAME,
)
from byok_desktop.settings import Settings, SettingsInvalid, SettingsSaved, setting_problem
from byok_desktop.tiers import TIER_FILE_NAME
from ui.appearance import AppearanceBox
from ui.elide import ElidedText
from ui.operations import Executor, Operations
from ui.page_header import page_title, set_page_margins

SANDBOX_HINT = "With its own database: try the whole flow without an AWS account."
SPIN_WIDTH = 120

APPLY_DELAY_MS = 600  # a spin box applies this long after its last step


def _reserved(label: QLabel, lines: int = 2) -> QLabel:
    """A message that is shown and hidden keeps its room (``lines`` lines) either way."""
    label.setWordWrap(True)
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * lines)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    policy = label.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    label.setSizePolicy(policy)
    return label


class SettingsPage(QWidget):
    message = Signal(str)
    settings_changed = Signal(object)  # Settings, after the user saved a change

    def __init__(
        self,
        context: AppContext,
        log_file: Path,
        ops: Operations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._ops = ops
        self.setObjectName("settingsPage")
        layout = QVBoxLayout(self)
        set_page_margins(layout)
        layout.addWidget(page_title("Settings"))
        applies = QLabel("Changes apply as you make them; a text field applies when you leave it.")
        applies.setObjectName("fieldHint")
        applies.setWordWrap(True)
        layout.addWidget(applies)
        appearance = AppearanceBox(context, ops)
        appearance.message.connect(self.message)
        layout.addWidget(appearance)

        files = QGroupBox("Where your data lives")
        form = QFormLayout(files)
        paths = context.paths
        form.addRow("Data folder", self._path_row(paths.data_dir, "openDataFolder"))
        database = context.database
        if database.path is not None:
            form.addRow("Database", self._path_label(database.path))
            form.addRow(
                "Backups before upgrades", self._path_label(database.path.parent / "backups")
            )
        else:
            form.addRow("Shared database", QLabel(database.location))
        form.addRow("Log file", self._path_row(log_file, "openLogFolder", open_parent=True))
        mode = (
            "Portable: settings are kept in the data folder (--data-dir or BYOK_DESKTOP_DATA_DIR)."
            if paths.portable
            else "Per user: settings are kept in your profile."
        )
        mode_label = QLabel(mode)
        mode_label.setWordWrap(True)
        form.addRow("Mode", mode_label)
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
        listing = QLabel("\n".join(tier.label for tier in context.tiers.tiers))
        listing.setObjectName("tierTable")
        tiers_layout.addWidget(listing)
        layout.addWidget(tiers)

        layout.addWidget(self._aws_group(context))
        layout.addWidget(self._database_group(context))
        layout.addWidget(self._provisioning_group(context))
        layout.addStretch(1)

    def _database_group(self, context: AppContext) -> QGroupBox:
        group = QGroupBox("Team database")
        box = QVBoxLayout(group)
        explain = QLabel(
            "Leave empty to keep records in this workstation's own database. To share one "
            "record with other reps, enter a PostgreSQL URL; the password comes from "
            "~/.pgpass or PGPASSWORD, never from this field. Applies after a restart."
        )
        explain.setWordWrap(True)
        explain.setObjectName("fieldHint")
        box.addWidget(explain)
        self.database_url_edit = QLineEdit(context.settings.database_url)
        self.database_url_edit.setObjectName("databaseUrl")
        self.database_url_edit.setPlaceholderText("postgresql+psycopg://rep@db.example.com/byok")
        box.addWidget(self.database_url_edit)
        self.database_url_edit.editingFinished.connect(self.save_database_settings)
        self.database_error = _reserved(QLabel())
        self.database_error.setObjectName("fieldError")
        self.database_error.hide()
        box.addWidget(self.database_error)
        return group

    @Slot()
    def save_database_settings(self) -> None:
        url = self.database_url_edit.text().strip()
        if url == self._context.settings.database_url:
            self.database_error.hide()
            return
        problem = setting_problem("database_url", url)
        if problem:
            self.database_error.setText(problem)
            self.database_error.show()
            return
        self.database_error.hide()
        service = self._context.settings_service
        self._ops.run(
            lambda: service.update(database_url=url),
            lambda _saved: self._database_saved(url),
            lambda exc: self._not_saved(self.database_error, exc),
            on=Executor.POOL,
            what="save the database setting",
            owner=self,
        )

    def _database_saved(self, url: str) -> None:
        self.message.emit(
            "Saved. Restart BYOK Desktop to use "
            + ("the shared database." if url else "this workstation's own database.")
        )

    def _not_saved(self, error: QLabel, exc: BaseException) -> None:
        if isinstance(exc, SettingsInvalid):
            error.setText(str(exc))
            error.show()
            return
        if not isinstance(exc, OSError):
            self._ops.presenter.present_failure("save the settings", exc)
            return
        error.setText(f"Could not save the settings: {exc}")
        error.show()

    def _provisioning_group(self, context: AppContext) -> QGroupBox:
        group = QGroupBox("Provisioning and key health")
        form = QFormLayout(group)
        current = context.settings
        self.role_edit = QLineEdit(current.role_name)
        self.role_edit.setObjectName("roleName")
        self.role_edit.setToolTip(
            "The IAM role in the customer's account that the key provider assumes; "
            f"the vendor's guide calls it {DEFAULT_ROLE_NAME}."
        )
        form.addRow("Key-management &role name", self.role_edit)
        self.principal_edit = QLineEdit(current.provider_principal)
        self.principal_edit.setObjectName("providerPrincipal")
        self.principal_edit.setToolTip("The provider's role that the key-management role trusts.")
        form.addRow("&Provider principal (ARN)", self.principal_edit)
        self.workers_spin = QSpinBox()
        self.workers_spin.setObjectName("workerThreads")
        self.workers_spin.setRange(1, 32)
        self.workers_spin.setValue(current.worker_threads)
        self.workers_spin.setToolTip(
            "How many jobs run at once (jobs for one site always run one after the other)."
        )
        form.addRow("&Worker threads", self.workers_spin)
        self.window_spin = QSpinBox()
        self.window_spin.setObjectName("restoreWindowDays")
        self.window_spin.setRange(1, 90)
        self.window_spin.setSuffix(" days")
        self.window_spin.setValue(current.restore_window_days)
        self.window_spin.setToolTip(
            "How long after revoking key access it can still be restored (vendor's docs: 15)."
        )
        form.addRow("Restore &window", self.window_spin)
        self.health_spin = self._minutes_spin("healthCheckMinutes", current.health_check_minutes)
        form.addRow("Periodic &health check", self.health_spin)
        self.sandbox_health_spin = self._minutes_spin(
            "sandboxHealthCheckMinutes", current.sandbox_health_check_minutes
        )
        form.addRow("… in the &sandbox", self.sandbox_health_spin)
        self.provisioning_error = _reserved(QLabel())
        self.provisioning_error.setObjectName("fieldError")
        self.provisioning_error.hide()
        form.addRow(self.provisioning_error)
        defaults = QPushButton("Restore defaults")
        defaults.setObjectName("provisioningDefaults")
        defaults.clicked.connect(self._provisioning_defaults)
        form.addRow(defaults)
        form.setAlignment(defaults, Qt.AlignmentFlag.AlignLeft)
        # Text applies when left; numbers a moment after the last step (one write for a
        # run of arrow presses).
        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(APPLY_DELAY_MS)
        self._apply_timer.timeout.connect(self.save_provisioning_settings)
        for edit in (self.role_edit, self.principal_edit):
            edit.editingFinished.connect(self.save_provisioning_settings)
        for spin in (
            self.workers_spin,
            self.window_spin,
            self.health_spin,
            self.sandbox_health_spin,
        ):
            spin.valueChanged.connect(self._apply_timer.start)
            spin.editingFinished.connect(self.save_provisioning_settings)
        # Numbers need a number's width, not the page's.
        for spin in group.findChildren(QSpinBox):
            spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            spin.setMinimumWidth(SPIN_WIDTH)
        return group

    @staticmethod
    def _minutes_spin(name: str, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(0, 24 * 60)
        spin.setSingleStep(15)
        spin.setSuffix(" min")
        spin.setSpecialValueText("Off")
        spin.setValue(value)
        return spin

    @Slot()
    def _provisioning_defaults(self) -> None:
        defaults = Settings()
        self.role_edit.setText(defaults.role_name)
        self.principal_edit.setText(defaults.provider_principal)
        self.workers_spin.setValue(defaults.worker_threads)
        self.window_spin.setValue(defaults.restore_window_days)
        self.health_spin.setValue(defaults.health_check_minutes)
        self.sandbox_health_spin.setValue(defaults.sandbox_health_check_minutes)
        self.save_provisioning_settings()

    def apply_pending(self) -> None:
        """Apply what is typed or stepped but not yet applied (at quit: a field still
        being edited has not been left)."""
        self._apply_timer.stop()
        self.save_provisioning_settings()
        self.save_database_settings()
        if self.aws_custom.isChecked():
            self.save_aws_settings()

    @Slot()
    def save_provisioning_settings(self) -> None:
        changes: dict[str, Any] = {
            "role_name": self.role_edit.text().strip(),
            "provider_principal": self.principal_edit.text().strip(),
            "worker_threads": self.workers_spin.value(),
            "restore_window_days": self.window_spin.value(),
            "health_check_minutes": self.health_spin.value(),
            "sandbox_health_check_minutes": self.sandbox_health_spin.value(),
        }
        self._apply_timer.stop()
        # Each setting's own check, at once; the service checks again before writing.
        # A value that fails is not saved (the message says why); the others are.
        problems = [p for name, v in changes.items() if (p := setting_problem(name, v))]
        current = self._context.settings
        changes = {
            name: value
            for name, value in changes.items()
            if setting_problem(name, value) is None and getattr(current, name) != value
        }
        if problems:
            self.provisioning_error.setText("\n".join(problems))
            self.provisioning_error.show()
        else:
            self.provisioning_error.hide()
        if not changes:
            return
        service = self._context.settings_service
        self._ops.run(
            lambda: service.update(**changes),
            self._provisioning_saved,
            lambda exc: self._not_saved(self.provisioning_error, exc),
            on=Executor.POOL,
            what="save the provisioning settings",
            owner=self,
        )

    def _provisioning_saved(self, saved: SettingsSaved) -> None:
        self.settings_changed.emit(saved.settings)
        restart = "worker_threads" in saved.restart_needed
        if not self.provisioning_error.isHidden():
            return  # the message above the field says what was not saved
        self.message.emit(
            "Saved. Jobs started from now on use these settings"
            + ("; the new number of worker threads applies after a restart." if restart else ".")
        )

    def _aws_group(self, context: AppContext) -> QGroupBox:
        group = QGroupBox("AWS connection")
        box = QVBoxLayout(group)
        self.aws_real = QRadioButton("Real AWS (default)")
        self.aws_real.setObjectName("awsReal")
        self.aws_custom = QRadioButton("A custom endpoint, e.g. a local AWS emulator:")
        self.aws_custom.setObjectName("awsCustom")
        self.endpoint_edit = QLineEdit(context.settings.aws_endpoint_url)
        self.endpoint_edit.setObjectName("awsEndpointUrl")
        self.endpoint_edit.setAccessibleName("Custom AWS endpoint URL")
        self.endpoint_edit.setPlaceholderText("http://127.0.0.1:5000")
        self.aws_sandbox = QRadioButton("Sandbox: a simulated AWS on this computer")
        # The rest of the sentence wraps under the button (a radio button's text cannot).
        self.aws_sandbox.setAccessibleDescription(SANDBOX_HINT)
        sandbox_hint = QLabel(SANDBOX_HINT)
        sandbox_hint.setObjectName("fieldHint")
        sandbox_hint.setWordWrap(True)
        sandbox_hint.setContentsMargins(24, 0, 0, 0)
        self.aws_sandbox.setObjectName("awsSandbox")
        if context.settings.sandbox:
            self.aws_sandbox.setChecked(True)
        elif context.settings.aws_endpoint_url:
            self.aws_custom.setChecked(True)
        else:
            self.aws_real.setChecked(True)
        for widget in (
            self.aws_real,
            self.aws_custom,
            self.endpoint_edit,
            self.aws_sandbox,
            sandbox_hint,
        ):
            box.addWidget(widget)
        self.realistic_check = QCheckBox("Behave like real AWS (slower)")
        self.realistic_check.setObjectName("sandboxRealisticAws")
        self.realistic_check.setChecked(context.settings.sandbox_realistic_aws)
        # Indented under the sandbox choice it belongs to.
        realistic = QWidget()
        realistic_layout = QVBoxLayout(realistic)
        realistic_layout.setContentsMargins(24, 0, 0, 0)
        realistic_layout.addWidget(self.realistic_check)
        self.realistic_help = _reserved(
            QLabel(
                "The sandbox then waits out IAM propagation, shows replicas Creating for a "
                "few seconds and throttles now and then, as AWS does: jobs take minutes."
            )
        )
        self.realistic_help.setObjectName("fieldHint")
        self.realistic_help.setVisible(self.realistic_check.isChecked())
        realistic_layout.addWidget(self.realistic_help)
        box.addWidget(realistic)
        self.aws_error = _reserved(QLabel(), lines=1)
        self.aws_error.setObjectName("fieldError")
        self.aws_error.hide()
        box.addWidget(self.aws_error)
        self.keyring_label = QLabel("OS keyring: checking…")
        self.keyring_label.setObjectName("keyringBackend")
        self.keyring_label.setWordWrap(True)
        box.addWidget(self.keyring_label)
        for radio in (self.aws_real, self.aws_custom, self.aws_sandbox):
            radio.toggled.connect(self._connection_chosen)
        self.endpoint_edit.editingFinished.connect(self.save_aws_settings)
        self.realistic_check.toggled.connect(self._realistic_toggled)
        self.aws_sandbox.toggled.connect(self.realistic_check.setEnabled)  # a sandbox setting
        self.realistic_check.setEnabled(self.aws_sandbox.isChecked())
        # Looked up when the page is first shown (showEvent): keyring's backend discovery
        # costs ~0.2 s of CPU that an app opening elsewhere need not pay at start.
        self._keyring_looked_up = False
        return group

    def showEvent(self, event: QShowEvent) -> None:
        if not self._keyring_looked_up:
            self._keyring_looked_up = True
            self._ops.run(
                self._context.credentials.secrets.current_backend,
                self._keyring_found,
                self._keyring_missing,
                on=Executor.POOL,
                what="keyring lookup",
                owner=self,
            )
        super().showEvent(event)

    @Slot(bool)
    def _connection_chosen(self, checked: bool) -> None:
        if not checked:
            return  # the radio turned off; the one turned on applies
        if self.aws_custom.isChecked() and not self.endpoint_edit.text().strip():
            self.endpoint_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.aws_error.setText("Enter the endpoint as a URL, e.g. http://127.0.0.1:5000")
            self.aws_error.show()
            return
        self.save_aws_settings()

    @Slot(bool)
    def _realistic_toggled(self, checked: bool) -> None:
        self.realistic_help.setVisible(checked)
        service = self._context.settings_service
        self._ops.run(
            lambda: service.update(sandbox_realistic_aws=checked),
            lambda _saved: self.message.emit(
                "Saved. New sandbox connections "
                + ("behave like real AWS." if checked else "answer at once.")
            ),
            lambda exc: self._not_saved(self.aws_error, exc),
            on=Executor.POOL,
            what="save the sandbox setting",
            owner=self,
        )

    def _keyring_found(self, name: object) -> None:
        self.keyring_label.setText(f"OS keyring: {name}")

    def _keyring_missing(self, exc: BaseException) -> None:
        self.keyring_label.setText(f"OS keyring: unavailable. {exc}")

    @Slot()
    def save_aws_settings(self) -> None:
        url = self.endpoint_edit.text().strip()
        if self.aws_custom.isChecked():
            problem = setting_problem("aws_endpoint_url", url) if url else "is empty"
            if problem:
                self.aws_error.setText(
                    problem if url else "Enter the endpoint as a URL, e.g. http://127.0.0.1:5000"
                )
                self.aws_error.show()
                return
        self.aws_error.hide()
        current = self._context.settings
        wanted = current.with_changes(
            sandbox=self.aws_sandbox.isChecked(),
            aws_endpoint_url=url if self.aws_custom.isChecked() else "",
            sandbox_realistic_aws=self.realistic_check.isChecked(),
        )
        saved = self._context.settings_service.saved
        if (wanted.sandbox, wanted.aws_endpoint_url) == (saved.sandbox, saved.aws_endpoint_url):
            return
        service = self._context.settings_service
        self._ops.run(
            lambda: service.update(
                sandbox=wanted.sandbox,
                aws_endpoint_url=wanted.aws_endpoint_url,
                sandbox_realistic_aws=wanted.sandbox_realistic_aws,
            ),
            lambda _saved: self._aws_saved(current, wanted, url),
            lambda exc: self._not_saved(self.aws_error, exc),
            on=Executor.POOL,
            what="save the connection settings",
            owner=self,
        )

    def _aws_saved(self, before: Settings, wanted: Settings, url: str) -> None:
        if wanted.sandbox != before.sandbox:
            self.message.emit(
                "Saved. Restart BYOK Desktop to switch "
                + ("to the sandbox." if wanted.sandbox else "back to real AWS.")
            )
        elif wanted.sandbox:
            self.message.emit(
                "Saved. New sandbox jobs "
                + (
                    "behave like real AWS (slower)."
                    if wanted.sandbox_realistic_aws
                    else "run at the simulator's speed."
                )
            )
        else:
            # New connections use the new endpoint at once (the service's snapshot).
            self.message.emit("Saved. New AWS connections use " + (url or "real AWS") + ".")

    @staticmethod
    def _path_label(path: Path) -> QLabel:
        # A long path is cut in the middle (its ends say where), whole in the tooltip
        # and on Copy.
        label = ElidedText(str(path))
        label.setAccessibleName(f"Path {path}")
        return label

    def _path_row(self, path: Path, name: str, open_parent: bool = False) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._path_label(path), 1)
        button = QPushButton("Open folder")
        button.setObjectName(name)
        target = path.parent if open_parent else path
        button.setAccessibleName(f"Open folder {target}")
        button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))))
        layout.addWidget(button)
        return row
