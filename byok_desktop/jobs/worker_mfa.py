"""MFA codes for jobs in the job worker process, which has no window: the question goes
to the GUI as a line on stdout and the job's thread waits for the answer line that the
stdin reader hands over. The stdin reader itself never waits.

  stdout: ``{"mfa": {"ask": ID, "device": SERIAL}}``       show the dialog
          ``{"mfa_withdrawn": {"ask": ID}}``               nobody waits any more: close it
  stdin:  ``{"mfa_answer": {"ask": ID, "code": CODE}}``    ``"code": null`` for Cancel

The code passes through once, straight to botocore: never logged or kept here.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from byok_desktop.aws.mfa import MFA_TIMEOUT_S, mfa_cancelled, mfa_timed_out


@dataclass(eq=False)
class _Waiting:
    answered: threading.Event = field(default_factory=threading.Event)
    code: str | None = field(default=None, repr=False)


class PipeMfaPrompter:
    """``CredentialService.mfa_prompter`` of the job worker: ``prompter(serial)`` from a
    job's thread blocks until the GUI answers, or ``timeout_s`` passes."""

    def __init__(
        self, send: Callable[[dict[str, Any]], None], timeout_s: float = MFA_TIMEOUT_S
    ) -> None:
        self._send = send
        self._timeout_s = timeout_s
        self._ids = itertools.count(1)
        self._waiting: dict[int, _Waiting] = {}
        self._lock = threading.Lock()

    def __call__(self, serial: str) -> str:
        waiting = _Waiting()
        with self._lock:
            ask = next(self._ids)
            self._waiting[ask] = waiting
        self._send({"mfa": {"ask": ask, "device": serial}})
        answered = waiting.answered.wait(self._timeout_s)
        with self._lock:
            self._waiting.pop(ask, None)
        if not answered:
            self._send({"mfa_withdrawn": {"ask": ask}})  # its dialog, if shown, closes
            raise mfa_timed_out(serial, self._timeout_s)
        code, waiting.code = waiting.code, None
        if not code:
            raise mfa_cancelled(serial)
        return code

    def answer(self, message: Any) -> None:
        """An answer line's content, from the stdin reader: hands it over, never waits.
        An answer nobody waits for (timed out meanwhile, or malformed) is dropped."""
        if not isinstance(message, dict):
            return
        try:
            ask = int(message.get("ask", 0))
        except (TypeError, ValueError):
            return
        code = message.get("code")
        with self._lock:
            waiting = self._waiting.get(ask)
        if waiting is None:
            return
        waiting.code = code if isinstance(code, str) and code.strip() else None
        waiting.answered.set()

    @property
    def asking(self) -> int:
        """How many questions wait for an answer (tests)."""
        with self._lock:
            return len(self._waiting)
