"""The core's change bus: what a write changed, merged and delivered to every listener."""

from __future__ import annotations

import logging

import pytest

from byok_desktop.changes import ChangeBus, Changes, Kind


def test_changes_merge_what_each_names() -> None:
    merged = Changes.of_requests([1]) | Changes.of_families([("acme", "jira")])
    assert merged.kinds == {Kind.REQUESTS, Kind.PRODUCTS}
    assert merged.touches_request(1)
    assert not merged.touches_request(2)
    assert merged.touches_sites() == {"acme"}


def test_a_change_of_a_kind_without_ids_touches_every_record_of_it() -> None:
    everything = Changes.of(Kind.REQUESTS, remote=True)
    assert everything.touches_request(7)
    assert not Changes.of(Kind.JOBS).touches_request(7)
    assert not Changes()


def test_a_failing_listener_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = ChangeBus()
    heard: list[Changes] = []

    def broken(_changes: Changes) -> None:
        raise RuntimeError("a broken screen")

    bus.subscribe(broken)
    bus.subscribe(heard.append)
    with caplog.at_level(logging.ERROR, "byok_desktop.changes"):
        bus.publish(Changes.of_jobs([3]))
    assert heard == [Changes.of_jobs([3])]
    assert "listener failed" in caplog.text


def test_unsubscribed_listeners_hear_nothing_and_empty_changes_are_not_sent() -> None:
    bus = ChangeBus()
    heard: list[Changes] = []
    stop = bus.subscribe(heard.append)
    bus.publish(Changes())
    stop()
    bus.publish(Changes.of_jobs([1]))
    assert heard == []
