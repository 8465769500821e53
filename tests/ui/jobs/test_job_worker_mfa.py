"""A job in the job worker process whose AWS CLI profile assumes a role with an MFA
device: the worker asks the GUI over the pipe, the window's MFA dialog shows, and the
code the rep types reaches STS in the worker's AssumeRole. Cancel fails the job with a
sentence (retry resumes it); the code is never in a log, the worker's stderr or a file."""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from byok_desktop.context import AppContext, open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.submit import submit_request
from byok_desktop.paths import AppPaths, resolve_paths
from tests.helpers.canary import app_logging, files_containing, record_texts
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.moto_server import SlowMotoServer, Wsgi
from ui.changes import ChangeRelay
from ui.credentials.mfa_dialog import GuiMfaPrompter, MfaDialog
from ui.jobs.bridge import JobsBridge, WorkerLaunch
from ui.jobs.page import JobsPage
from ui.operations import Operations

__all__ = ["app_logging"]  # a fixture, by name

ACCOUNT = "123456789012"  # moto's default account
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/rep"
CODE = "918273"  # what the rep types for the job
VERIFY_CODE = "000111"  # what the test process's own verify used


class StsRecordingServer(SlowMotoServer):
    """The moto server, remembering the form of every STS AssumeRole it answered."""

    def __init__(self) -> None:
        super().__init__(0.02)
        self.assume_roles: list[dict[str, list[str]]] = []
        self._lock = threading.Lock()

    def _app(self) -> Wsgi:
        inner = super()._app()

        def recording(
            environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            form = parse_qs(body.decode(errors="replace"))
            if form.get("Action") == ["AssumeRole"]:
                with self._lock:
                    self.assume_roles.append(form)
            return inner(environ, start_response)

        return recording


@pytest.fixture(scope="module")
def server() -> Iterator[StsRecordingServer]:
    made = StsRecordingServer()
    made.start()
    yield made
    made.stop()


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return resolve_paths(tmp_path / "data")


@pytest.fixture
def mfa_context(
    server: StsRecordingServer, paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppContext]:
    """An AWS CLI profile that assumes a role with an MFA device, verified here (with a
    code of its own) so that the worker's job is the one that asks; a fresh moto."""
    server.reset()
    server.assume_roles.clear()
    home = Path(os.environ["HOME"])  # the isolated home of tests/conftest.py
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "credentials").write_text(
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = not-a-real-secret\n"
    )
    (home / ".aws" / "config").write_text(
        f"[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\n"
        f"source_profile = base\nmfa_serial = {SERIAL}\nregion = eu-central-1\n"
    )
    # botocore's assume-role call goes to STS on its own client: point it at moto too
    # (here and, through the environment, in the worker).
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
    context = open_context(paths, aws_endpoint_url=server.url, keyring_backend=MemoryKeyring())
    profile = context.credentials.save(
        None,
        ProfileInput(
            name="acme", kind=ProfileKind.CLI, cli_profile="admin", default_region="eu-central-1"
        ),
        None,
    )
    context.credentials.mfa_prompter = lambda serial: VERIFY_CODE
    context.credentials.verify(profile.uid)
    server.assume_roles.clear()
    yield context
    context.close()


class Window:
    def __init__(self, bridge: JobsBridge, page: JobsPage, prompter: GuiMfaPrompter) -> None:
        self.bridge = bridge
        self.page = page
        self.prompter = prompter

    def statuses(self) -> list[JobStatus]:
        model = self.page.model
        return [model.job(r).status for r in range(model.rowCount())]  # type: ignore[union-attr]

    def wait_for_dialog(self, qtbot: QtBot) -> MfaDialog:
        qtbot.waitUntil(lambda: self.prompter.dialog is not None, timeout=60_000)
        dialog = self.prompter.dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        return dialog


@pytest.fixture
def window(
    qtbot: QtBot, mfa_context: AppContext, ops: Operations, relay: ChangeRelay
) -> Iterator[Window]:
    launch = WorkerLaunch.for_context(mfa_context)
    # The worker logs at DEBUG: whatever it would ever log about a code shows here.
    launch = dataclasses.replace(launch, arguments=(*launch.arguments, "--debug"))
    bridge = JobsBridge(mfa_context, ops, worker=launch)
    top = QWidget()
    qtbot.addWidget(top)
    page = JobsPage(bridge, ops, relay)
    page.setParent(top)
    top.show()
    bridge.mfa_prompter = GuiMfaPrompter(ops, top)
    yield Window(bridge, page, bridge.mfa_prompter)
    bridge.shutdown(wait_s=3)
    ops.wait()


