"""Light and dark themes: the colours every screen uses, picked per colour scheme.

The scheme follows the operating system (Qt's ``QStyleHints.colorScheme()``) unless the
Appearance setting says Light or Dark. Every colour has a name; the stylesheet
(resources/style.qss) refers to them as ``$name``, and code asks ``colour(Tone.X)`` for the
status colours when it paints, so a change of scheme reaches what is already on screen.
Status colours are chosen to keep WCAG AA contrast (4.5:1 for text) against the
backgrounds they are drawn on, in both schemes (tests/ui/test_theme.py measures it)."""

from __future__ import annotations

import logging
from enum import Enum

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger("ui.theme")


class Tone(Enum):
    """What a coloured text or mark says."""

    SUCCESS = "success"  # Active, Ready, Verified, Succeeded, a key Enabled
    DANGER = "danger"  # Suspended, Failed, a key disabled or missing
    WARNING = "warning"  # Degraded, Draft, pending deletion, interrupted
    INFO = "info"  # Provisioning, Restoring, Submitted
    NEUTRAL = "neutral"  # Unverified and other plain states
    SUBTLE = "subtle"  # not checked yet, a row that repeats the one above


# Every named colour of a scheme. Tones are text colours; the rest style the widgets.
LIGHT: dict[str, str] = {
    "success": "#216e4e",
    "danger": "#ae2e24",
    "warning": "#a54800",
    "info": "#0c66e4",
    "neutral": "#44546f",
    "subtle": "#5e6c84",
    "bg": "#ffffff",
    "bg_alt": "#f7f8f9",  # alternate table rows, the navigation
    "text": "#172b4d",
    "text_subtle": "#44546f",
    "text_disabled": "#8590a2",
    "border": "#dcdfe4",
    "input_border": "#8590a2",
    "hover": "#f1f2f4",
    "selected_bg": "#e9f2ff",
    "accent": "#0c66e4",
    "accent_hover": "#0055cc",
    "accent_pressed": "#09326c",
    "on_accent": "#ffffff",
    "accent_disabled": "#cce0ff",
    "focus": "#388bff",
    "selection": "#cce0ff",
    "highlight": "#0c66e4",
    "on_highlight": "#ffffff",
    "button": "#f1f2f4",
    "button_hover": "#e9ebee",
    "button_pressed": "#dcdfe4",
    "invalid": "#c9372c",
    "warning_bg": "#fff7d6",
    "warning_edge": "#e2b203",
    "info_bg": "#e9f2ff",
    "info_edge": "#1d7afc",
    "error_bg": "#ffeceb",
    "error_edge": "#c9372c",
    "sandbox": "#6e5dc6",
    "on_sandbox": "#ffffff",
    "sandbox_status": "#dfd8fd",
    "tooltip_bg": "#172b4d",
    "tooltip_text": "#ffffff",
}
DARK: dict[str, str] = {
    "success": "#4bce97",
    "danger": "#fd9891",
    "warning": "#fea362",
    "info": "#85b8ff",
    "neutral": "#b6c2cf",
    "subtle": "#9fadbc",
    "bg": "#1d2125",
    "bg_alt": "#22272b",
    "text": "#dee4ea",
    "text_subtle": "#b6c2cf",
    "text_disabled": "#738496",
    "border": "#38414a",
    "input_border": "#738496",
    "hover": "#282e33",
    "selected_bg": "#1c2b41",
    "accent": "#579dff",
    "accent_hover": "#85b8ff",
    "accent_pressed": "#cce0ff",
    "on_accent": "#161a1d",
    "accent_disabled": "#1c2b41",
    "focus": "#85b8ff",
    "selection": "#09326c",
    "highlight": "#0055cc",
    "on_highlight": "#ffffff",
    "button": "#2c333a",
    "button_hover": "#38414a",
    "button_pressed": "#454f59",
    "invalid": "#f87168",
    "warning_bg": "#533f04",
    "warning_edge": "#cf9f02",
    "info_bg": "#1c2b41",
    "info_edge": "#579dff",
    "error_bg": "#42221f",
    "error_edge": "#f87168",
    "sandbox": "#5e4db2",
    "on_sandbox": "#ffffff",
    "sandbox_status": "#2b273f",
    "tooltip_bg": "#dee4ea",
    "tooltip_text": "#161a1d",
}
SCHEMES = {"light": LIGHT, "dark": DARK}
DARK_LIGHTNESS = 128  # a platform palette whose windows are darker than this is dark

