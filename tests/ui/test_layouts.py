"""Every page fits the smallest window (1024x640) and a large one: nothing is cut off by
its parent, nothing gets less than its minimum size, forms never scroll sideways."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QScrollArea
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from tests.helpers.factories import ready_draft
from tests.helpers.gui import WindowFactory
from tests.helpers.layout import layout_problems
from tests.ui.products.test_products_page import seed_family_detail, settle
from ui.main_window import MIN_HEIGHT, MIN_WIDTH, SECTIONS, MainWindow
from ui.requests.editor import FORM_BREAKPOINT

SIZES = [(MIN_WIDTH, MIN_HEIGHT), (1600, 1000)]


def _seeded_window(make_window: WindowFactory, context: AppContext) -> tuple[MainWindow, int]:
    for number in range(3):
        context.database.requests.create(
            ready_draft(site_name=f"site{number}", customer_org="Umbrella Pharmaceuticals plc")
        )
    product_id = seed_family_detail(context, revoked_days_ago=1, window_days=15)
    return make_window(context), product_id


def _show(qtbot: QtBot, window: MainWindow, key: str, product_id: int) -> None:
    window.show_section(key)
    settle(qtbot, window)
    if key == "requests":
        page = window.requests_page
        qtbot.waitUntil(lambda: page.model.rowCount() >= 3)
        page.new_request()  # the editor, with every field and its problems
        qtbot.waitUntil(lambda: page.editor.request_id is not None)
    if key == "security":
        page = window.products_page
        page.select_product(product_id)
        qtbot.waitUntil(lambda: page.detail.detail is not None)
    qtbot.wait(200)  # the layouts settle in the event loop


def test_the_window_cannot_be_made_smaller_than_the_layouts_allow(
    make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    window.resize(600, 400)
    assert (window.width(), window.height()) == (MIN_WIDTH, MIN_HEIGHT)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_page_fits_the_window(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext, width: int, height: int
) -> None:
    window, product_id = _seeded_window(make_window, context)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width)
    problems: dict[str, list[str]] = {}
    for key, _label, _icon in SECTIONS:
        _show(qtbot, window, key, product_id)
        found = layout_problems(window)
        if found:
            problems[key] = found
    assert problems == {}


def test_the_narrow_editor_puts_labels_above_fields_and_never_scrolls_sideways(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window, product_id = _seeded_window(make_window, context)
    window.resize(MIN_WIDTH, MIN_HEIGHT)
    _show(qtbot, window, "requests", product_id)
    editor = window.requests_page.editor
    [scroll] = [s for s in editor.findChildren(QScrollArea) if s.widget() is editor._body]
    assert scroll.viewport().width() < FORM_BREAKPOINT
    wrapped = {form.rowWrapPolicy().name for form in editor.forms}
    assert wrapped == {"WrapAllRows"}
    # Tabbing to the last field scrolls down, never sideways.
    editor.notes_edit.setFocus()
    qtbot.waitUntil(editor.notes_edit.hasFocus)
    assert scroll.horizontalScrollBar().value() == 0
    assert editor._body.width() <= scroll.viewport().width()

    # Widened, the labels go back beside their fields.
    window.requests_page.splitter.setSizes([200, 1400])
    window.resize(1800, 1000)
    qtbot.waitUntil(lambda: scroll.viewport().width() >= FORM_BREAKPOINT)
    qtbot.waitUntil(lambda: {f.rowWrapPolicy().name for f in editor.forms} == {"DontWrapRows"})
    qtbot.waitUntil(lambda: editor._body.width() <= scroll.viewport().width())
    assert layout_problems(window) == []
