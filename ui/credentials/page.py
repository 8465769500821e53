"""Credentials section: AWS credential profiles with their state; add, edit, verify, delete.

The profile list is read on the database worker; everything that touches the keyring or
AWS runs on the pool (Operations): the keyring may wait for an unlock prompt, and AWS for
the network. Profiles changed elsewhere arrive on the change bus.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.aws.errors import AwsProblem
from byok_desktop.aws.identity import CallerIdentity
from byok_desktop.changes import Changes, Kind
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import (
    Profile,
    ProfileKind,
    ProfileNotFound,
    ProfileState,
)
from byok_desktop.credentials.keyring_store import KeyringProblem
from byok_desktop.credentials.service import ProfileStatus
from byok_desktop.errors import StorageError
from ui.changes import ChangeRelay
from ui.credentials.connect_actions import ConnectActions, save_failure_text
from ui.credentials.dialog import ProfileDialog
from ui.credentials.mfa_dialog import GuiMfaPrompter
from ui.credentials.model import Column, CredentialsModel
from ui.dialogs import Dialogs
from ui.operations import Executor, Operations
from ui.page_header import page_title, set_page_margins, tab_chain
from ui.resources import icon
from ui.shortcuts import keys as shortcut_keys
from ui.tables import add_copy, fit_columns_when_filled

log = logging.getLogger("ui.credentials")

SANDBOX_LOCKED = (
    "The built-in sandbox profile cannot be edited or deleted; it can only be verified."
)
SSO_NOT_EDITED = (
    "An IAM Identity Center profile is not edited: sign in with IAM Identity Center and "
    "choose another role to add one, then delete this one."
)


class CredentialsPage(QWidget):
    message = Signal(str)  # for the status bar

    def __init__(
        self,
        context: AppContext,
        ops: Operations,
        changes: ChangeRelay,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("credentialsPage")
        self._service = context.credentials
        self._ops = ops
        self._list_key = f"profiles-list-{id(self)}"
        self.model = CredentialsModel(self)
        self.profile_dialog: ProfileDialog | None = None
        self._keyring_problem: str | None = None
        self._checks: dict[str, int] = {}  # uid -> latest status request
        self._check_serial = 0
        self._verifying: set[str] = set()
        self.connect_actions = ConnectActions(self._service, ops, self)
        self.connect_actions.message.connect(self.message)
        self.connect_actions.saved.connect(self._profile_added)
        self.connect_actions.states_changed.connect(self.check_again_quietly)
        # MFA codes for assume-role profiles are asked for here, on the GUI thread.
        self.mfa_prompter = GuiMfaPrompter(ops, self)
        self._service.mfa_prompter = self.mfa_prompter
        self._build()
        self._make_actions()
        # Profiles and the keyring are read when the page is first shown: the keyring's
        # backend discovery costs ~0.2 s of CPU that an app opening elsewhere need not pay.
        self._shown_before = False
        changes.changed.connect(self._changed)

    @Slot(object)
    def _changed(self, changes: Changes) -> None:
        """Profiles saved, verified or deleted (here, by a job, on another workstation)."""
        if self._shown_before and (changes.touches(Kind.PROFILES) or changes.remote):
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        if not self._shown_before:
            self._shown_before = True
            self.refresh(recheck=True)
        else:
            # A sign-in may have run out since: its state is worked out again.
            for profile in self.model.profiles:
                if profile.kind is ProfileKind.SSO:
                    self._check_status(profile)
        super().showEvent(event)

    # --- construction ----------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        set_page_margins(layout)
        layout.setSpacing(8)
        layout.addWidget(page_title("Credentials"))
        intro = QLabel(
            "Profiles for customers' AWS accounts. Sign in with your own identity and pick a "
            "role in the customer's account; secrets stay in the OS keyring or in memory, "
            "never in this app's database."
        )
        intro.setObjectName("fieldHint")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(self._connect_row())

        self.keyring_banner = QFrame()
        self.keyring_banner.setObjectName("warningBanner")
        banner_layout = QHBoxLayout(self.keyring_banner)
        banner_layout.setContentsMargins(10, 6, 10, 6)
        banner_icon = QLabel()
        banner_icon.setPixmap(icon("status-warning").pixmap(18, 18))
        banner_layout.addWidget(banner_icon, 0, Qt.AlignmentFlag.AlignTop)
        self.keyring_banner_label = QLabel()
        self.keyring_banner_label.setObjectName("keyringProblem")
        self.keyring_banner_label.setWordWrap(True)
        self.keyring_banner_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        banner_layout.addWidget(self.keyring_banner_label, 1)
        self.check_again_button = QPushButton("Check again")
        self.check_again_button.setObjectName("checkKeyringAgain")
        self.check_again_button.clicked.connect(self.check_again)
        banner_layout.addWidget(self.check_again_button, 0, Qt.AlignmentFlag.AlignTop)
        self.keyring_banner.hide()
        layout.addWidget(self.keyring_banner)

        self._tool_bar = QHBoxLayout()
        self._tool_bar.setSpacing(6)
        layout.addLayout(self._tool_bar)

        self.view = QTableView()
        self.view.setObjectName("credentialsTable")
        self.view.setAccessibleName("AWS credential profiles")
        self.view.setModel(self.model)
        self.view.setMinimumHeight(110)  # a few rows stay visible in the smallest window
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(28)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((180, 180, 90, 115, 95, 125, 135, 130)):
            self.view.setColumnWidth(column, width)
        add_copy(self.view, middle_columns=(Column.ACCESS_KEY, Column.ACCOUNT))
        fit_columns_when_filled(self.view)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.doubleClicked.connect(self.edit_selected)
        self.model.dataChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        layout.addWidget(self.view, 1)

        self.detail_label = QLabel()
        self.detail_label.setObjectName("profileDetail")
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)  # profile names are user text
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Two lines kept for it: a wrapped sentence never slides over the table.
        self.detail_label.setMinimumHeight(2 * self.detail_label.fontMetrics().lineSpacing() + 4)
        layout.addWidget(self.detail_label)
        self.empty_hint = QLabel(
            "No AWS credentials yet. Sign in with IAM Identity Center and choose the role in "
            "the customer's account, or use a profile your AWS CLI already has. Access keys "
            "(Insert) remain for the sandbox and older set-ups."
        )
        self.empty_hint.setObjectName("emptyState")
        self.empty_hint.setWordWrap(True)
        layout.addWidget(self.empty_hint)
        self.backend_label = QLabel()
        self.backend_label.setObjectName("keyringBackend")
        self.backend_label.setProperty("hint", True)  # subtle text, from the stylesheet
        layout.addWidget(self.backend_label)

    def _connect_row(self) -> QHBoxLayout:
        """The ways to connect, the recommended one first and access keys last."""
        row = QHBoxLayout()
        row.setSpacing(8)
        self.sign_in_new_button = QPushButton(icon("security"), "Sign in with IAM Identity Center…")
        self.sign_in_new_button.setObjectName("signInWithSso")
        self.sign_in_new_button.setProperty("primary", True)
        self.sign_in_new_button.setToolTip(
            "Sign in with your own identity, then choose an account and role (Ctrl+Shift+I)"
        )
        self.sign_in_new_button.clicked.connect(self.sign_in_new)
        row.addWidget(self.sign_in_new_button)
        self.aws_config_button = QPushButton("Use a profile from the AWS config…")
        self.aws_config_button.setObjectName("useAwsConfig")
        self.aws_config_button.setToolTip(
            "A profile your AWS CLI already has: SSO, assume role, credential_process or keys"
        )
        self.aws_config_button.clicked.connect(self.connect_actions.use_aws_config)
        row.addWidget(self.aws_config_button)
        self.add_keys_button = QPushButton("Access keys…")
        self.add_keys_button.setObjectName("addAccessKeys")
        self.add_keys_button.setToolTip(
            "Long-lived or temporary access keys, kept in the OS keyring (Insert)"
        )
        self.add_keys_button.clicked.connect(self.add_profile)
        row.addWidget(self.add_keys_button)
        row.addStretch(1)
        return row

    def _make_actions(self) -> None:
        def action(
            name: str,
            text: str,
            icon_name: str,
            slot: Callable[[], None],
            on_table: bool = False,
        ) -> QAction:
            act = QAction(icon(icon_name), text, self)
            act.setObjectName(name)
            act.setShortcuts(shortcut_keys(name))  # ui/shortcuts.py: the one table
            if on_table:
                # Only while the table has focus: Delete or Enter in a field is not a command.
                act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
                self.view.addAction(act)
            else:
                act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                self.addAction(act)
            act.triggered.connect(slot)
            return act

        self.add_action = action(
            "addProfile",
            "&Add…",
            "new",
            self.add_profile,
        )
        self.edit_action = action(
            "editProfile",
            "&Edit…",
            "credentials",
            self.edit_selected,
            on_table=True,
        )
        self.verify_action = action(
            "verifyProfile", "&Verify", "status-ready", self.verify_selected
        )
        self.sign_in_new_action = action(
            "signInNew",
            "Sign in with IAM Identity Center",
            "security",
            self.sign_in_new,
        )
        self.sign_in_action = action(
            "signInProfile", "&Sign in", "security", self.sign_in_selected
        )
        self.sign_out_action = action(
            "signOutProfile", "Sign &out…", "lock", self.sign_out_selected
        )
        self.delete_action = action(
            "deleteProfile",
            "De&lete…",
            "delete",
            self.delete_selected,
            on_table=True,
        )
        self._base_tips: dict[QAction, str] = {}
        buttons: list[QWidget] = []
        shown = (
            self.sign_in_action,
            self.sign_out_action,
            self.verify_action,
            self.edit_action,
            self.delete_action,
        )
        for act in shown:
            button = QToolButton()
            button.setObjectName(f"{act.objectName()}Button")
            button.setDefaultAction(act)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            keys = ", ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in act.shortcuts()[:2]
            )
            name = act.text().replace("&", "").rstrip("…")
            tip = f"{name} ({keys})" if keys else name
            self._base_tips[act] = tip
            act.setToolTip(tip)
            self._tool_bar.addWidget(button)
            buttons.append(button)
        self._tool_bar.addStretch(1)
        tab_chain(*buttons, self.view)  # the buttons above the table come first
        self._update_actions()

    # --- selection -------------------------------------------------------------------

    def selected_profile(self) -> Profile | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.profile(rows[0].row()) if rows else None

    def select_profile(self, uid: str) -> None:
        row = self.model.row_of(uid)
        if row is None:
            return
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)

    @Slot()
    def _selection_changed(self) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        profile = self.selected_profile()
        sandbox = profile is not None and profile.kind is ProfileKind.SANDBOX
        sso = profile is not None and profile.kind is ProfileKind.SSO
        for act in (self.edit_action, self.delete_action):
            act.setEnabled(profile is not None and not sandbox)
            act.setToolTip(SANDBOX_LOCKED if sandbox else self._base_tips[act])
        self.edit_action.setEnabled(profile is not None and not sandbox and not sso)
        if sso:
            self.edit_action.setToolTip(SSO_NOT_EDITED)
        status = self.model.status(profile.uid) if profile is not None else None
        signed_in = status is not None and status.sign_in is not None and status.sign_in.signed_in
        self.sign_in_action.setEnabled(sso and not signed_in)
        self.sign_out_action.setEnabled(sso and signed_in)
        self.verify_action.setEnabled(profile is not None and profile.uid not in self._verifying)
        empty = self.model.rowCount() == 0
        self.empty_hint.setVisible(empty)
        if profile is None:
            self.detail_label.setText("" if empty else "Select a profile to see its state.")
            return
        status = self.model.status(profile.uid)
        text = f"{profile.name}: {status.detail if status else 'checking the OS keyring…'}"
        if sandbox:
            text += " " + SANDBOX_LOCKED
        self.detail_label.setText(text)

    # --- loading and states -------------------------------------------------------------

    def refresh(self, recheck: bool = False, select: str | None = None) -> None:
        """Re-read the profiles (on the database worker); then work out the states of
        those without a current one (all of them with ``recheck``) on the pool, and check
        the keyring itself. ``select``: the profile to select once the list is in."""
        profiles = self._service.profiles
        self._ops.run(
            profiles.list,
            lambda listed: self._listed(listed, recheck, select),
            self._list_failed,
            on=Executor.DATABASE,
            what="read credential profiles",
            owner=self,
            key=self._list_key,
        )
        if recheck:
            self._ops.run(
                self._service.secrets.current_backend,
                self._keyring_ok,
                self._keyring_failed,
                on=Executor.POOL,
                what="keyring check",
                owner=self,
            )

    def _listed(self, profiles: list[Profile], recheck: bool, select: str | None) -> None:
        selected = self.selected_profile()
        self.model.set_profiles(profiles)
        wanted = select or (selected.uid if selected is not None else None)
        if wanted is not None:
            self.select_profile(wanted)
        if self.selected_profile() is None and profiles:
            self.select_profile(profiles[0].uid)
        for profile in profiles:
            if recheck or self.model.status(profile.uid) is None:
                self._check_status(profile)
        self._update_actions()

    def _list_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, StorageError | OSError):
            self._ops.presenter.present_failure("read credential profiles", exc)
            return
        log.error("Could not read credential profiles: %s", exc)
        self.message.emit(f"Could not read the credential profiles: {exc}")

    def _check_status(self, profile: Profile) -> None:
        self._check_serial += 1
        serial = self._check_serial
        self._checks[profile.uid] = serial
        service = self._service
        # One task per profile: states arrive as they are known, and a stuck keyring
        # costs one timeout, not one per profile.
        self._ops.run(
            lambda: service.status(profile),
            lambda status: self._status_arrived(serial, status),
            lambda exc: self._status_failed(serial, profile, exc),
            on=Executor.POOL,
            what="profile state",
            owner=self,
        )

    def _status_arrived(self, serial: int, status: ProfileStatus) -> None:
        uid = status.profile.uid
        if self._checks.get(uid) != serial:
            return  # a newer check is on its way
        self._checks.pop(uid, None)
        if not self.model.set_status(status):
            return
        if status.state is ProfileState.KEYRING_UNAVAILABLE:
            self._show_keyring_problem(status.detail)
        elif status.profile.uses_keyring and status.state is not ProfileState.EXPIRED:
            self._show_keyring_problem(None)  # the keyring answered
        self._update_actions()

    def _status_failed(self, serial: int, profile: Profile, exc: BaseException) -> None:
        if self._checks.get(profile.uid) == serial:
            self._checks.pop(profile.uid, None)
        log.error("Could not work out the state of profile %s", profile.name, exc_info=exc)
        self.model.set_busy(profile.uid, "State unknown")
        self.message.emit(f"Could not check '{profile.name}': {type(exc).__name__}")

    def _keyring_ok(self, backend: object) -> None:
        self.backend_label.setText(f"Secrets are stored in the OS keyring ({backend}).")
        if not any(s.state is ProfileState.KEYRING_UNAVAILABLE for s in self.model.statuses()):
            self._show_keyring_problem(None)

    def _keyring_failed(self, exc: BaseException) -> None:
        self.backend_label.setText("No usable OS keyring: secrets cannot be stored right now.")
        if isinstance(exc, KeyringProblem):
            self._show_keyring_problem(str(exc))
        else:
            log.error("Keyring check failed", exc_info=exc)
            self._show_keyring_problem(f"The OS keyring could not be checked ({exc}).")

    def _show_keyring_problem(self, text: str | None) -> None:
        self._keyring_problem = text
        if text:
            if "Drafting" not in text:
                text += " Drafting requests works without it."
            self.keyring_banner_label.setText(text)
        self.keyring_banner.setVisible(bool(text))

    @Slot()
    def check_again(self) -> None:
        self.refresh(recheck=True)
        self.message.emit("Checking the OS keyring and every profile again…")

    # --- add and edit -------------------------------------------------------------------

    @Slot()
    def add_profile(self) -> None:
        self._open_dialog(None)

    @Slot()
    def edit_selected(self) -> None:
        profile = self.selected_profile()
        if profile is None:
            return
        if profile.kind is ProfileKind.SANDBOX:
            self.message.emit(SANDBOX_LOCKED)
            return
        if profile.kind is ProfileKind.SSO:
            self.message.emit(SSO_NOT_EDITED)
            return
        self._open_dialog(profile)

    def _open_dialog(self, profile: Profile | None) -> None:
        if self.profile_dialog is not None:
            self.profile_dialog.raise_()
            self.profile_dialog.activateWindow()
            return
        dialog = ProfileDialog(profile, self)
        dialog.submitted.connect(self._save_dialog)
        dialog.finished.connect(self._dialog_closed)
        self.profile_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop
        dialog.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _dialog_closed(self) -> None:
        dialog = self.profile_dialog
        self.profile_dialog = None
        if dialog is not None:
            dialog.deleteLater()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _save_dialog(self) -> None:
        dialog = self.profile_dialog
        if dialog is None:
            return
        uid, entry, secret = dialog.uid, dialog.entry(), dialog.secret()
        new_secret = secret is not None  # callbacks must not hold the secret
        dialog.set_busy(True)
        service = self._service
        self._ops.run(
            lambda: service.save(uid, entry, secret),
            lambda profile: self._saved(dialog, profile, new_secret),
            lambda exc: self._save_failed(dialog, exc),
            on=Executor.POOL,
            what="profile save",
            owner=self,
        )

    def _saved(self, dialog: ProfileDialog, profile: Profile, new_secret: bool) -> None:
        if dialog is self.profile_dialog:
            dialog.finish()
        self.refresh(select=profile.uid)
        if new_secret:
            self._show_keyring_problem(None)
        stored = " Its secret is in the OS keyring." if new_secret else ""
        self.message.emit(f"Saved profile '{profile.name}'.{stored} Press Ctrl+R to verify it.")

    def _save_failed(self, dialog: ProfileDialog, exc: BaseException) -> None:
        if isinstance(exc, KeyringProblem):
            self._show_keyring_problem(str(exc))
        text = save_failure_text(exc)
        if dialog is self.profile_dialog:
            dialog.show_error(text)
        else:
            Dialogs.error(self, "Profile not saved", text)

    # --- IAM Identity Center ------------------------------------------------------------

    @Slot()
    def sign_in_new(self) -> None:
        """A new sign-in and role; the session of the selected SSO profile is offered."""
        selected = self.selected_profile()
        suggested = selected.sso_session if selected is not None else None
        if suggested is None:
            suggested = next((p.sso_session for p in self.model.profiles if p.sso_session), None)
        self.connect_actions.sign_in_new(suggested)

    @Slot()
    def sign_in_selected(self) -> None:
        profile = self.selected_profile()
        if profile is not None and profile.kind is ProfileKind.SSO:
            self.connect_actions.sign_in_profile(profile)

    @Slot()
    def sign_out_selected(self) -> None:
        profile = self.selected_profile()
        if profile is not None and profile.kind is ProfileKind.SSO:
            self.connect_actions.sign_out(profile)

    @Slot(str)
    def _profile_added(self, uid: str) -> None:
        self.refresh(select=uid)

    @Slot()
    def check_again_quietly(self) -> None:
        """Signed in or out: every profile's state is worked out again."""
        self.refresh(recheck=True)

    # --- verify -------------------------------------------------------------------------

    @Slot()
    def verify_selected(self) -> None:
        profile = self.selected_profile()
        if profile is None or profile.uid in self._verifying:
            return
        uid, name = profile.uid, profile.name
        self._verifying.add(uid)
        self.model.set_busy(uid, "Verifying…")
        self._update_actions()
        self.message.emit(f"Verifying '{name}' with AWS…")
        service = self._service
        self._ops.run(
            lambda: service.verify(uid),
            lambda result: self._verified(uid, result),
            lambda exc: self._verify_failed(uid, name, exc),
            on=Executor.POOL,
            what="profile verification",
            owner=self,
        )

    def _verify_done(self, uid: str) -> None:
        self._verifying.discard(uid)
        self.model.set_busy(uid, None)
        self.refresh()

    def _verified(self, uid: str, result: tuple[Profile, CallerIdentity]) -> None:
        profile, identity = result
        self._verify_done(uid)
        self.message.emit(
            f"'{profile.name}' verified: it opens AWS account {identity.account_id} "
            f"as {identity.arn}."
        )

    def _verify_failed(self, uid: str, name: str, exc: BaseException) -> None:
        self._verify_done(uid)
        if isinstance(exc, AwsProblem):
            self.message.emit(f"'{name}' could not be verified.")
            Dialogs.error(self, "Verification failed", str(exc))
        elif isinstance(exc, KeyringProblem):
            self._show_keyring_problem(str(exc))
            Dialogs.error(self, "Verification failed", str(exc))
        elif isinstance(exc, ProfileNotFound):
            self.message.emit(str(exc))
        else:
            log.error("Verifying profile %s failed", name, exc_info=exc)
            Dialogs.error(
                self,
                "Verification failed",
                f"'{name}' could not be verified: unexpected {type(exc).__name__}. "
                "The details are in the log file.",
            )

    # --- delete -------------------------------------------------------------------------

    @Slot()
    def delete_selected(self) -> None:
        profile = self.selected_profile()
        if profile is None:
            return
        if profile.kind is ProfileKind.SANDBOX:
            self.message.emit(SANDBOX_LOCKED)
            return
        if profile.uses_keyring:
            where = " Its secret is removed from the OS keyring too."
        elif profile.kind is ProfileKind.SSO:
            where = " Its sign-in is forgotten too when no other profile uses it."
        else:
            where = " The AWS CLI profile itself (in the AWS config) is not touched."
        if not Dialogs.confirm(
            self,
            "Delete profile",
            f"Delete the credential profile '{profile.name}'?{where} This cannot be undone.",
            "Delete",
        ):
            return
        uid, name = profile.uid, profile.name
        service = self._service
        self.message.emit(f"Deleting '{name}'…")
        self._ops.run(
            lambda: service.delete(uid),
            lambda _result: self._deleted(name),
            lambda exc: self._delete_failed(name, exc),
            on=Executor.POOL,
            what="profile delete",
            owner=self,
        )

    def _deleted(self, name: str) -> None:
        self.refresh()
        self.message.emit(f"Deleted profile '{name}'.")

    def _delete_failed(self, name: str, exc: BaseException) -> None:
        self.refresh()
        if isinstance(exc, KeyringProblem):
            self._show_keyring_problem(str(exc))
            Dialogs.error(
                self,
                "Profile not deleted",
                f"'{name}' was not deleted, because its secret could not be removed from "
                f"the OS keyring: {exc}",
            )
        elif isinstance(exc, ProfileNotFound):
            self.message.emit(str(exc))
        else:
            log.error("Deleting profile %s failed", name, exc_info=exc)
            Dialogs.error(
                self,
                "Profile not deleted",
                f"'{name}' could not be deleted: {type(exc).__name__}. See the log file.",
            )
