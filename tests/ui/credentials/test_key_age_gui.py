"""An access key entered more than 90 days ago carries a warning on the Credentials
screen: an icon and colour on its key, a tooltip and the detail line saying what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.credentials.secret import AwsSecret
from tests.helpers.credentials_gui import MakePage, cell, make_credentials_page, select
from ui.credentials.model import Column

__all__ = ["make_credentials_page"]  # fixtures, by name


def keys(name: str) -> ProfileInput:
    return ProfileInput(name=name, kind=ProfileKind.KEYS, access_key_id="AKIAIOSFODNN7EXAMPLE")


def test_an_old_access_key_is_flagged_and_a_fresh_one_is_not(
    qtbot: QtBot,
    make_credentials_page: MakePage,
    context: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entered = datetime.now(UTC) - timedelta(days=200)
    with monkeypatch.context() as patched:
        patched.setattr("time.time", lambda: entered.timestamp())
        context.credentials.save(None, keys("Old"), AwsSecret("old-secret-value"))
    context.credentials.save(None, keys("Fresh"), AwsSecret("fresh-secret-value"))
    page = make_credentials_page()

    tip = cell(page, "Old", Column.ACCESS_KEY, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Entered 200 days ago: rotate this key")
    assert cell(page, "Old", Column.ACCESS_KEY, Qt.ItemDataRole.DecorationRole) is not None
    assert cell(page, "Fresh", Column.ACCESS_KEY, Qt.ItemDataRole.ToolTipRole) is None
    assert cell(page, "Fresh", Column.ACCESS_KEY, Qt.ItemDataRole.DecorationRole) is None
    select(page, "Old")
    assert "This access key was entered 200 days ago: rotate it" in page.detail_label.text()
