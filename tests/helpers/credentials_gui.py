"""Helpers for the Credentials screen's tests: the page over the test's context, the
browser it would open, the error dialogs it would show, and waits for its states."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from ui.app import create_application
from ui.changes import ChangeRelay
from ui.credentials import CredentialsPage
from ui.credentials.model import CHECKING, Column
from ui.credentials.role_picker import RolePickerDialog
from ui.credentials.sign_in_dialog import SignInDialog
from ui.dialogs import Dialogs
from ui.operations import Operations

MakePage = Callable[[], CredentialsPage]
FAKE_START_URL = "https://example.awsapps.com/start"  # the Identity Center fake's


@pytest.fixture
def make_credentials_page(
    qtbot: QtBot, context: AppContext, ops: Operations, relay: ChangeRelay, tmp_path: Path
) -> Iterator[MakePage]:
    """Builds the page once the test has arranged its profiles; at the end every dialog
    it opened is closed and its work waited for."""
    create_application([])
    context.credentials.aws_cli_sso_cache = tmp_path / "no-aws-cli-cache"
    pages: list[CredentialsPage] = []

    def make() -> CredentialsPage:
        page = CredentialsPage(context, ops, relay)
        qtbot.addWidget(page)
        page.resize(1200, 560)
        page.show()
        qtbot.waitExposed(page)
        page.activateWindow()
        qtbot.waitActive(page)
        pages.append(page)
        settle(qtbot, page, ops)
        return page

    yield make
    for page in pages:
        actions = page.connect_actions
        dialogs = (
            actions.session_dialog,
            actions.sign_in_dialog,
            actions.role_picker,
            actions.config_picker,
            page.mfa_prompter.dialog,
        )
        for dialog in dialogs:
            if dialog is not None:
                dialog.reject()
    qtbot.waitUntil(lambda: ops.pending == 0)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages the app opened in "the browser"."""
    urls: list[str] = []

    def open_url(url: QUrl) -> bool:
        urls.append(url.toString())
        return True

    monkeypatch.setattr(SignInDialog, "open_url", staticmethod(open_url))
    return urls


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The error dialogs the page showed: (title, text)."""
    shown: list[tuple[str, str]] = []

    def error(cls: type, parent: object, title: str, text: str, details: str = "") -> None:
        shown.append((title, text))

    monkeypatch.setattr(Dialogs, "error", classmethod(error))
    return shown


def settle(qtbot: QtBot, page: CredentialsPage, ops: Operations) -> None:
    """Wait until the page's work has reported back and every state is known."""
    qtbot.waitUntil(lambda: ops.pending == 0)
    qtbot.waitUntil(
        lambda: all(page.model.state_text(row) != CHECKING for row in range(page.model.rowCount()))
    )


def cell(page: CredentialsPage, name: str, column: Column, role: int = 0) -> Any:
    for row in range(page.model.rowCount()):
        if page.model.index(row, Column.NAME).data() == name:
            return page.model.index(row, column).data(role)
    raise AssertionError(f"no row named {name!r}")


def select(page: CredentialsPage, name: str) -> None:
    profile = next(p for p in page.model.profiles if p.name == name)
    page.select_profile(profile.uid)


def start_sign_in(qtbot: QtBot, page: CredentialsPage, region: str = "eu-west-1") -> None:
    """Press the screen's first button and enter the session as typed by the rep."""
    qtbot.mouseClick(page.sign_in_new_button, Qt.MouseButton.LeftButton)
    dialog = page.connect_actions.session_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.start_url_edit, "example.awsapps.com/start")
    assert "Enter the start URL as your administrator gave it" in dialog.problems_label.text()
    dialog.start_url_edit.setText("")
    qtbot.keyClicks(dialog.start_url_edit, FAKE_START_URL)
    qtbot.keyClicks(dialog.region_edit, region)
    assert dialog.name_edit.text() == "example"  # suggested from the portal's host
    assert dialog.problems_label.text() == ""
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def sign_in_dialog(qtbot: QtBot, page: CredentialsPage) -> SignInDialog:
    """The sign-in dialog once it is open (not waited on to be painted: a sign-in the
    fake approves at once may close it again within a few turns of the event loop)."""
    qtbot.waitUntil(lambda: page.connect_actions.sign_in_dialog is not None)
    dialog = page.connect_actions.sign_in_dialog
    assert dialog is not None
    return dialog


def role_picker(qtbot: QtBot, page: CredentialsPage) -> RolePickerDialog:
    qtbot.waitUntil(lambda: page.connect_actions.role_picker is not None)
    picker = page.connect_actions.role_picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.proxy.rowCount() > 0)
    return picker
