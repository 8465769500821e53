"""Helpers for the requests screens, whose store calls all run on the database worker:
waits for what used to happen at once, and stores that watch or break those calls."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.store.requests import RequestStore
from ui.operations import Operations
from ui.requests.editor import RequestEditor
from ui.requests.page import RequestsPage

WAIT_MS = 5_000


@pytest.fixture(name="ops")
def ops_fixture(qtbot: QtBot) -> Iterator[Operations]:
    """An Operations for pages built in a test; nothing it ran outlives the test."""
    operations = Operations()
    yield operations
    assert operations.shutdown(WAIT_MS), "a store call outlived its test"


def show(qtbot: QtBot, page: RequestsPage, request_id: int) -> None:
    """Select a request in the list and wait until the editor shows it."""
    page.select_request(request_id)
    wait_shown(qtbot, page.editor, request_id)


def wait_shown(qtbot: QtBot, editor: RequestEditor, request_id: int | None) -> None:
    qtbot.waitUntil(
        lambda: editor.request_id == request_id and not editor.busy_loading, timeout=WAIT_MS
    )


def wait_list(qtbot: QtBot, page: RequestsPage, rows: int | None = None) -> None:
    """Wait until the list query has answered (and holds ``rows`` rows)."""
    qtbot.waitUntil(
        lambda: (
            page.model.loaded
            and not page.model.refreshing
            and (rows is None or page.model.rowCount() == rows)
        ),
        timeout=WAIT_MS,
    )


def refresh(qtbot: QtBot, page: RequestsPage, rows: int | None = None) -> None:
    page.model.refresh()
    wait_list(qtbot, page, rows)


def column(qtbot: QtBot, page: RequestsPage, col: int, expected: list[str]) -> None:
    """Wait until the list shows ``expected`` in column ``col`` (rows arrive lazily)."""
    model = page.model

    def shown() -> list[Any]:
        return [model.index(r, col).data() for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: shown() == expected, timeout=WAIT_MS)


def save(qtbot: QtBot, editor: RequestEditor) -> bool:
    """Save now and wait for the outcome: True when nothing is left unsaved."""
    if not editor.has_unsaved_edits:
        return True
    outcomes: list[bool] = []
    editor.save_finished.connect(outcomes.append)
    try:
        if editor.save_now() is None:
            return not editor.has_unsaved_edits
        qtbot.waitUntil(lambda: bool(outcomes), timeout=WAIT_MS)
        return outcomes[-1]
    finally:
        editor.save_finished.disconnect(outcomes.append)


class WatchedStore:
    """A RequestStore whose calls are recorded with their thread; a call on the GUI
    (main) thread is a failure. ``hooks`` run before a method (to block or raise)."""

    def __init__(self, store: RequestStore) -> None:
        self._store = store
        self.calls: list[tuple[str, bool]] = []  # (method, on the GUI thread)
        self.hooks: dict[str, Callable[..., None]] = {}
        self._lock = threading.Lock()

    @property
    def tiers(self) -> Any:
        return self._store.tiers

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            on_gui = threading.current_thread() is threading.main_thread()
            with self._lock:
                self.calls.append((name, on_gui))
            if on_gui:
                raise AssertionError(f"RequestStore.{name} called on the GUI thread")
            hook = self.hooks.get(name)
            if hook is not None:
                hook(*args, **kwargs)
            return real(*args, **kwargs)

        return call

    def on_gui_thread(self) -> list[str]:
        with self._lock:
            return [name for name, on_gui in self.calls if on_gui]

    def count_of(self, name: str) -> int:
        with self._lock:
            return sum(1 for called, _ in self.calls if called == name)
