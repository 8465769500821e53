"""A confirmation that must be typed: the OK button wakes only when the user has typed the
exact word asked for (the site name), so an irreversible-looking action is never one
stray Enter away."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True, slots=True)
class TypedConfirmation:
    title: str
    intro: str  # what will happen, in a sentence or two
    required: str  # what the user must type, exactly
    ok_label: str
    # (heading, lines) pairs; a group without lines is left out
    groups: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)
    outro: str = ""


class TypedConfirmDialog(QDialog):
    def __init__(self, request: TypedConfirmation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("typedConfirmDialog")
        self.setWindowTitle(request.title)
        self.setModal(True)
        self.setMinimumWidth(520)
        self._required = request.required
        layout = QVBoxLayout(self)
        intro = QLabel(request.intro)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setObjectName("confirmIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.lists: list[QListWidget] = []
        for number, (heading, lines) in enumerate(request.groups):
            if not lines:
                continue
            head = QLabel(heading)
            head.setTextFormat(Qt.TextFormat.PlainText)
            head.setObjectName("confirmGroupHeading")
            head.setWordWrap(True)
            layout.addWidget(head)
            listing = QListWidget()
            listing.setObjectName(f"confirmGroup{number}")
            listing.addItems(list(lines))
            listing.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            listing.setSelectionMode(QListWidget.SelectionMode.NoSelection)
            rows = min(len(lines), 8)
            listing.setFixedHeight(rows * (listing.sizeHintForRow(0) or 20) + 8)
            head.setBuddy(listing)
            layout.addWidget(listing)
            self.lists.append(listing)
        if request.outro:
            outro = QLabel(request.outro)
            outro.setTextFormat(Qt.TextFormat.PlainText)
            outro.setWordWrap(True)
            layout.addWidget(outro)
        prompt = QLabel(f"Type <b>{html.escape(request.required)}</b> to confirm:")
        prompt.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(prompt)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("confirmText")
        self.confirm_edit.setPlaceholderText("Type the site name to confirm")
        self.confirm_edit.setAccessibleName(f"Type {request.required} to confirm")
        prompt.setBuddy(self.confirm_edit)
        layout.addWidget(self.confirm_edit)
        buttons = QDialogButtonBox()
        self.ok_button = QPushButton(request.ok_label)
        self.ok_button.setObjectName("confirmOk")
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("confirmCancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.confirm_edit.textChanged.connect(self._text_changed)
        self._text_changed(self.confirm_edit.text())
        self.confirm_edit.setFocus()

    @Slot(str)
    def _text_changed(self, text: str) -> None:
        matches = text == self._required
        self.ok_button.setEnabled(matches)
        self.ok_button.setDefault(matches)  # Enter confirms only once the name is right
        self.cancel_button.setDefault(not matches)

    def accept(self) -> None:
        if self.confirm_edit.text() == self._required:  # never accepted any other way
            super().accept()


class TypedConfirm:
    """Behind a classmethod, as :class:`ui.dialogs.Dialogs`, so tests can replace it."""

    @classmethod
    def ask(cls, parent: QWidget | None, request: TypedConfirmation) -> bool:
        dialog = TypedConfirmDialog(request, parent)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