# The icons' ink in the light scheme, and what it becomes in the dark one.
ICON_INK = {"#3b4a5c": "#b6c2cf", "#44546f": "#9fadbc", "#ae2e24": "#fd9891"}


class _Current:
    name = "light"
    theme: Theme | None = None  # the application's, once installed


_current = _Current()


def scheme_name() -> str:
    """The scheme in force: "light" or "dark"."""
    return _current.name


def colours() -> dict[str, str]:
    return SCHEMES[_current.name]


def colour(tone: Tone) -> QColor:
    """A status colour in the scheme in force (ask when painting, never keep it)."""
    return QColor(colours()[tone.value])


def system_scheme() -> str:
    # Asking Qt's scheme loads PySide6's Qt namespace (~14 ms): only after the first
    # paint (start-up reads the platform's palette instead, see Theme).
    from PySide6.QtCore import Qt

    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def _platform_scheme(app: QApplication) -> str:
    """The system's scheme from the palette the platform gave the application (before
    ours replaces it): dark windows mean a dark desktop."""
    window = app.palette().color(QPalette.ColorRole.Window)
    return "dark" if window.lightness() < DARK_LIGHTNESS else "light"


def palette_for(scheme: dict[str, str]) -> QPalette:
    """Fusion's palette in the scheme's colours (what the stylesheet does not cover:
    tables, menus, scroll bars, tooltips)."""
    palette = QPalette()
    role = QPalette.ColorRole
    pairs = {
        role.Window: "bg",
        role.WindowText: "text",
        role.Base: "bg",
        role.AlternateBase: "bg_alt",
        role.Text: "text",
        role.Button: "button",
        role.ButtonText: "text",
        role.Highlight: "highlight",
        role.HighlightedText: "on_highlight",
        role.ToolTipBase: "tooltip_bg",
        role.ToolTipText: "tooltip_text",
        role.PlaceholderText: "text_disabled",
        role.Link: "info",
        role.BrightText: "on_accent",
        role.Mid: "border",
        role.Midlight: "hover",
        role.Dark: "input_border",
        role.Light: "bg_alt",
        role.Shadow: "border",
    }
    for palette_role, name in pairs.items():
        palette.setColor(palette_role, QColor(scheme[name]))
    disabled = QPalette.ColorGroup.Disabled
    for palette_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, palette_role, QColor(scheme["text_disabled"]))
    return palette


def render_stylesheet(template: str, scheme: dict[str, str]) -> str:
    """``$name`` in the template → the scheme's colour (longest names first, so that
    ``$bg_alt`` is not read as ``$bg`` followed by ``_alt``)."""
    for name in sorted(scheme, key=len, reverse=True):
        template = template.replace(f"${name}", scheme[name])
    return template


class Theme(QObject):
    """Applies a scheme to the application and keeps following the system's."""

    changed = Signal(str)  # the scheme now in force

    def __init__(self, app: QApplication, template: str) -> None:
        super().__init__(app)
        self._app = app
        self._template = template
        self._choice = "system"
        self._system = _platform_scheme(app)  # until the system says it changed
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_changed)

    @property
    def choice(self) -> str:
        return self._choice

    def follow(self, choice: str) -> None:
        """ "system", "light" or "dark" (the Appearance setting)."""
        self._choice = choice if choice in ("light", "dark") else "system"
        self._apply()

    @Slot()
    def _system_changed(self) -> None:
        self._system = system_scheme()
        if self._choice == "system":
            self._apply()

    def _apply(self) -> None:
        name = self._system if self._choice == "system" else self._choice
        scheme = SCHEMES[name]
        _current.name = name
        self._app.setPalette(palette_for(scheme))
        self._app.setStyleSheet(render_stylesheet(self._template, scheme))
        log.debug("Colour scheme %s (setting: %s)", name, self._choice)
        self.changed.emit(name)


def install_theme(app: QApplication, template: str, choice: str = "system") -> Theme:
    """The application's theme (made once), following ``choice``."""
    theme = _current.theme
    if theme is None or theme.parent() is not app:
        theme = _current.theme = Theme(app, template)
    theme.follow(choice)
    return theme


def installed_theme() -> Theme | None:
    return _current.theme


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2's contrast ratio of two opaque colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def linear(channel: float) -> float:
            return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

        return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF())

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
