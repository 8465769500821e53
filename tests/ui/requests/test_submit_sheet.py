"""The submit sheet: nothing is locked until the user confirms; Escape cancels, Enter
submits."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus
from byok_desktop.products import Product
from byok_desktop.request import RequestStatus
from tests.helpers.factories import ready_draft
from tests.helpers.gui import WindowFactory, confirm_submit_sheet
from tests.helpers.requests_gui import refresh, show


def _ready_request(sandbox: AppContext) -> int:
    stored = sandbox.database.requests.create(
        ready_draft(
            aws_account_id="123456789012",
            site_name="acme",
            products=frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE}),
        )
    )
    return stored.id


def test_escape_cancels_the_sheet_and_nothing_is_locked(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    request_id = _ready_request(sandbox)
    window = make_window(sandbox)
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, request_id)

    page.submit_action.trigger()
    qtbot.waitUntil(lambda: window.submit_sheet is not None and window.submit_sheet.isVisible())
    sheet = window.submit_sheet
    assert sheet is not None
    text = " ".join(label.text() for label in sheet.findChildren(type(sheet.creates)))
    for expected in (
        "acme.atlassian.net",
        "eu-central-1 (Frankfurt)",
        "eu-west-1 (Dublin)",
        "Jira Software",
        "Confluence",
        "Jira Work Management",
        "123456789012",
        "alias/cryptor-acme-jira",
        "alias/cryptor-acme-confluence",
        "atlassian-key-management",
    ):
        assert expected in text
    qtbot.keyClick(sheet, Qt.Key.Key_Escape)

    qtbot.waitUntil(lambda: window.submit_sheet is None)
    assert "not submitted" in window.status.text()
    qtbot.waitUntil(lambda: window.ops.pending == 0)
    assert sandbox.database.requests.get(request_id).status is RequestStatus.READY
    assert sandbox.database.jobs.all_jobs() == []
    assert not page.editor.locked_banner.isVisible()


def test_enter_before_the_sheet_is_armed_does_nothing(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    request_id = _ready_request(sandbox)
    window = make_window(sandbox)
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, request_id)

    page.submit_action.trigger()
    qtbot.waitUntil(lambda: window.submit_sheet is not None and window.submit_sheet.isVisible())
    sheet = window.submit_sheet
    assert sheet is not None
    assert not sheet.armed
    qtbot.keyClick(sheet, Qt.Key.Key_Return)  # a held Enter from the form

    assert window.submit_sheet is sheet
    assert sheet.isVisible()
    qtbot.keyClick(sheet, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.submit_sheet is None)


def test_enter_submits_once_the_sheet_is_shown(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    request_id = _ready_request(sandbox)
    window = make_window(sandbox)
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, request_id)

    page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)

    qtbot.waitUntil(lambda: len(sandbox.database.jobs.all_jobs()) == 2, timeout=15000)
    qtbot.waitUntil(lambda: page.editor.locked_banner.isVisible())
    assert sandbox.database.requests.get(request_id).status.locked
    qtbot.waitUntil(
        lambda: all(job.status is JobStatus.SUCCEEDED for job in sandbox.database.jobs.all_jobs()),
        timeout=30000,
    )
