"""Rebuild from AWS…: pick a profile (and optionally sites), read the account in AWS on the
pool, show what differs from the local product records, and repair them on the database
worker when the user applies. Nothing in AWS is changed; the products view updates
through the change bus like after any other write."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from byok_desktop import reconcile
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile
from ui.failures import describe_failure
from ui.operations import Executor, Operations, Progress
from ui.products.confirm import TypedConfirm, TypedConfirmation

HEADERS = ("What", "Site", "Family", "Key", "Details")


def parse_sites(text: str) -> list[str]:
    """Site names typed with commas or spaces between them."""
    return [s for s in re.split(r"[\s,;]+", text.strip()) if s]


def _profile_label(profile: Profile) -> str:
    if profile.verification is None:
        return f"{profile.name} (not verified)"
    return f"{profile.name} (account {profile.verification.account_id})"


class RebuildDialog(QDialog):
    applied = Signal(int)  # the number of differences repaired

    def __init__(
        self,
        context: AppContext,
        ops: Operations,
        profiles: list[Profile],
        log_file: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rebuildDialog")
        self.setWindowTitle("Rebuild from AWS")
        self.setMinimumSize(640, 420)
        self.resize(960, 520)
        self._context = context
        self._ops = ops
        self._log_file = log_file
        self.plan: reconcile.Plan | None = None
        self._plan_profile: Profile | None = None
        self._rows: list[reconcile.Difference] = []
        self._note = ""  # said before the next reading's outcome
        self.busy = False

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Reads the keys this app made in the profile's AWS account (both regions of "
            "each location), their aliases and the key-management role's trust policy, and "
            "compares them with the product records here. Applying repairs only the records "
            "here; nothing in AWS changes unless you schedule an unused key's deletion and "
            "type its key ID."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("rebuildProfile")
        for profile in profiles:
            self.profile_combo.addItem(_profile_label(profile), profile)
        form.addRow("&Profile:", self.profile_combo)
        self.sites_edit = QLineEdit()
        self.sites_edit.setObjectName("rebuildSites")
        self.sites_edit.setPlaceholderText("every site of the profile's account")
        self.sites_edit.setToolTip("Site names separated by commas or spaces; empty: all")
        form.addRow("&Sites:", self.sites_edit)
        layout.addLayout(form)

        self.status_label = QLabel(
            "Choose the profile that opens the account, then Read AWS."
            if profiles
            else "No profile yet: add one under Credentials first."
        )
        self.status_label.setObjectName("rebuildStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)  # quotes AWS and names
        layout.addWidget(self.status_label)
        self.progress = QProgressBar()
        self.progress.setObjectName("rebuildProgress")
        self.progress.setRange(0, 0)  # busy: AWS gives no total
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout.addWidget(self.progress)

        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(list(HEADERS))
        self.table = QTableView()
        self.table.setObjectName("rebuildDifferences")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._show_summary)
        layout.addWidget(self.table, 1)
        # The selected difference in full: the table's last column is elided.
        self.summary_label = QLabel()
        self.summary_label.setObjectName("rebuildSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary_label)

        buttons = QDialogButtonBox()
        self.read_button = QPushButton("&Read AWS")
        self.read_button.setObjectName("rebuildRead")
        self.read_button.setEnabled(bool(profiles))
        self.read_button.setDefault(True)
        self.read_button.clicked.connect(self.read)
        buttons.addButton(self.read_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.delete_button = QPushButton("Schedule &deletion…")
        self.delete_button.setObjectName("rebuildScheduleDeletion")
        self.delete_button.setToolTip(
            "Schedule the selected unused key for deletion in AWS (30 days, cancellable); "
            "you type its key ID to confirm"
        )
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.schedule_deletion)
        buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.apply_button = QPushButton("&Apply repairs")
        self.apply_button.setObjectName("rebuildApply")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("rebuildClose")
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)

    # --- reading AWS ---------------------------------------------------------------------

    @Slot()
    def read(self) -> None:
        profile = self.profile_combo.currentData()
        if profile is None or self.busy:
            return
        sites = parse_sites(self.sites_edit.text())
        database, credentials = self._context.database, self._context.credentials
        settings = self._context.settings

        def work(progress: Progress) -> reconcile.Plan:  # on the pool: no widget here
            return reconcile.plan(
                database,
                credentials,
                settings,
                profile,
                sites,
                lambda text: progress.report(0, 0, text),
            )

        self._set_busy(True, f"Reading AWS with '{profile.name}'…")
        self.plan = None
        self._plan_profile = profile
        self._rows = []
        self.model.removeRows(0, self.model.rowCount())
        self.summary_label.clear()
        self.apply_button.setEnabled(False)
        self._ops.run_with_progress(
            work,
            self._planned,
            self._failed,
            self._progressed,
            on=Executor.POOL,
            what="read the account in AWS",
            owner=self,
        )

    def _progressed(self, _done: int, _total: int, text: str) -> None:
        if text:
            self.status_label.setText(f"{text}…")

    def _planned(self, plan: reconcile.Plan) -> None:
        self._set_busy(False)
        self.plan = plan
        self._rows = list(plan.differences)
        for difference in plan.differences:
            cells = [
                difference.kind.label,
                difference.site,
                difference.family.display_name,
                difference.key_id,
                difference.summary,
            ]
            items = [QStandardItem(text) for text in cells]
            for item in items:
                item.setToolTip(difference.summary)
            self.model.appendRow(items)
        repairs = len(plan.repairs)
        waiting = sum(d.kind.needs_human for d in plan.differences)
        found = f"AWS account {plan.account_id}: {len(plan.families)} product family key(s)"
        found, self._note = self._note + found, ""
        if not plan.differences:
            self.status_label.setText(f"{found}; the records here agree with AWS.")
        else:
            parts = []
            if repairs:
                parts.append(f"{repairs} to repair here (Apply repairs)")
            if waiting:
                parts.append(f"{waiting} that need you (nothing in AWS is changed)")
            self.status_label.setText(f"{found}; {', '.join(parts)}.")
        for column in range(len(HEADERS) - 1):
            self.table.resizeColumnToContents(column)
        if plan.differences:
            self.table.selectRow(0)
        self.apply_button.setEnabled(repairs > 0)
        if repairs:
            self.apply_button.setFocus()

    def _show_summary(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.item(current.row(), len(HEADERS) - 1) if current.isValid() else None
        self.summary_label.setText(item.text() if item is not None else "")
        self._update_delete()

    def _selected_unused(self) -> reconcile.Difference | None:
        row = self.table.currentIndex().row()
        if self.plan is None or not 0 <= row < len(self._rows):
            return None
        difference = self._rows[row]
        return difference if difference.kind is reconcile.Kind.UNUSED_KEY else None

    def _update_delete(self) -> None:
        self.delete_button.setEnabled(not self.busy and self._selected_unused() is not None)

    # --- the one change in AWS, asked for and typed by the user -----------------------------

    @Slot()
    def schedule_deletion(self) -> None:
        difference, plan, profile = self._selected_unused(), self.plan, self._plan_profile
        if difference is None or plan is None or profile is None or self.busy:
            return
        key_id = difference.key_id
        request = TypedConfirmation(
            title="Schedule key deletion",
            intro=(
                f"Schedule the deletion of key {key_id} in AWS account {plan.account_id}? "
                f"This app made it for {difference.site}'s {difference.family.display_name}, "
                "but no product uses it. AWS deletes it in "
                f"{reconcile.DELETION_WINDOW_DAYS} days, in every region it is in; until "
                "then the deletion can be cancelled in AWS. Data encrypted with it only can "
                "never be read after that."
            ),
            required=key_id,
            ok_label="Schedule deletion",
        )
        if not TypedConfirm.ask(self, request):
            return
        credentials = self._context.credentials
        self._set_busy(True, f"Scheduling {key_id} for deletion…")
        self._ops.run(
            lambda: reconcile.schedule_deletion(credentials, profile, plan, key_id, key_id),
            lambda regions: self._deletion_scheduled(key_id, regions),
            self._failed,
            on=Executor.POOL,
            what="schedule the key's deletion",
            owner=self,
        )

    def _deletion_scheduled(self, key_id: str, regions: list[str]) -> None:
        self._set_busy(False)
        self._note = (
            f"{key_id} is scheduled for deletion in {reconcile.DELETION_WINDOW_DAYS} days in "
            f"{', '.join(regions)}. "
        )
        self.read()  # what AWS holds now

    # --- repairing the records here ---------------------------------------------------------

    @Slot()
    def apply(self) -> None:
        plan = self.plan
        if plan is None or not plan.repairs or self.busy:
            return
        database = self._context.database
        self._set_busy(True, "Repairing the product records…")
        self.apply_button.setEnabled(False)
        self._ops.run(
            lambda: reconcile.apply(database, plan),
            self._applied,
            self._failed,
            on=Executor.DATABASE,
            what="repair the product records",
            owner=self,
        )

    def _applied(self, done: list[reconcile.Difference]) -> None:
        self._set_busy(False)
        self.plan = None
        self.status_label.setText(
            f"Repaired {len(done)} difference(s) here; the products view shows them. Read "
            "AWS again to check."
        )
        self.applied.emit(len(done))

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._note = ""
        if isinstance(exc, reconcile.NotDeleted):
            self.status_label.setText(f"{exc} Nothing was changed.")
            return
        _title, text = describe_failure("rebuild from AWS", exc, self._log_file)
        self.status_label.setText(text)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        self.read_button.setEnabled(not busy and self.profile_combo.count() > 0)
        self.profile_combo.setEnabled(not busy)
        self.sites_edit.setEnabled(not busy)
        self._update_delete()
        if text:
            self.status_label.setText(text)
