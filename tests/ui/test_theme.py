"""Dark mode: the scheme follows the system unless the Appearance setting says otherwise,
and status colours keep WCAG AA contrast (4.5:1) against the backgrounds the palette in
force actually paints them on, in both schemes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.product_status import ProductStatus
from byok_desktop.settings import load_settings, setting_problem
from tests.helpers.gui import WindowFactory
from tests.ui.products.test_products_page import page_of, seed_fleet
from ui import theme
from ui.app import create_application
from ui.products.model import Column
from ui.theme import DARK, LIGHT, Tone, colour, contrast_ratio, installed_theme

AA_TEXT = 4.5


@pytest.fixture
def app() -> Iterator[QApplication]:
    application = create_application([])
    yield application
    installed_theme().follow("system")  # type: ignore[union-attr]  # as the next test expects


def _backgrounds(app: QApplication) -> dict[str, QColor]:
    """Where status text is drawn: table rows (plain and alternate), the page, and a
    selected navigation item or summary chip."""
    palette = app.palette()
    return {
        "base": palette.color(QPalette.ColorRole.Base),
        "alternate rows": palette.color(QPalette.ColorRole.AlternateBase),
        "window": palette.color(QPalette.ColorRole.Window),
        "selected chip": QColor(theme.colours()["selected_bg"]),
    }


def test_start_up_reads_the_scheme_from_the_platform_palette(app: QApplication) -> None:
    """Before the first paint the scheme comes from the palette the platform gave (asking
    Qt's scheme would load PySide6's slow Qt namespace first)."""
    dark_platform = QPalette()
    dark_platform.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    light_platform = QPalette()
    light_platform.setColor(QPalette.ColorRole.Window, QColor("#efefef"))
    saved = app.palette()
    try:
        app.setPalette(dark_platform)
        assert theme._platform_scheme(app) == "dark"
        app.setPalette(light_platform)
        assert theme._platform_scheme(app) == "light"
    finally:
        app.setPalette(saved)


def test_the_contrast_ratio_is_wcags() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(QColor("#123456"), QColor("#123456")) == pytest.approx(1.0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_status_colours_keep_aa_contrast_in_both_schemes(
    qtbot: QtBot, app: QApplication, scheme: str
) -> None:
    installed_theme().follow(scheme)  # type: ignore[union-attr]
    assert theme.scheme_name() == scheme
    low: list[str] = []
    for tone in Tone:
        for where, background in _backgrounds(app).items():
            ratio = contrast_ratio(colour(tone), background)
            if ratio < AA_TEXT:
                low.append(f"{tone.value} on {where}: {ratio:.2f}")
    text = app.palette().color(QPalette.ColorRole.Text)
    for where, background in _backgrounds(app).items():
        if contrast_ratio(text, background) < AA_TEXT:
            low.append(f"text on {where}")
    assert low == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_products_table_paints_statuses_in_the_schemes_colours(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext, scheme: str
) -> None:
    """The colours the model hands the view (Active, Degraded, Suspended, key health)
    are the scheme's, with AA contrast against the rows they are painted on."""
    seed_fleet(context)
    window = make_window(context)
    installed_theme().follow(scheme)  # type: ignore[union-attr]
    page = page_of(qtbot, window)
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() == 9)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    rows = [
        app.palette().color(QPalette.ColorRole.Base),
        app.palette().color(QPalette.ColorRole.AlternateBase),
    ]
    seen: set[str] = set()
    for row in range(model.rowCount()):
        for column in (Column.STATUS, Column.PRIMARY_KEY, Column.SECOND_KEY):
            index = model.index(row, column)
            painted = model.data(index, Qt.ItemDataRole.ForegroundRole)
            if painted is None:
                continue
            seen.add(str(model.data(index)))
            assert painted.name() in {c for c in (DARK if scheme == "dark" else LIGHT).values()}
            for background in rows:
                assert contrast_ratio(painted, background) >= AA_TEXT, (
                    model.data(index),
                    painted.name(),
                )
    assert {s.display_name for s in (ProductStatus.ACTIVE, ProductStatus.SUSPENDED)} <= seen


def test_the_scheme_follows_the_system_unless_the_setting_says_otherwise(
    app: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    current = installed_theme()
    assert current is not None
    hints = QGuiApplication.styleHints()
    system = ["light"]
    monkeypatch.setattr(theme, "system_scheme", lambda: system[0])

    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    current.follow("system")
    assert theme.scheme_name() == "light"
    # The desktop switches to dark (offscreen Qt has no desktop: say it as Qt would).
    system[0] = "dark"
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.scheme_name() == "dark"
    assert app.palette().color(QPalette.ColorRole.Window).name() == DARK["bg"]
    assert DARK["bg"] in app.styleSheet()
    assert "$" not in app.styleSheet()

    # "Light" holds whatever the desktop does.
    current.follow("light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.scheme_name() == "light"
    assert app.palette().color(QPalette.ColorRole.Window).name() == LIGHT["bg"]
    system[0] = "light"  # the desktop as the other tests expect it
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)


def test_the_appearance_setting_checks_its_value() -> None:
    assert setting_problem("appearance", "dark") is None
    assert setting_problem("appearance", "system") is None
    assert setting_problem("appearance", "purple") == "must be system, light or dark"


def test_settings_page_switches_and_saves_the_colours(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext
) -> None:
    window = make_window(context)
    window.show_section("settings")
    combo = window.settings_page.findChild(QComboBox, "colourScheme")
    assert combo is not None
    assert combo.currentData() == "system"
    combo.setCurrentIndex(combo.findData("dark"))
    assert theme.scheme_name() == "dark"  # at once, before the file is written
    qtbot.waitUntil(lambda: load_settings(context.paths.core_settings_file).appearance == "dark")
    combo.setCurrentIndex(combo.findData("system"))
    qtbot.waitUntil(lambda: load_settings(context.paths.core_settings_file).appearance == "system")


def test_icons_are_drawn_sharp_at_twice_the_pixels(app: QApplication) -> None:
    """At 200% an 18 px icon is drawn on 36 device pixels from the SVG (the same pixels
    as a 36 px icon at 100%), not an 18 px picture scaled up."""
    from ui.resources import icon

    sharp = icon("requests").pixmap(QSize(18, 18), 2.0)
    assert sharp.devicePixelRatio() == 2.0
    assert (sharp.width(), sharp.height()) == (36, 36)
    drawn_large = icon("requests").pixmap(QSize(36, 36), 1.0)
    assert sharp.toImage().convertToFormat(QImage.Format.Format_ARGB32) == (
        drawn_large.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    )
    scaled_up = icon("requests").pixmap(QSize(18, 18), 1.0).scaled(36, 36)
    assert sharp.toImage().convertToFormat(QImage.Format.Format_ARGB32) != (
        scaled_up.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    )
