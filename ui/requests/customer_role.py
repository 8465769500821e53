"""Beside the request's provisioning role: the customer's ExternalId (read-only, to copy
into the trust policy) and "Export setup kit…". The ExternalId is read on the database
worker and the kit written on the pool; neither waits on the GUI thread."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from byok_desktop.jobs.customer_role import CustomerKit
from byok_desktop.request import RequestDraft
from byok_desktop.validation import account_id_problems, normalise_account_id
from ui.operations import Executor, Operations

log = logging.getLogger("ui.requests")

EXTERNAL_ID_KEY = "editor-external-id"
_EXPLAINED = (
    "The customer's trust policy requires this ExternalId; it is made once per AWS "
    "account and is the same for every request of the account."
)


class KitDialogs:
    """The folder dialog, behind a classmethod tests replace."""

    @classmethod
    def choose_folder(cls, parent: QWidget | None) -> str:
        return QFileDialog.getExistingDirectory(parent, "Export setup kit into folder")


class CustomerRoleTools(QWidget):
    message = Signal(str)  # for the status bar

    def __init__(self, ops: Operations, kit: CustomerKit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._kit = kit
        self._account = ""  # whose ExternalId is shown (or being read)
        self._draft: RequestDraft | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("ExternalId")
        caption.setObjectName("externalIdCaption")
        layout.addWidget(caption)
        self.external_id = QLineEdit()
        self.external_id.setObjectName("externalIdField")
        self.external_id.setReadOnly(True)
        self.external_id.setAccessibleName("ExternalId of the customer's account")
        self.external_id.setPlaceholderText("ExternalId: enter the account ID first")
        self.external_id.setToolTip(_EXPLAINED)
        caption.setBuddy(self.external_id)
        layout.addWidget(self.external_id, 1)
        self.export_button = QPushButton("Export setup kit…")
        self.export_button.setObjectName("exportSetupKitButton")
        self.export_button.setToolTip(
            "CloudFormation and Terraform that create the roles in the customer's account"
        )
        self.export_button.clicked.connect(self.export)
        layout.addWidget(self.export_button)

    def show_draft(self, draft: RequestDraft | None) -> None:
        """Called on every check of the editor: reads the ExternalId of a new account."""
        self._draft = draft
        account = normalise_account_id(draft.aws_account_id) if draft else ""
        valid = bool(account) and not account_id_problems(account)
        self.export_button.setEnabled(valid)
        if not valid:
            self._account = ""
            self.external_id.clear()
            return
        if account == self._account:
            return
        self._account = account
        self.external_id.clear()
        kit = self._kit
        self._ops.run(
            lambda: (account, kit.external_id(account)),
            self._external_id_read,
            self._external_id_failed,
            on=Executor.DATABASE,
            what="read the customer's ExternalId",
            owner=self,
            key=EXTERNAL_ID_KEY,
        )

    def _external_id_read(self, result: tuple[str, str]) -> None:
        account, external_id = result
        if account == self._account:
            self.external_id.setText(external_id)
            self.external_id.setCursorPosition(0)  # show its start; it is copied whole
            self.external_id.setToolTip(f"{external_id}\n\n{_EXPLAINED}")

    def _external_id_failed(self, error: BaseException) -> None:
        # The editor's own banner speaks for an unreachable database; read it next time.
        log.warning("ExternalId not read: %s", error)
        self._account = ""

    def export(self) -> None:
        draft = self._draft
        if draft is None:
            return
        folder = KitDialogs.choose_folder(self.window())
        if not folder:
            return
        kit = self._kit
        self.export_button.setEnabled(False)
        self._ops.run(
            lambda: kit.export(draft, Path(folder)),
            self._exported,
            self._export_failed,
            on=Executor.POOL,
            what="export the setup kit",
            owner=self,
        )

    def _exported(self, written: list[Path]) -> None:
        self.export_button.setEnabled(True)
        folder = written[0].parent if written else ""
        self.message.emit(f"Setup kit written to {folder}: send the three files to the customer.")

    def _export_failed(self, error: BaseException) -> None:
        self.export_button.setEnabled(True)
        self._ops.presenter.present_failure("export the setup kit", error)
