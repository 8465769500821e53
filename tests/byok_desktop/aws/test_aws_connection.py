"""AwsConnection: cached clients, endpoint, retries (throttling yes, quota no), failures."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import botocore.retries.standard
import pytest
from botocore import exceptions as bex
from botocore.awsrequest import AWSResponse

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.errors import AwsFault, AwsProblem, classify
from byok_desktop.aws.identity import caller_identity
from byok_desktop.credentials.secret import AwsSecret

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = AwsSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "the-session-token")


def connection(config: AwsConfig | None = None, region: str = "us-east-1") -> AwsConnection:
    return AwsConnection(config or AwsConfig(), AwsCredentials(KEY, SECRET), region)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries without waiting; records the delays botocore would have used."""
    delays: list[float] = []

    def delay_amount(self: Any, context: Any) -> float:
        delays.append(context.attempt_number)
        return 0.0

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", delay_amount)
    return delays


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def json_error(code: str, message: str, status: int = 400) -> AWSResponse:
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "test-request"}
    return AWSResponse("https://kms.us-east-1.amazonaws.com/", status, headers, _Raw(body))


class SendHook:
    """A before-send hook: answers the first calls with canned errors, then lets calls through."""

    def __init__(self, *responses: AWSResponse, forever: AWSResponse | None = None) -> None:
        self.responses = list(responses)
        self.forever = forever
        self.attempts = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.attempts += 1
        if self.responses:
            return self.responses.pop(0)
        return self.forever


def hook_on(client: Any, event: str, hook: SendHook) -> SendHook:
    client.meta.events.register_first(event, hook)
    return hook


# --- clients --------------------------------------------------------------------------------


def test_clients_are_cached_per_service_and_region() -> None:
    conn = connection(region="eu-central-1")

    kms = conn.client("kms")

    assert conn.client("kms") is kms
    assert conn.client("kms", "eu-central-1") is kms
    assert kms.meta.region_name == "eu-central-1"
    other_region = conn.client("kms", "eu-west-1")
    assert other_region is not kms
    assert other_region.meta.region_name == "eu-west-1"
    assert conn.client("kms", "eu-west-1") is other_region
    assert conn.client("sts") is not kms


def test_threads_share_one_client() -> None:
    conn = connection()
    barrier = threading.Barrier(6)
    seen: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait(timeout=10)
        client = conn.client("kms", "us-west-2")
        with lock:
            seen.append(client)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(seen) == 6
    assert all(client is seen[0] for client in seen)


def test_clients_use_standard_retries_and_the_timeouts() -> None:
    config = AwsConfig(connect_timeout_s=2.5, read_timeout_s=7.0, max_attempts=3)

    client = connection(config).client("kms")

    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.config.connect_timeout == 2.5
    assert client.meta.config.read_timeout == 7.0


def test_a_custom_endpoint_is_used() -> None:
    config = AwsConfig(endpoint_url="http://127.0.0.1:4566")

    assert connection(config).client("kms").meta.endpoint_url == "http://127.0.0.1:4566"
    assert connection(config).client("sts", "eu-west-1").meta.endpoint_url == (
        "http://127.0.0.1:4566"
    )


def test_without_an_endpoint_real_aws_is_used() -> None:
    assert connection().client("kms", "eu-west-1").meta.endpoint_url == (
        "https://kms.eu-west-1.amazonaws.com"
    )


def test_repr_hides_the_secret() -> None:
    conn = connection(AwsConfig(endpoint_url="http://127.0.0.1:4566"))
    conn.client("kms")

    text = repr(conn)

    assert SECRET.secret_access_key not in text
    assert "the-session-token" not in text
    assert KEY not in text  # not even the whole key ID
    assert "http://127.0.0.1:4566" in text
    assert "AWS" in repr(connection())


def test_repr_of_cli_credentials_names_the_profile() -> None:
    assert "customer" in repr(AwsCredentials(cli_profile="customer"))


@pytest.mark.usefixtures("aws")
def test_the_keys_are_used_for_calls() -> None:
    client = connection().client("sts")

    frozen = client._request_signer._credentials.get_frozen_credentials()

    assert frozen.access_key == KEY
    assert frozen.secret_key == SECRET.secret_access_key
    assert frozen.token == SECRET.session_token


@pytest.mark.usefixtures("aws")
def test_the_sandbox_account_header_picks_the_account() -> None:
    conn = connection(AwsConfig(sandbox_account_id="111122223333"))

    assert caller_identity(conn).account_id == "111122223333"


# --- retries --------------------------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_throttling_is_retried_until_the_call_succeeds(no_backoff: list[float]) -> None:
    conn = connection()
    kms = conn.client("kms")
    kms.create_key(Description="one key")
    throttled = json_error("ThrottlingException", "Rate exceeded")
    hook = hook_on(kms, "before-send.kms.ListKeys", SendHook(throttled, throttled))

    keys = kms.list_keys()["Keys"]

    assert hook.attempts == 3
    assert len(keys) == 1
    assert no_backoff == [1, 2]  # botocore waited (here: zero) before each retry


