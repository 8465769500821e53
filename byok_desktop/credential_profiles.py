"""A credential profile's non-secret data and its state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

REGION_PATTERN = re.compile(r"^([a-z]+-){2,3}\d+$")
ACCESS_KEY_PATTERN = re.compile(r"^(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,124}$")
PROFILE_NAME_MAX = 64
# AWS's own advice (IAM credential report, Security Hub IAM.3): rotate keys within 90 days.
KEY_MAX_AGE_DAYS = 90


class ProfileKind(Enum):
    KEYS = "keys"  # access key + secret (and session token) in the OS keyring
    CLI = "cli"  # an AWS CLI profile used by name; its secrets are never copied
    SANDBOX = "sandbox"  # the built-in sandbox's fixed test keys
    SSO = "sso"  # IAM Identity Center: a role in an account, token in the OS keyring


class ProfileState(Enum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    EXPIRED = "expired"
    SECRET_MISSING = "secret_missing"
    BACKEND_CHANGED = "backend_changed"
    KEYRING_UNAVAILABLE = "keyring_unavailable"
    SIGNED_OUT = "signed_out"  # an IAM Identity Center profile nobody is signed in to

    @property
    def display_name(self) -> str:
        return {
            ProfileState.VERIFIED: "Verified",
            ProfileState.UNVERIFIED: "Not verified",
            ProfileState.EXPIRED: "Session expired",
            ProfileState.SECRET_MISSING: "Secret missing from keyring",
            ProfileState.BACKEND_CHANGED: "Keyring changed",
            ProfileState.KEYRING_UNAVAILABLE: "Keyring unavailable",
            ProfileState.SIGNED_OUT: "Signed out",
        }[self]


START_URL_PATTERN = re.compile(r"^https://[^\s/]+(/\S*)?$")
SSO_SESSION_NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class SsoSession:
    """An IAM Identity Center sign-in: its name (as in ``[sso-session NAME]``), start URL
    and the region of the Identity Center instance. Not a secret."""

    name: str
    start_url: str
    region: str


@dataclass(frozen=True, slots=True)
class Verification:
    account_id: str
    arn: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    uid: str
    version: int
    name: str
    kind: ProfileKind
    access_key_id: str  # "" for CLI profiles
    cli_profile: str  # "" unless kind is CLI
    expected_account_id: str  # "" if not known
    default_region: str
    has_session_token: bool
    session_expires_at: datetime | None
    keyring_backend: str  # backend that held the secret when it was saved
    verification: Verification | None
    # SSO profiles only: the sign-in session and the role it opens.
    sso_session: SsoSession | None = None
    sso_account_id: str = ""
    sso_role_name: str = ""
    key_saved_at: datetime | None = None  # keys profiles: when the access key was set

    @property
    def masked_access_key(self) -> str:
        key = self.access_key_id
        return f"{key[:4]}…{key[-4:]}" if len(key) > 8 else ("…" if key else "")

    def expired(self, now: datetime | None = None) -> bool:
        if self.session_expires_at is None:
            return False
        return self.session_expires_at <= (now or datetime.now(UTC))

    @property
    def uses_keyring(self) -> bool:
        return self.kind is ProfileKind.KEYS

    def key_age_days(self, now: datetime | None = None) -> int | None:
        """Whole days since the long-term access key was set; None for other profiles
        (temporary keys expire on their own)."""
        if self.kind is not ProfileKind.KEYS or self.key_saved_at is None:
            return None
        if self.has_session_token:
            return None
        return ((now or datetime.now(UTC)) - self.key_saved_at).days

    def key_age_warning(self, now: datetime | None = None) -> str:
        """A sentence when the access key is older than KEY_MAX_AGE_DAYS, else ""."""
        age = self.key_age_days(now)
        if age is None or age <= KEY_MAX_AGE_DAYS:
            return ""
        return (
            f"The access key of '{self.name}' is {age} days old (over {KEY_MAX_AGE_DAYS}); "
            "rotate it in IAM, or sign in with IAM Identity Center and use a role instead."
        )


@dataclass(frozen=True, slots=True)
class ProfileInput:
    """What the user enters; secrets travel separately as an AwsSecret."""

    name: str
    kind: ProfileKind
    access_key_id: str = ""
    cli_profile: str = ""
    expected_account_id: str = ""
    default_region: str = "us-east-1"
    session_expires_at: datetime | None = None
    sso_session: SsoSession | None = None
    sso_account_id: str = ""
    sso_role_name: str = ""


class ProfileNotFound(LookupError):
    def __init__(self, uid: str) -> None:
        super().__init__(f"The credential profile {uid} no longer exists.")


class ProfileNameTaken(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"A profile named '{name}' already exists; choose another name.")


def profile_problems(entry: ProfileInput, has_secret: bool, has_token: bool) -> list[str]:
    """Everything wrong with a profile form, each with what to do."""
    from byok_desktop.validation import account_id_problems, normalise_account_id

    problems: list[str] = []
    name = entry.name.strip()
    if not name:
        problems.append("Give the profile a name, e.g. the customer's name.")
    elif len(name) > PROFILE_NAME_MAX or any(ord(c) < 32 for c in name):
        problems.append(f"Profile names have at most {PROFILE_NAME_MAX} printable characters.")
    if not REGION_PATTERN.match(entry.default_region.strip()):
        problems.append("Enter an AWS region such as us-east-1 or eu-central-1.")
    if entry.kind is ProfileKind.KEYS:
        key = entry.access_key_id.strip()
        if not ACCESS_KEY_PATTERN.match(key):
            problems.append(
                "Enter the access key ID as AWS shows it: 20 capital letters and digits "
                "starting with AKIA (long-term) or ASIA (temporary)."
            )
        if not has_secret:
            problems.append("Enter the secret access key.")
        if key.startswith("ASIA") and not has_token:
            problems.append("Temporary keys (ASIA…) need their session token.")
        if has_token and entry.session_expires_at is None:
            problems.append("Enter when the session token expires.")
    elif entry.kind is ProfileKind.CLI and not entry.cli_profile.strip():
        problems.append("Enter the name of the AWS CLI profile (from ~/.aws/config).")
    elif entry.kind is ProfileKind.SSO:
        problems.extend(sso_problems(entry))
    account = normalise_account_id(entry.expected_account_id)
    if account:
        problems.extend(account_id_problems(account))
    return problems


def sso_problems(entry: ProfileInput) -> list[str]:
    from byok_desktop.validation import account_id_problems

    session = entry.sso_session
    if session is None:
        return ["Enter the IAM Identity Center start URL and its region."]
    problems = sso_session_problems(session)
    if entry.sso_account_id.strip():
        problems.extend(account_id_problems(entry.sso_account_id.strip()))
    else:
        problems.append("Choose the AWS account to open.")
    if not entry.sso_role_name.strip():
        problems.append("Choose the role to use in that account (e.g. KeyAdmin).")
    return problems


def sso_session_problems(session: SsoSession) -> list[str]:
    """What is wrong with a sign-in session as typed (name, start URL, region)."""
    problems: list[str] = []
    name = session.name.strip()
    if not name or len(name) > SSO_SESSION_NAME_MAX or any(ord(c) < 32 for c in name):
        problems.append(
            f"Give the sign-in session a name of at most {SSO_SESSION_NAME_MAX} printable "
            "characters (as in [sso-session NAME] of the AWS config)."
        )
    if not START_URL_PATTERN.match(session.start_url.strip()):
        problems.append(
            "Enter the start URL as your administrator gave it, e.g. "
            "https://my-company.awsapps.com/start."
        )
    if not REGION_PATTERN.match(session.region.strip()):
        problems.append("Enter the region of IAM Identity Center, e.g. eu-west-1.")
    return problems
