"""Modal dialogs behind classmethods, so tests can replace them (pytest monkeypatch)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

REQUEST_FILE_FILTER = "BYOK request files (*.byok.json);;JSON files (*.json);;All files (*)"
CSV_FILE_FILTER = "CSV files (*.csv);;All files (*)"


class Dialogs:
    @classmethod
    def error(cls, parent: QWidget | None, title: str, text: str, details: str = "") -> None:
        box = QMessageBox(
            QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # texts quote user input
        box.setObjectName("errorDialog")
        if details:
            box.setDetailedText(details)
        box.exec()

    @classmethod
    def info(cls, parent: QWidget | None, title: str, text: str, details: str = "") -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # texts quote user input
        if details:
            box.setDetailedText(details)
        box.exec()

    @classmethod
    def confirm(cls, parent: QWidget | None, title: str, text: str, ok_label: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # texts quote user input
        ok = box.addButton(ok_label, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is ok

    @classmethod
    def choose(
        cls,
        parent: QWidget | None,
        title: str,
        text: str,
        options: Sequence[str],
        details: str = "",
    ) -> str | None:
        """One of ``options`` (button labels), or None for Cancel."""
        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # texts quote user input
        buttons = [
            (box.addButton(label, QMessageBox.ButtonRole.AcceptRole), label) for label in options
        ]
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        if details:
            box.setDetailedText(details)
        box.exec()
        clicked = box.clickedButton()
        return next((label for button, label in buttons if button is clicked), None)

    @classmethod
    def open_request_files(cls, parent: QWidget | None, directory: str) -> list[str]:
        files, _ = QFileDialog.getOpenFileNames(
            parent, "Import request files", directory, REQUEST_FILE_FILTER
        )
        return files

    @classmethod
    def save_request_file(cls, parent: QWidget | None, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(
            parent, "Export requests", suggested, REQUEST_FILE_FILTER
        )
        return path

    @classmethod
    def save_csv_file(cls, parent: QWidget | None, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(parent, "Export to CSV", suggested, CSV_FILE_FILTER)
        return path
