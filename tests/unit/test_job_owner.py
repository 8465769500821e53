"""A second app instance must not mark the first one's running jobs Interrupted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from byok_desktop.context import AppContext
from byok_desktop.jobs.model import JobStatus
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


def test_owner_liveness() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert owner_alive(f"{HOST}:{sleeper.pid}")
        assert owner_alive(f"{HOST}:{sleeper.pid}:cli")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not owner_alive(f"{HOST}:{sleeper.pid}")
    assert not owner_alive(f"{HOST}:{_dead_pid()}")
    assert not owner_alive(this_owner())  # our own earlier life
    assert not owner_alive("")
    assert not owner_alive(f"{HOST}:not-a-pid")
    assert owner_alive("another-workstation:1234")  # cannot tell: never interrupt it
    assert this_owner("cli") == f"{HOST}:{os.getpid()}:cli"


def test_start_up_interrupts_only_jobs_whose_owner_is_gone(context: AppContext) -> None:
    jobs = context.database.jobs
    request = context.database.requests.create(ready_draft())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        ids = []
        for owner in (f"{HOST}:{sleeper.pid}", f"{HOST}:{_dead_pid()}", "elsewhere:42"):
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
        sleeper.kill()
        sleeper.wait()
