"""Jobs in the job worker process: the GUI's JobsBridge starts a real subprocess
(``byok_desktop.jobs.worker_process``) over a real SQLite file and a moto server in this
process (every AWS call answered after a delay, so a kill lands inside a job); the Jobs
screen shows what the worker reports. A crashed worker leaves Interrupted jobs that a
new worker resumes; quitting never waits long."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.changes import Changes
from byok_desktop.context import AppContext, open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.owner import owner_alive
from byok_desktop.jobs.worker_process import job_from_wire, job_to_wire
from byok_desktop.paths import resolve_paths
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.moto_server import SlowMotoServer
from ui.changes import ChangeRelay
from ui.jobs.bridge import QUIT_WAIT_MS, JobsBridge, WorkerLaunch
from ui.jobs.page import JobsPage
from ui.operations import Operations

ACCOUNT = "123456789012"  # moto's default account
LATENCY_S = 0.05


@pytest.fixture(scope="module")
def server() -> Iterator[SlowMotoServer]:
    slow = SlowMotoServer(LATENCY_S)
    slow.start()
    yield slow
    slow.stop()


@pytest.fixture
def worker_context(server: SlowMotoServer, tmp_path: Path) -> Iterator[AppContext]:
    """A verified AWS CLI profile (the worker reads ~/.aws itself, as the AWS CLI does:
    no keyring to share) and a Ready request, on a fresh simulated AWS."""
    server.reset()
    home = Path(os.environ["HOME"])  # the isolated home of tests/conftest.py
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "credentials").write_text(
        "[byok-test]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = not-a-real-secret\n"
    )
    paths = resolve_paths(tmp_path / "data")
    context = open_context(paths, aws_endpoint_url=server.url, keyring_backend=MemoryKeyring())
    profile = context.credentials.save(
        None,
        ProfileInput(
            name="acme",
            kind=ProfileKind.CLI,
            cli_profile="byok-test",
            default_region="eu-central-1",
        ),
        None,
    )
    context.credentials.verify(profile.uid)
    yield context
    context.close()


class Screen:
    def __init__(self, bridge: JobsBridge, page: JobsPage) -> None:
        self.bridge = bridge
        self.page = page
        self.messages: list[str] = []
        bridge.worker_message.connect(self.messages.append)

    def statuses(self) -> list[JobStatus]:
        model = self.page.model
        return [model.job(r).status for r in range(model.rowCount())]  # type: ignore[union-attr]

    def job(self) -> Job:
        job = self.page.model.job(0)
        assert job is not None
        return job


@pytest.fixture
def screen(
    qtbot: QtBot, worker_context: AppContext, ops: Operations, relay: ChangeRelay
) -> Iterator[Screen]:
    bridge = JobsBridge(worker_context, ops, worker=WorkerLaunch.for_context(worker_context))
    page = JobsPage(bridge, ops, relay)
    qtbot.addWidget(page)
    page.show()
    made = Screen(bridge, page)
    yield made
    bridge.shutdown(wait_s=3)
    ops.wait()


def test_a_job_record_crosses_the_pipe_unchanged(worker_context: AppContext) -> None:
    request = worker_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    from byok_desktop.jobs.submit import submit_request

    database = worker_context.database
    (job,) = submit_request(
        request.id, database.requests, database.jobs, worker_context.credentials
    )
    assert job_from_wire(job_to_wire(job)) == job


def test_the_worker_process_runs_a_submitted_job_and_the_screen_follows(
    qtbot: QtBot, worker_context: AppContext, screen: Screen
) -> None:
    request = worker_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    running_steps: set[int] = set()

    def seen(job: Job) -> None:
        if job.status is JobStatus.RUNNING:
            running_steps.add(job.steps_done)

    screen.bridge.job_updated.connect(seen)
    screen.bridge.submit(request.id)
    qtbot.waitUntil(lambda: screen.statuses() == [JobStatus.RUNNING], timeout=60_000)
    announced: list[Changes] = []  # from here on, nothing in this process writes
    unsubscribe = worker_context.database.changes.subscribe(announced.append)
    qtbot.waitUntil(lambda: screen.statuses() == [JobStatus.SUCCEEDED], timeout=60_000)
    unsubscribe()
    assert len(running_steps) > 2  # progress arrived step by step
    # The worker's writes to products and the request are announced here at once (not
    # at the next change poll), so the other screens redraw.
    assert any(c.touches_request(request.id) and c.touches_sites() == {"acme"} for c in announced)
    # It ran in the worker process, not here.
    assert screen.bridge.worker_pid not in (0, os.getpid())
    job = worker_context.database.jobs.get(screen.job().id)
    assert job.owner == screen.bridge.worker_owner
    assert job.owner.endswith(":worker")
    assert screen.messages == []


def test_a_killed_worker_leaves_an_interrupted_job_that_a_new_worker_finishes(
    qtbot: QtBot, worker_context: AppContext, screen: Screen
) -> None:
    request = worker_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    screen.bridge.submit(request.id)
    qtbot.waitUntil(
        lambda: screen.statuses() == [JobStatus.RUNNING] and screen.job().steps_done >= 2,
        timeout=60_000,
    )
    first_pid = screen.bridge.worker_pid
    os.kill(first_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: screen.statuses() == [JobStatus.INTERRUPTED], timeout=10_000)
    assert len(screen.messages) == 1
    assert "stopped unexpectedly" in screen.messages[0]
    assert not owner_alive(worker_context.database.jobs.get(screen.job().id).owner)
    assert screen.bridge.active == 0
    screen.bridge.resume(screen.job())
    qtbot.waitUntil(lambda: screen.statuses() == [JobStatus.SUCCEEDED], timeout=60_000)
    assert screen.bridge.worker_pid != first_pid
    assert screen.bridge.workers_started == 2
    assert len(screen.messages) == 1  # said once


def test_quit_with_a_job_running_ends_the_worker_within_the_bound(
    qtbot: QtBot, worker_context: AppContext, screen: Screen
) -> None:
    request = worker_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    screen.bridge.submit(request.id)
    qtbot.waitUntil(lambda: screen.statuses() == [JobStatus.RUNNING], timeout=60_000)
    pid = screen.bridge.worker_pid
    began = time.monotonic()
    screen.bridge.shutdown(wait_s=5)
    took = time.monotonic() - began
    assert took <= QUIT_WAIT_MS / 1000 + 1.0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped
    job = worker_context.database.jobs.get(screen.job().id)
    # Stopped at a step boundary or inside one, left Running for the next start to mark
    # Interrupted (resumable): never lost, never Cancelled, never running on.
    assert job.status is JobStatus.RUNNING
    assert not owner_alive(job.owner)


def test_stop_at_quit_does_not_block_and_leaves_queued_jobs_queued(
    qtbot: QtBot, worker_context: AppContext, screen: Screen
) -> None:
    from byok_desktop.products import Product

    request = worker_context.database.requests.create(
        ready_draft(
            aws_account_id=ACCOUNT, products=frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE})
        )
    )
    screen.bridge.submit(request.id)
    qtbot.waitUntil(
        lambda: sorted(s.value for s in screen.statuses()) == ["queued", "running"],
        timeout=60_000,
    )
    pid = screen.bridge.worker_pid
    assert screen.bridge.needs_stopping

    with qtbot.waitSignal(screen.bridge.stopped, timeout=QUIT_WAIT_MS + 5000):
        screen.bridge.stop(wait_s=5)
        assert os.kill(pid, 0) is None  # returned at once: the worker still runs

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    jobs = worker_context.database.jobs.all_jobs()
    assert sorted(job.status.value for job in jobs) == ["queued", "running"]
    assert not any(job.cancel_requested for job in jobs)


def test_a_worker_that_cannot_start_falls_back_to_threads_and_says_so(
    qtbot: QtBot, worker_context: AppContext, ops: Operations, relay: ChangeRelay
) -> None:
    launch = WorkerLaunch(("-c", "raise SystemExit(3)"))
    bridge = JobsBridge(worker_context, ops, worker=launch)
    page = JobsPage(bridge, ops, relay)
    qtbot.addWidget(page)
    messages: list[str] = []
    bridge.worker_message.connect(messages.append)
    request = worker_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    try:
        bridge.submit(request.id)
        model = page.model
        qtbot.waitUntil(
            lambda: model.rowCount() == 1 and model.job(0).status is JobStatus.SUCCEEDED,  # type: ignore[union-attr]
            timeout=60_000,
        )
        assert len(messages) == 1
        assert "inside the app" in messages[0]
        assert not bridge.in_worker_process
        assert worker_context.database.jobs.get(model.job(0).id).owner == bridge.owner  # type: ignore[union-attr]
    finally:
        bridge.shutdown(wait_s=3)
        ops.wait()


def test_in_the_sandbox_the_worker_uses_the_apps_running_sandbox_server(
    qtbot: QtBot, sandbox: AppContext, ops: Operations, relay: ChangeRelay
) -> None:
    """The worker opens the sandbox database without resetting it and calls the moto
    server this process runs: the keys it makes are there."""
    import boto3

    launch = WorkerLaunch.for_context(sandbox)
    assert "--sandbox" in launch.arguments
    bridge = JobsBridge(sandbox, ops, worker=launch)
    page = JobsPage(bridge, ops, relay)
    qtbot.addWidget(page)
    request = sandbox.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    try:
        bridge.submit(request.id)
        model = page.model
        qtbot.waitUntil(
            lambda: model.rowCount() == 1 and model.job(0).status is JobStatus.SUCCEEDED,  # type: ignore[union-attr]
            timeout=60_000,
        )
        assert bridge.in_worker_process
        assert bridge.worker_pid not in (0, os.getpid())
        assert sandbox.sandbox is not None
        kms = boto3.client(
            "kms",
            region_name="eu-central-1",
            endpoint_url=sandbox.sandbox.endpoint_url,
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="x",
        )
        assert len(kms.list_keys()["Keys"]) == 1
    finally:
        bridge.shutdown(wait_s=3)
        ops.wait()


def test_a_refused_submission_is_reported_by_the_worker(
    qtbot: QtBot, worker_context: AppContext, screen: Screen
) -> None:
    with qtbot.waitSignal(screen.bridge.submit_failed, timeout=30_000) as failed:
        screen.bridge.submit(999)  # no such request
    assert failed.args is not None
    assert "999" in failed.args[0]
    assert screen.bridge.in_worker_process
    assert screen.statuses() == []


def test_a_prestarted_worker_is_ready_before_the_first_submit_and_runs_it(
    qtbot: QtBot, worker_context: AppContext, screen: Screen
) -> None:
    screen.bridge.prestart()
    qtbot.waitUntil(lambda: screen.bridge.worker_ready, timeout=60_000)
    screen.bridge.prestart()  # a second call starts nothing more
    request = worker_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    screen.bridge.submit(request.id)
    qtbot.waitUntil(lambda: screen.statuses() == [JobStatus.SUCCEEDED], timeout=60_000)
    assert screen.bridge.workers_started == 1
    assert screen.bridge.worker_pid not in (0, os.getpid())
