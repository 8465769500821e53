"""The ways to connect, as sequences of dialogs: sign in with IAM Identity Center and pick
a role; sign in again or out of a profile's session; use a profile of the AWS config.

The Credentials page owns one; it hears back through signals (a profile was saved, the
sign-in states changed) and reloads what it shows. Everything that touches the keyring,
the network or a file runs on the pool.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QDialog, QWidget

from byok_desktop.credential_profiles import (
    Profile,
    ProfileInput,
    ProfileNameTaken,
    ProfileNotFound,
    SsoSession,
)
from byok_desktop.credentials.keyring_store import KeyringProblem
from byok_desktop.credentials.service import CredentialService, ProfileInvalid
from byok_desktop.credentials.sso import SignedIn, SignInState, SsoSignIn
from byok_desktop.errors import StorageError
from ui.credentials.config_picker import ConfigPickerDialog
from ui.credentials.role_picker import RolePickerDialog
from ui.credentials.session_dialog import SessionDialog
from ui.credentials.sign_in_dialog import SignInDialog, failure_sentence
from ui.dialogs import Dialogs
from ui.operations import Executor, Operations

log = logging.getLogger("ui.credentials.connect")


def save_failure_text(exc: BaseException) -> str:
    if isinstance(exc, ProfileInvalid):
        return "Not saved:\n" + "\n".join(f"• {p}" for p in exc.problems)
    if isinstance(exc, ProfileNameTaken | ProfileNotFound | KeyringProblem):
        return f"Not saved: {exc}"
    if isinstance(exc, StorageError | OSError):
        return f"Not saved: the database refused the profile ({type(exc).__name__})."
    log.error("Saving a credential profile failed", exc_info=exc)
    return f"Not saved: unexpected {type(exc).__name__}; see the log file."


class ConnectActions(QObject):
    message = Signal(str)  # for the status bar
    saved = Signal(str)  # the uid of a profile just added
    states_changed = Signal()  # signed in or out: the profiles' states need a new look

    def __init__(self, service: CredentialService, ops: Operations, parent: QWidget) -> None:
        super().__init__(parent)
        self._service = service
        self._ops = ops
        self._window = parent
        # The dialog on screen, if any (tests reach them here).
        self.session_dialog: SessionDialog | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.role_picker: RolePickerDialog | None = None
        self.config_picker: ConfigPickerDialog | None = None

    @property
    def busy(self) -> bool:
        dialogs: list[QDialog | None] = [
            self.session_dialog,
            self.sign_in_dialog,
            self.role_picker,
            self.config_picker,
        ]
        return any(d is not None for d in dialogs)

    # --- a new sign-in and role ------------------------------------------------------

    def sign_in_new(self, suggested: SsoSession | None = None) -> None:
        if self.busy:
            return
        dialog = SessionDialog(suggested, self._window)
        dialog.finished.connect(self._session_chosen)
        self.session_dialog = dialog
        dialog.open()
        dialog.start_url_edit.setFocus()

    @Slot(int)
    def _session_chosen(self, result: int) -> None:
        dialog = self.session_dialog
        self.session_dialog = None
        if dialog is None:
            return
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        sign_in = self._service.sign_in(dialog.session())
        # Already signed in (the app's own sign-in or the AWS CLI's): straight to roles.
        self._ops.run(
            sign_in.state,
            lambda state: self._state_known(sign_in, state),
            self._state_failed,
            on=Executor.POOL,
            what="IAM Identity Center sign-in state",
            owner=self,
        )

    def _state_known(self, sign_in: SsoSignIn, state: SignInState) -> None:
        if state.signed_in and state.expires_at is not None:
            via = " through the AWS CLI's sign-in" if state.from_aws_cli else ""
            self.message.emit(
                f"Already signed in to '{sign_in.session.name}'{via} until "
                f"{state.expires_at:%H:%M} UTC."
            )
            self._pick_role(sign_in)
        else:
            self._run_sign_in(sign_in, pick_role=True)

    def _state_failed(self, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, KeyringProblem) else failure_sentence(exc)
        Dialogs.error(self._window, "Sign-in not started", text)

    # --- signing in ------------------------------------------------------------------

    def sign_in_profile(self, profile: Profile) -> None:
        """Sign in to the session a profile uses (its other profiles follow)."""
        if self.busy or profile.sso_session is None:
            return
        self._run_sign_in(self._service.sign_in(profile.sso_session), pick_role=False)

    def _run_sign_in(self, sign_in: SsoSignIn, pick_role: bool) -> None:
        dialog = SignInDialog(sign_in, self._ops, self._window)
        dialog.setProperty("pickRole", pick_role)
        dialog.signed_in.connect(self._signed_in)
        dialog.finished.connect(self._sign_in_closed)
        self.sign_in_dialog = dialog
        dialog.open()
        dialog.start()

    @Slot(object)
    def _signed_in(self, step: SignedIn) -> None:
        self.message.emit(step.message)
        self.states_changed.emit()

    @Slot(int)
    def _sign_in_closed(self, result: int) -> None:
        dialog = self.sign_in_dialog
        self.sign_in_dialog = None
        if dialog is None:
            return
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted and dialog.property("pickRole"):
            self._pick_role(dialog.sign_in)
        elif result != QDialog.DialogCode.Accepted:
            self.message.emit("Sign-in cancelled.")

    # --- the account and role ----------------------------------------------------------

    def _pick_role(self, sign_in: SsoSignIn) -> None:
        picker = RolePickerDialog(sign_in, self._ops, self._window)
        picker.submitted.connect(self._save_role)
        picker.finished.connect(self._picker_closed)
        self.role_picker = picker
        picker.open()
        picker.start()

    @Slot()
    def _save_role(self) -> None:
        picker = self.role_picker
        if picker is None:
            return
        self._save(picker.entry(), picker)

    @Slot()
    def _picker_closed(self) -> None:
        if self.role_picker is not None:
            self.role_picker.deleteLater()
        self.role_picker = None

    # --- a profile of the AWS config -----------------------------------------------------

    def use_aws_config(self) -> None:
        if self.busy:
            return
        picker = ConfigPickerDialog(self._ops, self._window)
        picker.submitted.connect(self._save_config_profile)
        picker.finished.connect(self._config_picker_closed)
        self.config_picker = picker
        picker.open()
        picker.start()

    @Slot()
    def _save_config_profile(self) -> None:
        picker = self.config_picker
        entry = picker.entry() if picker is not None else None
        if picker is not None and entry is not None:
            self._save(entry, picker)

    @Slot()
    def _config_picker_closed(self) -> None:
        if self.config_picker is not None:
            self.config_picker.deleteLater()
        self.config_picker = None

    # --- saving ------------------------------------------------------------------------

    def _save(self, entry: ProfileInput, picker: RolePickerDialog | ConfigPickerDialog) -> None:
        service = self._service
        self._ops.run(
            lambda: service.save(None, entry, None),
            lambda profile: self._saved(picker, profile),
            lambda exc: picker.show_error(save_failure_text(exc)),
            on=Executor.POOL,
            what="profile save",
            owner=picker,
        )

    def _saved(self, picker: QDialog, profile: Profile) -> None:
        picker.accept()
        self.saved.emit(profile.uid)
        self.message.emit(f"Added profile '{profile.name}'. Press Ctrl+R to verify it.")

    # --- signing out ---------------------------------------------------------------------

    def sign_out(self, profile: Profile) -> None:
        session = profile.sso_session
        if session is None:
            return
        if not Dialogs.confirm(
            self._window,
            "Sign out",
            f"Sign out of '{session.name}'? The app forgets this sign-in (its token in the "
            "OS keyring), and every profile that uses it stops working until you sign in "
            "again. The AWS CLI's own sign-in, if any, is left as it is.",
            "Sign out",
        ):
            return
        service = self._service
        self._ops.run(
            lambda: service.sign_out(session),
            lambda _none: self._signed_out(session),
            self._sign_out_failed,
            on=Executor.POOL,
            what="IAM Identity Center sign-out",
            owner=self,
        )

    def _signed_out(self, session: SsoSession) -> None:
        self.states_changed.emit()
        self.message.emit(f"Signed out of '{session.name}'.")

    def _sign_out_failed(self, exc: BaseException) -> None:
        self.states_changed.emit()
        text = str(exc) if isinstance(exc, KeyringProblem) else failure_sentence(exc)
        Dialogs.error(self._window, "Not signed out", text)
