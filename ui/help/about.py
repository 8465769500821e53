"""Help > About: the app's version, the libraries it runs on, where its data is."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop import APP_NAME, __version__
from ui.resources import icon


class AboutDialog(QDialog):
    def __init__(self, places: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        """``places``: where the data, the log and the database are (shown at once);
        the libraries' versions follow (``show_versions``: they load off the GUI thread)."""
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle(f"About {APP_NAME}")
        self.setMinimumWidth(560)  # paths fit on a line or two
        self._places = places
        self._versions: list[tuple[str, str]] = [
            (APP_NAME, __version__),
            ("Qt", qVersion()),
            ("PySide6", pyside_version),
        ]
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(64, 64))
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        title = QLabel(
            f"<b style='font-size:16pt'>{APP_NAME}</b><br>Version {__version__}<br>"
            "Draft, check, provision and review BYOK encryption requests."
        )
        title.setObjectName("aboutTitle")
        title.setWordWrap(True)
        head.addWidget(title, 1)
        layout.addLayout(head)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton(icon("copy"), "&Copy")
        copy.setObjectName("copyAbout")
        copy.setToolTip("Copy these facts, for a support request")
        copy.clicked.connect(self.copy)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._fill(loading=True)

    def show_versions(self, versions: list[tuple[str, str]]) -> None:
        known = {name for name, _ in self._versions}
        self._versions += [(name, value) for name, value in versions if name not in known]
        self._fill(loading=False)
        self.adjustSize()

    def facts(self) -> list[tuple[str, str]]:
        return [*self._versions, *self._places]

    def text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.facts()) + "\n"

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def _fill(self, loading: bool) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        rows = [
            *self._versions,
            *(() if not loading else [("Libraries", "reading…")]),
            *self._places,
        ]
        for name, value in rows:
            if name == APP_NAME:
                continue  # the title says it
            field = QLabel(value)
            field.setObjectName(f"about:{name}")
            field.setTextFormat(Qt.TextFormat.PlainText)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setWordWrap(True)
            self.form.addRow(f"{name}:", field)
