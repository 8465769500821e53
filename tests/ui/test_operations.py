"""The operations API: work off the GUI thread, outcomes on it, newest wins, errors
presented once, and the change relay that brings the core's announcements to the GUI."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from byok_desktop.changes import ChangeBus, Changes, Kind
from ui.changes import ChangeRelay
from ui.operations import Executor, Operations, Progress


def _on_gui_thread() -> bool:
    return QThread.currentThread() is QThread.currentThread().thread() and (
        threading.current_thread() is threading.main_thread()
    )


class _Presenter:
    def __init__(self) -> None:
        self.shown: list[tuple[str, BaseException]] = []

    def present_failure(self, what: str, error: BaseException) -> None:
        self.shown.append((what, error))


@pytest.mark.parametrize("executor", list(Executor))
def test_work_runs_off_the_gui_thread_and_success_on_it(
    qtbot: QtBot, ops: Operations, executor: Executor
) -> None:
    where: dict[str, bool] = {}
    results: list[int] = []

    def work() -> int:
        where["work"] = _on_gui_thread()
        return 42

    def success(value: int) -> None:
        where["success"] = _on_gui_thread()
        results.append(value)

    ops.run(work, success, on=executor)
    qtbot.waitUntil(lambda: results == [42])
    assert where == {"work": False, "success": True}
    assert ops.pending == 0


def test_the_database_worker_runs_one_operation_at_a_time(qtbot: QtBot, ops: Operations) -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    done: list[int] = []

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.02)  # long enough for a second worker to overlap
        with lock:
            running -= 1
        return n

    for n in range(5):
        ops.run(lambda n=n: work(n), done.append, on=Executor.DATABASE)
    qtbot.waitUntil(lambda: len(done) == 5)
    assert most == 1
    assert done == [0, 1, 2, 3, 4]  # in the order asked


def test_an_unhandled_failure_goes_to_the_presenter_once(qtbot: QtBot, ops: Operations) -> None:
    presenter = _Presenter()
    ops.presenter = presenter

    def fail() -> None:
        raise OSError("disk full")

    ops.run(fail, what="save the request")
    qtbot.waitUntil(lambda: bool(presenter.shown))
    [(what, error)] = presenter.shown
    assert what == "save the request"
    assert isinstance(error, OSError)


def test_a_handled_failure_reaches_its_handler_not_the_presenter(
    qtbot: QtBot, ops: Operations
) -> None:
    presenter = _Presenter()
    ops.presenter = presenter
    failures: list[BaseException] = []

    def fail() -> None:
        raise ValueError("no such site")

    ops.run(fail, failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert str(failures[0]) == "no such site"
    assert presenter.shown == []


def test_the_newest_operation_with_a_key_wins(qtbot: QtBot, ops: Operations) -> None:
    release = threading.Event()
    results: list[str] = []

    def slow() -> str:
        release.wait(5)
        return "old"

    first = ops.run(slow, results.append, key="site-check", on=Executor.POOL)
    ops.run(lambda: "new", results.append, key="site-check", on=Executor.POOL)
    qtbot.waitUntil(lambda: results == ["new"])
    assert ops.is_pending(first)
    release.set()
    qtbot.waitUntil(lambda: not ops.is_pending(first))
    assert results == ["new"]  # the stale result was dropped, never delivered


def test_progress_arrives_on_the_gui_thread(qtbot: QtBot, ops: Operations) -> None:
    seen: list[tuple[int, int, str, bool]] = []
    finished: list[str] = []

    def work(progress: Progress) -> str:
        for n in range(3):
            progress.report(n + 1, 3, f"step {n + 1}")
        return "done"

    ops.run_with_progress(
        work,
        finished.append,
        progress=lambda done, total, text: seen.append((done, total, text, _on_gui_thread())),
    )
    qtbot.waitUntil(lambda: finished == ["done"])
    assert seen == [(1, 3, "step 1", True), (2, 3, "step 2", True), (3, 3, "step 3", True)]


def test_batched_items_from_workers_arrive_in_order_in_few_wake_ups(
    qtbot: QtBot, ops: Operations
) -> None:
    batches: list[list[int]] = []
    deliver = ops.batched(batches.append)
    thread = threading.Thread(target=lambda: [deliver(n) for n in range(500)])
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) == 500)
    assert [n for batch in batches for n in batch] == list(range(500))
    assert len(batches) < 500


def test_after_shutdown_nothing_new_runs_and_the_caller_hears_why(
    qtbot: QtBot, ops: Operations
) -> None:
    ops.shutdown()
    ran: list[bool] = []
    failures: list[BaseException] = []
    ops.run(lambda: ran.append(True), failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert ran == []
    assert "closing" in str(failures[0])


def test_shutdown_does_not_wait_for_a_stuck_call(qtbot: QtBot) -> None:
    ops = Operations()
    stuck = threading.Event()
    delivered: list[object] = []
    ops.run(lambda: stuck.wait(10), delivered.append, on=Executor.POOL)
    assert ops.shutdown(200) is False  # gave up waiting: quitting is not held up
    stuck.set()
    assert ops.wait(5_000)
    qtbot.wait(50)  # let a late outcome arrive, if it were delivered
    assert delivered == []


def test_the_relay_brings_changes_from_any_thread_to_the_gui_thread(
    qtbot: QtBot, ops: Operations
) -> None:
    bus = ChangeBus()
    relay = ChangeRelay(bus, ops)
    heard: list[tuple[Changes, bool]] = []
    relay.changed.connect(lambda c: heard.append((c, _on_gui_thread())))

    def publish() -> None:
        bus.publish(Changes.of_requests([1]))
        bus.publish(Changes.of_families([("acme", "jira")]))

    thread = threading.Thread(target=publish)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(heard))
    merged = Changes()
    for changes, on_gui in heard:
        assert on_gui
        merged = merged | changes if merged else changes
    assert merged.kinds == {Kind.REQUESTS, Kind.PRODUCTS}
    assert merged.requests == {1}
    assert merged.families == {("acme", "jira")}
    relay.stop()


def test_the_relay_publishes_what_its_poll_finds(qtbot: QtBot, ops: Operations) -> None:
    bus = ChangeBus()
    remote = Changes.of(Kind.JOBS, remote=True)
    relay = ChangeRelay(bus, ops, poll=lambda: remote, poll_ms=60_000)
    heard: list[Changes] = []
    relay.changed.connect(heard.append)
    relay.poll()
    qtbot.waitUntil(lambda: heard == [remote])
    relay.stop()


def test_work_outliving_its_operations_ends_quietly(
    qtbot: QtBot, capfd: pytest.CaptureFixture[str]
) -> None:
    """The window goes (and its Operations with it) while a call still runs: the worker
    finishes without signalling a deleted object, and nothing is delivered."""
    from shiboken6 import delete

    ops = Operations()
    release = threading.Event()
    delivered: list[object] = []

    def work() -> str:
        release.wait(5)
        return "late"

    ops.run(work, delivered.append, on=Executor.POOL)
    threading.Timer(0.1, release.set).start()
    delete(ops)  # its pools wait for the work, which then reports into nothing
    qtbot.wait(20)
    assert delivered == []
    assert "Signal source has been deleted" not in capfd.readouterr().err


def test_queued_database_work_still_runs_at_shutdown(qtbot: QtBot) -> None:
    """The last save or a job's stop request may be queued behind other database work
    when the app quits: it runs; queued network work does not."""
    ops = Operations()
    release = threading.Event()
    ran: list[str] = []
    ops.run(lambda: release.wait(5), on=Executor.DATABASE)
    ops.run(lambda: ran.append("database"), on=Executor.DATABASE)
    for _ in range(4):  # the pool's every thread busy: the next one waits in its queue
        ops.run(lambda: release.wait(5), on=Executor.POOL)
    ops.run(lambda: ran.append("pool"), on=Executor.POOL)
    threading.Timer(0.1, release.set).start()
    assert ops.shutdown(5_000)
    assert ran == ["database"]
