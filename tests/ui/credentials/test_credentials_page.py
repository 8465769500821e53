"""The Credentials section as a user drives it: add, edit, verify, delete, and the
states of profiles, with secrets kept only in an (in-memory) keyring."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile, ProfileInput, ProfileKind, ProfileState
from byok_desktop.credentials.keyring_store import SERVICE
from byok_desktop.credentials.secret import AwsSecret
from tests.helpers.memory_keyring import MemoryKeyring
from ui.app import create_application
from ui.changes import ChangeRelay
from ui.credentials import CredentialsPage
from ui.credentials.dialog import KEEP_SECRET_HINT, ProfileDialog
from ui.credentials.model import CHECKING, Column, CredentialsModel, Role
from ui.dialogs import Dialogs
from ui.operations import Operations

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "Canary-wJalrXUtnFEMI-K7MDENG-bPxRfiCY"  # searched for in files and logs
OTHER_SECRET = "Second-canary-Zq8Lm2Xv9Pp4Tt7Rr1Ss6"
MOTO_ACCOUNT = "123456789012"  # the account moto's STS answers with


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def keyring_backend() -> Any:
    return MemoryKeyring()


@pytest.fixture
def tasks(ops: Operations) -> Operations:
    return ops


@pytest.fixture
def make_page(
    qtbot: QtBot, context: AppContext, tasks: Operations, relay: ChangeRelay
) -> Iterator[Any]:
    """Build the page only once the test has arranged its profiles."""
    create_application([])
    pages: list[CredentialsPage] = []

    def make() -> CredentialsPage:
        page = CredentialsPage(context, tasks, relay)
        qtbot.addWidget(page)
        page.resize(1200, 520)
        page.show()
        qtbot.waitExposed(page)
        page.activateWindow()  # shortcuts need the active window
        qtbot.waitActive(page)
        pages.append(page)
        settle(qtbot, page, tasks)
        return page

    yield make
    for page in pages:
        if page.profile_dialog is not None and not page.profile_dialog.busy:
            page.profile_dialog.reject()
        qtbot.waitUntil(lambda: tasks.pending == 0)


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []

    def error(cls: type, parent: QWidget | None, title: str, text: str, details: str = "") -> None:
        shown.append((title, text))

    monkeypatch.setattr(Dialogs, "error", classmethod(error))
    return shown


# --- helpers ----------------------------------------------------------------------------


def settle(qtbot: QtBot, page: CredentialsPage, tasks: Operations) -> None:
    """Wait until every background task has reported back."""
    qtbot.waitUntil(lambda: tasks.pending == 0)
    assert all(page.model.state_text(row) != CHECKING for row in range(page.model.rowCount()))


def row_of(page: CredentialsPage, name: str) -> int:
    for row in range(page.model.rowCount()):
        if page.model.index(row, Column.NAME).data() == name:
            return row
    raise AssertionError(f"no row named {name!r}")


def cell(page: CredentialsPage, name: str, column: Column) -> Any:
    return page.model.index(row_of(page, name), column).data()


def select(qtbot: QtBot, page: CredentialsPage, name: str) -> None:
    # A dialog that just closed may have left no window active (offscreen): focus
    # only goes to a widget of the active window.
    page.activateWindow()
    qtbot.waitActive(page)
    page.view.setFocus()
    qtbot.waitUntil(page.view.hasFocus)
    profile = page.model.profile(row_of(page, name))
    assert profile is not None
    page.select_profile(profile.uid)


def open_dialog(qtbot: QtBot, page: CredentialsPage, key: Qt.Key) -> ProfileDialog:
    page.view.setFocus()
    qtbot.keyClick(page.view, key)
    dialog = page.profile_dialog
    assert dialog is not None, "the key did not open the profile dialog"
    qtbot.waitExposed(dialog)
    return dialog


def keys_profile(context: AppContext, name: str = "Acme", **changes: Any) -> Profile:
    entry = ProfileInput(
        name=name,
        kind=ProfileKind.KEYS,
        access_key_id=changes.pop("access_key_id", ACCESS_KEY),
        expected_account_id=changes.pop("expected_account_id", ""),
        default_region="eu-west-1",
        session_expires_at=changes.pop("session_expires_at", None),
    )
    secret = changes.pop("secret", AwsSecret(SECRET))
    assert not changes
    return context.credentials.save(None, entry, secret)


def keyring_item(backend: MemoryKeyring, profile_uid: str) -> str | None:
    return backend.store.get((SERVICE, f"profile/{profile_uid}"))


def database_bytes(context: AppContext) -> bytes:
    db = context.paths.database
    files = [db, Path(f"{db}-wal"), Path(f"{db}-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def submit(qtbot: QtBot, dialog: ProfileDialog) -> None:
    assert dialog.ok_button.isEnabled(), dialog.problems_label.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


# --- add --------------------------------------------------------------------------------


def test_add_keys_profile_stores_the_secret_only_in_the_keyring(
    qtbot: QtBot,
    make_page: Any,
    context: AppContext,
    tasks: Operations,
    keyring_backend: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    page: CredentialsPage = make_page()
    assert page.empty_hint.isVisible()
    dialog = open_dialog(qtbot, page, Qt.Key.Key_Insert)
    assert not dialog.ok_button.isEnabled()
    assert "Give the profile a name" in dialog.problems_label.text()

    qtbot.keyClicks(dialog.name_edit, "Acme")
    qtbot.keyClicks(dialog.access_key_edit, ACCESS_KEY)
    assert "Enter the secret access key." in dialog.problems_label.text()
    assert not dialog.ok_button.isEnabled()
    assert dialog.secret_edit.echoMode() is dialog.secret_edit.EchoMode.Password
    qtbot.keyClicks(dialog.secret_edit, SECRET)
    qtbot.keyClicks(dialog.account_edit, "1234-5678-9012")
    assert dialog.problems_label.isHidden()
    submit(qtbot, dialog)

    qtbot.waitUntil(lambda: page.profile_dialog is None)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.waitUntil(lambda: cell(page, "Acme", Column.STATE) == "Not verified")
    assert cell(page, "Acme", Column.ACCESS_KEY) == "AKIA…MPLE"
    assert cell(page, "Acme", Column.ACCOUNT) == "123456789012 (expected)"
    assert cell(page, "Acme", Column.LAST_VERIFIED) == "Never"
    assert not page.empty_hint.isVisible()
    assert not page.keyring_banner.isVisible()

    [profile] = context.credentials.profiles.list()
    assert profile.access_key_id == ACCESS_KEY
    assert profile.expected_account_id == "123456789012"
    assert AwsSecret.from_keyring_text(keyring_item(keyring_backend, profile.uid) or "") == (
        AwsSecret(SECRET)
    )
    assert SECRET.encode() not in database_bytes(context)
    assert SECRET not in caplog.text
    settle(qtbot, page, tasks)


def test_add_cli_profile_asks_only_for_the_cli_name(
    qtbot: QtBot, make_page: Any, context: AppContext, keyring_backend: MemoryKeyring
) -> None:
    page: CredentialsPage = make_page()
    qtbot.keyClick(
        page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    dialog = page.profile_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name_edit, "Globex")
    qtbot.mouseClick(dialog.cli_radio, Qt.MouseButton.LeftButton)
    assert dialog.keys_group.isHidden()
    assert dialog.cli_group.isVisible()
    assert "AWS CLI profile" in dialog.problems_label.text()
    qtbot.keyClicks(dialog.cli_edit, "globex-admin")
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.waitUntil(lambda: cell(page, "Globex", Column.STATE) == "Not verified")
    assert "globex-admin" in cell(page, "Globex", Column.KIND)
    assert cell(page, "Globex", Column.ACCESS_KEY) == "—"
    assert keyring_backend.store == {}


def test_dialog_validates_inline_and_keeps_typed_values_when_the_name_is_taken(
    qtbot: QtBot, make_page: Any, context: AppContext, keyring_backend: MemoryKeyring
) -> None:
    keys_profile(context, "Acme")
    page: CredentialsPage = make_page()
    dialog = open_dialog(qtbot, page, Qt.Key.Key_Insert)
    qtbot.keyClicks(dialog.name_edit, "Acme")
    qtbot.keyClicks(dialog.access_key_edit, "ASIAIOSFODNN7EXAMPLE")
    qtbot.keyClicks(dialog.secret_edit, OTHER_SECRET)
    # Temporary keys need their token, and a token needs its expiry (UTC).
    assert "session token" in dialog.problems_label.text()
    assert not dialog.expires_edit.isEnabled()
    qtbot.keyClicks(dialog.token_edit, "token-123")
    assert dialog.expires_edit.isEnabled()
    assert dialog.expires_edit.timeZone().id() == b"UTC"
    dialog.region_edit.clear()
    qtbot.keyClicks(dialog.region_edit, "mars-1")
    assert "AWS region" in dialog.problems_label.text()
    assert not dialog.ok_button.isEnabled()
    dialog.region_edit.clear()
    qtbot.keyClicks(dialog.region_edit, "eu-central-1")
    submit(qtbot, dialog)

    qtbot.waitUntil(lambda: dialog.error_banner.isVisible())
    assert "already exists" in dialog.error_label.text()
    assert page.profile_dialog is dialog  # still open, nothing lost
    assert dialog.secret_edit.text() == OTHER_SECRET
    assert dialog.token_edit.text() == "token-123"
    assert len(context.credentials.profiles.list()) == 1
    # The failed new profile left no keyring item behind.
    assert len(keyring_backend.store) == 1

    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Acme temporary")
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    profile = next(p for p in context.credentials.profiles.list() if p.name == "Acme temporary")
    assert profile.has_session_token
    assert profile.session_expires_at is not None
    assert profile.session_expires_at.tzinfo is not None
    assert profile.session_expires_at > datetime.now(UTC)
    assert cell(page, "Acme temporary", Column.KIND) == "Temporary keys"


def test_cancel_clears_the_secret_fields(qtbot: QtBot, make_page: Any) -> None:
    page: CredentialsPage = make_page()
    dialog = open_dialog(qtbot, page, Qt.Key.Key_Insert)
    qtbot.keyClicks(dialog.secret_edit, SECRET)
    qtbot.keyClicks(dialog.token_edit, "token-123")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert page.profile_dialog is None
    assert dialog.secret_edit.text() == ""
    assert dialog.token_edit.text() == ""
    assert not dialog.secret_edit.isUndoAvailable()
    assert dialog.secret() is None


# --- edit -------------------------------------------------------------------------------


def test_edit_keeps_the_secret_when_left_empty_and_replaces_it_when_typed(
    qtbot: QtBot,
    make_page: Any,
    context: AppContext,
    tasks: Operations,
    keyring_backend: MemoryKeyring,
) -> None:
    uid = keys_profile(context, "Acme").uid
    page: CredentialsPage = make_page()
    select(qtbot, page, "Acme")

    dialog = open_dialog(qtbot, page, Qt.Key.Key_F2)
    assert dialog.secret_edit.text() == ""  # never shown back
    assert dialog.secret_edit.placeholderText() == KEEP_SECRET_HINT
    assert dialog.access_key_edit.text() == ACCESS_KEY
    assert dialog.ok_button.isEnabled()
    dialog.region_edit.clear()
    qtbot.keyClicks(dialog.region_edit, "us-west-2")
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: page.profile_dialog is None)
    qtbot.waitUntil(lambda: cell(page, "Acme", Column.REGION) == "us-west-2")
    assert AwsSecret.from_keyring_text(keyring_item(keyring_backend, uid) or "") == AwsSecret(
        SECRET
    )
    settle(qtbot, page, tasks)
    assert cell(page, "Acme", Column.STATE) == "Not verified"

    select(qtbot, page, "Acme")
    dialog = open_dialog(qtbot, page, Qt.Key.Key_Return)
    # A different key ID cannot reuse the stored secret: the dialog asks for its own.
    dialog.access_key_edit.clear()
    qtbot.keyClicks(dialog.access_key_edit, "AKIAIOSFODNN7EXAMPLF")
    assert "type the secret access key of the new key" in dialog.problems_label.text()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.secret_edit, OTHER_SECRET)
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: page.profile_dialog is None)
    qtbot.waitUntil(
        lambda: (
            AwsSecret.from_keyring_text(keyring_item(keyring_backend, uid) or "")
            == AwsSecret(OTHER_SECRET)
        )
    )
    assert len(keyring_backend.store) == 1
    assert OTHER_SECRET.encode() not in database_bytes(context)
    assert context.credentials.profiles.get(uid).access_key_id == "AKIAIOSFODNN7EXAMPLF"
    settle(qtbot, page, tasks)


def test_failed_switch_to_a_cli_profile_keeps_the_stored_secret(
    qtbot: QtBot, make_page: Any, context: AppContext, keyring_backend: MemoryKeyring
) -> None:
    """Nothing is lost when a save fails. Fails today: CredentialService.save deletes
    the keyring item before writing the row and does not put it back when the row
    cannot be written (here: the new name is taken)."""
    uid = keys_profile(context, "Acme").uid
    context.credentials.save(
        None, ProfileInput("Globex", ProfileKind.CLI, cli_profile="globex"), None
    )
    page: CredentialsPage = make_page()
    select(qtbot, page, "Acme")
    dialog = open_dialog(qtbot, page, Qt.Key.Key_F2)
    qtbot.mouseClick(dialog.cli_radio, Qt.MouseButton.LeftButton)
    assert dialog.cli_note.isVisible()
    qtbot.keyClicks(dialog.cli_edit, "acme-admin")
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Globex")
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.error_banner.isVisible())
    assert "already exists" in dialog.error_label.text()
    assert page.profile_dialog is dialog
    assert context.credentials.profiles.get(uid).kind is ProfileKind.KEYS
    assert keyring_item(keyring_backend, uid) is not None, "the stored secret was lost"


# --- delete -----------------------------------------------------------------------------


def test_delete_asks_first_and_removes_the_keyring_item(
    qtbot: QtBot,
    make_page: Any,
    context: AppContext,
    keyring_backend: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uid = keys_profile(context, "Acme").uid
    keys_profile(context, "Globex", secret=AwsSecret(OTHER_SECRET))
    page: CredentialsPage = make_page()
    asked: list[str] = []
    answer = [False]

    def confirm(cls: type, parent: QWidget | None, title: str, text: str, ok: str) -> bool:
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(Dialogs, "confirm", classmethod(confirm))
    select(qtbot, page, "Acme")
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    assert len(asked) == 1
    assert "Acme" in asked[0]
    assert "keyring" in asked[0]
    assert page.model.rowCount() == 2  # cancelled: nothing happens
    assert keyring_item(keyring_backend, uid) is not None

    answer[0] = True
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert keyring_item(keyring_backend, uid) is None
    assert [p.name for p in context.credentials.profiles.list()] == ["Globex"]
    assert len(keyring_backend.store) == 1


# --- sandbox ----------------------------------------------------------------------------


def test_sandbox_profile_can_be_verified_but_not_edited_or_deleted(
    qtbot: QtBot, make_page: Any, context: AppContext
) -> None:
    context.credentials.ensure_sandbox_profile()
    page: CredentialsPage = make_page()
    select(qtbot, page, "Sandbox")
    assert page.verify_action.isEnabled()
    for action in (page.edit_action, page.delete_action):
        assert not action.isEnabled()
        assert "cannot be edited or deleted" in action.toolTip()
    assert not page.findChild(QWidget, "editProfileButton").isEnabled()
    qtbot.keyClick(page.view, Qt.Key.Key_F2)
    assert page.profile_dialog is None
    assert cell(page, "Sandbox", Column.KIND) == "Sandbox (built in)"


# --- verify -----------------------------------------------------------------------------


def test_verify_against_moto_shows_the_account(
    qtbot: QtBot, make_page: Any, context: AppContext, tasks: Operations
) -> None:
    from moto import mock_aws

    with mock_aws():
        keys_profile(context, "Acme", expected_account_id=MOTO_ACCOUNT)
        page: CredentialsPage = make_page()
        select(qtbot, page, "Acme")
        with qtbot.waitSignal(
            page.message, check_params_cb=lambda text: "verified" in text, timeout=20_000
        ) as blocker:
            qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot, page, tasks)
    text = blocker.args[0]
    assert MOTO_ACCOUNT in text
    assert f"arn:aws:sts::{MOTO_ACCOUNT}:" in text
    assert cell(page, "Acme", Column.STATE) == "Verified"
    assert cell(page, "Acme", Column.ACCOUNT) == MOTO_ACCOUNT
    assert cell(page, "Acme", Column.LAST_VERIFIED) != "Never"
    index = page.model.index(row_of(page, "Acme"), Column.STATE)
    assert index.data(Role.STATE) == ProfileState.VERIFIED.value
    [profile] = context.credentials.profiles.list()
    assert profile.verification is not None
    assert profile.verification.account_id == MOTO_ACCOUNT


def test_verify_with_another_expected_account_names_both(
    qtbot: QtBot,
    make_page: Any,
    context: AppContext,
    tasks: Operations,
    errors: list[tuple[str, str]],
) -> None:
    from moto import mock_aws

    with mock_aws():
        keys_profile(context, "Acme", expected_account_id="210987654321")
        page: CredentialsPage = make_page()
        select(qtbot, page, "Acme")
        page.verify_action.trigger()
        assert cell(page, "Acme", Column.STATE) == "Verifying…"
        qtbot.waitUntil(lambda: bool(errors), timeout=20_000)
        settle(qtbot, page, tasks)
    [(title, text)] = errors
    assert title == "Verification failed"
    assert MOTO_ACCOUNT in text
    assert "210987654321" in text
    assert cell(page, "Acme", Column.STATE) == "Not verified"
    assert context.credentials.profiles.list()[0].verification is None


def test_expired_session_token_shows_expired_without_any_aws_call(
    qtbot: QtBot,
    make_page: Any,
    context: AppContext,
    errors: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import byok_desktop.credentials.service as service_module

    def no_aws(*args: object) -> None:
        pytest.fail("an expired profile must not reach AWS")

    monkeypatch.setattr(service_module, "caller_identity", no_aws)
    keys_profile(
        context,
        "Old session",
        access_key_id="ASIAIOSFODNN7EXAMPLE",
        secret=AwsSecret(SECRET, "token-123"),
        session_expires_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    page: CredentialsPage = make_page()
    assert cell(page, "Old session", Column.STATE) == "Session expired"
    index = page.model.index(row_of(page, "Old session"), Column.STATE)
    assert index.data(Role.STATE) == ProfileState.EXPIRED.value
    assert index.data(Qt.ItemDataRole.DecorationRole) is not None  # not colour alone
    assert "expired" in index.data(Qt.ItemDataRole.ToolTipRole)

    select(qtbot, page, "Old session")
    page.verify_action.trigger()
    qtbot.waitUntil(lambda: bool(errors))
    assert "expired" in errors[0][1]


def test_states_show_checking_until_the_worker_answers(
    qtbot: QtBot,
    context: AppContext,
    tasks: Operations,
    relay: ChangeRelay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_application([])
    keys_profile(context, "Acme")
    gate = threading.Event()
    status = context.credentials.status

    def slow_status(profile: Any) -> Any:  # a keyring waiting for its unlock prompt
        assert gate.wait(10)
        return status(profile)

    monkeypatch.setattr(context.credentials, "status", slow_status)
    page = CredentialsPage(context, tasks, relay)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 0  # nothing is read until the page is first shown
    page.show()
    # The list comes from the database worker; the state waits for the keyring.
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert cell(page, "Acme", Column.STATE) == CHECKING
    page.select_profile(page.model.profile(0).uid)  # type: ignore[union-attr]
    assert "checking" in page.detail_label.text()
    gate.set()
    qtbot.waitUntil(lambda: cell(page, "Acme", Column.STATE) == "Not verified")
    qtbot.waitUntil(lambda: tasks.pending == 0)


def test_secret_missing_from_the_keyring_is_shown(
    qtbot: QtBot, make_page: Any, context: AppContext, keyring_backend: MemoryKeyring
) -> None:
    keys_profile(context, "Acme")
    keyring_backend.store.clear()  # removed outside the app
    page: CredentialsPage = make_page()
    assert cell(page, "Acme", Column.STATE) == "Secret missing from keyring"
    select(qtbot, page, "Acme")
    assert "enter the secret again" in page.detail_label.text()


# --- keyring unavailable -------------------------------------------------------------------


@pytest.mark.parametrize("keyring_backend", [fail.Keyring()])
def test_without_a_keyring_the_page_warns_and_saves_nothing(
    qtbot: QtBot, make_page: Any, context: AppContext
) -> None:
    page: CredentialsPage = make_page()
    assert page.keyring_banner.isVisible()
    assert page.keyring_banner.objectName() == "warningBanner"
    assert "Drafting requests works without it" in page.keyring_banner_label.text()

    dialog = open_dialog(qtbot, page, Qt.Key.Key_Insert)
    qtbot.keyClicks(dialog.name_edit, "Acme")
    qtbot.keyClicks(dialog.access_key_edit, ACCESS_KEY)
    qtbot.keyClicks(dialog.secret_edit, SECRET)
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.error_banner.isVisible())
    assert "keyring" in dialog.error_label.text()
    assert page.profile_dialog is dialog
    assert dialog.secret_edit.text() == SECRET  # kept for another try
    assert dialog.ok_button.isEnabled()
    assert context.credentials.profiles.list() == []
    assert page.keyring_banner.isVisible()


# --- model ------------------------------------------------------------------------------


def test_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: Any, context: AppContext
) -> None:
    create_application([])
    acme = keys_profile(context, "Acme", expected_account_id=MOTO_ACCOUNT)
    context.credentials.ensure_sandbox_profile()
    model = CredentialsModel()
    model.set_profiles(context.credentials.profiles.list())
    # Checks the data now, and every change signal from here on.
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, Column.STATE).data() == CHECKING
    assert model.index(0, Column.STATE).data(Role.STATE) is None
    assert model.set_status(context.credentials.status(acme))
    model.set_busy(acme.uid, "Verifying…")
    assert model.index(0, Column.STATE).data() == "Verifying…"
    assert model.index(0, Column.NAME).data(Role.PROFILE_UID) == acme.uid
    assert model.index(0, Column.NAME).data(Role.KIND) == ProfileKind.KEYS.value
    assert model.index(0, Column.NAME).data(Qt.ItemDataRole.FontRole) is None
    model.set_busy(acme.uid, None)
    assert model.index(0, Column.STATE).data() == "Not verified"
    assert model.index(0, Column.STATE).data(Role.STATE) == ProfileState.UNVERIFIED.value
    model.set_profiles(context.credentials.profiles.list())  # same rows: repaint in place
    assert model.index(0, Column.STATE).data() == "Not verified"
    model.set_profiles([])
    assert model.rowCount() == 0
