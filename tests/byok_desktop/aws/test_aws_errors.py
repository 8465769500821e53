"""classify(): every botocore failure becomes an AwsProblem a rep can act on."""

from __future__ import annotations

import pytest
from botocore import exceptions as bex

from byok_desktop.aws.errors import AwsFault, AwsProblem, classify


def client_error(code: str, message: str = "details from AWS", op: str = "CreateKey") -> Exception:
    return bex.ClientError({"Error": {"Code": code, "Message": message}}, op)


@pytest.mark.parametrize(
    ("code", "fault"),
    [
        ("AccessDenied", AwsFault.ACCESS_DENIED),
        ("AccessDeniedException", AwsFault.ACCESS_DENIED),
        ("UnauthorizedOperation", AwsFault.ACCESS_DENIED),
        ("ExpiredToken", AwsFault.EXPIRED_CREDENTIALS),
        ("ExpiredTokenException", AwsFault.EXPIRED_CREDENTIALS),
        ("RequestExpired", AwsFault.EXPIRED_CREDENTIALS),
        ("InvalidClientTokenId", AwsFault.INVALID_CREDENTIALS),
        ("UnrecognizedClientException", AwsFault.INVALID_CREDENTIALS),
        ("SignatureDoesNotMatch", AwsFault.INVALID_CREDENTIALS),
        ("IncompleteSignature", AwsFault.INVALID_CREDENTIALS),
        ("ThrottlingException", AwsFault.THROTTLED),
        ("Throttling", AwsFault.THROTTLED),
        ("RequestLimitExceeded", AwsFault.THROTTLED),
        ("LimitExceededException", AwsFault.QUOTA),
        ("KMSInvalidStateException", AwsFault.INVALID_STATE),
        ("NotFoundException", AwsFault.NOT_FOUND),
        ("NoSuchEntity", AwsFault.NOT_FOUND),
        ("AccessDeniedForDependencyException", AwsFault.ACCESS_DENIED),
        ("MalformedPolicyDocumentException", AwsFault.OTHER),
    ],
)
def test_client_error_codes(code: str, fault: AwsFault) -> None:
    problem = classify(client_error(code), "kms:CreateKey", "mrk-1234")

    assert isinstance(problem, AwsProblem)
    assert problem.fault is fault
    assert problem.code == code
    assert problem.action == "kms:CreateKey"
    assert problem.resource == "mrk-1234"
    assert str(problem)  # a sentence for the user


def test_access_denied_names_the_action_and_resource() -> None:
    problem = classify(client_error("AccessDeniedException"), "kms:CreateKey", "mrk-1234")

    message = str(problem)
    assert "Access denied" in message
    assert "kms:CreateKey on mrk-1234" in message
    assert "allow kms:CreateKey" in message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ExpiredToken", "fresh temporary credentials"),
        ("InvalidClientTokenId", "Check the profile"),
        ("ThrottlingException", "Wait a minute"),
        ("LimitExceededException", "raise the quota"),
        ("KMSInvalidStateException", "details from AWS"),
        ("NotFoundException", "details from AWS"),
    ],
)
def test_messages_say_what_to_do(code: str, expected: str) -> None:
    assert expected in str(classify(client_error(code), "kms:DescribeKey"))


def test_an_unknown_code_keeps_the_aws_message() -> None:
    problem = classify(client_error("WeirdException", "something odd"), "kms:TagResource")

    assert problem.fault is AwsFault.OTHER
    assert "kms:TagResource" in str(problem)
    assert "something odd" in str(problem)


def test_a_client_error_without_a_message_shows_its_code() -> None:
    error = bex.ClientError({"Error": {"Code": "KMSInvalidStateException"}}, "DisableKey")

    assert "KMSInvalidStateException" in str(classify(error, "kms:DisableKey"))


def test_no_credentials() -> None:
    problem = classify(bex.NoCredentialsError(), "sts:GetCallerIdentity")

    assert problem.fault is AwsFault.MISSING_CREDENTIALS
    assert "No credentials were found" in str(problem)


def test_partial_credentials() -> None:
    error = bex.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY")

    assert classify(error).fault is AwsFault.MISSING_CREDENTIALS


def test_profile_not_found_names_the_profile() -> None:
    problem = classify(bex.ProfileNotFound(profile="customer-prod"), "sts:GetCallerIdentity")

    assert problem.fault is AwsFault.MISSING_CREDENTIALS
    assert "customer-prod" in str(problem)
    assert "~/.aws/config" in str(problem)
    assert problem.action == "sts:GetCallerIdentity"


def test_endpoint_connection_error_names_the_endpoint() -> None:
    error = bex.EndpointConnectionError(endpoint_url="https://kms.eu-central-1.amazonaws.com/")

    problem = classify(error, "kms:ListKeys")

    assert problem.fault is AwsFault.UNREACHABLE
    assert problem.fault.retryable
    assert "https://kms.eu-central-1.amazonaws.com/" in str(problem)
    assert "kms:ListKeys" in str(problem)
    assert "endpoint URL in Settings" in str(problem)


def test_read_timeout_is_unreachable() -> None:
    error = bex.ReadTimeoutError(endpoint_url="https://sts.amazonaws.com/")

    problem = classify(error, "sts:GetCallerIdentity")

    assert problem.fault is AwsFault.UNREACHABLE
    assert "https://sts.amazonaws.com/" in str(problem)


@pytest.mark.parametrize(
    "error",
    [
        bex.ConnectTimeoutError(endpoint_url="https://x.example/"),
        bex.ConnectionClosedError(endpoint_url="https://x.example/"),
        bex.ProxyConnectionError(proxy_url="http://proxy.example:3128", error="refused"),
    ],
    ids=["connect-timeout", "closed", "proxy"],
)
def test_other_connection_failures_are_unreachable(error: Exception) -> None:
    assert classify(error).fault is AwsFault.UNREACHABLE


def test_anything_else_is_other_and_keeps_its_text() -> None:
    problem = classify(ValueError("unexpected shape"), "kms:CreateKey")

    assert problem.fault is AwsFault.OTHER
    assert "unexpected shape" in str(problem)


def test_an_aws_problem_passes_through() -> None:
    original = AwsProblem(AwsFault.QUOTA, "quota", "kms:CreateKey")

    assert classify(original) is original


def test_only_network_and_throttling_are_retryable() -> None:
    assert {f for f in AwsFault if f.retryable} == {AwsFault.UNREACHABLE, AwsFault.THROTTLED}
