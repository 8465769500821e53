"""Beside the provisioning role field: the account's ExternalId (read on the database
worker) and "Export setup kit…" (written on the pool), with a real database and moto."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile
from byok_desktop.jobs.customer_role import CustomerKit
from byok_desktop.provisioning.setup_kit import KIT_FILES
from byok_desktop.request import Field
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import WAIT_MS, ops_fixture, show  # noqa: F401
from ui.operations import Operations
from ui.requests.customer_role import KitDialogs
from ui.requests.page import RequestsPage
from ui.settings import app_settings

CUSTOMER = "210987654321"
ROLE = f"arn:aws:iam::{CUSTOMER}:role/byok-provisioning"


def _page(qtbot: QtBot, ctx: AppContext, ops: Operations) -> RequestsPage:
    kit = CustomerKit(ctx.database, ctx.credentials, ctx.settings_service.snapshot)
    page = RequestsPage(ctx.database.requests, ops, app_settings(ctx.paths), customer=kit)
    qtbot.addWidget(page)
    page.show()
    return page


def test_the_editor_shows_the_accounts_external_id_read_only(
    qtbot: QtBot, ctx: AppContext, ops: Operations
) -> None:
    stored = ctx.database.requests.create(
        ready_draft(aws_account_id=CUSTOMER, customer_role_arn=ROLE)
    )
    page = _page(qtbot, ctx, ops)
    show(qtbot, page, stored.id)
    tools = page.editor.customer_tools
    assert tools is not None
    qtbot.waitUntil(lambda: tools.external_id.text() != "", timeout=WAIT_MS)
    assert tools.external_id.text() == ctx.database.external_ids.find(CUSTOMER)
    assert tools.external_id.isReadOnly()
    # Another account shows its own ExternalId, once its ID is complete.
    edit = page.editor.lines[Field.AWS_ACCOUNT_ID]
    edit.selectAll()
    qtbot.keyClicks(edit, "55556666777")
    assert tools.external_id.text() == ""
    assert not tools.export_button.isEnabled()
    qtbot.keyClicks(edit, "7")
    qtbot.waitUntil(
        lambda: tools.external_id.text() == ctx.database.external_ids.find("555566667777"),
        timeout=WAIT_MS,
    )
    assert tools.external_id.text() != ctx.database.external_ids.find(CUSTOMER)


def test_export_setup_kit_writes_the_files_through_the_pool(
    qtbot: QtBot,
    ctx: AppContext,
    profile: Profile,
    ops: Operations,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = ctx.database.requests.create(
        ready_draft(aws_account_id=CUSTOMER, customer_role_arn=ROLE)
    )
    page = _page(qtbot, ctx, ops)
    show(qtbot, page, stored.id)
    tools = page.editor.customer_tools
    assert tools is not None
    folder = tmp_path / "kit"
    monkeypatch.setattr(KitDialogs, "choose_folder", classmethod(lambda _cls, _p: str(folder)))
    with qtbot.waitSignal(page.message, timeout=WAIT_MS) as said:
        qtbot.mouseClick(tools.export_button, Qt.MouseButton.LeftButton)
    assert "Setup kit written" in said.args[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(KIT_FILES)
    template = (folder / "byok-setup.cfn.yaml").read_text("utf-8")
    assert str(ctx.database.external_ids.find(CUSTOMER)) in template
    assert f"arn:aws:iam::{profile.verification.account_id}:root" in template  # type: ignore[union-attr]
    assert tools.export_button.isEnabled()


def test_export_without_a_verified_profile_says_what_to_do(
    qtbot: QtBot, ctx: AppContext, ops: Operations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = ctx.database.requests.create(ready_draft(aws_account_id=CUSTOMER))
    page = _page(qtbot, ctx, ops)
    show(qtbot, page, stored.id)
    tools = page.editor.customer_tools
    assert tools is not None
    presented: list[str] = []
    monkeypatch.setattr(
        ops.presenter, "present_failure", lambda what, error: presented.append(str(error))
    )
    monkeypatch.setattr(
        KitDialogs, "choose_folder", classmethod(lambda _cls, _p: str(tmp_path / "kit"))
    )
    qtbot.mouseClick(tools.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(presented), timeout=WAIT_MS)
    assert "No profile of your own is verified" in presented[0]
    assert not (tmp_path / "kit").exists()
    assert tools.export_button.isEnabled()
