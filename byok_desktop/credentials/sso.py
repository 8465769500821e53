"""Signing in through IAM Identity Center (SSO), the way enterprise reps do.

The device authorization flow (``sso-oidc``: RegisterClient, StartDeviceAuthorization,
CreateToken polled) is a generator of steps that a GUI worker or the CLI drives: the
first step shows the code, then ``Waiting`` steps ask the driver to wait before the next
poll, and the last is ``SignedIn``. Expiry and denial end it with :class:`SignInFailed`.

The token and its refresh token are kept only in the OS keyring (SecretStore), renewed
before they expire, and forgotten at sign-out. A valid token the AWS CLI cached for the
same start URL (``~/.aws/sso/cache``) is used instead of asking, read-only. Role
credentials from the portal (``sso``) live in memory only and are renewed before expiry.

Every method may block (keyring, network): the GUI calls them on worker threads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from byok_desktop.aws.errors import AwsProblem, classify, error_code
from byok_desktop.credential_profiles import SsoSession
from byok_desktop.credentials.keyring_store import SecretStore
from byok_desktop.credentials.secret import AwsSecret

log = logging.getLogger("byok_desktop.credentials.sso")

# IAM Identity Center's endpoint for both its APIs (tests and emulators; unset = AWS).
SSO_ENDPOINT_ENV = "BYOK_DESKTOP_SSO_ENDPOINT_URL"
CLIENT_NAME = "byok-desktop"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
# Renew a token, or role credentials, this long before they expire.
TOKEN_MARGIN = timedelta(minutes=5)
CREDENTIALS_MARGIN = timedelta(minutes=5)
SLOW_DOWN_STEP_S = 5.0


def default_aws_cli_cache() -> Path:
    return Path.home() / ".aws" / "sso" / "cache"


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class SsoToken:
    """An Identity Center access token with what renews it; values hidden from reprs."""

    __slots__ = (
        "_access_token",
        "_client_secret",
        "_refresh_token",
        "client_expires_at",
        "client_id",
        "expires_at",
        "from_aws_cli",
        "start_url",
    )

    def __init__(
        self,
        access_token: str,
        expires_at: datetime,
        start_url: str,
        *,
        refresh_token: str | None = None,
        client_id: str = "",
        client_secret: str | None = None,
        client_expires_at: datetime | None = None,
        from_aws_cli: bool = False,
    ) -> None:
        self._access_token = access_token
        self._refresh_token = refresh_token or None
        self.expires_at = expires_at
        self.client_id = client_id
        self._client_secret = client_secret or None
        self.client_expires_at = client_expires_at
        self.start_url = start_url
        self.from_aws_cli = from_aws_cli

    @property
    def access_token(self) -> str:
        return self._access_token

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    @property
    def client_secret(self) -> str | None:
        return self._client_secret

    def __repr__(self) -> str:
        where = "AWS CLI cache" if self.from_aws_cli else "keyring"
        return f"SsoToken(<hidden>, expires {self.expires_at:%Y-%m-%d %H:%M} UTC, {where})"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("SsoToken is not picklable: tokens stay in the keyring")

    def valid(self, now: datetime, margin: timedelta = TOKEN_MARGIN) -> bool:
        return self.expires_at - margin > now

    def refreshable(self, now: datetime) -> bool:
        return (
            not self.from_aws_cli  # the AWS CLI's refresh token is the CLI's to rotate
            and self._refresh_token is not None
            and self._client_secret is not None
            and (self.client_expires_at is None or self.client_expires_at > now)
        )

    def without_refresh(self) -> SsoToken:
        """The same token, no longer renewed (Identity Center refused to)."""
        return SsoToken(
            self._access_token,
            self.expires_at,
            self.start_url,
            client_id=self.client_id,
            from_aws_cli=self.from_aws_cli,
        )

    def to_keyring_text(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "kind": "sso-token",
                "accessToken": self._access_token,
                "refreshToken": self._refresh_token,
                "expiresAt": self.expires_at.timestamp(),
                "clientId": self.client_id,
                "clientSecret": self._client_secret,
                "clientExpiresAt": self.client_expires_at.timestamp()
                if self.client_expires_at
                else None,
                "startUrl": self.start_url,
            }
        )

    @classmethod
    def from_keyring_text(cls, text: str) -> SsoToken:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("kind") != "sso-token":
            raise ValueError("not a BYOK Desktop sign-in token")
        client_expiry = data.get("clientExpiresAt")
        return cls(
            str(data["accessToken"]),
            _utc(float(data["expiresAt"])),
            str(data.get("startUrl", "")),
            refresh_token=data.get("refreshToken"),
            client_id=str(data.get("clientId") or ""),
            client_secret=data.get("clientSecret"),
            client_expires_at=_utc(float(client_expiry)) if client_expiry else None,
        )


# --- the device flow's steps -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeReady:
    """Show this to the user: open the page and confirm the code."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_at: datetime

    @property
    def message(self) -> str:
        return (
            f"Open {self.verification_uri} and confirm the code {self.user_code} "
            f"(before {self.expires_at:%H:%M} UTC)."
        )