def test_a_job_in_the_worker_asks_for_the_mfa_code_in_the_windows_dialog(
    qtbot: QtBot,
    mfa_context: AppContext,
    window: Window,
    server: StsRecordingServer,
    paths: AppPaths,
    app_logging: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    request = mfa_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    window.bridge.submit(request.id)
    dialog = window.wait_for_dialog(qtbot)
    device = dialog.findChild(QLabel, "mfaDevice")
    assert device is not None
    assert SERIAL in device.text()
    qtbot.keyClicks(dialog.code_edit, CODE)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.statuses() == [JobStatus.SUCCEEDED], timeout=60_000)

    assert window.prompter.dialog is None
    # The code the rep typed reached STS, once, from the worker process.
    assert [(f["SerialNumber"], f["TokenCode"]) for f in server.assume_roles] == [
        ([SERIAL], [CODE])
    ]
    assert window.bridge.worker_pid not in (0, os.getpid())
    # Never logged (the worker's stderr is relayed into the log here, at DEBUG), never
    # in the log file, the database or any other file of the app.
    assert any(r.name == "ui.jobs.worker" for r in caplog.records)
    assert not [t for t in record_texts(caplog.records) if CODE in t]
    assert app_logging.is_file()
    assert files_containing(paths.data_dir, [CODE.encode()]) == []


def queued_for_the_worker(qtbot: QtBot, context: AppContext, window: Window) -> Job:
    """A job submitted here (its check verified with the test's own code) for the worker
    to run: the worker's first connection is the job's, so the job is the one that asks."""
    window.bridge.prestart()
    qtbot.waitUntil(lambda: window.bridge.worker_ready, timeout=60_000)
    database = context.database
    request = database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    (job,) = submit_request(
        request.id,
        database.requests,
        database.jobs,
        context.credentials,
        owner=window.bridge.worker_owner,
    )
    window.bridge.resume(job)
    return job


def test_cancel_fails_the_job_with_a_sentence_and_a_retry_asks_again(
    qtbot: QtBot, mfa_context: AppContext, window: Window, server: StsRecordingServer
) -> None:
    server.assume_roles.clear()
    job = queued_for_the_worker(qtbot, mfa_context, window)
    dialog = window.wait_for_dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(
        lambda: mfa_context.database.jobs.get(job.id).status is JobStatus.FAILED, timeout=60_000
    )
    failed = mfa_context.database.jobs.get(job.id)
    assert failed.error_message == (
        f"The MFA code from {SERIAL} was not entered, so the work stopped; start it again "
        "and enter the code when asked."
    )
    assert server.assume_roles == []  # nothing reached STS

    window.bridge.resume(failed)  # Retry
    dialog = window.wait_for_dialog(qtbot)
    qtbot.keyClicks(dialog.code_edit, CODE)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: mfa_context.database.jobs.get(job.id).status is JobStatus.SUCCEEDED,
        timeout=60_000,
    )
    assert [f["TokenCode"] for f in server.assume_roles] == [[CODE]]


def test_the_dialog_closes_when_the_worker_stops_and_the_job_stays_resumable(
    qtbot: QtBot, mfa_context: AppContext, window: Window
) -> None:
    job = queued_for_the_worker(qtbot, mfa_context, window)
    dialog = window.wait_for_dialog(qtbot)
    window.bridge.kill_worker()  # as a crash would
    qtbot.waitUntil(lambda: window.prompter.dialog is None, timeout=10_000)
    assert not isValid(dialog) or not dialog.isVisible()
    qtbot.waitUntil(
        lambda: mfa_context.database.jobs.get(job.id).status is JobStatus.INTERRUPTED,
        timeout=10_000,
    )


def test_cancel_at_submit_leaves_the_request_ready_with_a_sentence(
    qtbot: QtBot, mfa_context: AppContext, window: Window
) -> None:
    refusals: list[str] = []
    window.bridge.submit_failed.connect(refusals.append)
    request = mfa_context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    window.bridge.submit(request.id)  # the worker checks the profile online: it asks
    dialog = window.wait_for_dialog(qtbot)
    dialog.reject()
    qtbot.waitUntil(lambda: len(refusals) == 1, timeout=60_000)
    assert f"The MFA code from {SERIAL} was not entered" in refusals[0]
    assert "Traceback" not in refusals[0]
    assert mfa_context.database.requests.get(request.id).status.value == "ready"
    assert window.statuses() == []
