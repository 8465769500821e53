"""Table model over the credential profiles and their states.

Profiles come from the database (fast); their states come later from a worker, because
reading the keyring can block. Until a state arrives the row says "Checking…".
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from byok_desktop.credential_profiles import Profile, ProfileKind, ProfileState
from byok_desktop.credentials.service import ProfileStatus
from ui.resources import icon
from ui.theme import Tone, colour

_Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    PROFILE_UID = Qt.ItemDataRole.UserRole + 1
    STATE = Qt.ItemDataRole.UserRole + 2  # ProfileState.value, or None while unknown
    KIND = Qt.ItemDataRole.UserRole + 3  # ProfileKind.value


class Column(IntEnum):
    NAME = 0
    KIND = 1
    ACCESS_KEY = 2
    ACCOUNT = 3
    REGION = 4
    STATE = 5
    SIGN_IN = 6
    LAST_VERIFIED = 7


COLUMNS = (
    "Name",
    "Kind",
    "Access key",
    "Account",
    "Region",
    "State",
    "Signed in until",
    "Last verified",
)

_GREEN, _AMBER, _RED = Tone.SUCCESS, Tone.WARNING, Tone.DANGER
_NEUTRAL, _GREY = Tone.NEUTRAL, Tone.SUBTLE

# Every state has an icon and a word as well as a colour: colour is never the only signal.
_STATE_LOOK: dict[ProfileState, tuple[str, Tone]] = {
    ProfileState.VERIFIED: ("status-ready", _GREEN),
    ProfileState.UNVERIFIED: ("status-info", _NEUTRAL),
    ProfileState.EXPIRED: ("status-warning", _AMBER),
    ProfileState.SECRET_MISSING: ("status-error", _RED),
    ProfileState.BACKEND_CHANGED: ("status-warning", _AMBER),
    ProfileState.KEYRING_UNAVAILABLE: ("status-error", _RED),
    ProfileState.SIGNED_OUT: ("status-warning", _AMBER),
}

CHECKING = "Checking…"


def kind_text(profile: Profile) -> str:
    if profile.kind is ProfileKind.SSO:
        return f"Identity Center: {profile.sso_role_name}"
    if profile.kind is ProfileKind.CLI:
        return f"AWS CLI: {profile.cli_profile}"
    if profile.kind is ProfileKind.SANDBOX:
        return "Sandbox (built in)"
    return "Temporary keys" if profile.has_session_token else "Access keys"


def _local(moment: datetime, seconds: bool = False) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M")


class CredentialsModel(QAbstractTableModel):
    """One row per profile, in the order the store lists them (by name)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._profiles: list[Profile] = []
        self._status: dict[str, ProfileStatus] = {}
        self._busy: dict[str, str] = {}  # uid -> "Verifying…" and the like

    # --- contents -----------------------------------------------------------------

    def set_profiles(self, profiles: list[Profile]) -> None:
        """Replace the list. A profile that changed in any way (edited, verified) loses
        its state until the next one arrives; unchanged ones keep theirs (no flicker)."""
        current = {p.uid: p for p in profiles}
        self._status = {
            uid: status
            for uid, status in self._status.items()
            if current.get(uid) == status.profile
        }
        self._busy = {uid: text for uid, text in self._busy.items() if uid in current}
        if [p.uid for p in profiles] == [p.uid for p in self._profiles]:
            self._profiles = list(profiles)
            if profiles:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(profiles) - 1, len(COLUMNS) - 1)
                )
            return
        self.beginResetModel()
        self._profiles = list(profiles)
        self.endResetModel()

    def set_status(self, status: ProfileStatus) -> bool:
        """Show a freshly computed state; ignored if the profile changed meanwhile."""
        row = self.row_of(status.profile.uid)
        if row is None or self._profiles[row] != status.profile:
            return False
        self._status[status.profile.uid] = status
        self._row_changed(row)
        return True

    def set_busy(self, uid: str, text: str | None) -> None:
        """A transient state such as "Verifying…" (None clears it)."""
        if text is None:
            self._busy.pop(uid, None)
        else:
            self._busy[uid] = text
        row = self.row_of(uid)
        if row is not None:
            self._row_changed(row)

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # --- queries ----------------------------------------------------------------------

    @property
    def profiles(self) -> list[Profile]:
        return list(self._profiles)

    def profile(self, row: int) -> Profile | None:
        return self._profiles[row] if 0 <= row < len(self._profiles) else None

    def row_of(self, uid: str) -> int | None:
        return next((row for row, p in enumerate(self._profiles) if p.uid == uid), None)

    def status(self, uid: str) -> ProfileStatus | None:
        return self._status.get(uid)

    def statuses(self) -> list[ProfileStatus]:
        return list(self._status.values())

    def state_text(self, row: int) -> str:
        profile = self.profile(row)
        if profile is None:
            return ""
        busy = self._busy.get(profile.uid)
        if busy:
            return busy
        status = self._status.get(profile.uid)
        if status is None:
            return CHECKING
        if profile.kind is ProfileKind.SSO and status.state is ProfileState.EXPIRED:
            return "Sign-in expired"
        return status.state.display_name

    def sign_in_text(self, profile: Profile) -> str:
        """Until when an IAM Identity Center profile is signed in, or why it is not."""
        if profile.kind is not ProfileKind.SSO:
            return "—"
        status = self._status.get(profile.uid)
        if status is None or status.sign_in is None:
            return "…" if status is None else "—"
        if status.sign_in.expires_at is None:
            return "Expired: sign in again" if status.sign_in.expired else "Signed out"
        until = _local(status.sign_in.expires_at)
        return f"{until} (AWS CLI)" if status.sign_in.from_aws_cli else until

    def _sign_in_tooltip(self, profile: Profile) -> str | None:
        status = self._status.get(profile.uid)
        if profile.kind is not ProfileKind.SSO or status is None or status.sign_in is None:
            return None
        session = profile.sso_session.name if profile.sso_session else ""
        state = status.sign_in
        if state.expires_at is None:
            return f"Not signed in to '{session}': select the profile and press Sign in."
        where = "the AWS CLI's cache (read only)" if state.from_aws_cli else "the OS keyring"
        text = (
            f"Signed in to '{session}' until {_local(state.expires_at, seconds=True)}; "
            f"the sign-in is kept in {where}."
        )
        if status.credentials_until is not None:
            text += (
                f" The role's credentials (in memory only) last until "
                f"{_local(status.credentials_until, seconds=True)}."
            )
        return text

    # --- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._profiles)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        profile = self.profile(index.row())
        if profile is None:
            return None
        column = index.column()
        if role == Role.PROFILE_UID:
            return profile.uid
        if role == Role.KIND:
            return profile.kind.value
        if role == Role.STATE:
            status = self._status.get(profile.uid)
            return status.state.value if status else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(profile, column, index.row())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(profile, column)
        if column == Column.STATE:
            if role == Qt.ItemDataRole.DecorationRole:
                return self._state_look(profile)[0]
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour(self._state_look(profile)[1])
        if column == Column.ACCESS_KEY and self._old_key_days(profile) is not None:
            if role == Qt.ItemDataRole.DecorationRole:
                return icon("status-warning")
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour(_AMBER)
        if column == Column.ACCOUNT and role == Qt.ItemDataRole.ForegroundRole:
            return None if profile.verification else colour(_GREY)
        if column == Column.LAST_VERIFIED and role == Qt.ItemDataRole.ForegroundRole:
            return None if profile.verification else colour(_GREY)
        return None

    def _state_look(self, profile: Profile) -> tuple[QIcon, Tone]:
        status = self._status.get(profile.uid)
        if profile.uid in self._busy or status is None:
            return icon("status-info"), _GREY
        name, colour = _STATE_LOOK[status.state]
        return icon(name), colour

    def _display(self, profile: Profile, column: int, row: int) -> str:
        if column == Column.NAME:
            return profile.name
        if column == Column.KIND:
            return kind_text(profile)
        if column == Column.ACCESS_KEY:
            keyless = profile.kind in (ProfileKind.CLI, ProfileKind.SSO)
            return "—" if keyless else profile.masked_access_key
        if column == Column.ACCOUNT:
            if profile.verification:
                return profile.verification.account_id
            if profile.sso_account_id:
                return profile.sso_account_id
            if profile.expected_account_id:
                return f"{profile.expected_account_id} (expected)"
            return "—"
        if column == Column.REGION:
            return profile.default_region
        if column == Column.STATE:
            return self.state_text(row)
        if column == Column.SIGN_IN:
            return self.sign_in_text(profile)
        if column == Column.LAST_VERIFIED:
            if profile.verification is None:
                return "Never"
            return profile.verification.at.astimezone().strftime("%Y-%m-%d %H:%M")
        return ""

    def _old_key_days(self, profile: Profile) -> int | None:
        status = self._status.get(profile.uid)
        return status.old_key_days if status is not None else None

    def _tooltip(self, profile: Profile, column: int) -> str | None:
        days = self._old_key_days(profile)
        if column == Column.ACCESS_KEY and days is not None:
            return (
                f"Entered {days} days ago: rotate this key (AWS advises every 90 days), or "
                "sign in with IAM Identity Center instead."
            )
        if column == Column.STATE:
            busy = self._busy.get(profile.uid)
            if busy:
                return busy
            status = self._status.get(profile.uid)
            return status.detail if status else "Reading the OS keyring…"
        if column == Column.SIGN_IN:
            return self._sign_in_tooltip(profile)
        if column == Column.ACCOUNT:
            if profile.verification:
                return f"Verified: opens account {profile.verification.account_id} as {profile.verification.arn}"
            if profile.expected_account_id:
                return "Expected account: not confirmed with AWS yet (press Verify)."
            return "Unknown until the profile is verified."
        if column == Column.LAST_VERIFIED and profile.verification:
            return profile.verification.at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        if column == Column.KIND and profile.session_expires_at:
            return f"Session token expires {profile.session_expires_at:%Y-%m-%d %H:%M} UTC"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
