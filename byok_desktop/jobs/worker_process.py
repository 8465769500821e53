"""The job worker process: runs jobs on its own worker threads, outside the GUI process,
so their Python work never competes with the GUI thread for the interpreter.

``python -m byok_desktop.jobs.worker_process --data-dir DIR [--sandbox]
[--aws-endpoint-url URL] [--sandbox-endpoint-url URL]``

It opens the same context as the app (data dir, settings file, database; the database
URL, which may carry a password, arrives on stdin, never on a command line), reads the
OS keyring itself, and runs a :class:`JobScheduler`. The protocol is JSON, one object a
line, UTF-8:

stdin (from the GUI):
  ``{"open": {"database_url": URL or null}}``   first line, always
  ``{"submit": REQUEST_ID}``                     submit a request: create its jobs (the
                                                 checks may verify the profile online)
                                                 and queue them
  ``{"run": JOB_ID, "site": SITE_KEY}``          queue a job (new, resumed or retried)
  ``{"mfa_answer": {"ask": ID, "code": CODE}}``  the answer to an MFA question (null:
                                                 cancelled); see ``worker_mfa``
  ``{"stop": true}``  or end of input            stop: running jobs stop at their next
                                                 step boundary, queued ones stay Queued
stdout (to the GUI):
  ``{"ready": {"owner": OWNER, "pid": PID}}``    the context is open; runs are accepted
  ``{"submitted": {"request": ID, "jobs": [...]}}``  the jobs a submit created, queued
  ``{"refused": {"request": ID, "message": TEXT}}``  why a request was not submitted
  ``{"job": {...}}``                             a job as it now stands (:func:`job_to_wire`)
  ``{"mfa": {"ask": ID, "device": SERIAL}}``     a job needs an MFA code: ask the user
  ``{"mfa_withdrawn": {"ask": ID}}``             that question timed out: close its dialog
  ``{"failed": MESSAGE}``                        the worker cannot start (then it exits 2)
  ``{"stopped": true}``                          the last line before a clean exit

Cancel stays what it is everywhere: a flag in the database. No secret is ever written
to stdout: a job record holds none. An MFA code arrives on stdin once and goes to
botocore; no line read from stdin is ever logged. Logging goes to stderr (the GUI
relays it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import queue
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from byok_desktop.job_records import Job, JobStatus

log = logging.getLogger("byok_desktop.jobs.worker")

MODULE = "byok_desktop.jobs.worker_process"
# The worker yields the CPU to the window: on a busy machine the OS runs the GUI first,
# and jobs (which mostly wait for AWS) lose little.
NICENESS = 10
STOP_GRACE_S = 2.0  # how long a stopping worker waits for running jobs' step boundaries
EXIT_CANNOT_START = 2
_TIMES = ("created_at", "started_at", "finished_at")


def job_to_wire(job: Job) -> dict[str, Any]:
    """A job record as JSON-ready data (a job record holds no secret)."""
    data = dataclasses.asdict(job)
    data["status"] = job.status.value
    for name in _TIMES:
        value = data.get(name)
        data[name] = value.isoformat() if isinstance(value, datetime) else None
    return data


def job_from_wire(data: dict[str, Any]) -> Job:
    fields = {f.name for f in dataclasses.fields(Job)}
    values = {k: v for k, v in data.items() if k in fields}
    values["status"] = JobStatus(values["status"])
    for name in _TIMES:
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])
    return Job(**values)


class _Out:
    """Lines to the GUI from any thread: one lock, one flush per line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, separators=(",", ":")) + "\n"
        with self._lock:
            try:
                self._stream.write(line)
                self._stream.flush()
            except (OSError, ValueError):
                pass  # the GUI is gone; the journal has everything


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__)
    parser.add_argument("--data-dir", required=True, metavar="DIR")
    parser.add_argument("--sandbox", action="store_true", default=None)
    parser.add_argument("--aws-endpoint-url", metavar="URL")
    parser.add_argument(
        "--sandbox-endpoint-url",
        metavar="URL",
        help="the running sandbox server of the app that started this worker",
    )
    parser.add_argument("--debug", action="store_true")
    return parser


