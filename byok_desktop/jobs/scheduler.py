"""A bounded pool of worker threads: jobs for one site run one after another, jobs for
different sites in parallel. Qt-free; the GUI bridges ``on_update`` to a signal."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable

from byok_desktop.job_records import Job, JobNotClaimable
from byok_desktop.jobs.runner import JobRunner

log = logging.getLogger("byok_desktop.jobs")

_STOP = (-1, "")  # tells a worker to exit


class JobScheduler:
    """The workers start with the scheduler, so ``submit`` (called on the GUI thread) only
    takes a lock and puts on a queue: starting a thread waits until it runs, and under
    load that wait for the GIL would stall the GUI."""

    def __init__(
        self,
        runner: JobRunner,
        max_workers: int,
        owner: str,
        on_update: Callable[[Job], None] | None = None,
    ) -> None:
        self._runner = runner
        self._owner = owner
        self._on_update = on_update or (lambda _job: None)
        self._lock = threading.Lock()
        self._waiting: dict[str, deque[int]] = {}
        self._busy_sites: set[str] = set()
        self._active = 0
        self._idle = threading.Condition(self._lock)
        self._ready: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()
        self._workers = [
            threading.Thread(target=self._work, name=f"job-{n}", daemon=True)
            for n in range(max(1, max_workers))
        ]
        for worker in self._workers:
            worker.start()

    def submit(self, job_id: int, site_key: str) -> None:
        with self._lock:
            self._active += 1
            if site_key in self._busy_sites:
                self._waiting.setdefault(site_key, deque()).append(job_id)
                return
            self._busy_sites.add(site_key)
        self._ready.put((job_id, site_key))

    def _work(self) -> None:
        while True:
            job_id, site_key = self._ready.get()
            if (job_id, site_key) == _STOP:
                return
            self._run(job_id, site_key)

    def _run(self, job_id: int, site_key: str) -> None:
        try:
            self._runner.run(job_id, self._owner, self._on_update)
        except JobNotClaimable as exc:
            log.info("Skipped job %s: %s", job_id, exc)
        except Exception:
            log.exception("Job %s crashed its worker", job_id)
        finally:
            next_job: int | None = None
            with self._lock:
                self._active -= 1
                queue_ = self._waiting.get(site_key)
                if queue_:
                    next_job = queue_.popleft()
                else:
                    self._busy_sites.discard(site_key)
                    self._waiting.pop(site_key, None)
                self._idle.notify_all()
            if next_job is not None:
                self._ready.put((next_job, site_key))

    @property
    def active(self) -> int:
        with self._lock:
            return self._active

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        with self._lock:
            return self._idle.wait_for(lambda: self._active == 0, timeout_s)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the workers. With ``wait``, jobs already queued run first; without it,
        queued jobs are dropped (they stay Queued in the journal) and running ones are
        left to finish or stop at their next step boundary."""
        if not wait:
            with self._lock:
                dropped = self._drain()
                self._active -= dropped
                self._waiting.clear()
                self._idle.notify_all()
        for _worker in self._workers:
            self._ready.put(_STOP)
        if wait:
            for worker in self._workers:
                worker.join()

    def _drain(self) -> int:
        dropped = 0
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                return dropped
            if item != _STOP:
                dropped += 1
