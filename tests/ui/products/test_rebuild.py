"""Rebuild from AWS… on the Security page, in the real main window: a workstation whose
data folder knows nothing of a site provisioned from another one reads it back from AWS
(moto), and the products view shows it through the change bus."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import ProductFamily
from byok_desktop.provisioning.naming import KeyTarget
from tests.helpers.gui import WindowFactory
from tests.helpers.provisioned import (
    Account,
    add_verified_profile,
    moto_context,
    provision,
)
from tests.ui.products.test_products_page import by_product, page_of, settle
from ui.products.confirm import TypedConfirm, TypedConfirmation
from ui.products.rebuild import RebuildDialog, parse_sites


def test_rebuild_from_aws_brings_the_products_back(
    qtbot: QtBot, aws: Account, ctx: AppContext, make_window: WindowFactory, tmp_path: Path
) -> None:
    with moto_context(tmp_path / "other-workstation") as other:
        made = provision(other)
    add_verified_profile(ctx)
    window = make_window(ctx)
    page = page_of(qtbot, window)
    assert page.stack.currentWidget() is page.empty  # nothing here yet

    page.rebuild_button.click()
    qtbot.waitUntil(lambda: page.rebuild_dialog is not None and page.rebuild_dialog.isVisible())
    dialog = page.rebuild_dialog
    assert isinstance(dialog, RebuildDialog)
    assert dialog.profile_combo.currentText() == "acme (account 123456789012)"
    assert not dialog.apply_button.isEnabled()

    dialog.read_button.click()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    assert dialog.model.rowCount() == 1
    cells = [dialog.model.item(0, c).text() for c in range(dialog.model.columnCount())]
    assert cells[:4] == ["Not recorded here", "acme", "Jira family", made.key_id]
    assert "1 to repair here" in dialog.status_label.text()
    assert ctx.database.products.on_site("acme") == []  # reading wrote nothing

    dialog.apply_button.click()
    # The change bus brings the rows: nobody reloads the page by hand.
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.main, timeout=10_000)
    settle(qtbot, window)
    [(key, record)] = by_product(page).items()
    assert key == ("acme", "jira-software")
    assert record.status is ProductStatus.ACTIVE
    assert "Repaired 1 difference" in dialog.status_label.text()
    assert not dialog.apply_button.isEnabled()

    dialog.read_button.click()  # again: nothing differs any more
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    assert dialog.model.rowCount() == 0
    assert "agree with AWS" in dialog.status_label.text()
    dialog.close()
    qtbot.waitUntil(lambda: page.rebuild_dialog is None)


def test_the_shortcut_opens_it_from_any_section_and_an_aws_fault_is_one_sentence(
    qtbot: QtBot, aws: Account, ctx: AppContext, make_window: WindowFactory
) -> None:
    profile = add_verified_profile(ctx)
    window = make_window(ctx)
    page = page_of(qtbot, window)  # attached: the menus hold the pages' actions
    window.show_section("requests")
    QTest.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: page.rebuild_dialog is not None and page.rebuild_dialog.isVisible())
    assert page.isVisible()  # the menu's action shows the Security section
    dialog = page.rebuild_dialog
    assert dialog is not None
    ctx.credentials.delete(profile.uid)  # its secret is gone from the keyring
    dialog.read_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    text = dialog.status_label.text()
    assert dialog.plan is None
    assert text.count("\n") == 0
    assert "Traceback" not in text
    assert "acme" in text
    dialog.close()


def test_sites_are_typed_with_commas_or_spaces() -> None:
    assert parse_sites(" acme, globex  initech;x ") == ["acme", "globex", "initech", "x"]
    assert parse_sites("  ") == []


def test_an_unused_key_is_scheduled_for_deletion_only_with_its_id_typed(
    qtbot: QtBot,
    aws: Account,
    ctx: AppContext,
    make_window: WindowFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_verified_profile(ctx)
    made = provision(ctx)
    target = KeyTarget("acme", ProductFamily.JIRA, Location.EU, "uid-rival")
    rival = aws.kms("eu-central-1").create_key(
        Description=target.description, MultiRegion=True, Tags=target.kms_tags()
    )["KeyMetadata"]["KeyId"]
    window = make_window(ctx)
    page = page_of(qtbot, window)
    page.rebuild_action.trigger()
    qtbot.waitUntil(lambda: page.rebuild_dialog is not None and page.rebuild_dialog.isVisible())
    dialog = page.rebuild_dialog
    assert dialog is not None
    dialog.read_button.click()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    assert dialog.model.item(0, 0).text() == "Unused key"
    assert dialog.model.item(0, 3).text() == rival
    assert not dialog.apply_button.isEnabled()  # nothing to repair here
    assert dialog.delete_button.isEnabled()  # the unused key's row is selected

    asked: list[TypedConfirmation] = []
    answer = [False]

    def confirm(cls: type, parent: object, request: TypedConfirmation) -> bool:
        asked.append(request)
        return answer[0]

    monkeypatch.setattr(TypedConfirm, "ask", classmethod(confirm))
    dialog.delete_button.click()
    assert asked[0].required == rival
    assert aws.key_state(rival, "eu-central-1") == "Enabled"  # cancelled: nothing asked of AWS

    answer[0] = True
    dialog.delete_button.click()
    qtbot.waitUntil(lambda: "scheduled for deletion in 30 days" in dialog.status_label.text())
    qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.busy, timeout=30_000)
    assert aws.key_state(rival, "eu-central-1") == "PendingDeletion"
    assert aws.key_states(made.key_id) == ("Enabled", "Enabled")
    assert dialog.model.rowCount() == 0
    assert "agree with AWS" in dialog.status_label.text()
    dialog.close()
