"""AWS failures sorted into what a rep can act on, each with a message that says what to do."""

from __future__ import annotations

from enum import Enum


class AwsFault(Enum):
    ACCESS_DENIED = "access_denied"
    EXPIRED_CREDENTIALS = "expired_credentials"
    INVALID_CREDENTIALS = "invalid_credentials"
    MISSING_CREDENTIALS = "missing_credentials"
    UNREACHABLE = "unreachable"
    THROTTLED = "throttled"
    QUOTA = "quota"
    INVALID_STATE = "invalid_state"
    NOT_FOUND = "not_found"
    ACCOUNT_MISMATCH = "account_mismatch"
    # AWS had not caught up with a recent change (IAM propagation, a Creating replica)
    # within the wait bound: resuming later is expected to work.
    NOT_YET_CONSISTENT = "not_yet_consistent"
    OTHER = "other"

    @property
    def retryable(self) -> bool:
        return self in (AwsFault.UNREACHABLE, AwsFault.THROTTLED)


_CODES = {
    "AccessDenied": AwsFault.ACCESS_DENIED,
    "AccessDeniedException": AwsFault.ACCESS_DENIED,
    "UnauthorizedOperation": AwsFault.ACCESS_DENIED,
    "ExpiredToken": AwsFault.EXPIRED_CREDENTIALS,
    "ExpiredTokenException": AwsFault.EXPIRED_CREDENTIALS,
    "RequestExpired": AwsFault.EXPIRED_CREDENTIALS,
    "InvalidClientTokenId": AwsFault.INVALID_CREDENTIALS,
    "UnrecognizedClientException": AwsFault.INVALID_CREDENTIALS,
    "SignatureDoesNotMatch": AwsFault.INVALID_CREDENTIALS,
    "IncompleteSignature": AwsFault.INVALID_CREDENTIALS,
    "ThrottlingException": AwsFault.THROTTLED,
    "Throttling": AwsFault.THROTTLED,
    "RequestLimitExceeded": AwsFault.THROTTLED,
    "LimitExceededException": AwsFault.QUOTA,
    "LimitExceeded": AwsFault.QUOTA,  # IAM's spelling
    "KMSInvalidStateException": AwsFault.INVALID_STATE,
    "NotFoundException": AwsFault.NOT_FOUND,
    "NoSuchEntity": AwsFault.NOT_FOUND,
}


class AwsProblem(RuntimeError):
    """An AWS call failed; ``str()`` is a sentence for the user (never containing a secret)."""

    def __init__(
        self,
        fault: AwsFault,
        message: str,
        action: str = "",
        resource: str = "",
        code: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.fault = fault
        self.action = action
        self.resource = resource
        self.code = code
        self.detail = detail  # AWS's own words, when the message was built from them

    def on(self, resource: str) -> AwsProblem:
        """The same problem, naming ``resource`` when it was raised without knowing it
        (e.g. from a botocore hook, which sees the operation but not the resource)."""
        if self.resource or not resource or not self.detail:
            return self
        return AwsProblem(
            self.fault,
            _explain(self.fault, self.action, resource, self.detail),
            self.action,
            resource,
            self.code,
            self.detail,
        )


def error_code(exc: BaseException) -> str:
    """AWS's error code of a botocore ClientError ("NoSuchEntity"), else ""."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _explain(fault: AwsFault, action: str, resource: str, detail: str) -> str:
    where = f" on {resource}" if resource else ""
    doing = f"{action}{where}" if action else "the AWS call"
    return {
        AwsFault.ACCESS_DENIED: f"Access denied: the credentials may not call {doing}. Ask the "
        f"customer's AWS admin to allow {action or 'this action'} for this user or role.",
        AwsFault.EXPIRED_CREDENTIALS: "The session token has expired. Get fresh temporary "
        "credentials and update the profile.",
        AwsFault.INVALID_CREDENTIALS: "AWS does not recognise these credentials (wrong access "
        "key ID or secret, or the key was deactivated). Check the profile.",
        AwsFault.MISSING_CREDENTIALS: "No credentials were found for this profile. Add the "
        "secret access key, or check the AWS CLI profile name.",
        AwsFault.UNREACHABLE: f"Could not reach AWS for {doing} ({detail}). Check the network, "
        "proxy and the endpoint URL in Settings.",
        AwsFault.THROTTLED: f"AWS kept throttling {doing} after several retries. Wait a "
        "minute and try again.",
        AwsFault.QUOTA: f"An AWS quota was reached for {doing} ({detail}). This is not "
        "retried: raise the quota in the customer's account or free resources first.",
        AwsFault.INVALID_STATE: f"The resource is in a state that does not allow {doing} "
        f"({detail}).",
        AwsFault.NOT_FOUND: f"Not found: {doing} ({detail}).",
        AwsFault.ACCOUNT_MISMATCH: detail,
        AwsFault.NOT_YET_CONSISTENT: f"AWS had not caught up with a recent change for "
        f"{doing} ({detail}); resume in a few minutes.",
        AwsFault.OTHER: f"AWS refused {doing}: {detail}",
    }[fault]


def classify(exc: BaseException, action: str = "", resource: str = "") -> AwsProblem:
    """Map a botocore exception to an AwsProblem. Anything unknown is OTHER, never lost."""
    if isinstance(exc, AwsProblem):
        return exc
    from botocore import exceptions as bex

    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        detail = str(error.get("Message", "")) or code
        fault = _CODES.get(code, AwsFault.OTHER)
        if fault is AwsFault.OTHER and "AccessDenied" in code:
            fault = AwsFault.ACCESS_DENIED
        return AwsProblem(
            fault, _explain(fault, action, resource, detail), action, resource, code, detail
        )
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        fault = AwsFault.MISSING_CREDENTIALS
    elif isinstance(exc, bex.ProfileNotFound):
        return AwsProblem(
            AwsFault.MISSING_CREDENTIALS,
            f"The AWS CLI profile was not found ({exc}). Check ~/.aws/config.",
            action,
            resource,
        )
    elif isinstance(
        exc,
        bex.EndpointConnectionError
        | bex.ConnectTimeoutError
        | bex.ReadTimeoutError
        | bex.ConnectionClosedError
        | bex.ProxyConnectionError,
    ):
        fault = AwsFault.UNREACHABLE
    else:
        fault = AwsFault.OTHER
    detail = type(exc).__name__ if fault is not AwsFault.OTHER else str(exc)
    if fault is AwsFault.UNREACHABLE:
        detail = str(exc)
    return AwsProblem(fault, _explain(fault, action, resource, detail), action, resource)
