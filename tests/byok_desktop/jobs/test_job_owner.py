"""A second app instance must not mark the first one's running jobs Interrupted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.owner import owner_alive, this_owner
from byok_desktop.jobs.runner import PROVISION
from tests.helpers.factories import ready_draft

HOST = socket.gethostname()


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _live_process() -> subprocess.Popen[bytes]:
    """A process that lives until its stdin closes or it is killed."""
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )


def test_owner_liveness() -> None:
    live = _live_process()
    try:
        assert owner_alive(f"{HOST}:{live.pid}")
        assert owner_alive(f"{HOST}:{live.pid}:cli")
    finally:
        live.communicate()  # closes its stdin: it ends, and is reaped
    assert not owner_alive(f"{HOST}:{live.pid}")
    assert not owner_alive(f"{HOST}:{_dead_pid()}")
    assert not owner_alive(this_owner())  # our own earlier life
    assert not owner_alive("")
    assert not owner_alive(f"{HOST}:not-a-pid")
    assert owner_alive("another-workstation:1234")  # cannot tell: never interrupt it
    assert this_owner("cli") == f"{HOST}:{os.getpid()}:cli"


def test_start_up_interrupts_only_jobs_whose_owner_is_gone(context: AppContext) -> None:
    jobs = context.database.jobs
    request = context.database.requests.create(ready_draft())
    live = _live_process()
    try:
        ids = []
        for owner in (f"{HOST}:{live.pid}", f"{HOST}:{_dead_pid()}", "elsewhere:42"):
            job = jobs.create(
                kind=PROVISION,
                request_id=request.id,
                profile_uid="p",
                site_key=f"site-{len(ids)}",
                family="jira",
                location="eu",
                account_id="012345678901",
                steps_total=6,
            )
            jobs.claim(job.id, owner)
            ids.append(job.id)

        interrupted = jobs.mark_interrupted(owner_alive)

        assert interrupted == [ids[1]]
        statuses = [jobs.get(i).status for i in ids]
        assert statuses == [JobStatus.RUNNING, JobStatus.INTERRUPTED, JobStatus.RUNNING]
    finally:
        live.communicate()  # closes its stdin: it ends, and is reaped
