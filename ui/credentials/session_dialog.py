"""The IAM Identity Center sign-in session to sign in to: name, start URL and region,
checked as they are typed (the same checks the core makes when a profile is saved)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.credential_profiles import SsoSession, sso_session_problems
from ui.credentials.dialog import COMMON_REGIONS
from ui.credentials.form_parts import ok_cancel, problems_label


class SessionDialog(QDialog):
    """Accepted only with a valid session; :meth:`session` gives it."""

    def __init__(self, suggested: SsoSession | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ssoSessionDialog")
        self.setWindowTitle("Sign in with IAM Identity Center")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Your administrator gives you the start URL of your organization's AWS access "
            "portal and the region of IAM Identity Center. The app keeps the sign-in in the "
            "OS keyring, never in a file."
        )
        intro.setObjectName("fieldHint")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.start_url_edit = self._line("ssoStartUrl", "https://my-company.awsapps.com/start")
        form.addRow("&Start URL", self.start_url_edit)
        self.region_edit = self._line("ssoRegion", "e.g. eu-west-1")
        self.region_edit.setCompleter(QCompleter(list(COMMON_REGIONS), self.region_edit))
        form.addRow("&Region", self.region_edit)
        self.name_edit = self._line("ssoSessionName", "as in [sso-session NAME], e.g. my-company")
        form.addRow("Session &name", self.name_edit)
        layout.addLayout(form)
        self.problems_label = problems_label("sessionProblems")
        layout.addWidget(self.problems_label)
        self.buttons, self.ok_button = ok_cancel(self, "Sign &in", "startSignIn", self._submit)
        layout.addWidget(self.buttons)
        self._name_typed = False
        self.name_edit.textEdited.connect(self._name_edited)
        self.start_url_edit.textEdited.connect(self._suggest_name)
        if suggested is not None:
            self.start_url_edit.setText(suggested.start_url)
            self.region_edit.setText(suggested.region)
            self.name_edit.setText(suggested.name)  # follows a new start URL until typed
        self.revalidate()

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setMaxLength(512)
        edit.textChanged.connect(self.revalidate)
        return edit

    def session(self) -> SsoSession:
        return SsoSession(
            self.name_edit.text().strip(),
            self.start_url_edit.text().strip(),
            self.region_edit.text().strip(),
        )

    @Slot()
    def _name_edited(self) -> None:
        self._name_typed = bool(self.name_edit.text())

    @Slot()
    def _suggest_name(self) -> None:
        """Until the user names the session: the portal's host name (my-company)."""
        if self._name_typed:
            return
        url = self.start_url_edit.text().strip()
        host = url.split("://", 1)[-1].split("/", 1)[0]
        self.name_edit.setText(host.split(".", 1)[0] if host else "")

    @Slot()
    def revalidate(self) -> None:
        if not hasattr(self, "ok_button"):
            return
        found = sso_session_problems(self.session())
        typed = any(e.text() for e in (self.start_url_edit, self.region_edit))
        self.problems_label.setText("\n".join(f"• {p}" for p in found) if typed else "")
        self.ok_button.setEnabled(not found)

    @Slot()
    def _submit(self) -> None:
        if not sso_session_problems(self.session()):
            self.accept()
