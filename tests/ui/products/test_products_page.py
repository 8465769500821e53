"""Security > BYOK encryption: the products page in the real main window over a real
database; the end-to-end test runs against the sandbox (a moto server in this process)."""

from __future__ import annotations

import csv
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from byok_desktop.changes import Changes
from byok_desktop.context import AppContext
from byok_desktop.health.service import CheckResult
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.submit import submit_request
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.settings import Settings
from byok_desktop.store.models import FamilyAccessRow, FamilyEventRow, FamilyKeyRow
from tests.helpers.factories import ready_draft
from tests.ui.products.test_products_model import NOW, insert_products, product_row
from ui.dialogs import Dialogs
from ui.elide import ElidedText
from ui.main_window import MainWindow
from ui.products.confirm import TypedConfirm, TypedConfirmation, TypedConfirmDialog
from ui.products.model import Column
from ui.products.page import REFRESH_DELAY_MS, ProductsPage
from ui.settings import app_settings

KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowKeyManagementRole",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/atlassian-key-management"},
            "Action": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "*",
        }
    ],
}
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowKeyProviderToAssumeRole",
            "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::279766244153:role/Cryptor-OSB-Provider"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture(autouse=True)
def _no_real_typed_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like conftest's guard for Dialogs: an unreplaced typed confirmation fails the test."""

    def unexpected(cls: type, parent: object, request: TypedConfirmation) -> bool:
        pytest.fail(f"unexpected typed confirmation {request.title!r}")

    monkeypatch.setattr(TypedConfirm, "ask", classmethod(unexpected))


def page_of(qtbot: QtBot, window: MainWindow) -> ProductsPage:
    """The page, shown, once what it read on the database worker is in."""
    window.show_section("security")
    settle(qtbot, window)
    return window.products_page


def settle(qtbot: QtBot, window: MainWindow, timeout: int = 5_000) -> None:
    """What the page shows is in: no search or reload waiting for its delay, every
    operation done (reads on the database worker, work on the pool), the whole list
    listed and every row of it read."""
    page = window.products_page

    def settled() -> bool:
        return (
            not page._search_timer.isActive()
            and not page._refresh_timer.isActive()
            and window.ops.pending == 0
            and rows_read(page)
        )

    qtbot.waitUntil(settled, timeout=timeout)


def rows_read(page: ProductsPage) -> bool:
    """The whole list is in and every row's data has been read (asking for the first row
    not read yet reads it on the database worker)."""
    model = page.model
    return model.is_complete and all(
        model.record(row) is not None or model.is_loaded(row) for row in range(model.rowCount())
    )


def detail_of(qtbot: QtBot, window: MainWindow, product_id: int) -> None:
    """Select ``product_id`` and wait until the detail pane shows it."""
    page = window.products_page
    assert page.select_product(product_id)
    qtbot.waitUntil(
        lambda: page.detail.detail is not None and page.detail.detail.product.id == product_id
    )
    settle(qtbot, window)


def column(page: ProductsPage, col: Column) -> list[str]:
    """A column as shown (call once the rows are read: ``settle``)."""
    model = page.model
    values = [model.data(model.index(r, col)) for r in range(model.rowCount())]
    assert None not in values, "a row has not been read yet"
    return values


def statuses(page: ProductsPage) -> list[str]:
    return column(page, Column.STATUS)


def seed_fleet(context: AppContext) -> None:
    """Nine products on five sites: Active, Degraded, Suspended, Provisioning; two
    locations; a tier that tries a formula; reasons that start like formulas."""
    insert_products(
        context.database.engine,
        [
            product_row("acme", Product.JIRA_SOFTWARE),
            product_row("acme", Product.JIRA_SERVICE_MANAGEMENT),
            product_row("acme", Product.CONFLUENCE),
            product_row(
                "beta",
                Product.JIRA_SOFTWARE,
                status="degraded",
                status_reason="eu-west-1: Key disabled",
                secondary_state="Disabled",
            ),
            product_row(
                "gamma",
                Product.CONFLUENCE,
                location="usa",
                status="suspended",
                status_reason="-Keys disabled in every region",
                primary_state="Disabled",
                secondary_state="Disabled",
                tier_name='=HYPERLINK("http://evil.example")',
            ),
            product_row("delta", Product.CONFLUENCE, location="usa"),
            product_row(
                "delta",
                Product.JIRA_SOFTWARE,
                location="usa",
                status="provisioning",
                status_reason="@Provisioning job running",
                primary_state="",
                secondary_state="",
                provisioned_at=None,
                health_checked_at=None,
            ),
            product_row("omega", Product.JIRA_SOFTWARE, tier_name="+1 Enterprise"),
            product_row("omega", Product.CONFLUENCE),
        ],
    )


