"""A role in the customer's account, assumed from the rep's own identity (role chaining).

The rep signs in as themselves (IAM Identity Center, an AWS CLI profile, keys); the jobs
then assume the customer's provisioning role with the ExternalId the app made for that
customer, under a session name that names the rep and the request, so the customer's
CloudTrail says who did what. The customer's keys never reach the workstation.
"""

from __future__ import annotations

import getpass
import logging
import re
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from byok_desktop.aws.connection import AwsConnection, AwsCredentials
from byok_desktop.aws.errors import AwsFault, AwsProblem, classify
from byok_desktop.aws.identity import CallerIdentity, caller_identity
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.request_fields import role_arn_account

log = logging.getLogger("byok_desktop.aws")

SESSION_NAME_MAX = 64  # STS: 2-64 characters of [\w+=,.@-]
_NOT_ALLOWED = re.compile(r"[^\w+=,.@-]", re.ASCII)
# Chained role sessions last at most an hour whatever the role's maximum (AWS's rule).
CHAINED_SESSION_S = 3600
_RENEW_BEFORE = timedelta(minutes=5)


def session_name(rep: str, request_uid: str) -> str:
    """``rep@request`` in STS's alphabet, at most 64 characters: the request's uid is
    kept whole (it identifies the work) and the rep's name is shortened to fit."""
    request = _NOT_ALLOWED.sub("-", request_uid)[: SESSION_NAME_MAX - 2]
    room = SESSION_NAME_MAX - len(request) - 1
    who = _NOT_ALLOWED.sub("-", rep).strip("-")[:room] or "rep"
    name = f"{who}@{request}" if request else who
    return name[:SESSION_NAME_MAX]


def rep_name(profile_name: str) -> str:
    """Who the rep is, for session names: the OS user and the profile they signed in with."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment (a container without one)
        user = ""
    return f"{user}.{profile_name}" if user else profile_name


@dataclass(frozen=True, slots=True)
class CustomerRole:
    """What a job needs to act in the customer's account."""

    role_arn: str
    external_id: str
    session_name: str

    @property
    def account_id(self) -> str:
        return role_arn_account(self.role_arn)


@dataclass(frozen=True, slots=True)
class _Assumed:
    access_key_id: str
    secret: AwsSecret
    expires_at: datetime


class AssumedRoleSource:
    """A ``CredentialSource``: the customer role's credentials, asked for again from the
    rep's connection shortly before they expire. Kept in memory only."""

    def __init__(self, base: AwsConnection, role: CustomerRole) -> None:
        self._base = base
        self.role = role
        self._lock = threading.Lock()
        self._current: _Assumed | None = None

    def __repr__(self) -> str:
        return f"AssumedRoleSource({self.role.role_arn!r}, session {self.role.session_name!r})"

    def fetch(self) -> _Assumed:
        with self._lock:
            current = self._current
            if current is None or current.expires_at - _RENEW_BEFORE <= datetime.now(UTC):
                current = self._current = assume(self._base, self.role)
            return current


def assume(base: AwsConnection, role: CustomerRole) -> _Assumed:
    """STS AssumeRole with the ExternalId; a refusal becomes a sentence naming what the
    customer's trust policy must say."""
    extra = {"ExternalId": role.external_id} if role.external_id else {}
    try:
        answer = base.client("sts").assume_role(
            RoleArn=role.role_arn,
            RoleSessionName=role.session_name,
            DurationSeconds=CHAINED_SESSION_S,
            **extra,
        )
    except Exception as exc:
        problem = classify(exc, "sts:AssumeRole", role.role_arn)
        if problem.fault is AwsFault.ACCESS_DENIED:
            with_id = (
                f"with ExternalId {role.external_id}"
                if role.external_id
                else "without an ExternalId (the customer's ExternalId is missing)"
            )
            raise AwsProblem(
                AwsFault.ACCESS_DENIED,
                f"Could not assume {role.role_arn}: its trust policy does not let your "
                f"identity in {with_id}. Ask the customer to run "
                "the setup kit for this request (or to allow your account with that "
                "ExternalId), then try again.",
                "sts:AssumeRole",
                role.role_arn,
                code=problem.code,
                detail=problem.detail,
            ) from exc
        raise problem from exc
    found = answer["Credentials"]
    expires = found["Expiration"]
    if not isinstance(expires, datetime):
        expires = datetime.fromisoformat(str(expires))
    log.info("Assumed %s as %s", role.role_arn, role.session_name)
    return _Assumed(
        str(found["AccessKeyId"]),
        AwsSecret(str(found["SecretAccessKey"]), str(found["SessionToken"])),
        expires if expires.tzinfo else expires.replace(tzinfo=UTC),
    )


def chained_connection(base: AwsConnection, role: CustomerRole) -> AwsConnection:
    """A connection that acts as ``role`` in the customer's account. In the sandbox (one
    moto plays every account) it also tells moto and the realistic layer which account
    the calls act in: the role's."""
    config = base.config
    if config.sandbox_account_id or config.realism is not None:
        config = replace(config, sandbox_account_id=role.account_id)
    return AwsConnection(
        config, AwsCredentials(source=AssumedRoleSource(base, role)), base.default_region
    )


def verified_account(
    connection: AwsConnection, role: CustomerRole, expected: str
) -> CallerIdentity:
    """GetCallerIdentity as the assumed role; anything but ``expected`` stops the work."""
    identity = caller_identity(connection)
    if identity.account_id != expected:
        raise AwsProblem(
            AwsFault.ACCOUNT_MISMATCH,
            f"Assuming {role.role_arn} opened AWS account {identity.account_id}, but the "
            f"request is for account {expected}; nothing was changed. Check the request's "
            "role ARN with the customer.",
            "sts:GetCallerIdentity",
        )
    return identity
