"""No stuck job in the GUI: jobs left Queued by a submitter that died (a CLI killed before
its workers took them) become Interrupted when the window starts, and Resume finishes
them; the window does not wait for the dead process."""

from __future__ import annotations

import socket
import subprocess
import sys

from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.submit import submit_request
from byok_desktop.products import Product
from tests.helpers.factories import ready_draft
from tests.helpers.gui import WindowFactory


def _dead_owner() -> str:
    """The owner id of a process that has ended, on this host."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}:cli"


def test_queued_jobs_of_a_dead_submitter_resume_from_the_jobs_page(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    store = sandbox.database.requests
    request = store.create(
        ready_draft(
            aws_account_id="123456789012",
            products=frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE}),
        )
    )
    jobs = submit_request(
        request.id, store, sandbox.database.jobs, sandbox.credentials, _dead_owner()
    )
    assert {j.status for j in jobs} == {JobStatus.QUEUED}

    window = make_window(sandbox)
    page = window.jobs_page
    window.navigation.setCurrentRow(2)
    qtbot.waitUntil(
        lambda: {sandbox.database.jobs.get(j.id).status for j in jobs} == {JobStatus.INTERRUPTED}
    )
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    for job in jobs:
        row = next(r for r in range(page.model.rowCount()) if page.model.job(r).id == job.id)  # type: ignore[union-attr]
        qtbot.waitUntil(lambda r=row: page.model.job(r).status is JobStatus.INTERRUPTED)  # type: ignore[union-attr,misc]
        page.view.selectRow(row)
        qtbot.waitUntil(page.resume_button.isEnabled)
        page.resume_button.click()
    qtbot.waitUntil(
        lambda: {sandbox.database.jobs.get(j.id).status for j in jobs} == {JobStatus.SUCCEEDED},
        timeout=60_000,
    )
    assert store.products_on_site("acme") == {Product.JIRA_SOFTWARE, Product.CONFLUENCE}
