"""Sandbox mode is unmistakable, and the AWS connection is chosen in Settings."""

from __future__ import annotations

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