def seed_family_detail(context: AppContext, revoked_days_ago: float, window_days: int) -> int:
    """acme's Jira family with a request, keys in both EU regions, policies, a revocation
    and a timeline. Returns the Jira Software product's id."""
    request = context.database.requests.create(
        ready_draft(aws_account_id="123456789012", customer_org="Acme Corp")
    )
    revoked = NOW - timedelta(days=revoked_days_ago)
    insert_products(
        context.database.engine,
        [
            product_row(
                "acme",
                product,
                request_id=request.id,
                status="suspended",
                status_reason="Access revoked",
                primary_state="Disabled",
                secondary_state="Disabled",
            )
            for product in (Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT)
        ],
    )
    with Session(context.database.engine) as session, session.begin():
        for region in ("eu-central-1", "eu-west-1"):
            session.add(
                FamilyKeyRow(
                    site_key="acme",
                    family="jira",
                    region=region,
                    key_id="mrk-1234abcd",
                    key_arn=f"arn:aws:kms:{region}:123456789012:key/mrk-1234abcd",
                    alias="alias/cryptor-acme-jira",
                    created_at=NOW - timedelta(days=30),
                    key_state="Disabled",
                    health="disabled",
                    health_detail="Key disabled",
                    checked_at=NOW - timedelta(hours=1),
                    seen_at=NOW - timedelta(hours=1),
                )
            )
        session.add(
            FamilyAccessRow(
                site_key="acme",
                family="jira",
                trust_allowed=False,
                key_policy_ok=True,
                rotation_enabled=True,
                key_policy=json.dumps(KEY_POLICY),
                trust_policy=json.dumps(TRUST_POLICY),
                revoked_at=revoked,
                restore_until=revoked + timedelta(days=window_days),
                checked_at=NOW - timedelta(hours=1),
                check_error="",
            )
        )
        for at, kind, text in (
            (NOW - timedelta(days=30), "provisioned", "Provisioned: keys Enabled in both regions"),
            (revoked, "revoked", "Suspended: Access revoked"),
            (NOW - timedelta(hours=1), "health", "Health check: keys disabled"),
        ):
            session.add(
                FamilyEventRow(site_key="acme", family="jira", at=at, kind=kind, message=text)
            )
    product = next(
        p for p in context.database.products.on_site("acme") if p.product is Product.JIRA_SOFTWARE
    )
    return product.id


# --- the list ---------------------------------------------------------------------------


def test_no_products_shows_an_empty_state_that_leads_to_requests(
    qtbot: QtBot, window: MainWindow
) -> None:
    page = page_of(qtbot, window)
    assert page.stack.currentWidget() is page.empty
    texts = " ".join(label.text() for label in page.empty.findChildren(QLabel))
    assert "once a request has been submitted for provisioning" in texts
    assert not page.check_action.isEnabled()
    qtbot_click(page.go_to_requests)
    assert window.navigation.currentRow() == 0


