"""Adding a product to a BYOK site starts a request locked to the site's location."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import RequestStatus
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import refresh, save
from ui.main_window import MainWindow


def test_a_new_request_for_a_byok_site_is_pinned_to_its_location(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    store = context.database.requests
    first = store.create(ready_draft(aws_account_id="123456789012"))
    store.record_product("acme", Product.JIRA_SOFTWARE, Location.EU, first.id)
    page = window.requests_page
    refresh(qtbot, page)

    page.new_request_for_site("acme", Location.EU)

    editor = page.editor
    qtbot.waitUntil(lambda: editor.request_id not in (None, first.id))
    current = editor.current
    assert current is not None
    assert current.id != first.id
    assert current.draft.site_name == "acme"
    assert current.draft.location is Location.EU
    assert editor.location_buttons[Location.EU].isChecked()
    qtbot.waitUntil(lambda: not editor.location_buttons[Location.USA].isEnabled())
    assert editor.pinned_label.isVisible()
    assert "European Union" in editor.pinned_label.text()
    # Confluence completes it; so does Jira Service Management (a new product of the site's
    # Jira family, under its key); Jira Software is BYOK there already.
    editor.product_checks[Product.CONFLUENCE].setChecked(True)
    editor.org_edit.setText("Acme Corp")
    editor.account_edit.setText("123456789012")
    editor.users_edit.setText("1500")
    editor.name_edit.setText("Ada Admin")
    editor.email_edit.setText("ada@acme.example")
    editor.admin_check.setChecked(True)
    assert save(qtbot, editor)
    assert store.get(current.id).status is RequestStatus.READY
    editor.product_checks[Product.JIRA_SERVICE_MANAGEMENT].setChecked(True)
    assert save(qtbot, editor)
    assert store.get(current.id).status is RequestStatus.READY
    editor.product_checks[Product.JIRA_SOFTWARE].setChecked(True)
    assert save(qtbot, editor)
    stored = store.get(current.id)
    assert stored.status is RequestStatus.DRAFT
    assert store.validate(stored.draft, stored.id).problems() == [
        "'acme' already has BYOK for Jira Software; remove it from this request (a BYOK "
        "product stays BYOK), or choose a new site."
    ]


def test_an_unpinned_site_leaves_every_location_open(qtbot: QtBot, window: MainWindow) -> None:
    page = window.requests_page
    page.new_request()
    editor = page.editor
    qtbot.waitUntil(lambda: editor.request_id is not None)
    qtbot.keyClicks(editor.site_edit, "fresh-site")
    qtbot.waitUntil(lambda: editor.site_checked)
    assert all(button.isEnabled() for button in editor.location_buttons.values())
    assert not editor.pinned_label.isVisible()


def test_add_product_on_the_products_page_opens_the_request_editor(
    qtbot: QtBot, window: MainWindow, context: AppContext
) -> None:
    store = context.database.requests
    first = store.create(ready_draft(aws_account_id="123456789012"))
    store.record_product("acme", Product.JIRA_SOFTWARE, Location.EU, first.id)
    window.show_section("security")

    window.products_page.add_product_requested.emit("acme", Location.EU)

    assert window.pages.currentWidget() is window.requests_page
    qtbot.waitUntil(lambda: window.requests_page.editor.request_id not in (None, first.id))
    current = window.requests_page.editor.current
    assert current is not None
    assert current.id != first.id
    assert current.draft.site_name == "acme"
    assert current.draft.location is Location.EU