@pytest.mark.usefixtures("aws")
def test_persistent_throttling_ends_after_max_attempts(no_backoff: list[float]) -> None:
    kms = connection(AwsConfig(max_attempts=3)).client("kms")
    hook = hook_on(
        kms,
        "before-send.kms.ListKeys",
        SendHook(forever=json_error("ThrottlingException", "Rate exceeded")),
    )

    with pytest.raises(bex.ClientError) as caught:
        kms.list_keys()

    # max_attempts counts every attempt, the first one included (as AWS_MAX_ATTEMPTS does).
    assert hook.attempts == 3, f"max_attempts=3 made {hook.attempts} attempts"
    problem = classify(caught.value, "kms:ListKeys")
    assert problem.fault is AwsFault.THROTTLED
    assert "kms:ListKeys" in str(problem)


@pytest.mark.usefixtures("aws")
def test_one_attempt_means_no_retry(no_backoff: list[float]) -> None:
    kms = connection(AwsConfig(max_attempts=1)).client("kms")
    hook = hook_on(
        kms,
        "before-send.kms.ListKeys",
        SendHook(forever=json_error("ThrottlingException", "Rate exceeded")),
    )

    with pytest.raises(bex.ClientError):
        kms.list_keys()

    assert hook.attempts == 1, f"max_attempts=1 made {hook.attempts} attempts"


@pytest.mark.usefixtures("aws")
def test_a_kms_quota_is_not_retried(no_backoff: list[float]) -> None:
    kms = connection().client("kms")
    hook = hook_on(
        kms,
        "before-send.kms.CreateKey",
        SendHook(forever=json_error("LimitExceededException", "Too many keys")),
    )

    with pytest.raises(AwsProblem) as caught:
        kms.create_key(Description="one too many")

    assert hook.attempts == 1
    assert no_backoff == []
    assert caught.value.fault is AwsFault.QUOTA
    assert caught.value.code == "LimitExceededException"
    assert caught.value.action == "kms:CreateKey"
    assert "Too many keys" in str(caught.value)
    assert "not retried" in str(caught.value)


@pytest.mark.usefixtures("aws")
def test_access_denied_is_not_retried_and_names_the_action(no_backoff: list[float]) -> None:
    kms = connection().client("kms")
    denied = json_error("AccessDeniedException", "User is not authorized to perform kms:CreateKey")
    hook = hook_on(kms, "before-send.kms.CreateKey", SendHook(forever=denied))

    with pytest.raises(bex.ClientError) as caught:
        kms.create_key()

    assert hook.attempts == 1
    problem = classify(caught.value, "kms:CreateKey")
    assert problem.fault is AwsFault.ACCESS_DENIED
    assert "kms:CreateKey" in str(problem)


# --- failures ---------------------------------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_endpoint_nobody_listens_on_is_unreachable(closed_port: int) -> None:
    endpoint = f"http://127.0.0.1:{closed_port}"
    conn = connection(AwsConfig(endpoint_url=endpoint, connect_timeout_s=2, max_attempts=1))

    with pytest.raises(bex.EndpointConnectionError) as caught:
        conn.client("kms").list_keys()
    problem = classify(caught.value, "kms:ListKeys")

    assert problem.fault is AwsFault.UNREACHABLE
    assert endpoint in str(problem)
    assert "kms:ListKeys" in str(problem)


def test_caller_identity_classifies_failures(closed_port: int) -> None:
    endpoint = f"http://127.0.0.1:{closed_port}"
    conn = connection(AwsConfig(endpoint_url=endpoint, connect_timeout_s=2, max_attempts=1))

    with pytest.raises(AwsProblem) as caught:
        caller_identity(conn)

    assert caught.value.fault is AwsFault.UNREACHABLE
    assert caught.value.action == "sts:GetCallerIdentity"
    assert endpoint in str(caught.value)


@pytest.mark.usefixtures("aws")
def test_connections_share_one_data_loader_and_keep_their_own_credentials() -> None:
    """Parsed service models are reused across connections; credentials never are."""
    other_secret = AwsSecret("another-secret-key-of-forty-characters-xx", "")
    first = connection()
    second = AwsConnection(
        AwsConfig(), AwsCredentials("AKIAOTHEREXAMPLE0000", other_secret), "us-east-1"
    )
    kms_one = first.client("kms")
    kms_two = second.client("kms")
    loaders = {id(c._session._session.get_component("data_loader")) for c in (first, second)}  # type: ignore[attr-defined]
    assert len(loaders) == 1
    assert kms_one._request_signer._credentials.access_key == KEY
    assert kms_two._request_signer._credentials.access_key == "AKIAOTHEREXAMPLE0000"
    assert kms_two._request_signer._credentials.secret_key == other_secret.secret_access_key
    kms_one.create_key()
    assert len(kms_one.list_keys()["Keys"]) == 1