def qtbot_click(button: Any) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_summary_strip_filters_by_status(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    assert page.stack.currentWidget() is page.main
    assert page.model.rowCount() == 9
    assert page.all_button.text() == "All 9"
    buttons = page.status_buttons
    assert buttons[ProductStatus.ACTIVE].text() == "Active 6"
    assert buttons[ProductStatus.DEGRADED].text() == "Degraded 1"
    assert buttons[ProductStatus.SUSPENDED].text() == "Suspended 1"
    assert buttons[ProductStatus.PROVISIONING].text() == "Provisioning 1"
    assert not buttons[ProductStatus.FAILED].isVisible()  # nobody failed: out of the way
    assert page.count_label.text() == "9 products"

    qtbot_click(buttons[ProductStatus.DEGRADED])
    settle(qtbot, window)
    assert statuses(page) == ["Degraded"]
    assert not page.all_button.isChecked()
    assert page.count_label.text() == "1 of 9 products shown"
    qtbot_click(buttons[ProductStatus.SUSPENDED])  # a second status adds to the filter
    settle(qtbot, window)
    assert sorted(statuses(page)) == ["Degraded", "Suspended"]
    qtbot_click(buttons[ProductStatus.DEGRADED])  # and a click takes it away again
    settle(qtbot, window)
    assert statuses(page) == ["Suspended"]
    qtbot_click(page.all_button)
    settle(qtbot, window)
    assert page.model.rowCount() == 9
    assert page.all_button.isChecked()


def test_location_and_product_filters_also_narrow_the_counts(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    page.location_combo.setCurrentIndex(page.location_combo.findData(Location.USA))
    settle(qtbot, window)
    assert sorted(column(page, Column.SITE)) == ["delta", "delta", "gamma"]
    assert set(column(page, Column.LOCATION)) == {"USA"}
    assert page.all_button.text() == "All 3"
    assert page.status_buttons[ProductStatus.SUSPENDED].text() == "Suspended 1"
    assert not page.status_buttons[ProductStatus.DEGRADED].isVisible()
    page.product_combo.setCurrentIndex(page.product_combo.findData(Product.CONFLUENCE))
    settle(qtbot, window)
    assert column(page, Column.SITE) == ["delta", "gamma"]
    assert page.count_label.text() == "2 of 9 products shown"
    page.location_combo.setCurrentIndex(0)
    settle(qtbot, window)
    assert column(page, Column.SITE) == ["acme", "delta", "gamma", "omega"]
    assert set(column(page, Column.PRODUCT)) == {"Confluence"}


def test_search_as_you_type_costs_one_query_after_the_debounce(
    qtbot: QtBot, window: MainWindow, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)  # the reload's reads are done before the counting starts
    view = context.database.view
    calls: list[str] = []
    for name in ("list_page", "list_ids", "counts", "detail"):
        original = getattr(view, name)

        def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(view, name, counted)
    page.find_action.trigger()
    assert page.search_edit.hasFocus()
    QTest.keyClicks(page.search_edit, "omega")
    assert calls == []  # nothing while typing
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    settle(qtbot, window)
    assert calls == ["list_page"]  # the IDs and the rows shown, in one session
    assert set(column(page, Column.SITE)) == {"omega"}
    # Every word must match somewhere, also in what the view shows (USA, JSM).
    page.search_edit.setText("confluence usa")
    qtbot.waitUntil(lambda: sorted(column(page, Column.SITE)) == ["delta", "gamma"])
    page.search_edit.setText("jsm")
    qtbot.waitUntil(lambda: column(page, Column.SITE) == ["acme"])
    page.search_edit.setText("beta confluence")  # beta has no Confluence
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    page.search_edit.setText("degraded")
    qtbot.waitUntil(lambda: column(page, Column.SITE) == ["beta"])
    settle(qtbot, window)
    assert "counts" not in calls
    assert page.count_label.text() == "1 of 9 products shown"


def test_ctrl_f_and_ctrl_e_belong_to_the_page_that_is_shown(
    qtbot: QtBot, window: MainWindow, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    wanted: list[str] = []
    monkeypatch.setattr(
        Dialogs,
        "save_csv_file",
        classmethod(lambda cls, parent, suggested: wanted.append(suggested) or ""),
    )
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search_edit.hasFocus()
    assert window.navigation.currentRow() == 1  # still on this page
    QTest.keyClick(page.search_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(wanted) == 1
    assert wanted[0].endswith(".csv")
    window.show_section("requests")  # the requests page has its keys back
    assert window.requests_page.find_action.shortcut().toString() == "Ctrl+F"
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.requests_page.search_edit.hasFocus()


def test_sort_by_several_columns_and_keep_it(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    assert column(page, Column.SITE)[:3] == ["acme", "acme", "acme"]  # default: by site
    # The Jira family of acme is one group under the default sort.
    assert column(page, Column.PRODUCT)[:3] == [
        "Confluence",
        "Jira Service Management (Jira family)",
        "Jira Software (Jira family)",
    ]
    page.view.sortByColumn(Column.STATUS, Qt.SortOrder.AscendingOrder)
    settle(qtbot, window)
    assert statuses(page) == sorted(statuses(page), key=str.lower)
    page.view.sortByColumn(Column.SITE, Qt.SortOrder.DescendingOrder)
    settle(qtbot, window)
    sites = column(page, Column.SITE)
    assert sites == sorted(sites, reverse=True)
    page.view.sortByColumn(Column.SECOND_KEY, Qt.SortOrder.AscendingOrder)
    settle(qtbot, window)
    keys = column(page, Column.SECOND_KEY)
    assert keys[0].endswith("Not checked")  # never seen first ascending, last descending
    assert keys[1].endswith("Disabled")  # then by state: Disabled before Enabled
    page.view.sortByColumn(Column.SECOND_KEY, Qt.SortOrder.DescendingOrder)
    settle(qtbot, window)
    assert column(page, Column.SECOND_KEY)[-1].endswith("Not checked")
    page.view.sortByColumn(Column.TIER, Qt.SortOrder.DescendingOrder)
    settle(qtbot, window)
    assert column(page, Column.TIER)[0] == "Enterprise 1001-2000"

    page.view.sortByColumn(Column.CHECKED, Qt.SortOrder.DescendingOrder)
    settle(qtbot, window)
    page.save_state()
    settings = app_settings(context.paths)
    assert window.changes is not None
    again = ProductsPage(context, window.jobs, window.ops, settings, window.changes)
    try:
        again.reload()
        qtbot.waitUntil(lambda: again.model.is_complete and window.ops.pending == 0)
        head = again.view.horizontalHeader()
        assert head.sortIndicatorSection() == Column.CHECKED
        assert again.model.sort_key == (page.model.sort_key[0], True)
        assert again.model.ids == page.model.ids
    finally:
        again.deleteLater()


# --- the detail pane --------------------------------------------------------------------


def test_detail_pane_shows_keys_policies_access_and_timeline(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    product_id = seed_family_detail(context, revoked_days_ago=1, window_days=15)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    detail_of(qtbot, window, product_id)
    detail = page.detail
    assert detail.site_label.text() == "acme.atlassian.net"
    assert "Jira Software (Suspended)" in detail.products_label.text()
    assert "Jira Service Management (Suspended)" in detail.products_label.text()
    assert "eu-central-1 (Frankfurt) + eu-west-1 (Dublin)" in detail.location_label.text()
    assert detail.customer_label.text() == "Acme Corp"
    assert detail.account_label.text() == "123456789012"
    assert "(org admin)" in detail.requester_label.text()
    assert [box.objectName() for box in detail.key_boxes] == [
        "keyBox_eu-central-1",
        "keyBox_eu-west-1",
    ]
    for region in ("eu-central-1", "eu-west-1"):
        arn = detail.findChild(ElidedText, f"keyArn_{region}")
        assert arn.text() == f"arn:aws:kms:{region}:123456789012:key/mrk-1234abcd"
        assert detail.findChild(QLabel, f"keyState_{region}").text() == "Disabled"
        check = detail.findChild(QLabel, f"keyCheck_{region}").text()
        assert check.startswith("Key disabled (saw Disabled on ")
    assert detail.rotation_label.text().startswith("On")
    assert detail.trust_label.text().startswith("Denies")
    # Revoked a day ago with a 15-day window: 14 days left, to the minute.
    text = detail.revocation_label.text()
    assert "Restorable for 13 days 23 h" in text or "Restorable for 14 days 0 h" in text
    assert page.restore_action.isEnabled()
    assert not page.revoke_action.isEnabled()  # already revoked

    key_policy = detail.key_policy.text.toPlainText()
    assert json.loads(key_policy) == KEY_POLICY
    assert "\n  " in key_policy  # pretty-printed
    assert detail.key_policy.text.isReadOnly()
    QGuiApplication.clipboard().clear()
    qtbot_click(detail.key_policy.copy_button)
    assert json.loads(QGuiApplication.clipboard().text()) == KEY_POLICY
    qtbot_click(detail.trust_policy.copy_button)
    assert json.loads(QGuiApplication.clipboard().text()) == TRUST_POLICY
    assert "copied" in window.status.text()

    timeline = detail.timeline
    texts = [timeline.topLevelItem(i).text(1) for i in range(timeline.topLevelItemCount())]
    assert texts == [
        "Health check: keys disabled",
        "Suspended: Access revoked",
        "Provisioned: keys Enabled in both regions",
    ]  # newest first
    assert "can never be converted to a non-BYOK product" in detail.permanent_note.text()
    assert not detail.turn_off_button.isEnabled()


def test_after_the_restore_window_restore_is_off_and_says_when_it_ended(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    product_id = seed_family_detail(context, revoked_days_ago=20, window_days=15)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    detail_of(qtbot, window, product_id)
    assert "The restore window ended on" in page.detail.revocation_label.text()
    assert not page.restore_action.isEnabled()


# --- actions ----------------------------------------------------------------------------


def test_typed_confirmation_wakes_only_for_the_exact_site_name(qtbot: QtBot) -> None:
    dialog = TypedConfirmDialog(
        TypedConfirmation(
            "Revoke key access",
            "Revoke?",
            "acme",
            "Revoke access",
            (("Suspended:", ["acme — Jira Software"]), ("Shared role:", [])),
        )
    )
    qtbot.addWidget(dialog)
    assert len(dialog.lists) == 1  # an empty group is left out
    assert not dialog.ok_button.isEnabled()
    for wrong in ("acm", "Acme", "acme ", " acme", "acme-2"):
        dialog.confirm_edit.setText(wrong)
        assert not dialog.ok_button.isEnabled(), wrong
        dialog.accept()
        assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.confirm_edit.setText("acme")
    assert dialog.ok_button.isEnabled()
    qtbot_click(dialog.cancel_button)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_revoke_lists_the_family_and_the_shared_role_and_cancel_does_nothing(
    qtbot: QtBot, window: MainWindow, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = context.database.requests.create(ready_draft(aws_account_id="123456789012"))
    other = context.database.requests.create(
        ready_draft(aws_account_id="123456789012", site_name="acme-two")
    )
    insert_products(
        context.database.engine,
        [
            product_row("acme", Product.JIRA_SOFTWARE, request_id=request.id),
            product_row("acme", Product.JIRA_SERVICE_MANAGEMENT, request_id=request.id),
            product_row("acme", Product.CONFLUENCE, request_id=request.id),
            product_row("acme-two", Product.CONFLUENCE, request_id=other.id),
        ],
    )
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    changes: list[tuple[str, str, str]] = []
    monkeypatch.setattr(window.jobs, "change_access", lambda *args: changes.append(args))
    asked: list[TypedConfirmation] = []
    answer = [False]

    def ask(cls: type, parent: object, request: TypedConfirmation) -> bool:
        asked.append(request)
        return answer[0]

    monkeypatch.setattr(TypedConfirm, "ask", classmethod(ask))
    jira = next(
        p.id
        for p in context.database.products.on_site("acme")
        if p.product is Product.JIRA_SOFTWARE
    )
    detail_of(qtbot, window, jira)
    assert page.revoke_action.isEnabled()
    assert not page.restore_action.isEnabled()  # never revoked
    page.revoke_action.trigger()  # what a revoke suspends is read first, then asked
    qtbot.waitUntil(lambda: len(asked) == 1)
    assert changes == []  # cancelled: nothing happens
    assert "Nothing was revoked" in window.status.text()
    [request_shown] = asked
    assert request_shown.required == "acme"
    # Model (a), trust per role: every family on the account's role, the revoked first.
    [(heading, families)] = request_shown.groups
    assert list(families) == [
        "acme — Jira family: Jira Software, Jira Service Management (Active)",
        "acme — Confluence: Confluence (Active)",
        "acme-two — Confluence: Confluence (Active)",
    ]
    assert "3 product families on the key-management role of account 123456789012" in heading
    assert "One restore window covers them all" in request_shown.outro
    # The dialog the user sees lists them.
    dialog = TypedConfirmDialog(request_shown)
    qtbot.addWidget(dialog)
    [listing] = dialog.lists
    assert [listing.item(i).text() for i in range(listing.count())] == list(families)

    answer[0] = True
    page.revoke_action.trigger()
    qtbot.waitUntil(lambda: len(asked) == 2)
    assert changes == [("revoke", "acme", "jira")]


def test_restore_from_a_family_the_role_suspended_lists_every_family_and_one_deadline(
    qtbot: QtBot, window: MainWindow, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = context.database.requests.create(ready_draft(aws_account_id="123456789012"))
    beta = context.database.requests.create(
        ready_draft(aws_account_id="123456789012", site_name="beta")
    )
    insert_products(
        context.database.engine,
        [
            product_row("acme", Product.JIRA_SOFTWARE, request_id=acme.id),
            product_row("beta", Product.CONFLUENCE, request_id=beta.id),
        ],
    )
    context.database.jobs.record_keys(
        None,
        "acme",
        "jira",
        "mrk-1234abcd",
        "alias/cryptor-acme-jira",
        {
            r: f"arn:aws:kms:{r}:123456789012:key/mrk-1234abcd"
            for r in ("eu-central-1", "eu-west-1")
        },
    )
    until = datetime.now(UTC) + timedelta(days=15)
    context.database.products.access_revoked("acme", "jira", datetime.now(UTC), until)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    changes: list[tuple[str, str, str]] = []
    monkeypatch.setattr(window.jobs, "change_access", lambda *args: changes.append(args))
    shown: list[str] = []

    def confirm(cls: type, parent: object, title: str, text: str, ok: str) -> bool:
        shown.append(text)
        return True

    monkeypatch.setattr(Dialogs, "confirm", classmethod(confirm))
    [confluence] = context.database.products.on_site("beta")
    detail_of(qtbot, window, confluence.id)
    assert not page.revoke_action.isEnabled()  # revoked with acme's Jira, through the role
    assert page.restore_action.isEnabled()

    page.restore_action.trigger()

    qtbot.waitUntil(lambda: changes == [("restore", "beta", "confluence")])
    [text] = shown
    assert "• acme — Jira family: Jira Software (Suspended)" in text
    assert "• beta — Confluence: Confluence (Suspended)" in text
    assert "The keys the revoke disabled (acme's Jira family) are enabled again" in text
    assert f"restorable until {until.astimezone():%Y-%m-%d %H:%M}" in text


def test_add_product_asks_for_a_request_in_the_pinned_location(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    assert not page.add_product_action.isEnabled()  # nothing selected
    delta = next(p.id for p in context.database.products.on_site("delta"))
    page.select_product(delta)
    settle(qtbot, window)
    assert page.add_product_action.isEnabled()
    with qtbot.waitSignal(page.add_product_requested) as signal:
        page.add_product_action.trigger()
    assert signal.args == ["delta", Location.USA]


def test_export_writes_the_visible_rows_neutralising_formulas(
    qtbot: QtBot,
    window: MainWindow,
    context: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    page.location_combo.setCurrentIndex(page.location_combo.findData(Location.USA))
    page.view.sortByColumn(Column.STATUS, Qt.SortOrder.DescendingOrder)
    settle(qtbot, window)
    target = tmp_path / "out" / "products"  # no suffix: .csv is added
    target.parent.mkdir()
    monkeypatch.setattr(
        Dialogs, "save_csv_file", classmethod(lambda cls, parent, suggested: str(target))
    )
    page.export_action.trigger()
    written = target.with_name("products.csv")
    qtbot.waitUntil(lambda: "Exported 3 rows" in window.status.text())
    assert [p.name for p in written.parent.iterdir()] == ["products.csv"]  # no temp left
    with written.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Site"], r["Status"]) for r in rows] == [
        ("gamma", "Suspended"),
        ("delta", "Provisioning"),
        ("delta", "Active"),
    ]
    gamma, provisioning, _active = rows
    assert gamma["User tier"] == '\'=HYPERLINK("http://evil.example")'
    assert gamma["Status reason"] == "'-Keys disabled in every region"
    assert provisioning["Status reason"] == "'@Provisioning job running"
    assert provisioning["Primary region key"] == "Not checked"
    assert gamma["Primary region"] == "us-east-1"
    assert gamma["Provisioned at (UTC)"].endswith("+00:00")
    assert settings_value(context, "paths/export") == str(written.parent)


def settings_value(context: AppContext, key: str) -> object:
    settings: QSettings = app_settings(context.paths)
    return settings.value(key)


def test_a_cell_that_looks_like_a_formula_is_neutralised(
    qtbot: QtBot,
) -> None:
    from ui.products.export import neutralise

    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(cell) == f"'{cell}"
    for cell in ("acme", "", "1-2", "a=b"):
        assert neutralise(cell) == cell


def test_health_check_never_runs_twice_at_once(
    qtbot: QtBot, window: MainWindow, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    release = threading.Event()
    runs: list[list[tuple[str, str]]] = []

    def check(families: Any, on_result: Any = None, cancelled: Any = None) -> list[CheckResult]:
        wanted = list(families)
        runs.append(wanted)
        results = []
        for site, family in wanted:
            release.wait(10)
            if cancelled():  # as the real service: a dropped check stops at the next family
                break
            result = CheckResult(site, family, ProductStatus.ACTIVE, "")
            results.append(result)
            on_result(result)  # on the worker thread, as the real service does
        return results

    monkeypatch.setattr(page._health, "check", check)
    try:
        QTest.keyClick(window, Qt.Key.Key_F5)  # nothing selected: every provisioned family
        qtbot.waitUntil(lambda: bool(runs))
        assert page.check_running
        # The check's first progress report, while the first family waits.
        qtbot.waitUntil(lambda: window.status.text().startswith("Checking 1 of"))
        page.check_action.trigger()
        assert "already running" in window.status.text()
        page.periodic_timer.timeout.emit()  # a periodic tick meanwhile starts nothing either
        assert len(runs) == 1
        # Provisioning products are not checked; the Jira family of acme is one check.
        assert runs[0] == context.database.products.provisioned_families()
        assert ("acme", "jira") in runs[0]
        assert ("delta", "jira") not in runs[0]
        assert page.check_running
    finally:
        release.set()  # a failed assertion must not leave the check waiting on the pool
    qtbot.waitUntil(lambda: not page.check_running)
    assert window.status.text().startswith(f"Health checked for {len(runs[0])} product families")
    settle(qtbot, window)  # the check's outcome is read again

    # With a selection: only the selected products' families.
    beta = next(p.id for p in context.database.products.on_site("beta"))
    page.select_product(beta)
    page.check_action.trigger()
    qtbot.waitUntil(lambda: not page.check_running and len(runs) == 2)
    assert runs[1] == [("beta", "jira")]
    delta = next(
        p.id for p in context.database.products.on_site("delta") if p.status.value == "provisioning"
    )
    page.select_product(delta)
    page.check_action.trigger()
    qtbot.waitUntil(lambda: "the selected products are not provisioned yet" in window.status.text())
    assert len(runs) == 2


def test_periodic_check_follows_the_settings(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    page = page_of(qtbot, window)
    timer = page.periodic_timer
    assert timer.isActive()
    assert timer.interval() == context.settings.health_check_minutes * 60_000
    window.settings_page.settings_changed.emit(Settings(health_check_minutes=5))
    assert timer.isActive()
    assert timer.interval() == 5 * 60_000
    window.settings_page.settings_changed.emit(Settings(health_check_minutes=0))
    assert not timer.isActive()
    # Sandbox minutes count only in the sandbox.
    window.settings_page.settings_changed.emit(
        Settings(health_check_minutes=0, sandbox_health_check_minutes=3)
    )
    assert not timer.isActive()


# --- end to end in the sandbox ----------------------------------------------------------


def by_product(page: ProductsPage) -> dict[tuple[str, str], Any]:
    model = page.model
    found = {}
    for row in range(model.rowCount()):
        record = model.record(row)
        assert record is not None
        found[(record.site_key, record.product.value)] = record
    return found


def provision(
    qtbot: QtBot, window: MainWindow, sandbox: AppContext, products: set[Product]
) -> None:
    """Provision ``products`` on the site acme (AWS account 123456789012) through the
    window's jobs, and wait until the products page shows them all Active: job updates
    reach the page through the change bus, with no refresh by hand."""
    store = sandbox.database.requests
    acme = store.create(ready_draft(aws_account_id="123456789012", products=frozenset(products)))
    jobs = submit_request(acme.id, store, sandbox.database.jobs, sandbox.credentials)
    for job in jobs:
        window.jobs.resume(job)
    qtbot.waitUntil(
        lambda: all(sandbox.database.jobs.get(j.id).status is JobStatus.SUCCEEDED for j in jobs),
        timeout=60_000,
    )
    page = window.products_page
    qtbot.waitUntil(
        lambda: (
            len(by_product(page)) == len(products)
            and {r.status for r in by_product(page).values()} == {ProductStatus.ACTIVE}
        ),
        timeout=10_000,
    )


def succeeded(qtbot: QtBot, sandbox: AppContext, job: Job) -> None:
    qtbot.waitUntil(
        lambda: sandbox.database.jobs.get(job.id).status is JobStatus.SUCCEEDED, timeout=30_000
    )


@pytest.mark.slow
def test_sandbox_degraded_revoke_and_restore_end_to_end(
    qtbot: QtBot,
    sandbox: AppContext,
    sandbox_window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = sandbox_window
    page = page_of(qtbot, window)
    assert not page.periodic_timer.isActive()  # off in the sandbox by default
    window.settings_page.settings_changed.emit(
        sandbox.settings.with_changes(sandbox_health_check_minutes=2)
    )
    assert page.periodic_timer.interval() == 2 * 60_000
    window.settings_page.settings_changed.emit(sandbox.settings)
    assert not page.periodic_timer.isActive()

    provision(
        qtbot,
        window,
        sandbox,
        {Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT, Product.CONFLUENCE},
    )
    jira, jsm, confluence = (
        ("acme", "jira-software"),
        ("acme", "jira-service-management"),
        (
            "acme",
            "confluence",
        ),
    )
    assert len(by_product(page)) == 3

    # Someone disables the Jira key in ONE region, behind the app's back.
    [key] = [
        k for k in sandbox.database.products.family_keys("acme", "jira") if k.region == "eu-west-1"
    ]
    aws = sandbox.credentials.connect(sandbox.credentials.profile_for_account("123456789012"))
    aws.client("kms", "eu-west-1").disable_key(KeyId=key.key_id)

    messages: list[str] = []
    page.message.connect(messages.append)
    page.view.clearSelection()
    QTest.keyClick(window, Qt.Key.Key_F5)  # every provisioned family
    qtbot.waitUntil(lambda: by_product(page)[jira].status is ProductStatus.DEGRADED, timeout=30_000)
    qtbot.waitUntil(lambda: not page.check_running, timeout=30_000)
    degraded = by_product(page)[jira]
    assert "eu-west-1" in degraded.status_reason
    assert "disabled" in degraded.status_reason.lower()
    assert by_product(page)[jsm].status is ProductStatus.DEGRADED  # one key, one family
    assert by_product(page)[confluence].status is ProductStatus.ACTIVE
    assert any(m.startswith("Checking 1 of 2") for m in messages)
    assert any(m.startswith("Checking 2 of 2") for m in messages)
    row = page.model.row_of(degraded.id)
    assert row is not None
    assert page.model.data(page.model.index(row, Column.SECOND_KEY)) == "eu-west-1 · Disabled"
    assert page.model.data(page.model.index(row, Column.PRIMARY_KEY)) == "eu-central-1 · Enabled"

    # Revoke through the UI: the family is suspended, the shared role's product listed.
    asked: list[TypedConfirmation] = []

    def confirm(cls: type, parent: object, request: TypedConfirmation) -> bool:
        asked.append(request)
        return True

    monkeypatch.setattr(TypedConfirm, "ask", classmethod(confirm))
    detail_of(qtbot, window, degraded.id)
    arn = page.detail.findChild(ElidedText, "keyArn_eu-west-1")
    assert arn.text().startswith("arn:aws:kms:eu-west-1:123456789012:key/mrk-")
    assert '"Effect": "Allow"' in page.detail.trust_policy.text.toPlainText()
    page.revoke_action.trigger()
    qtbot.waitUntil(lambda: bool(asked))
    assert "acme — Confluence: Confluence (Active)" in asked[0].groups[0][1]
    qtbot.waitUntil(
        lambda: (
            by_product(page)[jira].status is ProductStatus.SUSPENDED
            and by_product(page)[jsm].status is ProductStatus.SUSPENDED
        ),
        timeout=30_000,
    )
    assert "queued" in " ".join(messages)
    qtbot.waitUntil(lambda: page.restore_action.isEnabled())
    assert "Restorable for 14 days" in page.detail.revocation_label.text()
    assert not page.revoke_action.isEnabled()

    # Restore: a plain confirmation listing the products; back to Active.
    confirmations: list[str] = []
    monkeypatch.setattr(
        Dialogs,
        "confirm",
        classmethod(lambda cls, parent, title, text, ok: confirmations.append(text) or True),
    )
    page.restore_action.trigger()
    qtbot.waitUntil(lambda: bool(confirmations))
    assert "Jira Service Management" in confirmations[0]
    qtbot.waitUntil(
        lambda: (
            by_product(page)[jira].status is ProductStatus.ACTIVE
            and by_product(page)[jsm].status is ProductStatus.ACTIVE
        ),
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: not page.restore_action.isEnabled())
    assert page.revoke_action.isEnabled()
    now = datetime.now(UTC)
    assert by_product(page)[confluence].status is ProductStatus.ACTIVE
    assert page.detail.detail is not None
    assert page.detail.detail.access.restored_at is not None
    assert page.detail.detail.access.restored_at <= now


@pytest.mark.slow
def test_revoking_a_family_suspends_the_shared_roles_other_families_without_a_refresh(
    qtbot: QtBot,
    sandbox: AppContext,
    sandbox_window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Jira and Confluence of acme live in one AWS account, so they share its key-management
    role. Revoking Jira denies the provider in that role's trust: Confluence is suspended
    too, and the page shows it as soon as the revoke job ends — no F5, no health check,
    only the change the store announced. Restoring Jira brings both back."""
    window = sandbox_window
    page = page_of(qtbot, window)
    assert not page.periodic_timer.isActive()  # off in the sandbox: no check behind our back
    checks: list[object] = []
    monkeypatch.setattr(page._health, "check", lambda *args, **kwargs: checks.append(args))
    heard: list[Changes] = []
    assert window.changes is not None
    window.changes.changed.connect(heard.append)
    provision(qtbot, window, sandbox, {Product.JIRA_SOFTWARE, Product.CONFLUENCE})
    jira, confluence = ("acme", "jira-software"), ("acme", "confluence")

    monkeypatch.setattr(TypedConfirm, "ask", classmethod(lambda cls, parent, request: True))
    detail_of(qtbot, window, by_product(page)[jira].id)
    qtbot.waitUntil(page.revoke_action.isEnabled)
    heard.clear()
    with qtbot.waitSignal(window.jobs.access_submitted, timeout=10_000) as submitted:
        page.revoke_action.trigger()
    [revoke] = submitted.args
    succeeded(qtbot, sandbox, revoke)
    qtbot.waitUntil(
        lambda: (
            by_product(page)[jira].status is ProductStatus.SUSPENDED
            and by_product(page)[confluence].status is ProductStatus.SUSPENDED
        ),
        timeout=10_000,
    )
    assert "key-management role denies the provider" in by_product(page)[confluence].status_reason
    assert any(("acme", "confluence") in c.families for c in heard)  # named by the revoke

    monkeypatch.setattr(Dialogs, "confirm", classmethod(lambda cls, parent, title, text, ok: True))
    qtbot.waitUntil(page.restore_action.isEnabled)
    heard.clear()
    with qtbot.waitSignal(window.jobs.access_submitted, timeout=10_000) as submitted:
        page.restore_action.trigger()
    [restore] = submitted.args
    succeeded(qtbot, sandbox, restore)
    qtbot.waitUntil(
        lambda: (
            by_product(page)[jira].status is ProductStatus.ACTIVE
            and by_product(page)[confluence].status is ProductStatus.ACTIVE
        ),
        timeout=10_000,
    )
    assert any(("acme", "confluence") in c.families for c in heard)  # named by the restore
    assert checks == []
    assert not page.check_running


# --- large lists and a hidden page --------------------------------------------------------


def test_a_large_selection_survives_search_with_one_detail_read(
    qtbot: QtBot, window: MainWindow, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.products.test_products_model import seed_products

    count = seed_products(context.database.engine, 400)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    assert page.model.rowCount() == count
    page.view.selectAll()
    settle(qtbot, window)  # the first selected product's detail is read before counting
    assert len(page.selected_ids()) == count
    assert not page.revoke_action.isEnabled()  # many families: nothing to revoke at once
    details: list[int] = []
    original = context.database.view.detail
    monkeypatch.setattr(
        context.database.view, "detail", lambda pid: details.append(pid) or original(pid)
    )
    page.search_edit.setText("site01")
    qtbot.waitUntil(lambda: page.model.rowCount() < count)
    shown = page.model.rowCount()
    assert shown > 100
    assert len(page.selected_ids()) == shown  # what stays visible stays selected
    assert len(details) == 1  # the new first selected product, once (not once per row)
    page.search_edit.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == count)
    assert len(page.selected_ids()) == shown  # rows hidden meanwhile are not reselected


def test_a_hidden_page_reloads_when_it_is_shown_again(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    page = page_of(qtbot, window)
    window.show_section("jobs")
    seed_fleet(context)
    page.schedule_reload()  # e.g. a job finished meanwhile
    assert page.stack.currentWidget() is page.empty  # nothing read while hidden
    window.show_section("security")
    settle(qtbot, window)
    assert page.model.rowCount() == 9
    assert page.stack.currentWidget() is page.main


def test_a_page_shut_down_starts_nothing_new(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    """On quit the window shuts the page down, then Operations, which refuses new work:
    a reload or search still waiting for its delay, or a change arriving after, must
    start no operation (it would fail with "The app is closing." in a dialog)."""
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.schedule_reload()  # e.g. a finished health check's outcome, due in a moment
    page.search_edit.setText("acme")  # a search waiting for its delay
    page.shutdown()
    assert not page._refresh_timer.isActive()
    assert not page._search_timer.isActive()
    assert not page.periodic_timer.isActive()
    with qtbot.assertNotEmitted(window.ops.busy_changed, wait=2 * REFRESH_DELAY_MS):
        context.database.changes.publish(Changes.of_families({("acme", "jira")}))
    assert not page.start_check(None, manual=False)


def test_restore_window_countdown_text(
    qtbot: QtBot,
) -> None:
    from byok_desktop.product_records import NO_ACCESS_RECORD
    from ui.products.detail import restorable, revocation_text

    revoked = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    access = replace(
        NO_ACCESS_RECORD, revoked_at=revoked, restore_until=revoked + timedelta(days=15)
    )
    now = revoked + timedelta(hours=20, minutes=30)
    text = revocation_text(access, now)
    assert "Restorable for 14 days 3 h (until " in text
    assert restorable(access, now)
    late = revoked + timedelta(days=16)
    assert "The restore window ended on " in revocation_text(access, late)
    assert not restorable(access, late)
    assert "Restorable for 45 min" in revocation_text(
        access,
        access.restore_until - timedelta(minutes=45),  # type: ignore[operator]
    )
    assert revocation_text(NO_ACCESS_RECORD, now).startswith("Not revoked")
    assert not restorable(NO_ACCESS_RECORD, now)


def test_names_and_reasons_show_as_written_never_as_markup(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    from PySide6.QtGui import Qt as QtGui

    request = context.database.requests.create(
        ready_draft(customer_org="<b>Acme</b> & Co", requester_name="<i>Ada</i>")
    )
    insert_products(
        context.database.engine,
        [
            product_row(
                "acme",
                Product.CONFLUENCE,
                request_id=request.id,
                status="degraded",
                status_reason="eu-west-1: <b>AccessDenied</b> & more",
            )
        ],
    )
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    detail_of(qtbot, window, page.model.ids[0])
    assert page.detail.customer_label.text() == "<b>Acme</b> & Co"
    assert page.detail.reason_label.text() == "eu-west-1: <b>AccessDenied</b> & more"
    showing_markup = [
        label.objectName() or label.text()
        for label in page.findChildren(QLabel)
        if label.isVisible()
        and ("<" in label.text() or "&" in label.text())
        and label.textFormat() != Qt.TextFormat.PlainText
        and (label.textFormat() != Qt.TextFormat.AutoText or QtGui.mightBeRichText(label.text()))
    ]
    assert showing_markup == []
    tip = page.model.data(page.model.index(0, Column.STATUS), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;AccessDenied&lt;/b&gt; &amp; more" in tip


def test_the_selection_survives_a_search_whose_first_page_does_not_hold_it(
    qtbot: QtBot, window: MainWindow, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.products.model as model_module

    monkeypatch.setattr(model_module, "FIRST_PAGE", 2)
    seed_fleet(context)
    page = page_of(qtbot, window)
    page.reload()
    settle(qtbot, window)
    last = page.model.product_id(page.model.rowCount() - 1)
    assert last is not None
    assert page.select_product(last)
    page.search_edit.setText("a")  # most of the fleet: more than a first page
    qtbot.waitUntil(lambda: page.model.filter.search == "a" and page.model.is_complete)
    shown = page.model.rowCount()
    assert shown > 2
    assert page.selected_ids() == [last]
    assert page.count_label.text() == f"{shown} of 9 products shown"
