"""The GUI tests: their fixtures live in ``tests/helpers/gui.py``."""

from __future__ import annotations

from tests.helpers.gui import (
    _no_real_dialogs,
    change_bus,
    make_window,
    ops,
    relay,
    sandbox_window,
    window,
)

__all__ = [  # fixtures, by name
    "_no_real_dialogs",
    "change_bus",
    "make_window",
    "ops",
    "relay",
    "sandbox_window",
    "window",
]
