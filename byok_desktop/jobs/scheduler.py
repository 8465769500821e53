"""A bounded pool of worker threads: jobs for one site run one after another, jobs for
different sites in parallel. Qt-free; the GUI bridges ``on_update`` to a signal."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections import deque
from collections.abc import Callable

from byok_desktop.jobs.model import Job
from byok_desktop.jobs.runner import JobRunner
from byok_desktop.store.jobs import JobNotClaimable

log = logging.getLogger("byok_desktop.jobs")


class JobScheduler:
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
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, max_workers), thread_name_prefix="job"
        )
        self._lock = threading.Lock()
        self._waiting: dict[str, deque[int]] = {}
        self._busy_sites: set[str] = set()
        self._active = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, job_id: int, site_key: str) -> None:
        with self._lock:
            self._active += 1
            if site_key in self._busy_sites:
                self._waiting.setdefault(site_key, deque()).append(job_id)
                return
            self._busy_sites.add(site_key)
        self._pool.submit(self._run, job_id, site_key)

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
                queue = self._waiting.get(site_key)
                if queue:
                    next_job = queue.popleft()
                else:
                    self._busy_sites.discard(site_key)
                    self._waiting.pop(site_key, None)
                self._idle.notify_all()
            if next_job is not None:
                self._pool.submit(self._run, next_job, site_key)

    @property
    def active(self) -> int:
        with self._lock:
            return self._active

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        with self._lock:
            return self._idle.wait_for(lambda: self._active == 0, timeout_s)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
