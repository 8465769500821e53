"""Sandbox mode is unmistakable, and the AWS connection is chosen in Settings."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.settings import load_settings
from tests.helpers.gui import WindowFactory


def test_sandbox_is_shown_everywhere(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    window = make_window(sandbox)
    assert window.sandbox_banner.isVisible()
    assert "SANDBOX" in window.sandbox_banner.text()
    assert "SANDBOX" in window.windowTitle()
    assert "sandbox" in window.data_label.text().lower()
    assert sandbox.database.path.parent == sandbox.paths.sandbox_dir
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_real_mode_has_no_sandbox_banner(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    assert not window.sandbox_banner.isVisible()
    assert "SANDBOX" not in window.windowTitle()
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


def test_the_sandbox_can_behave_like_real_aws_from_settings(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    window = make_window(sandbox)
    window.show_section("settings")
    page = window.settings_page
    check = page.realistic_check
    assert check.text() == "Behave like real AWS (slower)"
    assert check.isEnabled()  # the sandbox is the chosen connection
    assert not check.isChecked()
    assert page.realistic_help.isHidden()
    save_button = page.findChild(QPushButton, "saveAwsSettings")
    below = save_button.mapTo(page, save_button.rect().topLeft())
    check.setChecked(True)
    assert not page.realistic_help.isHidden()
    assert "throttled" in page.realistic_help.text()
    QApplication.sendPostedEvents()  # the layout's request, then the layout itself
    for layout in (page.layout(), save_button.parentWidget().layout()):
        layout.activate()
    assert save_button.mapTo(page, save_button.rect().topLeft()) == below  # nothing moved
    page.save_aws_settings()
    qtbot.waitUntil(lambda: "behave like real AWS" in window.status.text())
    assert load_settings(sandbox.paths.core_settings_file).sandbox_realistic_aws is True
    assert sandbox.settings.sandbox_realistic_aws is True
    # New connections go through the realistic layer.
    (profile,) = sandbox.credentials.profiles.list()
    assert sandbox.aws_config(profile).realism is not None
    # Real AWS chosen: the sandbox's option does not apply.
    page.aws_real.setChecked(True)
    assert not check.isEnabled()
    qtbot.waitUntil(lambda: window.ops.pending == 0)
