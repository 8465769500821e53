"""From no credentials to a provisioned product, by GUI only: sign in with IAM Identity
Center (the local fake), pick the account and role, verify, then submit a request on the
Requests screen; the jobs run with the portal's role credentials against the sandbox's
emulated AWS (a moto server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import ProfileKind
from byok_desktop.job_records import JobStatus
from byok_desktop.products import Product
from byok_desktop.request import RequestStatus
from tests.helpers.credentials_gui import cell, opened, role_picker, start_sign_in
from tests.helpers.factories import ready_draft
from tests.helpers.gui import WindowFactory, confirm_submit_sheet
from tests.helpers.requests_gui import refresh, show
from tests.helpers.sso_fake import FakeIdentityCenterServer
from ui.credentials.model import Column

__all__ = ["opened"]  # fixtures, by name


@pytest.fixture
def fake() -> Iterator[FakeIdentityCenterServer]:
    server = FakeIdentityCenterServer().start()
    server.state.interval_s = 0
    yield server
    server.stop()


def test_from_no_credentials_to_a_provisioned_product_by_gui(
    qtbot: QtBot,
    make_window: WindowFactory,
    sandbox: AppContext,
    fake: FakeIdentityCenterServer,
    opened: list[str],
) -> None:
    service = sandbox.credentials
    for profile in service.profiles.list():  # no credentials: not even the sandbox's
        service.delete(profile.uid)
    service.sso_endpoint_url = fake.url
    service.aws_cli_sso_cache = sandbox.paths.data_dir / "no-aws-cli-cache"
    request = sandbox.database.requests.create(
        ready_draft(aws_account_id="123456789012", products=frozenset({Product.CONFLUENCE}))
    )
    window = make_window(sandbox)
    window.show_section("credentials")
    credentials = window.credentials_page
    qtbot.waitUntil(lambda: window.ops.pending == 0)
    assert credentials.empty_hint.isVisible()

    start_sign_in(qtbot, credentials)
    picker = role_picker(qtbot, credentials)
    assert picker.choose("123456789012", "KeyAdmin")
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    name = "Acme production (KeyAdmin)"
    qtbot.waitUntil(lambda: credentials.model.rowCount() == 1)
    qtbot.waitUntil(lambda: cell(credentials, name, Column.STATE) == "Not verified")
    credentials.verify_action.trigger()
    qtbot.waitUntil(lambda: cell(credentials, name, Column.STATE) == "Verified", timeout=15_000)

    window.show_section("requests")
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, request.id)
    page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)  # the sheet of what the submit locks and creates
    store = sandbox.database.requests
    qtbot.waitUntil(
        lambda: store.get(request.id).status is RequestStatus.PROVISIONED, timeout=60_000
    )

    def statuses() -> list[JobStatus]:
        return [j.status for j in sandbox.database.jobs.all_jobs() if j.request_id == request.id]

    # The request is Provisioned by the job's last step, a moment before the job ends.
    qtbot.waitUntil(lambda: statuses() == [JobStatus.SUCCEEDED])
    assert store.products_on_site("acme") == {Product.CONFLUENCE}
    assert [p.kind for p in service.profiles.list()] == [ProfileKind.SSO]
    assert fake.state.issued_keys  # the portal's role credentials signed the jobs' calls
