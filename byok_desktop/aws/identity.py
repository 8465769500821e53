"""Which account do these credentials really open? STS GetCallerIdentity."""

from __future__ import annotations

from dataclasses import dataclass

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.aws.errors import AwsFault, AwsProblem, classify


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    account_id: str
    arn: str
    user_id: str


def caller_identity(connection: AwsConnection) -> CallerIdentity:
    try:
        answer = connection.client("sts").get_caller_identity()
    except Exception as exc:
        raise classify(exc, "sts:GetCallerIdentity") from exc
    return CallerIdentity(str(answer["Account"]), str(answer["Arn"]), str(answer["UserId"]))


def require_account(identity: CallerIdentity, expected_account_id: str, profile_name: str) -> None:
    if identity.account_id != expected_account_id:
        raise AwsProblem(
            AwsFault.ACCOUNT_MISMATCH,
            f"The profile '{profile_name}' opens AWS account {identity.account_id}, but the "
            f"request is for account {expected_account_id}. Use a profile for "
            f"{expected_account_id}.",
            "sts:GetCallerIdentity",
        )
