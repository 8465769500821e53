"""A test fails when it leaves work running behind it: a Python thread it started, a task
in Qt's global thread pool, a QThread, or an active QTimer (or a pending single-shot one).

napari's conftest (``dangling_qthreads``, ``dangling_qtimers``, ``dangling_qthread_pool``)
is the model. Work that ends on its own gets a short, bounded wait; what is still running
after it is named in the failure (thread names and targets, timers' object names, parents
and where they were started). A test that really needs an exception says why:
``@pytest.mark.allow_leaks(reason="...")``.

Registered for every test by the root ``conftest.py``. It never imports Qt itself: the Qt
checks run only once a test has loaded PySide6, so the headless tests stay Qt-free.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# How long work that is ending anyway may take to end, in seconds.
GRACE_S = 2.0

# Threads that are the process's own, long-lived by design and not started for a test.
# Matched by name prefix; each with the reason it may outlive a test.
PROCESS_THREADS: dict[str, str] = {
    # Python's placeholder for a thread it did not start (a Qt pool worker that ran Python
    # code). It stays in threading.enumerate() for good on Python 3.11; the pool itself is
    # checked below.
    "Dummy-": "a Qt thread pool worker as Python sees it (checked as a pool task)",
}


def _foreign(thread: threading.Thread) -> bool:
    return isinstance(thread, threading._DummyThread)  # type: ignore[attr-defined]


def _describe_thread(thread: threading.Thread) -> str:
    target = getattr(thread, "_target", None)
    where = getattr(target, "__qualname__", None) or repr(target)
    kind = "daemon" if thread.daemon else "non-daemon"
    return f"thread {thread.name!r} ({kind}, target {where})"


def _leaked_threads(before: set[threading.Thread]) -> list[str]:
    deadline = time.monotonic() + GRACE_S
    left: list[threading.Thread] = []
    for thread in threading.enumerate():
        if thread in before or _foreign(thread):
            continue
        if any(thread.name.startswith(prefix) for prefix in PROCESS_THREADS):
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            left.append(thread)
    return [_describe_thread(t) for t in left]


@dataclass
class _QtWatch:
    """What was running in Qt before the test, and the single shots it scheduled."""

    before: list[weakref.ref[Any]] = field(default_factory=list)
    shots: list[tuple[float, str, weakref.ref[Any] | None, str]] = field(default_factory=list)


def _caller() -> str:
    """The innermost frame outside this module: where the app or the test called from."""
    for frame in reversed(traceback.extract_stack()):
        if frame.filename != __file__:
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "?"


def _running_qt_objects() -> list[Any]:
    """Active QTimers and running QThreads owned by the application object or by a window.

    Found by walking the object trees rather than by patching ``QTimer.start``: a patched
    ``start`` connected to a signal would be handed the signal's arguments, which the C++
    slot ignores. A parentless timer is not seen; the GUI's timers all have owners.
    """
    from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

    app = QCoreApplication.instance()
    if app is None:
        return []
    roots: list[QObject] = [app]
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication

        if isinstance(app, QApplication):
            roots += QApplication.topLevelWidgets()
    running: dict[int, Any] = {}
    for root in roots:
        for timer in root.findChildren(QTimer):
            if timer.isActive():
                running[id(timer)] = timer
        for qthread in root.findChildren(QThread):
            if qthread.isRunning():
                running[id(qthread)] = qthread
    return list(running.values())


def _watch_qt(monkeypatch: pytest.MonkeyPatch) -> _QtWatch:
    from PySide6.QtCore import QObject, QTimer

    watch = _QtWatch(before=[weakref.ref(obj) for obj in _running_qt_objects()])
    single_shot = QTimer.singleShot

    def shot(msec: int, *args: Any) -> None:
        # Only recorded, never wrapped: the call reaches Qt exactly as the code made it.
        context = next((a for a in args if isinstance(a, QObject)), None)
        functor = args[-1] if args else None
        owner = getattr(functor, "__self__", None)
        if context is None and isinstance(owner, QObject):
            context = owner
        what = getattr(functor, "__qualname__", None) or repr(functor)
        due = time.monotonic() + msec / 1000
        ref = weakref.ref(context) if context is not None else None
        watch.shots.append((due, what, ref, _caller()))
        single_shot(msec, *args)

    monkeypatch.setattr(QTimer, "singleShot", staticmethod(shot))
    return watch


def _owner_chain(obj: Any) -> str:
    names = []
    while obj is not None:
        name = obj.objectName()
        names.append(f"{type(obj).__name__}({name!r})" if name else type(obj).__name__)
        obj = obj.parent()
    return " < ".join(names)


def _leaked_qt(watch: _QtWatch) -> list[str]:
    from PySide6.QtCore import QCoreApplication, QEvent, QThread, QThreadPool
    from shiboken6 import isValid

    leaks: list[str] = []
    app = QCoreApplication.instance()
    deadline = time.monotonic() + GRACE_S

    pool = QThreadPool.globalInstance()
    if not pool.waitForDone(int(GRACE_S * 1000)) or pool.activeThreadCount():
        leaks.append(f"{pool.activeThreadCount()} task(s) still running in the global QThreadPool")

    def alive(ref: weakref.ref[Any]) -> Any:
        obj = ref()
        return obj if obj is not None and isValid(obj) else None

    if app is not None:  # objects handed to deleteLater are gone before we look
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    before = [obj for obj in map(alive, watch.before) if obj is not None]
    for obj in _running_qt_objects():
        if any(obj is old for old in before):
            continue
        if isinstance(obj, QThread):
            if not obj.wait(max(0, int((deadline - time.monotonic()) * 1000))):
                leaks.append(f"QThread {_owner_chain(obj)} still running")
            continue
        kind = "single-shot" if obj.isSingleShot() else "repeating"
        leaks.append(f"active {kind} QTimer {_owner_chain(obj)}, every {obj.interval()} ms")
    now = time.monotonic()
    for due, what, ref, where in watch.shots:
        cancelled = ref is not None and alive(ref) is None
        if due > now and not cancelled:
            leaks.append(
                f"QTimer.singleShot({what}) due in {int((due - now) * 1000)} ms, "
                f"scheduled at {where}"
            )
    return leaks


@pytest.fixture(autouse=True)
def _no_leaks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails the test (at teardown) if it leaves threads, pool tasks or timers running."""
    before = set(threading.enumerate())
    qt_loaded = "PySide6.QtCore" in sys.modules
    watch: _QtWatch | None = _watch_qt(monkeypatch) if qt_loaded else None
    yield
    if request.node.get_closest_marker("allow_leaks") is not None:
        return
    leaks = _leaked_threads(before)
    if watch is None and "PySide6.QtCore" in sys.modules:
        watch = _QtWatch()  # Qt was loaded by the test itself: the pool is still checked
    if watch is not None:
        leaks += _leaked_qt(watch)
    if leaks:
        pytest.fail("the test left work running:\n  " + "\n  ".join(leaks), pytrace=False)
