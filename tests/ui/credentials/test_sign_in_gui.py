"""Signing in with IAM Identity Center from the Credentials screen, as a rep does: the
session, the code and the browser, each state in a sentence, the account and role, the
signed-in and signed-out states. Against the local fake of Identity Center's APIs; AWS
itself is moto."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from moto import mock_aws
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import ProfileInput, ProfileKind, SsoSession
from byok_desktop.credentials import sso
from byok_desktop.credentials.keyring_store import SERVICE
from tests.helpers.credentials_gui import (
    FAKE_START_URL,
    MakePage,
    cell,
    make_credentials_page,
    opened,
    role_picker,
    select,
    settle,
    sign_in_dialog,
    start_sign_in,
)
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.provisioned import JIRA_PRODUCTS, provision, share_botocore_data
from tests.helpers.sso_fake import FakeIdentityCenterServer
from ui.changes import ChangeRelay
from ui.credentials import CredentialsPage
from ui.credentials.model import Column
from ui.credentials.sign_in_dialog import SignInDialog
from ui.dialogs import Dialogs
from ui.operations import Operations

__all__ = ["make_credentials_page", "opened"]  # fixtures, by name


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentityCenterServer]:
    server = FakeIdentityCenterServer().start()
    server.state.interval_s = 0  # polls follow each other at once
    monkeypatch.setattr(sso, "SLOW_DOWN_STEP_S", 0.05)  # "slow down" costs no real time
    yield server
    server.stop()


@pytest.fixture
def statuses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every sentence the sign-in dialog showed, with its state."""
    shown: list[tuple[str, str]] = []
    original = SignInDialog._set_status

    def record(self: SignInDialog, text: str, state: str) -> None:
        shown.append((state, text))
        original(self, text, state)

    monkeypatch.setattr(SignInDialog, "_set_status", record)
    return shown


@pytest.fixture
def page(
    make_credentials_page: MakePage, context: AppContext, fake: FakeIdentityCenterServer
) -> CredentialsPage:
    context.credentials.sso_endpoint_url = fake.url
    return make_credentials_page()


def test_sign_in_pick_a_role_see_until_when_and_provision_with_it(
    qtbot: QtBot,
    page: CredentialsPage,
    ops: Operations,
    context: AppContext,
    fake: FakeIdentityCenterServer,
    keyring_backend: MemoryKeyring,
    opened: list[str],
    statuses: list[tuple[str, str]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG, logger="byok_desktop")
    caplog.set_level(logging.DEBUG, logger="ui")
    fake.state.answer("pending", "slow_down")
    start_sign_in(qtbot, page)
    sign_in_dialog(qtbot, page)
    qtbot.waitUntil(lambda: page.connect_actions.sign_in_dialog is None)  # closes itself
    picker = role_picker(qtbot, page)

    # The browser opened at the page that confirms the code the dialog showed.
    assert len(opened) == 1
    code = opened[0].rpartition("user_code=")[2]
    assert code.startswith("WXYZ-")
    assert opened == [f"https://device.sso.example.amazonaws.com/?user_code={code}"]
    states = [state for state, _text in statuses]
    assert states[:2] == ["", "code"]
    assert "waiting" in states
    assert "slow_down" in states
    assert states[-1] == "signed_in"
    texts = dict(statuses)
    assert texts["code"].startswith(
        f"Your browser is opening the sign-in page: confirm the code {code} before "
    )
    assert texts["waiting"] == "Waiting for you to approve the sign-in in your browser."
    assert texts["slow_down"].startswith("IAM Identity Center asked to be checked less often")
    assert list(keyring_backend.store) == [(SERVICE, "sso-session/example")]

    # The portal's roles, filterable; the profile name follows the choice.
    assert picker.proxy.rowCount() == 3
    qtbot.keyClicks(picker.filter_edit, "staging")
    assert picker.proxy.rowCount() == 1
    assert picker.name_edit.text() == "Acme staging (KeyAdmin)"
    picker.filter_edit.setText("")
    assert picker.choose("123456789012", "KeyAdmin")
    assert picker.name_edit.text() == "Acme production (KeyAdmin)"
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.connect_actions.role_picker is None)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    settle(qtbot, page, ops)

    name = "Acme production (KeyAdmin)"
    assert cell(page, name, Column.KIND) == "Identity Center: KeyAdmin"
    assert cell(page, name, Column.ACCOUNT) == "123456789012"
    assert cell(page, name, Column.STATE) == "Not verified"
    token = context.credentials.sign_in(SsoSession("example", FAKE_START_URL, "eu-west-1")).token()
    assert token is not None
    until = token.expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
    assert cell(page, name, Column.SIGN_IN) == until
    assert page.selected_profile() is not None
    assert page.sign_out_action.isEnabled()
    assert not page.sign_in_action.isEnabled()
    assert not page.edit_action.isEnabled()  # an SSO profile is not edited

    # Verified through moto with the portal's role credentials, kept in memory; then
    # those credentials (the only profile is this one) provision the Jira family.
    share_botocore_data(monkeypatch)
    with mock_aws():
        page.verify_selected()
        qtbot.waitUntil(lambda: cell(page, name, Column.STATE) == "Verified")
        settle(qtbot, page, ops)
        provisioned = provision(context, "acme", JIRA_PRODUCTS)
    assert provisioned.key_id.startswith("mrk-")
    assert [p.kind for p in context.credentials.profiles.list()] == [ProfileKind.SSO]
    assert fake.state.count("credentials") == 1  # fetched once, then kept in memory
    tip = cell(page, name, Column.SIGN_IN, Qt.ItemDataRole.ToolTipRole)
    assert "kept in the OS keyring" in tip
    assert "The role's credentials (in memory only) last until" in tip
    assert "Signed in to 'example' until" in page.detail_label.text()
    for secret in fake.state.secrets_seen():
        assert secret not in caplog.text


