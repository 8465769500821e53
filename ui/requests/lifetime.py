"""Work for a widget that may be gone when the work ends.

A page can be closed while its reads run on the database worker (a test tearing it down,
a window closing); their outcomes must then be dropped, not delivered to deleted Qt
objects. ``run_for`` is :meth:`Operations.run` with that check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject
from shiboken6 import isValid

from ui.operations import Executor, Operations, Ticket

log = logging.getLogger("ui.requests")

T = TypeVar("T")


def run_for(
    owner: QObject,
    ops: Operations,
    work: Callable[[], T],
    success: Callable[[T], None],
    failure: Callable[[BaseException], None],
    *,
    on: Executor,
    what: str,
    key: str | None = None,
) -> Ticket:
    """Run ``work`` on ``on``; the callbacks run on the GUI thread while ``owner`` lives."""

    def succeeded(result: T) -> None:
        if isValid(owner):
            success(result)

    def failed(error: BaseException) -> None:
        if isValid(owner):
            failure(error)
        else:
            log.info("%s ended after its screen closed: %s", what, error)

    return ops.run(work, succeeded, failed, on=on, what=what, key=key)
