"""Quitting while jobs run: the window answers at once and says what it does, the counts
match the status bar, nothing is cancelled, and ``resume`` finishes both jobs later."""

from __future__ import annotations

import argparse
import io
import threading

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.cli_jobs import run_job_command
from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.runner import PROVISION, STEPS
from byok_desktop.products import Product
from byok_desktop.provisioning.steps import PROVISIONING_STEPS, Step, StepContext
from tests.helpers.factories import ready_draft
from tests.helpers.gui import WindowFactory, confirm_submit_sheet
from tests.helpers.requests_gui import refresh, show
from ui.dialogs import Dialogs


def test_quit_with_one_running_and_one_queued_job(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow AWS: the first step of a job waits until the test lets it go.
    entered, gate = threading.Event(), threading.Event()
    first = PROVISIONING_STEPS[0]

    def slow_first_step(ctx: StepContext) -> dict[str, str]:
        entered.set()
        gate.wait(30)
        return first.run(ctx)

    monkeypatch.setitem(
        STEPS, PROVISION, (Step(first.key, first.title, slow_first_step), *PROVISIONING_STEPS[1:])
    )
    request = sandbox.database.requests.create(
        ready_draft(
            aws_account_id="123456789012",
            products=frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE}),
        )
    )
    window = make_window(sandbox)
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, request.id)
    page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)
    model = window.jobs_page.model
    # One site: its two families' jobs run one after the other.
    qtbot.waitUntil(
        lambda: entered.is_set() and model.running() == 1 and model.queued() == 1, timeout=15000
    )
    assert window.running_label.text() == "1 job running"
    asked: list[str] = []

    def quit_anyway(cls: type, parent: object, title: str, text: str, ok: str) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(Dialogs, "confirm", classmethod(quit_anyway))

    window.close()

    # The GUI thread did not wait for the step: the window is there and says why.
    assert window.isVisible()
    assert "Stopping jobs" in window.status.text()
    assert not window.centralWidget().isEnabled()
    (question,) = asked
    assert question.startswith("1 job is running and 1 job is queued. Quit anyway?")
    assert "Nothing is cancelled" in question
    gate.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15000)

    jobs = sandbox.database.jobs.all_jobs()
    assert sorted(job.status.value for job in jobs) == ["queued", "running"]
    assert not any(job.cancel_requested for job in jobs)

    out = io.StringIO()
    code = run_job_command(sandbox, argparse.Namespace(command="resume", job_ids=[]), out)

    assert code == 0, out.getvalue()
    statuses = [job.status for job in sandbox.database.jobs.all_jobs()]
    assert statuses == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED]