def test_a_denied_sign_in_says_so_and_can_be_tried_again(
    qtbot: QtBot,
    page: CredentialsPage,
    fake: FakeIdentityCenterServer,
    opened: list[str],
) -> None:
    fake.state.answer("pending", "denied")
    start_sign_in(qtbot, page)
    dialog = sign_in_dialog(qtbot, page)
    qtbot.waitUntil(lambda: dialog.state == "denied")
    assert dialog.status_label.text() == (
        "The sign-in was denied in the browser; start again and approve it, or ask your "
        "administrator for access."
    )
    assert dialog.retry_button.isVisible()
    assert not dialog.copy_button.isEnabled()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)  # approved this time
    picker = role_picker(qtbot, page)
    assert picker.proxy.rowCount() == 3
    assert len(opened) == 2  # each attempt has its own code


def test_an_expired_code_says_to_start_again(
    qtbot: QtBot, page: CredentialsPage, fake: FakeIdentityCenterServer, opened: list[str]
) -> None:
    fake.state.answer("expired")
    start_sign_in(qtbot, page)
    dialog = sign_in_dialog(qtbot, page)
    qtbot.waitUntil(lambda: dialog.state == "expired")
    assert dialog.status_label.text() == (
        "The sign-in code expired before it was confirmed; start the sign-in again."
    )
    assert dialog.isVisible()


def test_an_unreachable_identity_center_is_a_sentence(
    qtbot: QtBot, page: CredentialsPage, context: AppContext, opened: list[str]
) -> None:
    context.credentials.sso_endpoint_url = "http://127.0.0.1:9"  # nothing listens there
    start_sign_in(qtbot, page)
    dialog = sign_in_dialog(qtbot, page)
    qtbot.waitUntil(lambda: dialog.state == "unreachable", timeout=20_000)
    text = dialog.status_label.text()
    assert "Traceback" not in text
    assert text.endswith((".", ".)"))
    assert opened == []


def test_escape_cancels_the_sign_in_and_leaves_nothing_running(
    qtbot: QtBot,
    page: CredentialsPage,
    ops: Operations,
    fake: FakeIdentityCenterServer,
    opened: list[str],
) -> None:
    fake.state.interval_s = 600  # the worker waits ten minutes before its first poll
    start_sign_in(qtbot, page)
    dialog = sign_in_dialog(qtbot, page)
    qtbot.waitUntil(lambda: dialog.state == "waiting")
    code = dialog.code_label.text()
    assert code.startswith("WXYZ-")
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == code
    assert dialog.running
    results: list[int] = []
    dialog.finished.connect(results.append)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.connect_actions.sign_in_dialog is None)
    assert results == [QDialog.DialogCode.Rejected]
    assert ops.wait(2_000), "the sign-in's worker kept waiting after Cancel"
    qtbot.waitUntil(lambda: ops.pending == 0)
    assert fake.state.count("token") == 0  # no poll was sent after the cancel
    assert page.connect_actions.role_picker is None


def test_sign_out_forgets_the_token_and_sign_in_brings_it_back(
    qtbot: QtBot,
    context: AppContext,
    ops: Operations,
    relay: ChangeRelay,
    fake: FakeIdentityCenterServer,
    keyring_backend: MemoryKeyring,
    opened: list[str],
    page: CredentialsPage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = SsoSession("acme", FAKE_START_URL, "eu-west-1")
    entry = ProfileInput(
        name="Acme",
        kind=ProfileKind.SSO,
        sso_session=session,
        sso_account_id="123456789012",
        sso_role_name="KeyAdmin",
    )
    context.credentials.save(None, entry, None)
    page.refresh(recheck=True)
    settle(qtbot, page, ops)
    assert cell(page, "Acme", Column.STATE) == "Signed out"
    assert cell(page, "Acme", Column.SIGN_IN) == "Signed out"
    select(page, "Acme")
    assert page.sign_in_action.isEnabled()
    assert not page.sign_out_action.isEnabled()

    page.sign_in_action.trigger()
    dialog = sign_in_dialog(qtbot, page)
    results: list[int] = []
    dialog.finished.connect(results.append)
    qtbot.waitUntil(lambda: page.connect_actions.sign_in_dialog is None)
    assert results == [QDialog.DialogCode.Accepted]
    assert page.connect_actions.role_picker is None  # the profile has its role already
    qtbot.waitUntil(lambda: cell(page, "Acme", Column.STATE) == "Not verified")
    settle(qtbot, page, ops)
    assert (SERVICE, "sso-session/acme") in keyring_backend.store
    assert page.sign_out_action.isEnabled()

    asked: list[str] = []

    def confirm(cls: type, parent: object, title: str, text: str, ok_label: str) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(Dialogs, "confirm", classmethod(confirm))
    page.sign_out_action.trigger()
    assert asked[0].startswith("Sign out of 'acme'? The app forgets this sign-in")
    qtbot.waitUntil(lambda: cell(page, "Acme", Column.STATE) == "Signed out")
    settle(qtbot, page, ops)
    assert (SERVICE, "sso-session/acme") not in keyring_backend.store
    assert page.sign_in_action.isEnabled()
