"""Eventual consistency, waited out.

AWS makes a change visible everywhere only after a while (DOMAIN.md: "IAM is eventually
consistent"). Three moments of that are expected during a job and are not failures:

- a key policy naming the key-management role is refused with
  ``MalformedPolicyDocumentException`` ("… invalid principals") until KMS sees the role,
  which IAM created moments ago;
- ``sts:AssumeRole`` is denied for a while after the role's trust policy was changed
  (the trust in force is the old one until the change propagates);
- a new replica key is ``Creating`` for a few seconds, and refuses to be enabled or
  disabled meanwhile.

A ``Waiter`` retries such a call (or polls such a state) with bounded exponential
backoff: the first pause is the job's poll interval (at least 50 ms), each next one
doubles, up to 15 s, and the whole wait is bounded by ``bound_s`` (the setting
``aws_consistency_wait_s``, 2 minutes by default). While it waits it reports a sentence
such as "Waiting for IAM to propagate (12 s)" through ``report`` (the job shows it), and
it checks for a cancel between pauses. When the bound is exceeded it fails with an
``AwsProblem`` of fault ``NOT_YET_CONSISTENT`` whose sentence names the cause and says to
resume later. Any other error goes through at once, as before.

This module knows nothing of the steps: the steps give it their clock, sleep, report
and cancel check (``StepContext.waiter``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from byok_desktop.aws.errors import AwsFault, AwsProblem

log = logging.getLogger("byok_desktop.jobs")

T = TypeVar("T")

IAM_PROPAGATION = "IAM to propagate"
FIRST_PAUSE_MIN_S = 0.05
PAUSE_MAX_S = 15.0


class Cancelled(Exception):
    """The user cancelled; raised between polls so the job stays resumable."""


@dataclass(frozen=True, slots=True)
class Transient:
    """Why a call failed for now: what is awaited ("IAM to propagate") and, for the
    failure after the bound, the cause in a sentence."""

    awaited: str
    cause: str


@dataclass(frozen=True, slots=True)
class Waiter:
    bound_s: float
    first_pause_s: float
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    report: Callable[[str], None]
    cancelled: Callable[[], bool]

    def call(self, call: Callable[[], T], transient: Callable[[AwsProblem], Transient | None]) -> T:
        """``call()``, again while it fails with a problem ``transient`` recognises."""
        started = self.clock()
        pause = max(self.first_pause_s, FIRST_PAUSE_MIN_S)
        while True:
            try:
                return call()
            except AwsProblem as problem:
                why = transient(problem)
                if why is None:
                    raise
                pause = self._pause(why, started, pause, problem)

    def until(self, pending: Callable[[], Transient | None]) -> None:
        """Poll ``pending()`` until it answers None (nothing more to wait for)."""
        started = self.clock()
        pause = max(self.first_pause_s, FIRST_PAUSE_MIN_S)
        while True:
            why = pending()
            if why is None:
                return
            pause = self._pause(why, started, pause, None)

    def _pause(
        self, why: Transient, started: float, pause: float, problem: AwsProblem | None
    ) -> float:
        waited = self.clock() - started
        if waited >= self.bound_s:
            message = (
                f"{why.cause} Waited {waited:.0f} s for {why.awaited}, the most allowed "
                f"(setting aws_consistency_wait_s); resume the job in a few minutes."
            )
            log.warning("Gave up waiting for %s after %.0f s", why.awaited, waited)
            raise AwsProblem(
                AwsFault.NOT_YET_CONSISTENT,
                message,
                problem.action if problem else "",
                problem.resource if problem else "",
                problem.code if problem else "",
                problem.detail if problem else "",
            ) from problem
        text = f"Waiting for {why.awaited} ({waited:.0f} s)"
        log.info("%s", text)
        self.report(text)
        if self.cancelled():
            raise Cancelled()
        self.sleep(min(pause, max(self.bound_s - waited, 0.0)))
        return min(pause * 2, PAUSE_MAX_S)


def principal_not_visible(role_arn: str) -> Callable[[AwsProblem], Transient | None]:
    """A key policy naming ``role_arn`` refused because KMS does not see the role yet."""

    def transient(problem: AwsProblem) -> Transient | None:
        if problem.code != "MalformedPolicyDocumentException":
            return None
        if "principal" not in problem.detail.lower():
            return None
        return Transient(
            IAM_PROPAGATION,
            f"KMS still refuses the key policy because it does not see the role {role_arn} "
            f"yet (AWS: {problem.detail!r}). A new role usually becomes visible within a "
            "minute; if this keeps happening, check that the role still exists.",
        )

    return transient


def trust_not_applied(role_arn: str) -> Callable[[AwsProblem], Transient | None]:
    """AssumeRole on ``role_arn`` denied right after its trust policy was changed: the
    call is made only when the change is known to allow it, so the old trust is still in
    force. (Denied for any other reason looks the same: the bound ends the wait.)"""

    def transient(problem: AwsProblem) -> Transient | None:
        if problem.fault is not AwsFault.ACCESS_DENIED:
            return None
        return Transient(
            IAM_PROPAGATION,
            f"AWS still denies sts:AssumeRole on {role_arn} after its trust policy was "
            "changed to allow it, so the change has not reached every AWS endpoint yet, or "
            "the trust policy does not allow this caller.",
        )

    return transient


def replica_creating(
    region: str, key_id: str, state: Callable[[], str]
) -> Callable[[], Transient | None]:
    """Pending while ``state()`` of the key in ``region`` is ``Creating``."""

    def pending() -> Transient | None:
        if state() != "Creating":
            return None
        return Transient(
            f"the replica in {region} to be created",
            f"The replica of {key_id} in {region} is still Creating.",
        )

    return pending
