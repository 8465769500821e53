"""Use a profile the AWS CLI already has: lists the profiles of the files actually read
(``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE``, else ``~/.aws``) with their kind
and region. The files are read on the pool; no secret value is kept or shown."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.aws.config_profiles import (
    ConfigListing,
    ConfigProfile,
    ConfigProfileKind,
    list_config_profiles,
)
from byok_desktop.credential_profiles import ProfileInput, profile_problems
from ui.credentials.form_parts import ok_cancel, problems_label
from ui.credentials.sign_in_dialog import failure_sentence
from ui.operations import Executor, Operations

CONFIG_COLUMNS = ("Profile", "Kind", "Region", "Defined in")


def kind_text(found: ConfigProfile) -> str:
    text = found.kind.display_name
    return f"{text} (MFA)" if found.needs_mfa else text


class ConfigPickerDialog(QDialog):
    """``submitted`` asks the owner to save :meth:`entry`; the owner calls ``accept()``
    on success or :meth:`show_error`."""

    submitted = Signal()

    def __init__(self, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("configPickerDialog")
        self.setWindowTitle("Use a profile from the AWS config")
        self.setMinimumSize(640, 420)
        self._ops = ops
        self.listing: ConfigListing | None = None
        self._name_typed = False
        layout = QVBoxLayout(self)
        self.files_label = QLabel("Reading the AWS configuration…")
        self.files_label.setObjectName("configFiles")
        self.files_label.setWordWrap(True)
        self.files_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.files_label)
        self.model = QStandardItemModel(0, len(CONFIG_COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(CONFIG_COLUMNS))
        self.view = QTableView()
        self.view.setObjectName("configProfiles")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.doubleClicked.connect(self._submit)
        layout.addWidget(self.view, 1)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("fieldHint")
        self.hint_label.setWordWrap(True)
        layout.addWidget(self.hint_label)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("configProfileName")
        self.name_edit.setMaxLength(200)
        self.name_edit.textEdited.connect(self._name_edited)
        self.name_edit.textChanged.connect(self.revalidate)
        form.addRow("Profile &name in this app", self.name_edit)
        layout.addLayout(form)
        self.problems_label = problems_label("configProblems")
        layout.addWidget(self.problems_label)
        self.buttons, self.ok_button = ok_cancel(self, "&Add profile", "addConfigProfile", self._submit)
        layout.addWidget(self.buttons)
        self.revalidate()

    def start(self) -> None:
        self._ops.run(
            list_config_profiles,
            self._listed,
            self._list_failed,
            on=Executor.POOL,
            what="read the AWS configuration",
            owner=self,
        )

    def _listed(self, listing: ConfigListing) -> None:
        self.listing = listing
        usable = [p for p in listing.profiles if p.kind is not ConfigProfileKind.OTHER]
        text = listing.summary
        if listing.problems:
            text += "\n" + "\n".join(listing.problems)
        self.files_label.setText(text)
        self.model.removeRows(0, self.model.rowCount())
        for found in usable:
            cells = [
                QStandardItem(found.name),
                QStandardItem(kind_text(found)),
                QStandardItem(found.region or "—"),
                QStandardItem(", ".join(str(f) for f in found.files)),
            ]
            for item in cells:
                item.setEditable(False)
                item.setToolTip(item.text())
            self.model.appendRow(cells)
        if usable:
            self.view.selectRow(0)
            self.view.setFocus()
        self.revalidate()

    def _list_failed(self, exc: BaseException) -> None:
        self.files_label.setText(failure_sentence(exc))

    def chosen(self) -> ConfigProfile | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows or self.listing is None:
            return None
        return self.listing.find(str(self.model.item(rows[0].row(), 0).text()))

    def choose(self, name: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.item(row, 0).text() == name:
                self.view.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return True
        return False

    def entry(self) -> ProfileInput | None:
        found = self.chosen()
        return found.as_profile_input(self.name_edit.text().strip()) if found else None

    @Slot()
    def _name_edited(self) -> None:
        self._name_typed = bool(self.name_edit.text())

    @Slot()
    def _selection_changed(self) -> None:
        found = self.chosen()
        if found is not None and not self._name_typed:
            self.name_edit.setText(found.name)
        if found is None:
            self.hint_label.setText("")
        elif found.kind is ConfigProfileKind.SSO:
            self.hint_label.setText(
                "An IAM Identity Center profile: the app signs in itself (token in the OS "
                "keyring) or uses the AWS CLI's own sign-in while it is valid."
            )
        else:
            mfa = " You are asked for the MFA code when it is needed." if found.needs_mfa else ""
            self.hint_label.setText(
                "Used by name through the AWS CLI's files: its secrets stay there and are "
                f"never copied into this app.{mfa}"
            )
        self.revalidate()

    @Slot()
    def revalidate(self) -> None:
        entry = self.entry()
        found = profile_problems(entry, False, False) if entry is not None else []
        self.problems_label.setText("\n".join(f"• {p}" for p in found))
        self.ok_button.setEnabled(entry is not None and not found)

    @Slot()
    def _submit(self) -> None:
        if self.ok_button.isEnabled():
            self.problems_label.setText("")
            self.ok_button.setEnabled(False)
            self.submitted.emit()

    def show_error(self, text: str) -> None:
        self.problems_label.setText(text)
        self.ok_button.setEnabled(True)
