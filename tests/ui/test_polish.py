"""The polish list: page titles at one place on every page, the Settings page on the
window's own background with spin boxes a number's width."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSpinBox
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from tests.helpers.gui import WindowFactory
from ui.main_window import SECTIONS, MainWindow
from ui.settings_page import SPIN_WIDTH
from ui.theme import colours


def _title(window: MainWindow) -> QLabel:
    page = window.pages.currentWidget()
    titles = [t for t in page.findChildren(QLabel, "pageTitle") if t.isVisible()]
    assert len(titles) == 1, page
    return titles[0]


def test_every_page_title_sits_at_the_same_place(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    window.resize(1280, 800)
    places = {}
    for key, _label, _icon in SECTIONS:
        window.show_section(key)
        qtbot.wait(50)
        title = _title(window)
        places[key] = title.mapTo(window, QPoint(0, 0)).toTuple()
    assert len(set(places.values())) == 1, places


def test_settings_is_on_the_windows_background_with_narrow_spin_boxes(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    window.resize(1600, 1000)
    window.show_section("settings")
    qtbot.wait(100)
    page = window.settings_page
    spins = page.findChildren(QSpinBox)
    assert spins
    assert all(spin.width() <= SPIN_WIDTH + 40 for spin in spins), [s.width() for s in spins]
    # The page's margin, beside the title: painted in the page background, not grey.
    picture = window.pages.currentWidget().grab().toImage()
    title = _title(window)
    corner = title.mapTo(window.pages.currentWidget(), QPoint(0, 0))
    assert QColor(picture.pixel(corner.x() - 6, corner.y() + 2)).name() == colours()["bg"]
