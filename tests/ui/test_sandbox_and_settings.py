"""Sandbox mode is unmistakable, and the AWS connection is chosen in Settings."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop import APP_NAME
from byok_desktop.context import AppContext
from byok_desktop.settings import load_settings
from tests.helpers.gui import WindowFactory


def test_sandbox_is_shown_everywhere(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    window = make_window(sandbox)
    assert window.sandbox_banner.isVisible()
    assert "SANDBOX" in window.sandbox_banner.text()
    # Qt appends the application's display name: "Sandbox — BYOK Desktop", said once.
    assert window.windowTitle() == "Sandbox"
    assert "sandbox" in window.data_label.text().lower()
    assert sandbox.database.path.parent == sandbox.paths.sandbox_dir
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_real_mode_has_no_sandbox_banner(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    assert not window.sandbox_banner.isVisible()
    assert window.windowTitle() == APP_NAME
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_settings_save_a_custom_endpoint_and_check_it(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    page = window.settings_page
    page.aws_custom.setChecked(True)
    page.endpoint_edit.setText("not a url")
    page.save_aws_settings()
    assert page.aws_error.isVisibleTo(page)
    assert not context.paths.core_settings_file.exists()
    page.endpoint_edit.setText("http://127.0.0.1:4566")
    page.save_aws_settings()  # written on the pool
    qtbot.waitUntil(lambda: "New AWS connections use" in window.status.text())
    assert (
        load_settings(context.paths.core_settings_file).aws_endpoint_url == "http://127.0.0.1:4566"
    )
    assert context.settings.aws_endpoint_url == "http://127.0.0.1:4566"
    page.aws_sandbox.setChecked(True)
    page.save_aws_settings()
    qtbot.waitUntil(lambda: "Restart" in window.status.text())
    assert load_settings(context.paths.core_settings_file).sandbox is True
    assert "Restart" in window.status.text()
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_provisioning_settings_are_checked_saved_and_used(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    page = window.settings_page
    page.role_edit.setText("bad role name!")
    page.principal_edit.setText("Cryptor-OSB-Provider")
    page.save_provisioning_settings()
    assert page.provisioning_error.isVisibleTo(page)
    assert "IAM role name" in page.provisioning_error.text()
    assert "role or account ARN" in page.provisioning_error.text()
    assert not context.paths.core_settings_file.exists()

    page.role_edit.setText("byok-keys")
    page.principal_edit.setText("arn:aws:iam::111122223333:role/Provider")
    page.workers_spin.setValue(8)
    page.window_spin.setValue(3)
    page.health_spin.setValue(0)
    page.save_provisioning_settings()  # written on the pool
    qtbot.waitUntil(lambda: "restart" in window.status.text())

    assert not page.provisioning_error.isVisibleTo(page)
    saved = load_settings(context.paths.core_settings_file)
    assert (saved.role_name, saved.provider_principal) == (
        "byok-keys",
        "arn:aws:iam::111122223333:role/Provider",
    )
    assert (saved.worker_threads, saved.restore_window_days, saved.health_check_minutes) == (
        8,
        3,
        0,
    )
    assert page.health_spin.text() == "Off"
    # Jobs started from now on use the new role.
    assert window.jobs._runner.snapshot().role_name == "byok-keys"
    assert "restart" in window.status.text()
    page._provisioning_defaults()
    assert page.role_edit.text() == "atlassian-key-management"
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_a_new_sandbox_request_starts_with_the_account_the_sandbox_plays(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    window = make_window(sandbox)
    editor = window.requests_page.editor
    assert editor.sandbox_account_banner.isVisibleTo(editor)
    assert "plays AWS account 123456789012" in editor.sandbox_account_banner.label.text()
    assert window.reset_sandbox_action.isVisible()

    window.requests_page.new_action.trigger()

    qtbot.waitUntil(lambda: editor.account_edit.text() == "123456789012")
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_reset_sandbox_asks_then_restarts_afresh(
    qtbot: QtBot,
    make_window: WindowFactory,
    sandbox: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from byok_desktop.context import RESET_REQUEST_FILE
    from ui.dialogs import Dialogs

    window = make_window(sandbox)
    asked: list[str] = []

    def answer(cls: type, parent: object, title: str, text: str, ok: str) -> bool:
        asked.append(text)
        return len(asked) > 1  # no the first time, yes the second

    monkeypatch.setattr(Dialogs, "confirm", classmethod(answer))
    window.reset_sandbox_action.trigger()
    assert not (sandbox.paths.sandbox_dir / RESET_REQUEST_FILE).exists()
    assert window.isVisible()

    window.reset_sandbox_action.trigger()

    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.restart_requested
    assert (sandbox.paths.sandbox_dir / RESET_REQUEST_FILE).exists()
    assert "Real records are untouched" in asked[-1]


def test_real_mode_offers_no_sandbox_reset(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    assert not window.reset_sandbox_action.isVisible()
    assert not window.requests_page.editor.sandbox_account_banner.isVisibleTo(window)
    qtbot.waitUntil(lambda: window.ops.pending == 0)
