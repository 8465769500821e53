"""Add or edit a credential profile.

Secrets are write-only: the dialog never shows a stored secret, an empty secret field
keeps it, and typing replaces it. Secret fields are cleared whenever the dialog closes,
so no secret outlives it in a widget or attribute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.credential_profiles import Profile, ProfileInput, ProfileKind, profile_problems
from byok_desktop.credentials.secret import AwsSecret
from ui.credentials.form_parts import ok_cancel, problems_label

KEEP_SECRET_HINT = "Stored in the OS keyring — type a new secret to replace it"
KEEP_TOKEN_HINT = "Stored in the OS keyring — type a new token (with a new secret) to replace it"
NEW_TOKEN_NEEDS_SECRET = (
    "A new session token comes with its own secret access key: type the new secret too."
)
NEW_KEY_NEEDS_SECRET = (
    "Each access key ID has its own secret: type the secret access key of the new key too."
)
COMMON_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "sa-east-1",
)
LABEL_WIDTH = 140
_UTC = QTimeZone(QTimeZone.Initialization.UTC)


def _to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()), _UTC)


def _to_datetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


class ProfileDialog(QDialog):
    """``submitted`` asks the owner to save; the owner calls :meth:`finish` on success or
    :meth:`show_error` on failure (the dialog then stays open with what was typed)."""

    submitted = Signal()

    def __init__(self, profile: Profile | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.profile = profile
        self._busy = False
        self.setWindowTitle(f"Edit profile “{profile.name}”" if profile else "Add AWS credentials")
        self.setMinimumWidth(560)
        self._build()
        self._load(profile)
        self.revalidate()

    # --- construction ------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setSpacing(10)

        self.error_banner = QFrame()
        self.error_banner.setObjectName("errorBanner")
        banner_layout = QHBoxLayout(self.error_banner)
        banner_layout.setContentsMargins(10, 6, 10, 6)
        self.error_label = QLabel()
        self.error_label.setObjectName("saveError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        banner_layout.addWidget(self.error_label, 1)
        self.error_banner.hide()
        outer.addWidget(self.error_banner)

        self.general_group = QGroupBox("Profile")
        general = self._form(self.general_group)
        self.name_edit = self._line("profileName", "e.g. the customer's name", "Profile name")
        self.name_edit.setMaxLength(200)
        general.addRow(self._caption("&Name", self.name_edit), self.name_edit)

        kinds = QWidget()
        kinds_layout = QHBoxLayout(kinds)
        kinds_layout.setContentsMargins(0, 0, 0, 0)
        self.keys_radio = QRadioButton("Access &keys")
        self.keys_radio.setObjectName("kindKeys")
        self.cli_radio = QRadioButton("AWS &CLI profile")
        self.cli_radio.setObjectName("kindCli")
        self._kind_group = QButtonGroup(self)
        self._kind_group.addButton(self.keys_radio)
        self._kind_group.addButton(self.cli_radio)
        kinds_layout.addWidget(self.keys_radio)
        kinds_layout.addWidget(self.cli_radio)
        kinds_layout.addStretch(1)
        self.keys_radio.toggled.connect(self._kind_changed)
        general.addRow(self._caption("Credentials", self.keys_radio), kinds)
        outer.addWidget(self.general_group)

        self.keys_group = QGroupBox("Access keys (the secret goes only to the OS keyring)")
        keys = self._form(self.keys_group)
        self.access_key_edit = self._line(
            "accessKeyId", "20 characters, AKIA… or ASIA…", "Access key ID"
        )
        self.access_key_edit.setMaxLength(128)
        keys.addRow(self._caption("Access key &ID", self.access_key_edit), self.access_key_edit)
        self.secret_edit = self._secret_line("secretAccessKey", "Secret access key")
        keys.addRow(self._caption("&Secret access key", self.secret_edit), self.secret_edit)
        self.token_edit = self._secret_line("sessionToken", "Session token")
        keys.addRow(self._caption("Session &token", self.token_edit), self.token_edit)
        self.expires_edit = QDateTimeEdit()
        self.expires_edit.setObjectName("sessionExpires")
        self.expires_edit.setAccessibleName("Session token expires (UTC)")
        self.expires_edit.setTimeZone(_UTC)
        self.expires_edit.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.expires_edit.setCalendarPopup(True)
        self.expires_edit.dateTimeChanged.connect(self.revalidate)
        keys.addRow(self._caption("Token &expires", self.expires_edit), self.expires_edit)
        outer.addWidget(self.keys_group)

        self.cli_group = QGroupBox("AWS CLI profile (its secrets stay in ~/.aws)")
        cli = self._form(self.cli_group)
        self.cli_edit = self._line("cliProfile", "a profile name from ~/.aws/config", "CLI profile")
        self.cli_edit.setMaxLength(128)
        cli.addRow(self._caption("CLI &profile", self.cli_edit), self.cli_edit)
        self.cli_note = QLabel(
            "Saving as an AWS CLI profile removes this profile's stored secret from the OS keyring."
        )
        self.cli_note.setObjectName("fieldHint")
        self.cli_note.setWordWrap(True)
        cli.addRow(self.cli_note)
        outer.addWidget(self.cli_group)

        self.account_group = QGroupBox("AWS account")
        common = self._form(self.account_group)
        self.region_edit = self._line("defaultRegion", "e.g. us-east-1", "Default region")
        self.region_edit.setMaxLength(32)
        self.region_edit.setCompleter(QCompleter(list(COMMON_REGIONS), self.region_edit))
        common.addRow(self._caption("Default &region", self.region_edit), self.region_edit)
        self.account_edit = self._line(
            "expectedAccount", "optional: 12 digits, checked when verifying", "Expected account ID"
        )
        self.account_edit.setMaxLength(64)
        common.addRow(self._caption("Expected &account ID", self.account_edit), self.account_edit)
        outer.addWidget(self.account_group)

        self.problems_label = problems_label("profileProblems")
        outer.addWidget(self.problems_label)

        self.busy_label = QLabel("Saving… the OS may ask you to unlock the keyring.")
        self.busy_label.setObjectName("savingLabel")
        self.busy_label.setProperty("hint", True)  # subtle text, from the stylesheet
        self.busy_label.hide()
        outer.addWidget(self.busy_label)
        outer.addStretch(1)

        self.buttons, self.ok_button = ok_cancel(self, "", "saveProfile", self._submit)
        outer.addWidget(self.buttons)

    @staticmethod
    def _form(group: QGroupBox) -> QFormLayout:
        layout = QFormLayout(group)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return layout

    @staticmethod
    def _caption(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        label.setMinimumWidth(LABEL_WIDTH)  # line the groups' fields up
        return label

    def _line(self, name: str, placeholder: str, accessible: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(accessible)
        edit.textChanged.connect(self.revalidate)
        return edit

    def _secret_line(self, name: str, accessible: str) -> QLineEdit:
        edit = self._line(name, "", accessible)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setMaxLength(4096)
        return edit

    def _load(self, profile: Profile | None) -> None:
        kind = profile.kind if profile else ProfileKind.KEYS
        stored_secret = profile is not None and profile.uses_keyring
        stored_token = stored_secret and profile is not None and profile.has_session_token
        self.ok_button.setText("Save changes" if profile else "Add profile")
        self.secret_edit.setPlaceholderText(
            KEEP_SECRET_HINT if stored_secret else "Stored only in the OS keyring"
        )
        self.token_edit.setPlaceholderText(
            KEEP_TOKEN_HINT if stored_token else "Only for temporary (ASIA…) keys"
        )
        expires = (
            profile.session_expires_at
            if profile and profile.session_expires_at
            else (datetime.now(UTC) + timedelta(hours=1)).replace(minute=0, second=0)
        )
        self.expires_edit.setDateTime(_to_qdatetime(expires))
        if profile is not None:
            self.name_edit.setText(profile.name)
            self.access_key_edit.setText(profile.access_key_id)
            self.cli_edit.setText(profile.cli_profile)
            self.region_edit.setText(profile.default_region)
            self.account_edit.setText(profile.expected_account_id)
        else:
            self.region_edit.setText("us-east-1")
        self.cli_note.setVisible(stored_secret)
        (self.cli_radio if kind is ProfileKind.CLI else self.keys_radio).setChecked(True)
        self._kind_changed()

    # --- values -------------------------------------------------------------------------

    @property
    def uid(self) -> str | None:
        return self.profile.uid if self.profile else None

    def kind(self) -> ProfileKind:
        return ProfileKind.CLI if self.cli_radio.isChecked() else ProfileKind.KEYS

    def _keeps_stored_token(self) -> bool:
        p = self.profile
        return p is not None and p.uses_keyring and p.has_session_token

    def _has_token(self) -> bool:
        if self.secret_edit.text().strip():
            return bool(self.token_edit.text().strip())
        return bool(self.token_edit.text().strip()) or self._keeps_stored_token()

    def entry(self) -> ProfileInput:
        keys = self.kind() is ProfileKind.KEYS
        return ProfileInput(
            name=self.name_edit.text(),
            kind=self.kind(),
            access_key_id=self.access_key_edit.text() if keys else "",
            cli_profile=self.cli_edit.text() if not keys else "",
            expected_account_id=self.account_edit.text(),
            default_region=self.region_edit.text(),
            session_expires_at=(
                _to_datetime(self.expires_edit.dateTime()) if keys and self._has_token() else None
            ),
        )

    def secret(self) -> AwsSecret | None:
        """The typed secret, or None to keep the stored one. Built on demand, never kept."""
        text = self.secret_edit.text().strip()
        if self.kind() is not ProfileKind.KEYS or not text:
            return None
        return AwsSecret(text, self.token_edit.text().strip() or None)

    def problems(self) -> list[str]:
        keys = self.kind() is ProfileKind.KEYS
        typed_secret = bool(self.secret_edit.text().strip())
        stored_secret = self.profile is not None and self.profile.uses_keyring
        found = profile_problems(
            self.entry(), has_secret=typed_secret or stored_secret, has_token=self._has_token()
        )
        if keys and not typed_secret and stored_secret and self.profile is not None:
            if self.access_key_edit.text().strip() != self.profile.access_key_id:
                found.append(NEW_KEY_NEEDS_SECRET)
            elif self.token_edit.text().strip():
                found.append(NEW_TOKEN_NEEDS_SECRET)
        return found

    # --- behaviour ----------------------------------------------------------------------

    @Slot()
    def _kind_changed(self) -> None:
        keys = self.kind() is ProfileKind.KEYS
        self.keys_group.setVisible(keys)
        self.cli_group.setVisible(not keys)
        self.adjustSize()
        self.revalidate()

    @Slot()
    def revalidate(self) -> None:
        if not hasattr(self, "ok_button"):  # signals fire while the form is being built
            return
        self.expires_edit.setEnabled(self._has_token() and not self._busy)
        found = self.problems()
        self.problems_label.setText("\n".join(f"• {p}" for p in found))
        self.problems_label.setVisible(bool(found))
        self.ok_button.setEnabled(not found and not self._busy)

    @Slot()
    def _submit(self) -> None:
        if self._busy or self.problems():
            return
        self.error_banner.hide()
        self.submitted.emit()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_label.setVisible(busy)
        form: list[QWidget] = [
            self.general_group,
            self.keys_group,
            self.cli_group,
            self.account_group,
            self.buttons,
        ]
        for widget in form:
            widget.setEnabled(not busy)
        self.revalidate()

    @property
    def busy(self) -> bool:
        return self._busy

    def show_error(self, text: str) -> None:
        """Saving failed: say why and keep everything typed."""
        self.set_busy(False)
        self.error_label.setText(text)
        self.error_banner.show()

    def finish(self) -> None:
        """Saved: close (which clears the secret fields)."""
        self.set_busy(False)
        self.accept()

    def clear_secrets(self) -> None:
        # setText (not clear()) also drops the line edits' undo history.
        self.secret_edit.setText("")
        self.token_edit.setText("")

    def reject(self) -> None:
        if self._busy:  # the save is running; its answer decides what happens
            return
        super().reject()

    def done(self, result: int) -> None:
        self.clear_secrets()
        super().done(result)
