"""One AWS connection per set of credentials: clients created once per (service, region).

A boto3 Session is not thread-safe but its clients are, so clients are created under a
lock and then shared by worker threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.credentials.secret import AwsSecret

if TYPE_CHECKING:
    from byok_desktop.aws.realism import RealisticAws

log = logging.getLogger("byok_desktop.aws")


@dataclass(frozen=True, slots=True)
class AwsConfig:
    endpoint_url: str = ""  # "" = real AWS
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_attempts: int = 5
    # The sandbox plays one AWS account per profile: moto reads the account from a header.
    sandbox_account_id: str = ""
    # Behave like real AWS (propagation delays, Creating replicas, throttling): see
    # byok_desktop/aws/realism.py. One layer is one simulated AWS, shared by connections.
    realism: RealisticAws | None = None


class TemporaryCredentials(Protocol):
    @property
    def access_key_id(self) -> str: ...
    @property
    def secret(self) -> AwsSecret: ...
    @property
    def expires_at(self) -> datetime: ...


class CredentialSource(Protocol):
    """Short-lived credentials asked for again before they expire (an SSO role)."""

    def fetch(self) -> TemporaryCredentials: ...


# Asked for an MFA code: given the MFA device's serial, returns the code the user typed.
MfaPrompter = Callable[[str], str]


class MfaCodeNeeded(AwsProblem):
    """An assume-role profile needs an MFA code and nobody can be asked for one."""


def no_mfa_prompter(serial: str) -> str:
    raise MfaCodeNeeded(
        AwsFault.MISSING_CREDENTIALS,
        f"The profile assumes a role that needs an MFA code from {serial}, and there is "
        "no one to ask for it here.",
    )


@dataclass(frozen=True, slots=True)
class AwsCredentials:
    """Keys (with the secret from the keyring), an AWS CLI profile name, or a source of
    short-lived credentials (an SSO role)."""

    access_key_id: str = ""
    secret: AwsSecret | None = None
    cli_profile: str = ""
    source: CredentialSource | None = None

    def __repr__(self) -> str:
        if self.source is not None:
            return f"AwsCredentials(source={self.source!r})"
        if self.cli_profile:
            return f"AwsCredentials(cli_profile={self.cli_profile!r})"
        return f"AwsCredentials(access_key_id={self.access_key_id[:4]!r}…, secret hidden)"


class AwsConnection:
    def __init__(
        self,
        config: AwsConfig,
        credentials: AwsCredentials,
        default_region: str,
        mfa_prompter: MfaPrompter | None = None,
    ) -> None:
        self.config = config
        self._credentials = credentials
        self.default_region = default_region
        # Never botocore's getpass: it would wait on a terminal from a worker thread.
        self._mfa_prompter = mfa_prompter or no_mfa_prompter
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}

    def uses(self, credentials: AwsCredentials) -> bool:
        """Whether this connection signs with ``credentials`` (compared in memory only)."""
        return self._credentials == credentials

    def __repr__(self) -> str:
        where = self.config.endpoint_url or "AWS"
        return f"AwsConnection({self._credentials!r} at {where})"

    def _new_session(self) -> Any:
        import boto3
        import botocore.session

        core = botocore.session.get_session()
        core.register_component("data_loader", shared_loader())
        creds = self._credentials
        if creds.source is not None:
            from botocore.credentials import CredentialResolver

            core.register_component(
                "credential_provider",
                CredentialResolver([cast(Any, _SourceProvider(creds.source))]),
            )
            return boto3.session.Session(botocore_session=core)
        if creds.cli_profile:
            core.set_config_variable("profile", creds.cli_profile)
            assume_role = core.get_component("credential_provider").get_provider("assume-role")
            # botocore has no public setting for it; the attribute is its constructor's.
            assume_role._prompter = self._ask_mfa_code
            return boto3.session.Session(profile_name=creds.cli_profile, botocore_session=core)
        if creds.secret is None:
            return boto3.session.Session(botocore_session=core)
        return boto3.session.Session(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret.secret_access_key,
            aws_session_token=creds.secret.session_token,
            botocore_session=core,
        )

    def _ask_mfa_code(self, prompt: str) -> str:
        # botocore asks "Enter MFA code for <serial>: "
        serial = prompt.removeprefix("Enter MFA code for ").strip().rstrip(":").strip()
        try:
            return self._mfa_prompter(serial).strip()
        except BaseException:
            # botocore asks once per session (its MFA refresher refuses a second call):
            # after a cancel or a timeout, the next client gets a new session that asks
            # again. Plain assignments, no lock: the caller may be inside client().
            self._session, self._clients = None, {}
            raise

    def client(self, service: str, region: str | None = None) -> Any:
        region = region or self.default_region
        key = (service, region)
        with self._lock:
            found = self._clients.get(key)
            if found is not None:
                return found
            from botocore.config import Config

            if self._session is None:
                self._session = self._new_session()
            config = Config(
                region_name=region,
                connect_timeout=self.config.connect_timeout_s,
                read_timeout=self.config.read_timeout_s,
                # total_max_attempts counts the first try; botocore's max_attempts would not.
                retries={"mode": "standard", "total_max_attempts": self.config.max_attempts},
            )
            client = self._session.client(
                service,
                region_name=region,
                config=config,
                endpoint_url=self.config.endpoint_url or None,
            )
            # botocore's standard mode retries LimitExceededException as throttling; in KMS
            # it is a quota, so stop at once with an explanation instead.
            service_id = client.meta.service_model.service_id.hyphenize()
            client.meta.events.register_first(
                f"needs-retry.{service_id}", _refuse_quota_retry, unique_id="byok-refuse-quota"
            )
            # CreateKey is not idempotent: after a timeout or a server error the key may
            # exist already, and a blind retry would make a second one. Only throttling
            # (which AWS rejected before acting) is retried; the job's own retry adopts
            # the key by its tags instead.
            client.meta.events.register_first(
                f"needs-retry.{service_id}.CreateKey",
                _retry_create_only_when_throttled,
                unique_id="byok-create-key-retry",
            )
            if self.config.sandbox_account_id:
                account = self.config.sandbox_account_id
                client.meta.events.register(
                    "before-sign.*.*",
                    lambda request, **_: request.headers.__setitem__("x-moto-account-id", account),
                )
            if self.config.realism is not None:
                self.config.realism.attach(client, self.config.sandbox_account_id)
            self._clients[key] = client
            log.debug("Created %s client for %s", service, region)
            return client


class _SourceProvider:
    """A botocore credential provider over a CredentialSource, refreshed before expiry."""

    METHOD = "byok-credential-source"
    CANONICAL_NAME = "custom-byok-credential-source"

    def __init__(self, source: CredentialSource) -> None:
        self._source = source

    def _metadata(self) -> dict[str, str]:
        found = self._source.fetch()
        return {
            "access_key": found.access_key_id,
            "secret_key": found.secret.secret_access_key,
            "token": found.secret.session_token or "",
            "expiry_time": found.expires_at.isoformat(),
        }

    def load(self) -> Any:
        from botocore.credentials import RefreshableCredentials

        return RefreshableCredentials.create_from_metadata(
            self._metadata(), refresh_using=self._metadata, method=self.METHOD
        )


_loader_lock = threading.Lock()
_loader: Any = None


def shared_loader() -> Any:
    """One botocore data loader for every connection. A loader caches the service models
    and endpoint data it has parsed; each new session would otherwise parse them again
    (about 50 ms of CPU per connection, holding the GIL while the GUI waits for it)."""
    global _loader
    with _loader_lock:
        if _loader is None:
            from botocore.loaders import create_loader

            _loader = create_loader()
        return _loader


def _action(operation: Any) -> str:
    if operation is None:
        return ""
    return f"{operation.service_model.endpoint_prefix}:{operation.name}"


def _refuse_quota_retry(response: Any = None, operation: Any = None, **_: Any) -> None:
    """A needs-retry handler that ends the call on a quota error instead of retrying it."""
    parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else None
    if not isinstance(parsed, dict):
        return
    error = parsed.get("Error", {})
    if error.get("Code") == "LimitExceededException":
        action = _action(operation)
        detail = str(error.get("Message", "")) or "LimitExceededException"
        raise AwsProblem(
            AwsFault.QUOTA,
            f"An AWS quota was reached for {action or 'the call'} ({detail}). This is not "
            "retried: raise the quota in the customer's account or free resources first.",
            action,
            code="LimitExceededException",
            detail=detail,
        )


_THROTTLING = frozenset({"ThrottlingException", "Throttling", "RequestLimitExceeded"})


def _retry_create_only_when_throttled(
    response: Any = None, caught_exception: Any = None, operation: Any = None, **_: Any
) -> None:
    """A needs-retry handler for creating calls: anything but throttling ends the call."""
    if caught_exception is not None:
        from byok_desktop.aws.errors import classify

        raise classify(caught_exception, _action(operation)) from caught_exception
    parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else None
    status = response[0].status_code if isinstance(response, tuple) and response else 200
    code = parsed.get("Error", {}).get("Code", "") if isinstance(parsed, dict) else ""
    if status >= 500 and code not in _THROTTLING:
        detail = f"HTTP {status} {code}".strip()
        raise AwsProblem(
            AwsFault.UNREACHABLE,
            f"AWS answered {_action(operation)} with a server error ({detail}); it is not "
            "retried blindly because the key may exist already. Resume the job: it adopts "
            "a key it finds by its tags.",
            _action(operation),
            code=code,
            detail=detail,
        )
