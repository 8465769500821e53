"""Credential profiles end to end: save (keyring first), state, verify, connect.

Every method may block (keyring prompts, network): the GUI calls them on worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from byok_desktop.aws.connection import (
    AwsConfig,
    AwsConnection,
    AwsCredentials,
    MfaPrompter,
    no_mfa_prompter,
)
from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.aws.identity import CallerIdentity, caller_identity, require_account
from byok_desktop.aws.role_chain import CustomerRole, chained_connection, verified_account
from byok_desktop.credential_profiles import (
    Profile,
    ProfileInput,
    ProfileKind,
    ProfileState,
    SsoSession,
    profile_problems,
)
from byok_desktop.credentials.keyring_store import KeyringProblem, SecretStore
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.credentials.sso import SignInFailed, SignInState, SsoRoleSource, SsoSignIn
from byok_desktop.store.profiles import ProfileStore

log = logging.getLogger("byok_desktop.credentials")

# The sandbox's moto server accepts any keys; these are not secrets.
SANDBOX_ACCESS_KEY_ID = "AKIASANDBOX000000000"
SANDBOX_SECRET = "sandbox-secret-not-a-real-key"
CONNECTION_TTL_S = 600.0
# AWS advises rotating access keys at least this often.
KEY_AGE_WARNING_DAYS = 90


class ProfileInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ProfileStatus:
    profile: Profile
    state: ProfileState
    detail: str  # one sentence for the user
    # IAM Identity Center profiles: the session's sign-in, and when the role's
    # credentials held in memory expire (None: none fetched yet).
    sign_in: SignInState | None = None
    credentials_until: datetime | None = None
    # Access keys: days since the secret was entered here, once past KEY_AGE_WARNING_DAYS.
    old_key_days: int | None = None


class CredentialService:
    def __init__(
        self,
        profiles: ProfileStore,
        secrets: SecretStore,
        aws_config: Callable[[Profile], AwsConfig],
    ) -> None:
        self.profiles = profiles
        self.secrets = secrets
        self._aws_config = aws_config
        # One connection per profile version and AWS settings: a boto3 session and its
        # clients cost tens of milliseconds of CPU each, and jobs for one account share.
        self._connections: dict[tuple[str, int, AwsConfig], tuple[float, AwsConnection]] = {}
        # Connections as a customer's role, per rep connection and role, account verified.
        self._chained: dict[tuple[str, int, CustomerRole], tuple[float, AwsConnection]] = {}
        self._connections_lock = threading.Lock()
        # IAM Identity Center: the OIDC and portal endpoint ("" = AWS; tests: a fake),
        # the AWS CLI's token cache (None = ~/.aws/sso/cache), one sign-in per session.
        self.sso_endpoint_url = ""
        self.aws_cli_sso_cache: Path | None = None
        self._sign_ins: dict[SsoSession, SsoSignIn] = {}
        self._role_sources: dict[tuple[SsoSession, str, str], SsoRoleSource] = {}
        # Asked for MFA codes of assume-role CLI profiles; by default nobody can answer.
        self.mfa_prompter: MfaPrompter = no_mfa_prompter

    # --- saving -----------------------------------------------------------------

    def save(self, uid: str | None, entry: ProfileInput, secret: AwsSecret | None) -> Profile:
        """Create (uid None) or update a profile. ``secret`` None keeps the stored one.

        The secret is written to the keyring before the database, so a keyring failure
        leaves no half-made profile; a new profile whose row cannot be written has its
        keyring item removed again.
        """
        existing = self.profiles.get(uid) if uid else None
        keeps_secret = existing is not None and existing.has_session_token
        has_secret = secret is not None or (existing is not None and existing.uses_keyring)
        has_token = (secret.session_token is not None) if secret is not None else keeps_secret
        problems = profile_problems(entry, has_secret, has_token)
        if problems:
            raise ProfileInvalid(problems)
        target = uid or self.profiles.new_uid()
        backend: str | None = None
        previous: AwsSecret | None = None
        if entry.kind is ProfileKind.KEYS and secret is not None:
            if existing is not None and existing.uses_keyring:
                previous = self.secrets.load(target)  # put back if the row cannot be saved
            backend = self.secrets.save(target, secret)
        drop_secret = (
            entry.kind is not ProfileKind.KEYS and existing is not None and existing.uses_keyring
        )
        if drop_secret:
            backend = ""  # switched to a CLI profile: the copy goes once the row is saved
        try:
            saved = self.profiles.upsert(
                target,
                entry,
                keyring_backend=backend,
                has_session_token=has_token if entry.kind is ProfileKind.KEYS else False,
            )
        except Exception:
            # Leave the keyring as it was before this save.
            if backend and previous is not None:
                self.secrets.save(target, previous)
            elif backend:
                self.secrets.delete(target)
            raise
        if drop_secret:
            self.secrets.delete(target)
        self.forget_connections(target)  # the next call signs with what was saved
        return saved

    def delete(self, uid: str) -> None:
        """Remove the keyring item first: a profile row without a secret is harmless,
        a secret nobody can see or delete is not. An SSO profile's sign-in is forgotten
        when no other profile uses its session."""
        self.forget_connections(uid)
        profile = self.profiles.get(uid)
        if profile.uses_keyring:
            self.secrets.delete(uid)
        session = profile.sso_session
        if session is not None and not any(
            p.sso_session == session for p in self.profiles.list() if p.uid != uid
        ):
            self.sign_in(session).sign_out()
        self.profiles.delete(uid)
        log.info("Deleted credential profile %s", profile.name)

    def ensure_sandbox_profile(self, account_id: str = "123456789012") -> Profile:
        """The built-in Sandbox profile, ready to use: it is verified as made (the
        simulated AWS answers for its account by construction; checking online would
        start moto for nothing)."""
        for profile in self.profiles.list():
            if profile.kind is ProfileKind.SANDBOX:
                if profile.verification is None and profile.expected_account_id == account_id:
                    return self._sandbox_verified(profile)  # made before it came verified
                return profile
        made = self.profiles.upsert(
            self.profiles.new_uid(),
            ProfileInput(
                name="Sandbox",
                kind=ProfileKind.SANDBOX,
                access_key_id=SANDBOX_ACCESS_KEY_ID,
                expected_account_id=account_id,
                default_region="us-east-1",
            ),
            keyring_backend=None,
            has_session_token=False,
        )
        return self._sandbox_verified(made)

    def _sandbox_verified(self, profile: Profile) -> Profile:
        account = profile.expected_account_id
        return self.profiles.record_verification(
            profile.uid, account, f"arn:aws:sts::{account}:user/moto"
        )

    # --- state ------------------------------------------------------------------

    def status(self, profile: Profile) -> ProfileStatus:
        """State shown on the Credentials screen (reads the keyring: may block)."""
        if profile.expired():
            return ProfileStatus(
                profile,
                ProfileState.EXPIRED,
                "The session token expired; enter fresh temporary credentials.",
            )
        if profile.sso_session is not None:
            return self._sso_status(profile, profile.sso_session)
        if profile.uses_keyring:
            try:
                current = self.secrets.current_backend()
                if profile.keyring_backend and current != profile.keyring_backend:
                    return ProfileStatus(
                        profile,
                        ProfileState.BACKEND_CHANGED,
                        f"The secret was saved in {profile.keyring_backend}, but the keyring "
                        f"in use is now {current}. Switch back, or enter the secret again.",
                    )
                stored = self.secrets.load_dated(profile.uid)
                if stored is None:
                    return ProfileStatus(
                        profile,
                        ProfileState.SECRET_MISSING,
                        "The keyring has no secret for this profile (it was removed outside "
                        "the app). Edit the profile and enter the secret again.",
                    )
            except KeyringProblem as exc:
                return ProfileStatus(profile, ProfileState.KEYRING_UNAVAILABLE, str(exc))
            return _with_key_age(self._plain_status(profile), stored[1])
        return self._plain_status(profile)

    @staticmethod
    def _plain_status(profile: Profile) -> ProfileStatus:
        if profile.verification is not None:
            v = profile.verification
            return ProfileStatus(
                profile, ProfileState.VERIFIED, f"Opens account {v.account_id} as {v.arn}."
            )
        return ProfileStatus(
            profile, ProfileState.UNVERIFIED, "Not verified yet: press Verify when online."
        )

    def _sso_status(self, profile: Profile, session: SsoSession) -> ProfileStatus:
        sign_in = self.sign_in(session)
        try:
            state = sign_in.state()
        except KeyringProblem as exc:
            return ProfileStatus(profile, ProfileState.KEYRING_UNAVAILABLE, str(exc))
        if not state.signed_in:
            if state.expired:
                return ProfileStatus(
                    profile,
                    ProfileState.EXPIRED,
                    f"The sign-in to '{session.name}' expired; sign in again to use it.",
                    state,
                )
            return ProfileStatus(
                profile,
                ProfileState.SIGNED_OUT,
                f"Not signed in to '{session.name}'; sign in to use it.",
                state,
            )
        assert state.expires_at is not None
        via = " (the AWS CLI's sign-in)" if state.from_aws_cli else ""
        signed = (
            f"Signed in to '{session.name}'{via} until {state.expires_at:%Y-%m-%d %H:%M} UTC, "
            f"as role {profile.sso_role_name} in account {profile.sso_account_id}."
        )
        if profile.verification is not None:
            v = profile.verification
            found = ProfileStatus(
                profile, ProfileState.VERIFIED, f"{signed} Opens account {v.account_id} as {v.arn}."
            )
        else:
            found = ProfileStatus(
                profile, ProfileState.UNVERIFIED, f"{signed} Not verified yet: press Verify."
            )
        until = sign_in.credentials_expiry(profile.sso_account_id, profile.sso_role_name)
        return replace(found, sign_in=state, credentials_until=until)

    # --- IAM Identity Center -------------------------------------------------------

    def sign_in(self, session: SsoSession) -> SsoSignIn:
        """The sign-in of ``session``, one per session for the service's life."""
        with self._connections_lock:
            found = self._sign_ins.get(session)
            if found is None:
                found = SsoSignIn(
                    session,
                    self.secrets,
                    endpoint_url=self.sso_endpoint_url,
                    aws_cli_cache=self.aws_cli_sso_cache,
                )
                self._sign_ins[session] = found
            return found

    def sign_out(self, session: SsoSession) -> None:
        self.sign_in(session).sign_out()
        for profile in self.profiles.list():
            if profile.sso_session == session:
                self.forget_connections(profile.uid)

    def _role_source(self, profile: Profile) -> SsoRoleSource:
        assert profile.sso_session is not None
        key = (profile.sso_session, profile.sso_account_id, profile.sso_role_name)
        with self._connections_lock:
            found = self._role_sources.get(key)
        if found is None:
            found = self.sign_in(profile.sso_session).role_source(
                profile.sso_account_id, profile.sso_role_name
            )
            with self._connections_lock:
                found = self._role_sources.setdefault(key, found)
        return found

    def _ask_mfa_code(self, serial: str) -> str:
        return self.mfa_prompter(serial)  # whoever is set when botocore asks

    def credentials(self, profile: Profile) -> AwsCredentials:
        if profile.kind is ProfileKind.SSO:
            if profile.sso_session is None:
                raise AwsProblem(
                    AwsFault.MISSING_CREDENTIALS,
                    f"'{profile.name}' has no IAM Identity Center sign-in; edit the profile.",
                )
            try:
                self.sign_in(profile.sso_session).access_token()  # signed in, or say so
            except SignInFailed as exc:
                raise AwsProblem(AwsFault.EXPIRED_CREDENTIALS, str(exc)) from exc
            return AwsCredentials(source=self._role_source(profile))
        if profile.kind is ProfileKind.CLI:
            return AwsCredentials(cli_profile=profile.cli_profile)
        if profile.kind is ProfileKind.SANDBOX:
            return AwsCredentials(profile.access_key_id, AwsSecret(SANDBOX_SECRET))
        if profile.expired():
            raise AwsProblem(
                AwsFault.EXPIRED_CREDENTIALS,
                f"The session token of '{profile.name}' expired at "
                f"{profile.session_expires_at:%Y-%m-%d %H:%M} UTC; enter fresh temporary "
                "credentials before using it.",
            )
        secret = self.secrets.load(profile.uid)
        if secret is None:
            raise AwsProblem(
                AwsFault.MISSING_CREDENTIALS,
                f"The keyring has no secret for '{profile.name}'. Edit the profile and enter "
                "the secret access key again.",
            )
        return AwsCredentials(profile.access_key_id, secret)

    def connect(self, profile: Profile) -> AwsConnection:
        """A connection with ``profile``'s credentials, shared while the profile, its
        secret and the AWS settings stay the same (at most CONNECTION_TTL_S). The secret
        is read from the keyring every time, so one removed there stops being used."""
        credentials = self.credentials(profile)  # raises when expired or gone
        config = self._aws_config(profile)
        key = (profile.uid, profile.version, config)
        now = time.monotonic()
        with self._connections_lock:
            found = self._connections.get(key)
            if (
                found is not None
                and now - found[0] < CONNECTION_TTL_S
                and found[1].uses(credentials)
            ):
                return found[1]
        connection = AwsConnection(
            config, credentials, profile.default_region, mfa_prompter=self._ask_mfa_code
        )
        with self._connections_lock:
            # Older versions of this profile are never asked for again.
            for stale in [k for k in self._connections if k[0] == profile.uid]:
                del self._connections[stale]
            self._connections[key] = (now, connection)
        return connection

    def forget_connections(self, uid: str | None = None) -> None:
        """Drop shared connections (of one profile, or all)."""
        with self._connections_lock:
            for key in [k for k in self._connections if uid is None or k[0] == uid]:
                del self._connections[key]
            self._chained.clear()  # they sign with connections that may be gone

    def connect_as(
        self, profile: Profile, account_id: str, role: CustomerRole | None
    ) -> AwsConnection:
        """A connection acting in ``account_id``: ``profile``'s own, or, when the request
        names the customer's role, that role assumed from ``profile`` (role chaining),
        whose account GetCallerIdentity must confirm before anything is done."""
        base = self.connect(profile)
        if role is None:
            return base
        key = (profile.uid, profile.version, role)
        now = time.monotonic()
        with self._connections_lock:
            found = self._chained.get(key)
            if found is not None and now - found[0] < CONNECTION_TTL_S:
                return found[1]
        connection = chained_connection(base, role)
        verified_account(connection, role, account_id)  # raises on another account
        with self._connections_lock:
            self._chained[key] = (now, connection)
        return connection

    def rep_profile(self, preferred: str | None = None) -> Profile:
        """The rep's own identity that assumes customers' roles: ``preferred`` (a
        profile name or uid) when given, else the verified profile signed in the way
        enterprise reps do first (IAM Identity Center, then an AWS CLI profile, then
        keys, then the sandbox), by name."""
        profiles = self.profiles.list()
        if preferred:
            for profile in profiles:
                if preferred in (profile.name, profile.uid):
                    return profile
            raise AwsProblem(
                AwsFault.MISSING_CREDENTIALS,
                f"No credential profile is named '{preferred}'; see `profile list`.",
            )
        order = [ProfileKind.SSO, ProfileKind.CLI, ProfileKind.KEYS, ProfileKind.SANDBOX]
        verified = [p for p in profiles if p.verification is not None]
        if not verified:
            raise AwsProblem(
                AwsFault.MISSING_CREDENTIALS,
                "No profile of your own is verified, so the customer's role cannot be "
                "assumed. Sign in (or add a profile) under Credentials and verify it.",
            )
        return min(verified, key=lambda p: (order.index(p.kind), p.name))

    def profile_for_request(
        self, account_id: str, role_arn: str, preferred: str | None = None
    ) -> Profile:
        """The profile a request's jobs use: the rep's own when the request names the
        customer's role, else (older set-ups) a verified profile of the account itself."""
        if role_arn.strip():
            return self.rep_profile(preferred)
        if preferred:
            return self.rep_profile(preferred)
        return self.profile_for_account(account_id)

    def verify(self, uid: str) -> tuple[Profile, CallerIdentity]:
        """GetCallerIdentity with the profile; records the account and ARN it answers."""
        profile = self.profiles.get(uid)
        identity = caller_identity(self.connect(profile))
        if profile.expected_account_id and identity.account_id != profile.expected_account_id:
            raise AwsProblem(
                AwsFault.ACCOUNT_MISMATCH,
                f"'{profile.name}' opens AWS account {identity.account_id}, not the expected "
                f"{profile.expected_account_id}. Check which account the keys belong to.",
                "sts:GetCallerIdentity",
            )
        updated = self.profiles.record_verification(uid, identity.account_id, identity.arn)
        log.info("Verified profile %s: account %s", profile.name, identity.account_id)
        return updated, identity

    def profile_for_account(self, account_id: str) -> Profile:
        """The verified profile that may provision requests for ``account_id``."""
        candidates = [p for p in self.profiles.list() if p.verification is not None]
        for profile in candidates:
            if profile.verification and profile.verification.account_id == account_id:
                return profile
        others = ", ".join(
            f"'{p.name}' ({p.verification.account_id})" for p in candidates if p.verification
        )
        raise AwsProblem(
            AwsFault.ACCOUNT_MISMATCH,
            f"No verified profile opens account {account_id}"
            + (f"; verified profiles open {others}." if others else "; no profile is verified.")
            + " Add or verify a profile for this account under Credentials.",
        )

    def check_can_provision(self, uid: str, account_id: str | None) -> CallerIdentity:
        """Online check before provisioning: the profile really opens the request's account
        (``None``: the rep's own identity, which then assumes the customer's role; the
        preflight confirms that role's account)."""
        profile = self.profiles.get(uid)
        if profile.verification is None:
            raise AwsProblem(
                AwsFault.ACCOUNT_MISMATCH,
                f"'{profile.name}' is not verified; verify it under Credentials first.",
            )
        identity = caller_identity(self.connect(profile))
        if account_id is not None:
            require_account(identity, account_id, profile.name)
        return identity


def _with_key_age(status: ProfileStatus, saved_at: datetime | None) -> ProfileStatus:
    """Warns about an access key entered more than KEY_AGE_WARNING_DAYS ago (the key
    itself may be older still); session tokens expire anyway. Two dates may tell: the
    database's (when this access key ID was first saved, shared by the team) and the
    keyring item's (when the secret was entered here); the older one counts."""
    dates = [d for d in (status.profile.key_saved_at, saved_at) if d is not None]
    if not dates or status.profile.has_session_token:
        return status
    days = (datetime.now(UTC) - min(dates)).days
    if days <= KEY_AGE_WARNING_DAYS:
        return status
    return replace(
        status,
        detail=f"{status.detail} This access key was entered {days} days ago: rotate it "
        "(AWS advises every 90 days), or sign in with IAM Identity Center instead.",
        old_key_days=days,
    )