def _configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.debug)
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICENESS)
    stdin = stdin or sys.stdin
    out = _Out(sys.stdout)
    try:
        first = json.loads(stdin.readline() or "{}")
        database_url = (first.get("open") or {}).get("database_url")
    except ValueError:
        database_url = None

    from byok_desktop.context import open_context
    from byok_desktop.jobs.owner import this_owner
    from byok_desktop.jobs.runner import JobRunner
    from byok_desktop.jobs.scheduler import JobScheduler
    from byok_desktop.jobs.worker_mfa import PipeMfaPrompter
    from byok_desktop.paths import resolve_paths

    try:
        context = open_context(
            resolve_paths(args.data_dir),
            sandbox=args.sandbox,
            aws_endpoint_url=args.aws_endpoint_url,
            database_url=database_url,
            sandbox_endpoint_url=args.sandbox_endpoint_url,
        )
    except Exception as exc:
        log.exception("The job worker cannot open the app's data")
        out.send({"failed": f"{type(exc).__name__}: {exc}"})
        return EXIT_CANNOT_START
    owner = this_owner("worker")
    # No window here: a job needing an MFA code asks the GUI over the pipe. At a stop, a
    # job still waiting for one is left inside its step: Interrupted, resumable.
    mfa = PipeMfaPrompter(out.send)
    context.credentials.mfa_prompter = mfa

    def update(job: Job) -> None:
        out.send({"job": job_to_wire(job)})

    runner = JobRunner(context.database, context.credentials, context.settings_service.snapshot)
    scheduler = JobScheduler(runner, context.settings.worker_threads, owner, update)
    submits: queue.SimpleQueue[int | None] = queue.SimpleQueue()

    def submitter() -> None:
        """Submissions one after another, off the thread that reads stdin (a profile
        check online may take seconds; a stop must not wait for it)."""
        from byok_desktop.jobs.customer_role import submit_preflight
        from byok_desktop.jobs.submit import submit_request

        while (request_id := submits.get()) is not None:
            try:
                jobs = submit_request(
                    request_id,
                    context.database.requests,
                    context.database.jobs,
                    context.credentials,
                    owner=owner,  # this process's workers run them
                    # A request naming the customer's role is checked before it is locked.
                    preflight=submit_preflight(
                        context.database, context.credentials, context.settings
                    ),
                )
            except Exception as exc:
                log.info("Request %s not submitted: %s", request_id, exc)
                out.send({"refused": {"request": request_id, "message": str(exc)}})
                continue
            out.send({"submitted": {"request": request_id, "jobs": [job_to_wire(j) for j in jobs]}})
            for job in jobs:
                scheduler.submit(job.id, job.site_key)

    threading.Thread(target=submitter, name="submit", daemon=True).start()
    out.send({"ready": {"owner": owner, "pid": os.getpid()}})
    log.info("Job worker %s ready", owner)
    try:
        for line in stdin:
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("Ignored a line that is not JSON")
                continue
            if not isinstance(message, dict):
                continue
            if message.get("stop"):
                break
            if "mfa_answer" in message:
                mfa.answer(message["mfa_answer"])
            if "submit" in message:
                submits.put(int(message["submit"]))
            if "run" in message:
                scheduler.submit(int(message["run"]), str(message.get("site", "")))
    finally:
        submits.put(None)
        _stop(runner, scheduler)
        out.send({"stopped": True})
        if scheduler.active:
            # A job still inside a step: leave now (its threads would use a closed
            # database); the journal marks it Interrupted at the next start.
            logging.shutdown()
            os._exit(0)
        context.close()
    return 0


def _stop(runner: Any, scheduler: Any) -> None:
    """Running jobs stop at their next step boundary and stay Running: this worker's end
    makes them Interrupted at the next start (resumable). Queued ones are dropped here
    and stay Queued; nothing is marked Cancelled. Waits a little, never long: a job
    still inside a step when the worker exits is marked Interrupted the same way."""
    runner.stopping.set()
    scheduler.shutdown(wait=False)
    scheduler.wait_idle(STOP_GRACE_S)


if __name__ == "__main__":
    status = main()
    # Everything is written and closed: leave without the interpreter's teardown, which
    # takes seconds at a low priority on a busy machine while the app waits for the exit.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(status)
