"""The GUI tests: their fixtures live in ``tests/helpers/gui.py``."""

from __future__ import annotations

from tests.helpers.gui import _no_real_dialogs, make_window, sandbox_window, window

__all__ = ["_no_real_dialogs", "make_window", "sandbox_window", "window"]  # fixtures, by name
