"""Pick an account and role from the signed-in identity's portal; it becomes a profile.

The portal's lists are read on the pool (one ListAccounts, one ListAccountRoles per
account). The table filters as the user types, on every column.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.credential_profiles import ProfileInput, ProfileKind, profile_problems
from byok_desktop.credentials.sso import SsoAccount, SsoRole, SsoSignIn
from ui.credentials.dialog import COMMON_REGIONS
from ui.credentials.form_parts import ok_cancel, problems_label
from ui.credentials.sign_in_dialog import failure_sentence
from ui.operations import Executor, Operations

log = logging.getLogger("ui.credentials.roles")

AccountRole = tuple[SsoAccount, SsoRole]
ROLE_COLUMNS = ("Account", "Account name", "Role")


def portal_roles(sign_in: SsoSignIn) -> list[AccountRole]:
    """Every role the signed-in identity may use, by account (blocks: the pool's)."""
    found: list[AccountRole] = []
    for account in sign_in.accounts():
        found.extend((account, role) for role in sign_in.roles(account.account_id))
    return found


class RolePickerDialog(QDialog):
    """``submitted`` asks the owner to save :meth:`entry`; the owner calls ``accept()``
    on success or :meth:`show_error`."""

    submitted = Signal()

    def __init__(
        self,
        sign_in: SsoSignIn,
        ops: Operations,
        parent: QWidget | None = None,
        default_region: str = "us-east-1",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rolePickerDialog")
        self.setWindowTitle("Choose an account and role")
        self.setMinimumSize(600, 460)
        self._sign_in = sign_in
        self._ops = ops
        self._roles: list[AccountRole] = []
        self._name_typed = False
        self._build(default_region)

    def _build(self, default_region: str) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.status_label = QLabel(
            f"Reading the accounts and roles of “{self._sign_in.session.name}”…"
        )
        self.status_label.setObjectName("rolesStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("roleFilter")
        self.filter_edit.setPlaceholderText("Filter by account ID, account name or role")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        layout.addWidget(self.filter_edit)

        self.model = QStandardItemModel(0, len(ROLE_COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(ROLE_COLUMNS))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.view = QTableView()
        self.view.setObjectName("roleTable")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by account name
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.doubleClicked.connect(self._submit)
        layout.addWidget(self.view, 1)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("roleProfileName")
        self.name_edit.setMaxLength(200)
        self.name_edit.setPlaceholderText("e.g. the customer's name")
        self.name_edit.textEdited.connect(self._name_edited)
        self.name_edit.textChanged.connect(self.revalidate)
        form.addRow("Profile &name", self.name_edit)
        self.region_edit = QLineEdit(default_region)
        self.region_edit.setObjectName("roleDefaultRegion")
        self.region_edit.setMaxLength(32)
        self.region_edit.setCompleter(QCompleter(list(COMMON_REGIONS), self.region_edit))
        self.region_edit.textChanged.connect(self.revalidate)
        form.addRow("Default &region", self.region_edit)
        layout.addLayout(form)

        self.problems_label = problems_label("roleProblems")
        layout.addWidget(self.problems_label)

        self.buttons, self.ok_button = ok_cancel(self, "&Add profile", "addRoleProfile", self._submit)
        layout.addWidget(self.buttons)
        self.revalidate()

    # --- loading ---------------------------------------------------------------------

    def start(self) -> None:
        sign_in = self._sign_in
        self._ops.run(
            lambda: portal_roles(sign_in),
            self._listed,
            self._list_failed,
            on=Executor.POOL,
            what="IAM Identity Center accounts and roles",
            owner=self,
        )

    def _listed(self, roles: list[AccountRole]) -> None:
        self._roles = roles
        self.model.removeRows(0, self.model.rowCount())
        for row, (account, role) in enumerate(roles):
            cells = [QStandardItem(account.account_id), QStandardItem(account.name)]
            cells.append(QStandardItem(role.role_name))
            for item in cells:
                item.setData(row, Qt.ItemDataRole.UserRole)
                item.setEditable(False)
            self.model.appendRow(cells)
        accounts = len({account.account_id for account, _ in roles})
        if roles:
            self.status_label.setText(
                f"{len(roles)} role(s) in {accounts} account(s). Choose the one this "
                "profile opens; its credentials come from the portal and stay in memory."
            )
            self.view.selectionModel().setCurrentIndex(
                self.proxy.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        else:
            self.status_label.setText(
                "This sign-in may use no account yet; ask your administrator to assign "
                "you a role in the customer's account."
            )
        self.filter_edit.setFocus()

    def _list_failed(self, exc: BaseException) -> None:
        self.status_label.setText(failure_sentence(exc))
        self.status_label.setProperty("failed", True)

    # --- choosing --------------------------------------------------------------------

    def chosen(self) -> AccountRole | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        found = self.proxy.data(rows[0], Qt.ItemDataRole.UserRole)
        return self._roles[int(found)] if found is not None else None

    def choose(self, account_id: str, role_name: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            account, role = self._roles[int(self.proxy.data(index, Qt.ItemDataRole.UserRole))]
            if (account.account_id, role.role_name) == (account_id, role_name):
                self.view.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return True
        return False

    def entry(self) -> ProfileInput:
        chosen = self.chosen()
        account_id, role_name = (chosen[0].account_id, chosen[1].role_name) if chosen else ("", "")
        return ProfileInput(
            name=self.name_edit.text().strip(),
            kind=ProfileKind.SSO,
            default_region=self.region_edit.text().strip(),
            expected_account_id=account_id,
            sso_session=self._sign_in.session,
            sso_account_id=account_id,
            sso_role_name=role_name,
        )

    @Slot()
    def _filter_changed(self) -> None:
        self.proxy.setFilterFixedString(self.filter_edit.text().strip())
        if not self.view.selectionModel().selectedRows() and self.proxy.rowCount():
            self.view.selectRow(0)
        self.revalidate()

    @Slot()
    def _name_edited(self) -> None:
        self._name_typed = bool(self.name_edit.text())

    @Slot()
    def _selection_changed(self) -> None:
        chosen = self.chosen()
        if chosen is not None and not self._name_typed:
            account, role = chosen
            self.name_edit.setText(f"{account.name or account.account_id} ({role.role_name})")
        self.revalidate()

    def problems(self) -> list[str]:
        if self.chosen() is None:
            return ["Choose an account and role."] if self._roles else []
        return profile_problems(self.entry(), has_secret=False, has_token=False)

    @Slot()
    def revalidate(self) -> None:
        if not hasattr(self, "ok_button"):
            return
        found = self.problems()
        self.problems_label.setText("\n".join(f"• {p}" for p in found))
        self.ok_button.setEnabled(self.chosen() is not None and not found)

    @Slot()
    def _submit(self) -> None:
        if self.chosen() is not None and not self.problems() and self.ok_button.isEnabled():
            self.problems_label.setText("")
            self.ok_button.setEnabled(False)
            self.submitted.emit()

    def show_error(self, text: str) -> None:
        self.problems_label.setText(text)
        self.ok_button.setEnabled(True)