@dataclass(frozen=True, slots=True)
class Waiting:
    """Wait ``seconds`` (or stop, to cancel), then go on with the flow."""

    seconds: float
    slowed_down: bool = False

    @property
    def message(self) -> str:
        if self.slowed_down:
            return (
                "IAM Identity Center asked to be checked less often; "
                f"checking every {self.seconds:.0f} seconds."
            )
        return "Waiting for you to approve the sign-in in your browser."


@dataclass(frozen=True, slots=True)
class SignedIn:
    session_name: str
    expires_at: datetime

    @property
    def message(self) -> str:
        return f"Signed in to '{self.session_name}' until {self.expires_at:%Y-%m-%d %H:%M} UTC."


FlowStep = CodeReady | Waiting | SignedIn


class SignInFault(Enum):
    EXPIRED = "expired"  # the code was not confirmed in time
    DENIED = "denied"  # the user (or an administrator) refused
    NOT_SIGNED_IN = "not_signed_in"  # no valid token: sign in first
    REJECTED = "rejected"  # Identity Center refused the request (start URL, region...)


class SignInFailed(RuntimeError):
    """The sign-in did not happen; ``str()`` is a sentence for the user."""

    def __init__(self, fault: SignInFault, message: str) -> None:
        super().__init__(message)
        self.fault = fault


@dataclass(frozen=True, slots=True)
class SsoAccount:
    account_id: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class SsoRole:
    account_id: str
    role_name: str


@dataclass(frozen=True, slots=True)
class RoleCredentials:
    access_key_id: str
    secret: AwsSecret
    expires_at: datetime

    def __repr__(self) -> str:
        return (
            f"RoleCredentials({self.access_key_id[:4]}…, secret hidden, "
            f"expires {self.expires_at:%H:%M} UTC)"
        )


@dataclass(frozen=True, slots=True)
class SignInState:
    """Whether a session is signed in, until when and through whom; no secret."""

    expires_at: datetime | None  # None: not signed in
    from_aws_cli: bool = False  # the AWS CLI's cached sign-in, not the app's own
    expired: bool = False  # not signed in because the kept sign-in ran out

    @property
    def signed_in(self) -> bool:
        return self.expires_at is not None


def token_username(session: SsoSession) -> str:
    """The keyring item holding a sign-in session's token."""
    return f"sso-session/{session.name}"


