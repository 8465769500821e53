"""An assume-role profile that needs an MFA code, asked for in a dialog while the verify
runs on a worker; and the picker of the profiles of the AWS config actually read."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from moto import mock_aws
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from byok_desktop.aws.connection import MfaCodeNeeded
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from tests.helpers.credentials_gui import (
    MakePage,
    cell,
    errors,
    make_credentials_page,
    select,
    settle,
)
from ui.credentials import CredentialsPage
from ui.credentials.mfa_dialog import GuiMfaPrompter
from ui.credentials.model import Column
from ui.operations import Operations

__all__ = ["errors", "make_credentials_page"]  # fixtures, by name

SERIAL = "arn:aws:iam::123456789012:mfa/rep"
CODE = "918273"
SECRET = "Canary-mfa-source-secret-Zq8Lm2Xv9Pp4"


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    config = tmp_path / "elsewhere" / "aws-config"
    credentials = tmp_path / "elsewhere" / "aws-credentials"
    config.parent.mkdir()
    config.write_text(
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
        f"source_profile = base\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
        "[profile acme-sso]\nsso_session = acme\nsso_account_id = 123456789012\n"
        "sso_role_name = KeyAdmin\nregion = eu-central-1\n"
        "[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\n"
        "sso_region = eu-west-1\n"
        "[profile tool]\ncredential_process = /usr/bin/false\n"
    )
    credentials.write_text(
        f"[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return config, credentials


@pytest.fixture
def admin_page(
    make_credentials_page: MakePage, context: AppContext, aws_files: tuple[Path, Path]
) -> CredentialsPage:
    entry = ProfileInput(name="Admin", kind=ProfileKind.CLI, cli_profile="admin")
    context.credentials.save(None, entry, None)
    page = make_credentials_page()
    select(page, "Admin")
    return page


def test_the_mfa_code_is_asked_for_in_a_dialog_naming_the_device(
    qtbot: QtBot,
    admin_page: CredentialsPage,
    ops: Operations,
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = admin_page
    caplog.set_level(logging.DEBUG, logger="byok_desktop")
    caplog.set_level(logging.DEBUG, logger="ui")
    with mock_aws():
        page.verify_selected()
        qtbot.waitUntil(lambda: page.mfa_prompter.dialog is not None)
        dialog = page.mfa_prompter.dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        device = dialog.findChild(QLabel, "mfaDevice")
        assert device is not None
        assert SERIAL in device.text()
        assert not dialog.ok_button.isEnabled()
        qtbot.keyClicks(dialog.code_edit, "12ab")  # only digits are taken
        assert dialog.code_edit.text() == "12"
        dialog.code_edit.setText("")
        qtbot.keyClicks(dialog.code_edit, CODE)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: cell(page, "Admin", Column.STATE) == "Verified")
        settle(qtbot, page, ops)
    assert page.mfa_prompter.dialog is None
    assert "assumed-role/Admin/" in page.detail_label.text()
    assert CODE not in caplog.text


def test_cancelling_the_mfa_dialog_fails_the_verify_with_a_sentence(
    qtbot: QtBot, admin_page: CredentialsPage, ops: Operations, errors: list[tuple[str, str]]
) -> None:
    page = admin_page
    with mock_aws():
        page.verify_selected()
        qtbot.waitUntil(lambda: page.mfa_prompter.dialog is not None)
        dialog = page.mfa_prompter.dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: len(errors) == 1)
        settle(qtbot, page, ops)
    title, text = errors[0]
    assert title == "Verification failed"
    assert text == (
        f"The MFA code from {SERIAL} was not entered, so the work stopped; start it again "
        "and enter the code when asked."
    )
    assert cell(page, "Admin", Column.STATE) == "Not verified"


def test_the_aws_config_picker_lists_the_files_actually_read(
    qtbot: QtBot,
    make_credentials_page: MakePage,
    ops: Operations,
    aws_files: tuple[Path, Path],
) -> None:
    config, credentials = aws_files
    page = make_credentials_page()
    qtbot.mouseClick(page.aws_config_button, Qt.MouseButton.LeftButton)
    picker = page.connect_actions.config_picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.model.rowCount() > 0)
    assert picker.files_label.text() == f"4 profiles in {config} and {credentials}."
    rows = [
        [picker.model.item(row, column).text() for column in range(3)]
        for row in range(picker.model.rowCount())
    ]
    assert rows == [
        ["acme-sso", "IAM Identity Center (SSO)", "eu-central-1"],
        ["admin", "Assume role (MFA)", "eu-west-1"],
        ["base", "Access keys", "—"],
        ["tool", "Credential process", "—"],
    ]
    assert SECRET not in picker.files_label.text()

    assert picker.choose("admin")
    assert picker.name_edit.text() == "admin"
    picker.name_edit.setText("Acme admin")
    assert "MFA code" in picker.hint_label.text()
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.connect_actions.config_picker is None)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    settle(qtbot, page, ops)
    assert cell(page, "Acme admin", Column.KIND) == "AWS CLI: admin"
    assert cell(page, "Acme admin", Column.REGION) == "eu-west-1"

    # An SSO profile of the config becomes the app's own IAM Identity Center profile.
    qtbot.mouseClick(page.aws_config_button, Qt.MouseButton.LeftButton)
    picker = page.connect_actions.config_picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.model.rowCount() > 0)
    assert picker.choose("acme-sso")
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    settle(qtbot, page, ops)
    assert cell(page, "acme-sso", Column.KIND) == "Identity Center: KeyAdmin"
    assert cell(page, "acme-sso", Column.STATE) == "Signed out"


def test_a_name_already_taken_keeps_the_picker_open_with_the_reason(
    qtbot: QtBot,
    make_credentials_page: MakePage,
    context: AppContext,
    ops: Operations,
    aws_files: tuple[Path, Path],
) -> None:
    context.credentials.save(
        None, ProfileInput(name="admin", kind=ProfileKind.CLI, cli_profile="admin"), None
    )
    page = make_credentials_page()
    page.connect_actions.use_aws_config()
    picker = page.connect_actions.config_picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.model.rowCount() > 0)
    assert picker.choose("admin")
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already exists" in picker.problems_label.text())
    assert picker.isVisible()
    assert picker.ok_button.isEnabled()


def test_an_unanswered_mfa_question_times_out_and_its_dialog_closes(
    qtbot: QtBot, ops: Operations
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    prompter = GuiMfaPrompter(ops, window, timeout_s=0.5)
    failures: list[BaseException] = []
    ops.run(lambda: prompter(SERIAL), failure=failures.append, what="needs MFA")
    qtbot.waitUntil(lambda: prompter.dialog is not None)
    qtbot.waitUntil(lambda: len(failures) == 1)
    assert isinstance(failures[0], MfaCodeNeeded)
    assert str(failures[0]) == (
        f"No MFA code from {SERIAL} was entered within a moment; the work stopped. Start "
        "it again and enter the code."
    )
    qtbot.waitUntil(lambda: prompter.dialog is None)  # closed: nobody waits for it


def test_the_prompter_refuses_to_wait_on_the_gui_thread(qtbot: QtBot, ops: Operations) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    prompter = GuiMfaPrompter(ops, window)
    with pytest.raises(MfaCodeNeeded, match="this is a bug"):
        prompter(SERIAL)
    assert prompter.dialog is None
