"""A database that stops answering shows one banner, never a dialog per action; it goes
when the database answers again. The change poll is the link's heartbeat."""

from __future__ import annotations

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