class SsoSignIn:
    """One sign-in session (name, start URL, region): its token and its role credentials."""

    def __init__(
        self,
        session: SsoSession,
        secrets: SecretStore,
        *,
        endpoint_url: str = "",
        aws_cli_cache: Path | None = None,
        clock: Callable[[], float] = time.time,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 30.0,
    ) -> None:
        self.session = session
        self._secrets = secrets
        self._endpoint_url = endpoint_url
        self._aws_cli_cache = aws_cli_cache
        self._clock = clock
        self._timeouts = (connect_timeout_s, read_timeout_s)
        self._lock = threading.RLock()
        self._clients: dict[str, Any] = {}
        self._token: SsoToken | None = None
        self._role_credentials: dict[tuple[str, str], RoleCredentials] = {}

    def __repr__(self) -> str:
        return f"SsoSignIn({self.session.name!r}, {self.session.start_url!r})"

    def _now(self) -> datetime:
        return _utc(self._clock())

    def _client(self, service: str) -> Any:
        with self._lock:
            found = self._clients.get(service)
            if found is not None:
                return found
            import boto3
            import botocore.session
            from botocore import UNSIGNED
            from botocore.config import Config

            from byok_desktop.aws.connection import shared_loader

            core = botocore.session.get_session()
            core.register_component("data_loader", shared_loader())
            session: Any = boto3.session.Session(botocore_session=core)
            client = session.client(
                service,
                region_name=self.session.region,
                endpoint_url=self._endpoint_url or None,
                config=Config(
                    signature_version=UNSIGNED,  # these APIs take no AWS signature
                    connect_timeout=self._timeouts[0],
                    read_timeout=self._timeouts[1],
                    retries={"mode": "standard", "total_max_attempts": 3},
                ),
            )
            self._clients[service] = client
            return client

    def _call(self, service: str, operation: str, **params: Any) -> Any:
        action = f"{service}:{operation}"
        try:
            return getattr(self._client(service), _snake(operation))(**params)
        except AwsProblem:
            raise
        except Exception as exc:
            code = error_code(exc)
            if code == "UnauthorizedException":
                with self._lock:
                    rejected = self._token
                    self._forget_token()
                    if rejected is not None and not rejected.from_aws_cli:
                        # Useless now: the next use asks to sign in instead of retrying it.
                        self._secrets.delete_item(token_username(self.session))
                raise SignInFailed(
                    SignInFault.NOT_SIGNED_IN,
                    f"IAM Identity Center no longer accepts the sign-in to "
                    f"'{self.session.name}'; sign in again.",
                ) from exc
            raise classify(exc, action) from exc

    # --- the token ------------------------------------------------------------------

    def token(self) -> SsoToken | None:
        """A valid token, or None: sign in first. Within TOKEN_MARGIN of its expiry a
        token is renewed; one that cannot be renewed is used until it expires."""
        with self._lock:
            now = self._now()
            token = self._token
            if token is None or not token.valid(now):
                token = self._stored_token() or token
            if token is not None and not token.valid(now) and token.refreshable(now):
                renewed = self._refresh(token)
                if renewed is None:  # refused: used as it is until it expires
                    renewed = token.without_refresh()
                    self._keep(renewed)
                token = renewed
            if token is None or not token.valid(now, timedelta(0)):
                token = self._aws_cli_token(now)
            self._token = token
            return token

    def access_token(self) -> str:
        token = self.token()
        if token is None:
            raise SignInFailed(
                SignInFault.NOT_SIGNED_IN,
                f"You are not signed in to '{self.session.name}' "
                f"({self.session.start_url}); sign in first.",
            )
        return token.access_token

    def state(self) -> SignInState:
        """Signed in (until when, and whether through the AWS CLI), or why not."""
        token = self.token()
        if token is not None:
            return SignInState(token.expires_at, token.from_aws_cli)
        return SignInState(None, expired=self._stored_token() is not None)

    def credentials_expiry(self, account_id: str, role_name: str) -> datetime | None:
        """When the role credentials held in memory expire (None: none held)."""
        with self._lock:
            found = self._role_credentials.get((account_id, role_name))
        return found.expires_at if found is not None else None

    @property
    def uses_aws_cli_token(self) -> bool:
        return self._token is not None and self._token.from_aws_cli

    def _stored_token(self) -> SsoToken | None:
        text = self._secrets.load_item(token_username(self.session))
        if text is None:
            return None
        try:
            token = SsoToken.from_keyring_text(text)
        except (ValueError, KeyError, TypeError):
            log.warning("The keyring item of sign-in session %s is not readable", self.session.name)
            return None
        if token.start_url != self.session.start_url:
            return None  # the session now points elsewhere
        return token

    def _refresh(self, token: SsoToken) -> SsoToken | None:
        try:
            answer = self._client("sso-oidc").create_token(
                clientId=token.client_id,
                clientSecret=token.client_secret,
                grantType=REFRESH_GRANT,
                refreshToken=token.refresh_token,
            )
        except Exception as exc:
            if error_code(exc):  # Identity Center refused: sign in again
                log.info(
                    "Sign-in session %s could not be renewed (%s)",
                    self.session.name,
                    error_code(exc),
                )
                return None
            raise classify(exc, "sso-oidc:CreateToken") from exc
        renewed = self._token_from(
            answer,
            token.client_id,
            token.client_secret,
            token.client_expires_at,
            token.refresh_token,
        )
        self._keep(renewed)
        log.info("Renewed the sign-in to %s", self.session.name)
        return renewed

    def _token_from(
        self,
        answer: dict[str, Any],
        client_id: str,
        client_secret: str | None,
        client_expires_at: datetime | None,
        previous_refresh: str | None = None,
    ) -> SsoToken:
        return SsoToken(
            str(answer["accessToken"]),
            self._now() + timedelta(seconds=int(answer.get("expiresIn") or 0)),
            self.session.start_url,
            refresh_token=answer.get("refreshToken") or previous_refresh,
            client_id=client_id,
            client_secret=client_secret,
            client_expires_at=client_expires_at,
        )

    def _keep(self, token: SsoToken) -> None:
        self._secrets.save_item(token_username(self.session), token.to_keyring_text())
        self._token = token

    def _aws_cli_token(self, now: datetime) -> SsoToken | None:
        """The AWS CLI's cached token for this start URL, if still valid (read only)."""
        folder = self._aws_cli_cache or default_aws_cli_cache()
        names = {self.session.name, self.session.start_url}  # sso-session, legacy profile
        for key in names:
            path = folder / (hashlib.sha1(key.encode()).hexdigest() + ".json")
            try:
                data = json.loads(path.read_text("utf-8"))
                if data.get("startUrl") != self.session.start_url:
                    continue
                expires = _parse_expiry(str(data["expiresAt"]))
                token = SsoToken(
                    str(data["accessToken"]), expires, self.session.start_url, from_aws_cli=True
                )
            except FileNotFoundError:
                continue
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                log.info("Ignored the AWS CLI's sign-in cache %s: not readable", path)
                continue
            if token.valid(now):
                log.info("Using the AWS CLI's sign-in to %s (%s)", self.session.name, path)
                return token
        return None

    def _forget_token(self) -> None:
        with self._lock:
            self._token = None
            self._role_credentials.clear()

    # --- the device flow ------------------------------------------------------------

    def device_flow(self) -> Generator[FlowStep, None, None]:
        """Sign in: yields CodeReady, then Waiting steps (the driver waits, or stops
        iterating to cancel), then SignedIn. Raises SignInFailed or AwsProblem."""
        client = self._call(
            "sso-oidc", "RegisterClient", clientName=CLIENT_NAME, clientType="public"
        )
        client_id = str(client["clientId"])
        client_secret = str(client["clientSecret"])
        client_expiry = client.get("clientSecretExpiresAt")
        client_expires_at = _utc(float(client_expiry)) if client_expiry else None
        try:
            auth = self._call(
                "sso-oidc",
                "StartDeviceAuthorization",
                clientId=client_id,
                clientSecret=client_secret,
                startUrl=self.session.start_url,
            )
        except AwsProblem as exc:
            raise SignInFailed(
                SignInFault.REJECTED,
                f"IAM Identity Center refused to start a sign-in for {self.session.start_url} "
                f"in {self.session.region} ({exc.detail or exc}). Check the start URL and "
                "the region.",
            ) from exc
        expires_at = self._now() + timedelta(seconds=int(auth.get("expiresIn") or 600))
        given = auth.get("interval")
        interval = float(given) if given is not None else 5.0
        yield CodeReady(
            str(auth["userCode"]),
            str(auth["verificationUri"]),
            str(auth.get("verificationUriComplete") or auth["verificationUri"]),
            expires_at,
        )
        slowed = False
        while True:
            if self._now() >= expires_at:
                raise _expired()
            yield Waiting(interval, slowed)
            slowed = False
            try:
                answer = self._client("sso-oidc").create_token(
                    clientId=client_id,
                    clientSecret=client_secret,
                    grantType=DEVICE_GRANT,
                    deviceCode=auth["deviceCode"],
                )
            except Exception as exc:
                code = error_code(exc)
                if code == "AuthorizationPendingException":
                    continue
                if code == "SlowDownException":
                    interval += SLOW_DOWN_STEP_S
                    slowed = True
                    continue
                if code == "ExpiredTokenException":
                    raise _expired() from exc
                if code == "AccessDeniedException":
                    raise SignInFailed(
                        SignInFault.DENIED,
                        "The sign-in was denied in the browser; start again and approve "
                        "it, or ask your administrator for access.",
                    ) from exc
                raise classify(exc, "sso-oidc:CreateToken") from exc
            token = self._token_from(answer, client_id, client_secret, client_expires_at)
            with self._lock:
                self._keep(token)
                self._role_credentials.clear()
            log.info("Signed in to %s", self.session.name)
            yield SignedIn(self.session.name, token.expires_at)
            return

    def sign_out(self) -> None:
        """Forget the token (keyring and memory) and the role credentials. The AWS CLI's
        own cache is the CLI's: it is left as it is."""
        with self._lock:
            token = self._token
            self._forget_token()
            stored = self._stored_token()
            self._secrets.delete_item(token_username(self.session))
        mine = stored or (token if token is not None and not token.from_aws_cli else None)
        if mine is not None and mine.valid(self._now(), timedelta(0)):
            try:  # ends the session at Identity Center too; best effort
                self._client("sso").logout(accessToken=mine.access_token)
            except Exception as exc:
                log.info("Sign-out at IAM Identity Center failed (%s)", type(exc).__name__)
        log.info("Signed out of %s", self.session.name)

    # --- the portal -----------------------------------------------------------------

    def accounts(self) -> list[SsoAccount]:
        token = self.access_token()
        found: list[SsoAccount] = []
        params: dict[str, Any] = {"accessToken": token}
        while True:
            page = self._call("sso", "ListAccounts", **params)
            found.extend(
                SsoAccount(a["accountId"], a.get("accountName", ""), a.get("emailAddress", ""))
                for a in page.get("accountList", [])
            )
            if not page.get("nextToken"):
                return found
            params["nextToken"] = page["nextToken"]

    def roles(self, account_id: str) -> list[SsoRole]:
        token = self.access_token()
        found: list[SsoRole] = []
        params: dict[str, Any] = {"accessToken": token, "accountId": account_id}
        while True:
            page = self._call("sso", "ListAccountRoles", **params)
            found.extend(
                SsoRole(r.get("accountId", account_id), r["roleName"])
                for r in page.get("roleList", [])
            )
            if not page.get("nextToken"):
                return found
            params["nextToken"] = page["nextToken"]

    def role_credentials(self, account_id: str, role_name: str) -> RoleCredentials:
        """Short-lived credentials for the role, from memory while they last."""
        key = (account_id, role_name)
        with self._lock:
            found = self._role_credentials.get(key)
            if found is not None and found.expires_at - CREDENTIALS_MARGIN > self._now():
                return found
        answer = self._call(
            "sso",
            "GetRoleCredentials",
            accessToken=self.access_token(),
            accountId=account_id,
            roleName=role_name,
        )["roleCredentials"]
        credentials = RoleCredentials(
            answer["accessKeyId"],
            AwsSecret(answer["secretAccessKey"], answer.get("sessionToken")),
            _utc(int(answer["expiration"]) / 1000),
        )
        with self._lock:
            self._role_credentials[key] = credentials
        log.info(
            "Got credentials for %s in %s through %s", role_name, account_id, self.session.name
        )
        return credentials

    def role_source(self, account_id: str, role_name: str) -> SsoRoleSource:
        return SsoRoleSource(self, account_id, role_name)


class SsoRoleSource:
    """Where an AwsConnection gets a role's credentials: asked again before they expire."""

    def __init__(self, sign_in: SsoSignIn, account_id: str, role_name: str) -> None:
        self.sign_in = sign_in
        self.account_id = account_id
        self.role_name = role_name

    def __repr__(self) -> str:
        return f"SsoRoleSource({self.sign_in.session.name!r}, {self.account_id}, {self.role_name})"

    def fetch(self) -> RoleCredentials:
        return self.sign_in.role_credentials(self.account_id, self.role_name)


def _expired() -> SignInFailed:
    return SignInFailed(
        SignInFault.EXPIRED,
        "The sign-in code expired before it was confirmed; start the sign-in again.",
    )



def _snake(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


def _parse_expiry(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("UTC", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
