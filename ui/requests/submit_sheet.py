"""The submit sheet: before a request is locked and provisioned, what can never change
and what will be created, with Submit and Cancel. Enter confirms (once the sheet has been
on screen a moment), Escape cancels."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.jobs.submit_sheet import SubmitSheet

# Enter arms only after this: an Enter still held from the form (auto-repeat) must not
# confirm a sheet the user has not seen.
ARM_DELAY_MS = 400


def _label(text: str, object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # site names are user text
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


class SubmitSheetDialog(QDialog):
    def __init__(self, sheet: SubmitSheet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sheet = sheet
        self.setObjectName("submitSheet")
        self.setWindowTitle("Submit for provisioning")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        title = _label(sheet.title, "sheetTitle")
        title.setStyleSheet("font-weight: bold;")
        layout.addWidget(title)
        layout.addWidget(_label("These choices are permanent once you submit:"))
        choices = QFormLayout()
        choices.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, value in sheet.choices:
            choices.addRow(f"{label}:", _label(value))
        layout.addLayout(choices)
        layout.addWidget(_label("Created in the customer's AWS account:"))
        self.creates = _label("\n".join(f"• {line}" for line in sheet.creates), "sheetCreates")
        layout.addWidget(self.creates)
        layout.addStretch(1)  # spare height below the text, not between its lines
        # Plain buttons, not a QDialogButtonBox: it makes its accept button the default
        # as it shows, and Enter would confirm at once.
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelSubmit")
        self.submit_button = QPushButton("Submit and provision")
        self.submit_button.setObjectName("confirmSubmit")
        for button in (self.cancel_button, self.submit_button):
            button.setAutoDefault(False)  # no Enter before the sheet is armed
            buttons.addWidget(button)
        self.cancel_button.clicked.connect(self.reject)
        self.submit_button.clicked.connect(self.accept)
        layout.addLayout(buttons)
        self.resize(self.minimumWidth(), layout.heightForWidth(self.minimumWidth()))
        self.armed = False
        self._arm_timer = QTimer(self)
        self._arm_timer.setSingleShot(True)
        self._arm_timer.setInterval(ARM_DELAY_MS)
        self._arm_timer.timeout.connect(self._arm)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._arm_timer.start()

    def _arm(self) -> None:
        self.armed = True
        self.submit_button.setDefault(True)
        self.submit_button.setFocus(Qt.FocusReason.OtherFocusReason)
