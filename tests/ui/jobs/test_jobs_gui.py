"""Provisioning from the GUI in the sandbox: submit, watch the jobs, products recorded,
and the event loop keeps running meanwhile."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from byok_desktop.aws.realism import Realism
from byok_desktop.aws.sandbox import SandboxServer
from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.submit import submit_request
from byok_desktop.products import Product
from byok_desktop.request import RequestStatus
from tests.helpers.factories import ready_draft
from tests.helpers.gui import WindowFactory, confirm_submit_sheet
from tests.helpers.realistic_aws import no_retry_backoff
from tests.helpers.requests_gui import refresh, show
from ui.dialogs import Dialogs
from ui.jobs.model import COLUMNS
from ui.main_window import MainWindow

CURRENT_STEP_COLUMN = COLUMNS.index("Current step")


def _statuses(window: MainWindow) -> list[JobStatus]:
    model = window.jobs_page.model
    return [model.job(r).status for r in range(model.rowCount())]  # type: ignore[union-attr]


def test_submit_provisions_on_workers_while_the_ui_keeps_running(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    store = sandbox.database.requests
    acme = store.create(
        ready_draft(
            aws_account_id="123456789012",
            products=frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE}),
        )
    )
    window = make_window(sandbox)
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, acme.id)
    ticks: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(1))
    heartbeat.start()
    assert page.submit_action.shortcut().toString() == "Ctrl+Return"
    page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)
    qtbot.waitUntil(lambda: len(_statuses(window)) == 2, timeout=15000)
    # Submitted: the request is read-only now and cannot be submitted twice.
    qtbot.waitUntil(lambda: page.editor.locked_banner.isVisible())
    assert not page.editor._body.isEnabled()
    assert not page.submit_action.isEnabled()
    qtbot.waitUntil(
        lambda: _statuses(window) == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED], timeout=30000
    )
    heartbeat.stop()
    assert len(ticks) >= 5  # the event loop ran throughout
    assert store.products_on_site("acme") == {Product.JIRA_SOFTWARE, Product.CONFLUENCE}
    assert "succeeded" in window.status.text()
    qtbot.waitUntil(lambda: store.get(acme.id).status is RequestStatus.PROVISIONED)
    qtbot.waitUntil(lambda: page.editor.status_label.text().startswith("Provisioned"))
    assert not page.editor.withdraw_button.isVisible()
    # The journal of a job is shown when it is selected.
    window.navigation.setCurrentRow(2)
    window.jobs_page.view.selectRow(0)
    qtbot.waitUntil(
        lambda: "Wait until the key is Enabled" in window.jobs_page.journal.toPlainText()
    )
    assert "key_arn:eu-west-1" in window.jobs_page.journal.toPlainText()


def test_a_request_for_an_account_without_a_profile_is_refused_with_a_reason(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sandbox.database.requests
    other = store.create(ready_draft(aws_account_id="222233334444"))
    window = make_window(sandbox)
    errors: list[str] = []
    monkeypatch.setattr(
        Dialogs, "error", classmethod(lambda cls, p, title, text, d="": errors.append(text))
    )
    refresh(qtbot, window.requests_page)
    show(qtbot, window.requests_page, other.id)
    window.requests_page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)
    qtbot.waitUntil(lambda: bool(errors), timeout=15000)
    assert "222233334444" in errors[0]
    assert _statuses(window) == []
    assert store.get(other.id).status is RequestStatus.READY  # still editable


def test_a_submitted_request_can_be_withdrawn_for_editing(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    store = sandbox.database.requests
    acme = store.create(ready_draft(aws_account_id="123456789012"))
    [job] = submit_request(acme.id, store, sandbox.database.jobs, sandbox.credentials)
    sandbox.database.jobs.request_cancel(job.id)  # queued, so cancelled at once
    window = make_window(sandbox)
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, acme.id)
    editor = page.editor
    assert editor.locked_banner.isVisible()
    assert editor.withdraw_button.isVisible()
    assert "Submitted" in editor.status_label.text()
    assert not editor.site_edit.isEnabled()

    qtbot.mouseClick(editor.withdraw_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not editor.locked_banner.isVisible())
    assert editor.site_edit.isEnabled()
    qtbot.waitUntil(lambda: editor.status_label.text().startswith("Ready"))
    assert store.get(acme.id).status is RequestStatus.READY
    assert sandbox.database.jobs.get(job.id).status is JobStatus.WITHDRAWN
    assert page.submit_action.isEnabled()


def test_submit_of_a_request_whose_customer_role_is_missing_is_refused_by_the_preflight(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    [rep] = sandbox.credentials.profiles.list()
    sandbox.credentials.verify(rep.uid)  # the rep's own identity, in the sandbox
    store = sandbox.database.requests
    role = "arn:aws:iam::123456789012:role/byok-provisioning"  # not created by the customer
    acme = store.create(ready_draft(aws_account_id="123456789012", customer_role_arn=role))
    window = make_window(sandbox)
    errors: list[str] = []
    monkeypatch.setattr(
        Dialogs, "error", classmethod(lambda cls, p, title, text, d="": errors.append(text))
    )
    refresh(qtbot, window.requests_page)
    show(qtbot, window.requests_page, acme.id)
    window.requests_page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)
    qtbot.waitUntil(lambda: bool(errors), timeout=30000)
    assert f"the role {role} does not exist" in errors[0]
    assert "setup kit" in errors[0]
    assert _statuses(window) == []
    assert store.get(acme.id).status is RequestStatus.READY  # nothing was locked
def test_a_running_jobs_wait_for_aws_is_shown_in_the_jobs_table(
    qtbot: QtBot,
    make_window: WindowFactory,
    sandbox: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sandbox behaving like real AWS: a new role is invisible to KMS for a while, so
    the job waits, and the Jobs page says what it waits for while it does (here until the
    job is cancelled: the role never becomes visible in the test's time)."""
    no_retry_backoff(monkeypatch)
    sandbox.sandbox = SandboxServer(Realism.quick(principal_delay_s=3600.0))
    # A role of its own: the sandbox's simulated AWS lives as long as the test process, and
    # a role an earlier test made is adopted, never created (so never waited for).
    sandbox.settings_service.override(sandbox_realistic_aws=True, role_name="byok-wait-test")
    request = sandbox.database.requests.create(ready_draft(aws_account_id="123456789012"))
    window = make_window(sandbox)
    model = window.jobs_page.model

    def current_step() -> str:
        return str(model.index(0, CURRENT_STEP_COLUMN).data()) if model.rowCount() else ""

    window.jobs.submit(request.id)

    qtbot.waitUntil(lambda: "— Waiting for IAM to propagate (" in current_step(), timeout=60_000)
    assert current_step().startswith("Create the multi-Region key and its alias — Waiting for")
    job = model.job(0)
    assert job is not None
    window.jobs.cancel(job)
    qtbot.waitUntil(lambda: _statuses(window) == [JobStatus.CANCELLED], timeout=60_000)
    assert "Waiting" not in current_step()
