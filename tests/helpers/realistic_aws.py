"""Tests that run through the realistic AWS layer (byok_desktop/aws/realism.py).

``use_realistic_aws`` puts one ``RealisticAws`` into every ``AwsConfig`` an app context
makes from now on (so the app's own connections, in jobs and health checks, go through
it) and makes botocore's retry backoff take no time, so a throttling burst costs no
real seconds. Call it *before* the context is opened (``moto_context``): the credential
service keeps the context's ``aws_config`` it was given.

``FakeClock`` is a clock the layer and a step's ``Waiter`` can share: sleeping moves it
on, so a two-minute wait bound passes in no real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from botocore.retries.standard import ExponentialBackoff

from byok_desktop.aws.connection import AwsConfig
from byok_desktop.aws.realism import Realism, RealisticAws
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def no_retry_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda _self, _context: 0.0)


def use_realistic_aws(
    monkeypatch: pytest.MonkeyPatch,
    realism: Realism | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RealisticAws:
    """One realistic AWS for every app context opened from now on (until monkeypatch
    undoes it); ``realism`` defaults to :meth:`Realism.quick`."""
    layer = RealisticAws(realism or Realism.quick(), clock)
    original = AppContext.aws_config

    def aws_config(context: AppContext, profile: Profile) -> AwsConfig:
        return replace(original(context, profile), realism=layer)

    monkeypatch.setattr(AppContext, "aws_config", aws_config)
    no_retry_backoff(monkeypatch)
    return layer
