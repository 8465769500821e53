"""The job worker's MFA prompter: a job's thread asks over the pipe and waits; the stdin
reader hands the answer over without waiting. The code is never in a line it sends."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import pytest

from byok_desktop.aws.connection import MfaCodeNeeded
from byok_desktop.jobs.worker_mfa import PipeMfaPrompter

SERIAL = "arn:aws:iam::123456789012:mfa/rep"
CODE = "918273"


class Pipe:
    """What the worker writes to stdout, one message at a time."""

    def __init__(self) -> None:
        self.lines: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.sent: list[str] = []

    def send(self, message: dict[str, Any]) -> None:
        self.sent.append(json.dumps(message))
        self.lines.put(message)


def ask_on_a_job_thread(prompter: PipeMfaPrompter) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def job() -> None:
        try:
            outcome.append(prompter(SERIAL))
        except MfaCodeNeeded as exc:
            outcome.append(exc)

    thread = threading.Thread(target=job)
    thread.start()
    return thread, outcome


def test_the_answer_line_reaches_the_waiting_job() -> None:
    pipe = Pipe()
    prompter = PipeMfaPrompter(pipe.send, timeout_s=30)
    thread, outcome = ask_on_a_job_thread(prompter)
    question = pipe.lines.get(timeout=10)
    assert question == {"mfa": {"ask": 1, "device": SERIAL}}
    prompter.answer({"ask": 2, "code": "111111"})  # another question's: not this one's
    prompter.answer("not an object")
    prompter.answer({"ask": "x", "code": "222222"})
    prompter.answer({"ask": 1, "code": CODE})
    thread.join(10)
    assert outcome == [CODE]
    assert prompter.asking == 0
    assert not any(CODE in line for line in pipe.sent)


def test_cancel_fails_the_work_with_a_sentence() -> None:
    pipe = Pipe()
    prompter = PipeMfaPrompter(pipe.send, timeout_s=30)
    thread, outcome = ask_on_a_job_thread(prompter)
    ask = pipe.lines.get(timeout=10)["mfa"]["ask"]
    prompter.answer({"ask": ask, "code": None})
    thread.join(10)
    (error,) = outcome
    assert isinstance(error, MfaCodeNeeded)
    assert str(error) == (
        f"The MFA code from {SERIAL} was not entered, so the work stopped; start it again "
        "and enter the code when asked."
    )


def test_no_answer_in_time_withdraws_the_question() -> None:
    pipe = Pipe()
    prompter = PipeMfaPrompter(pipe.send, timeout_s=0.2)
    with pytest.raises(MfaCodeNeeded, match=f"No MFA code from {SERIAL} was entered"):
        prompter(SERIAL)
    assert pipe.lines.get_nowait() == {"mfa": {"ask": 1, "device": SERIAL}}
    assert pipe.lines.get_nowait() == {"mfa_withdrawn": {"ask": 1}}
    prompter.answer({"ask": 1, "code": CODE})  # too late: dropped, nothing waits
    assert prompter.asking == 0


def test_two_jobs_asking_at_once_each_get_their_own_answer() -> None:
    pipe = Pipe()
    prompter = PipeMfaPrompter(pipe.send, timeout_s=30)
    first, first_outcome = ask_on_a_job_thread(prompter)
    second, second_outcome = ask_on_a_job_thread(prompter)
    asks = sorted(pipe.lines.get(timeout=10)["mfa"]["ask"] for _ in range(2))
    assert asks == [1, 2]
    prompter.answer({"ask": 2, "code": "222222"})
    prompter.answer({"ask": 1, "code": "111111"})
    first.join(10)
    second.join(10)
    assert sorted([*first_outcome, *second_outcome]) == ["111111", "222222"]  # type: ignore[type-var]
