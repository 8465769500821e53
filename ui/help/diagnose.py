"""Help > Diagnose: the doctor's checks (``byok-desktop doctor``), run off the GUI thread,
one row per check: its status, what was found and, for a failure, what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.doctor import Check, Verdict, table
from ui.resources import icon

COLUMNS = ("Check", "Status", "What was found, and what to do")
VERDICTS = {
    Verdict.OK: ("OK", "status-ready"),
    Verdict.WARNING: ("Warning", "status-warning"),
    Verdict.FAILED: ("Failed", "status-error"),
    Verdict.SKIPPED: ("Skipped", "status-info"),
}


class DiagnoseDialog(QDialog):
    run_again = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnose")
        self.setWindowTitle("Diagnose")
        self.resize(900, 460)
        self.checks: list[Check] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("diagnoseSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = QTableView()
        self.table.setObjectName("diagnoseTable")
        self.table.setAccessibleName("Checks")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        # Names and statuses on one line (set in show_checks); the findings wrap.
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(icon("copy"), "&Copy report")
        self.copy_button.setObjectName("copyReport")
        self.copy_button.clicked.connect(self.copy_report)
        self.again_button = QPushButton("&Run again")
        self.again_button.setObjectName("runAgain")
        self.again_button.clicked.connect(self.run_again)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.again_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.show_running()

    def show_running(self) -> None:
        self.summary.setText("Checking this workstation (each check gives up within seconds)…")
        self.copy_button.setEnabled(False)
        self.again_button.setEnabled(False)

    def show_checks(self, checks: list[Check]) -> None:
        self.checks = checks
        self.model.removeRows(0, self.model.rowCount())
        for check in checks:
            label, icon_name = VERDICTS[check.verdict]
            status = QStandardItem(icon(icon_name), label)
            detail = QStandardItem(check.detail)
            detail.setToolTip(check.detail)
            self.model.appendRow([QStandardItem(check.name), status, detail])
        metrics = self.table.fontMetrics()
        names = [c.name for c in checks]
        labels = [label for label, _icon in VERDICTS.values()]
        # Text, cell margins, and for the status its icon (a small icon and its spacing).
        for column, texts, pad in ((0, names, 24), (1, labels, 24 + 16 + 8)):
            widest = max(metrics.horizontalAdvance(t) for t in [*texts, COLUMNS[column]])
            self.table.horizontalHeader().resizeSection(column, widest + pad)
        failed = sum(c.verdict is Verdict.FAILED for c in checks)
        warned = sum(c.verdict is Verdict.WARNING for c in checks)
        if failed:
            text = f"{failed} check{'s' if failed != 1 else ''} failed: see what to do below."
        elif warned:
            text = f"Everything works; {warned} warning{'s' if warned != 1 else ''} below."
        else:
            text = "Everything checked works."
        self.summary.setText(text)
        self.copy_button.setEnabled(True)
        self.again_button.setEnabled(True)

    def show_failure(self, message: str) -> None:
        self.summary.setText(message)
        self.again_button.setEnabled(True)

    def report(self) -> str:
        return table(self.checks) if self.checks else ""

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
        self.summary.setText(f"{self.summary.text().rstrip('.')}. Report copied.")
