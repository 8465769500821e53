"""Credential profiles end to end: save (keyring first), state, verify, connect.

Every method may block (keyring prompts, network): the GUI calls them on worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
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
from byok_desktop.credentials.sso import SignInFailed, SsoRoleSource, SsoSignIn
from byok_desktop.store.profiles import ProfileStore

log = logging.getLogger("byok_desktop.credentials")

# The sandbox's moto server accepts any keys; these are not secrets.
SANDBOX_ACCESS_KEY_ID = "AKIASANDBOX000000000"
SANDBOX_SECRET = "sandbox-secret-not-a-real-key"
CONNECTION_TTL_S = 600.0


class ProfileInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ProfileStatus:
    profile: Profile
    state: ProfileState
    detail: str  # one sentence for the user


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
            try:
                signed_in = self.sign_in(profile.sso_session).token() is not None
            except KeyringProblem as exc:
                return ProfileStatus(profile, ProfileState.KEYRING_UNAVAILABLE, str(exc))
            if not signed_in:
                # The GUI knows no "signed out" state yet: shown as an expired session.
                return ProfileStatus(
                    profile,
                    ProfileState.EXPIRED,
                    f"Not signed in to '{profile.sso_session.name}'; sign in to use it.",
                )
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
                if self.secrets.load(profile.uid) is None:
                    return ProfileStatus(
                        profile,
                        ProfileState.SECRET_MISSING,
                        "The keyring has no secret for this profile (it was removed outside "
                        "the app). Edit the profile and enter the secret again.",
                    )
            except KeyringProblem as exc:
                return ProfileStatus(profile, ProfileState.KEYRING_UNAVAILABLE, str(exc))
        if profile.verification is not None:
            v = profile.verification
            return ProfileStatus(
                profile, ProfileState.VERIFIED, f"Opens account {v.account_id} as {v.arn}."
            )
        return ProfileStatus(
            profile, ProfileState.UNVERIFIED, "Not verified yet: press Verify when online."
        )

    # --- AWS ---------------------------------------------------------------------

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

    def check_can_provision(self, uid: str, account_id: str) -> CallerIdentity:
        """Online check before provisioning: the profile really opens the request's account."""
        profile = self.profiles.get(uid)
        if profile.verification is None:
            raise AwsProblem(
                AwsFault.ACCOUNT_MISMATCH,
                f"'{profile.name}' is not verified; verify it under Credentials first.",
            )
        identity = caller_identity(self.connect(profile))
        require_account(identity, account_id, profile.name)
        return identity
