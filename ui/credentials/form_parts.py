"""The parts every credentials dialog ends with: a line of problems and OK/Cancel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton


def problems_label(name: str) -> QLabel:
    """Danger-coloured text from the stylesheet (``problem`` property), in both schemes."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAccessibleName("Problems")
    label.setProperty("problem", True)
    return label


def ok_cancel(
    dialog: QDialog, ok_text: str, ok_name: str, submit: Callable[[], None]
) -> tuple[QDialogButtonBox, QPushButton]:
    """OK (renamed, the primary button; ``submit`` decides whether to accept) and Cancel."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert isinstance(ok, QPushButton)
    if ok_text:
        ok.setText(ok_text)
    ok.setObjectName(ok_name)
    ok.setProperty("primary", True)
    buttons.accepted.connect(submit)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


def mark_problem(label: QLabel, problem: bool) -> None:
    """Turn a label's danger colour on or off (the stylesheet reads the property again)."""
    label.setProperty("problem", problem)
    label.style().unpolish(label)
    label.style().polish(label)
