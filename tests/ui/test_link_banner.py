"""A database that stops answering shows one banner, never a dialog per action; it goes
when the database answers again. The change poll is the link's heartbeat."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.changes import Changes
from ui.main_window import MainWindow


def test_a_lost_link_shows_one_banner_until_it_is_back(qtbot: QtBot, window: MainWindow) -> None:
    relay = window.changes
    assert relay is not None
    polls: list[str] = []

    def refused() -> Changes:
        polls.append("refused")
        raise ConnectionRefusedError(111, "Connection refused")

    relay._poll = refused
    relay.poll()
    qtbot.waitUntil(window.link_banner.isVisible)
    text = window.link_banner.text()
    assert "not answering (" in text
    assert "Your edits stay on this computer" in text
    relay.poll()  # still down: the same banner, no second message, no dialog
    qtbot.waitUntil(lambda: len(polls) == 2 and window.ops.pending == 0)
    assert window.link_banner.text() == text

    relay._poll = Changes
    relay.poll()
    qtbot.waitUntil(lambda: not window.link_banner.isVisible())
    assert window.status.text() == "The database is answering again."


def test_a_bug_in_the_poll_is_not_called_a_lost_link(qtbot: QtBot, window: MainWindow) -> None:
    relay = window.changes
    assert relay is not None
    calls: list[int] = []

    def broken() -> Changes:
        calls.append(1)
        raise KeyError("a bug, not the network")

    relay._poll = broken
    relay.poll()
    qtbot.waitUntil(lambda: calls == [1] and window.ops.pending == 0)
    assert not window.link_banner.isVisible()


def test_a_stalled_poll_is_not_hidden_by_the_next_one(qtbot: QtBot, window: MainWindow) -> None:
    """On a stalled link every poll takes seconds: polls due meanwhile are skipped, so the
    one running reports the lost link when it fails."""
    import threading

    relay = window.changes
    assert relay is not None
    release = threading.Event()
    started: list[int] = []

    def stalled() -> Changes:
        started.append(1)
        release.wait(5)
        raise ConnectionResetError(104, "Connection reset by peer")

    relay._poll = stalled
    relay.poll()
    qtbot.waitUntil(lambda: started == [1])
    relay.poll()  # due while the first still waits: skipped
    relay.poll()
    release.set()
    qtbot.waitUntil(window.link_banner.isVisible)
    assert started == [1]


def test_an_offline_save_in_the_window_shows_the_one_banner(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The editor's failed save raises the window's banner at once (before the next poll),
    and does not add a second one of its own; the status line says the edits are kept."""
    from byok_desktop.errors import DatabaseUnreachable

    page = window.requests_page
    page.new_request()
    editor = page.editor
    qtbot.waitUntil(lambda: editor.request_id is not None)

    def unreachable(*_args: object) -> None:
        raise DatabaseUnreachable(
            "the database server cannot be reached", "Check the VPN.", "connection refused"
        )

    monkeypatch.setattr(window.requests_page._store, "save", unreachable)
    qtbot.keyClicks(editor.org_edit, "Acme")
    qtbot.waitUntil(window.link_banner.isVisible)
    assert "(connection refused)" in window.link_banner.text()
    assert not editor.error_banner.isVisible()
    assert "Offline" in editor.saved_label.text()
    monkeypatch.undo()  # the link is back: the edits are saved by the retry
    qtbot.waitUntil(lambda: not editor.has_unsaved_edits, timeout=10_000)
