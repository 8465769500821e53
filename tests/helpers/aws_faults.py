"""AWS faults injected into the clients an ``AwsConnection`` creates, under moto.

Faults go in through botocore's own ``before-send`` event, so botocore's retry handler
(standard mode, ``needs-retry`` hooks) sees them exactly as it would see AWS's answers;
botocore's ``Stubber`` would bypass it.

moto answers requests from a ``before-send`` handler too, and botocore calls *every*
``before-send`` handler even after one of them has answered: a fault returned by a second
handler would still let moto carry the call out (a "throttled" CreateKey would create a
key each time). So each client gets one gate in place of moto's handler: the gate answers a
faulted attempt itself and hands every other attempt to moto.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.exceptions import EndpointConnectionError
from botocore.retries.standard import ExponentialBackoff
from moto.core.models import botocore_stubber

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.job_records import Job

# What a faulted attempt gets: an AWS answer, or an exception raised from the send.
Outcome = Callable[[AWSPreparedRequest, str], AWSResponse]  # (request, wire protocol)


class _Raw:
    """The ``raw`` of an ``AWSResponse``: botocore reads the body with ``stream()``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def aws_error(code: str, message: str, status: int = 400) -> Outcome:
    """An error answer in the client's wire protocol (KMS: JSON; IAM and STS: query XML)."""

    def answer(request: AWSPreparedRequest, protocol: str) -> AWSResponse:
        if protocol == "json":
            body = json.dumps({"__type": code, "message": message})
            content_type = "application/x-amz-json-1.1"
        elif protocol == "query":
            body = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                "</Error><RequestId>fault-injected</RequestId></ErrorResponse>"
            )
            content_type = "text/xml"
        else:
            raise NotImplementedError(f"No fault body for the {protocol} protocol")
        headers = HTTPHeaders()
        headers["Content-Type"] = content_type
        headers["x-amzn-RequestId"] = "fault-injected"
        return AWSResponse(request.url, status, headers, _Raw(body.encode()))

    return answer


def throttled() -> Outcome:
    """A throttling answer under the code the service really uses."""
    json_answer = aws_error("ThrottlingException", "Rate exceeded")
    query_answer = aws_error("Throttling", "Rate exceeded")
    return lambda request, protocol: (json_answer if protocol == "json" else query_answer)(
        request, protocol
    )


def access_denied() -> Outcome:
    """AccessDenied as KMS (JSON, 400) or IAM and STS (query, 403) send it."""
    message = "User: arn:aws:iam::123456789012:user/rep is not authorized to perform this"
    json_answer = aws_error("AccessDeniedException", message, 400)
    query_answer = aws_error("AccessDenied", message, 403)
    return lambda request, protocol: (json_answer if protocol == "json" else query_answer)(
        request, protocol
    )


def unreachable(request: AWSPreparedRequest, protocol: str) -> AWSResponse:
    """The endpoint cannot be reached (DNS, proxy, firewall): botocore retries it."""
    raise EndpointConnectionError(endpoint_url=request.url)


@dataclass
class Fault:
    action: str  # "kms:CreateKey": the service's event name and the operation
    outcome: Outcome
    times: int | None = None  # the first `times` matching attempts; None: every one
    region: str | None = None  # only calls to this region; None: any
    step: str | None = None  # only while the job runs this step (see AwsFaults.follow)
    injected: int = 0

    def applies(self, action: str, region: str, step: str) -> bool:
        return (
            self.action == action
            and (self.region is None or self.region == region)
            and (self.step is None or self.step == step)
            and (self.times is None or self.injected < self.times)
        )


@dataclass(frozen=True, slots=True)
class Call:
    step: str  # the job's step when the attempt was sent ("" before the first)
    action: str
    region: str


class AwsFaults:
    """The faults to inject, and a record of every attempt the clients sent."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.calls: list[Call] = []
        self.step = ""
        self._gated: weakref.WeakSet[Any] = weakref.WeakSet()

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch) -> AwsFaults:
        """Gate every client made from now on; retries back off for no time at all."""
        faults = cls()
        original = AwsConnection.client

        def client(connection: AwsConnection, service: str, region: str | None = None) -> Any:
            made = original(connection, service, region)
            if made not in faults._gated:
                faults._gate(made)
            return made

        monkeypatch.setattr(AwsConnection, "client", client)
        monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda _self, _context: 0.0)
        return faults

    def inject(
        self,
        action: str,
        outcome: Outcome,
        *,
        times: int | None = None,
        region: str | None = None,
        step: str | None = None,
    ) -> Fault:
        fault = Fault(action, outcome, times, region, step)
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """AWS works again."""
        self.faults.clear()

    def follow(self, job: Job) -> None:
        """An ``on_progress`` callback for ``JobRunner.run``: tracks the running step."""
        self.step = job.current_step

    def attempts(self, action: str, region: str | None = None) -> int:
        """Attempts sent for ``action``, faulted or not, retries included."""
        return sum(1 for c in self.calls if c.action == action and region in (None, c.region))

    def calls_in(self, step: str) -> list[Call]:
        return [c for c in self.calls if c.step == step]

    def _gate(self, client: Any) -> None:
        protocol = str(client.meta.service_model.protocol)
        region = str(client.meta.region_name)

        def gate(event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> Any:
            _, service, operation = event_name.split(".")
            action = f"{service}:{operation}"
            self.calls.append(Call(self.step, action, region))
            for fault in self.faults:
                if fault.applies(action, region, self.step):
                    fault.injected += 1
                    return fault.outcome(request, protocol)
            return botocore_stubber(event_name, request, **kwargs)

        client.meta.events.unregister("before-send", botocore_stubber)
        client.meta.events.register("before-send", gate)
        self._gated.add(client)
