"""Sandbox mode is unmistakable, and the AWS connection is chosen in Settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext, open_context
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.paths import resolve_paths
from byok_desktop.settings import load_settings
from tests.helpers.memory_keyring import MemoryKeyring
from ui.app import create_application
from ui.main_window import MainWindow
from ui.settings import app_settings


@pytest.fixture
def sandbox_context(tmp_path: Path) -> Iterator[AppContext]:
    context = open_context(
        resolve_paths(tmp_path / "d"), sandbox=True, keyring_backend=MemoryKeyring()
    )
    yield context
    context.close()


def _window(qtbot: QtBot, context: AppContext) -> MainWindow:
    create_application([])
    window = MainWindow(context, app_settings(context.paths), context.paths.log_dir / LOG_FILE)
    qtbot.addWidget(window)
    window.show()
    return window


def test_sandbox_is_shown_everywhere(qtbot: QtBot, sandbox_context: AppContext) -> None:
    window = _window(qtbot, sandbox_context)
    assert window.sandbox_banner.isVisible()
    assert "SANDBOX" in window.sandbox_banner.text()
    assert "SANDBOX" in window.windowTitle()
    assert "sandbox" in window.data_label.text().lower()
    assert sandbox_context.database.path.parent == sandbox_context.paths.sandbox_dir
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_real_mode_has_no_sandbox_banner(qtbot: QtBot, context: AppContext) -> None:
    window = _window(qtbot, context)
    assert not window.sandbox_banner.isVisible()
    assert "SANDBOX" not in window.windowTitle()
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_settings_save_a_custom_endpoint_and_check_it(qtbot: QtBot, context: AppContext) -> None:
    window = _window(qtbot, context)
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
    qtbot: QtBot, context: AppContext
) -> None:
    window = _window(qtbot, context)
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
