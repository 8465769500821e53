"""Every page walked by Tab: each control it reaches has a name a screen reader can read
(its own, its text, or its buddy label's), and Tab goes in reading order."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from tests.helpers.gui import WindowFactory
from tests.helpers.layout import out_of_reading_order, tab_stops
from tests.ui.test_layouts import _seeded_window, _show
from ui.main_window import SECTIONS


@pytest.mark.parametrize("key", [key for key, _label, _icon in SECTIONS])
def test_tab_reaches_only_named_controls_in_reading_order(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext, key: str
) -> None:
    window, product_id = _seeded_window(make_window, context)
    window.resize(1600, 1000)
    _show(qtbot, window, key, product_id)
    page = window.pages.currentWidget()
    stops = tab_stops(page)
    assert len(stops) >= 2, [str(s) for s in stops]  # the walk reached the page's controls
    assert [str(s) for s in stops if not s.name] == []
    assert out_of_reading_order(stops) == []
