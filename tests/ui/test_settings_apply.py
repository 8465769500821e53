"""Settings apply as they change, each checked on its own, and nothing moves under the
mouse when help text or a message comes and goes."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.settings import load_settings
from tests.helpers.gui import WindowFactory


def _top(widget: QWidget, page: QWidget) -> int:
    return widget.mapTo(page, QPoint(0, 0)).y()


def test_ticking_a_box_does_not_move_what_is_below_it(
    qtbot: QtBot, make_window: WindowFactory, sandbox: AppContext
) -> None:
    window = make_window(sandbox)
    window.show_section("settings")
    page = window.settings_page
    qtbot.waitUntil(page.isVisible)
    below = [page.keyring_label, page.database_url_edit, page.role_edit, page.workers_spin]
    before = [_top(w, page) for w in below]
    assert not page.realistic_help.isVisible()

    page.realistic_check.click()

    assert page.realistic_help.isVisible()
    qtbot.waitUntil(lambda: load_settings(sandbox.paths.core_settings_file).sandbox_realistic_aws)
    assert [_top(w, page) for w in below] == before
    page.realistic_check.click()
    assert not page.realistic_help.isVisible()
    assert [_top(w, page) for w in below] == before
    qtbot.waitUntil(
        lambda: not load_settings(sandbox.paths.core_settings_file).sandbox_realistic_aws
    )
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_a_message_that_appears_does_not_move_what_is_below_it(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    window.show_section("settings")
    page = window.settings_page
    qtbot.waitUntil(page.isVisible)
    before = _top(page.keyring_label, page)

    page.aws_custom.click()  # no endpoint yet: it asks for one

    assert page.aws_error.isVisible()
    assert "Enter the endpoint" in page.aws_error.text()
    assert _top(page.keyring_label, page) == before
    assert not context.paths.core_settings_file.exists()
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_a_spin_box_applies_without_a_save_button(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    page = window.settings_page
    assert page.findChild(QWidget, "saveProvisioningSettings") is None

    page.window_spin.setValue(17)  # applies a moment after the last step

    qtbot.waitUntil(
        lambda: (
            context.paths.core_settings_file.exists()
            and load_settings(context.paths.core_settings_file).restore_window_days == 17
        )
    )
    assert context.settings.restore_window_days == 17
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_a_bad_value_is_not_saved_but_the_good_ones_are(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    page = window.settings_page
    page.role_edit.setText("bad role name!")
    page.window_spin.setValue(5)

    page.save_provisioning_settings()

    assert "IAM role name" in page.provisioning_error.text()
    assert not page.provisioning_error.isHidden()
    qtbot.waitUntil(lambda: context.settings.restore_window_days == 5)
    saved = load_settings(context.paths.core_settings_file)
    assert saved.role_name == "atlassian-key-management"
    assert saved.restore_window_days == 5
    qtbot.waitUntil(lambda: window.ops.pending == 0)


def test_quitting_applies_a_field_still_being_edited(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    window.show_section("settings")
    page = window.settings_page
    page.role_edit.setFocus()
    page.role_edit.setText("byok-keys")  # typed, not left yet

    window.close()

    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.ops.wait()
    assert load_settings(context.paths.core_settings_file).role_name == "byok-keys"
