"""Jobs for one site run one after another; jobs for different sites run in parallel."""

from __future__ import annotations

import threading
from typing import Any

from byok_desktop.jobs.scheduler import JobScheduler


class RecordingRunner:
    """Records overlap per site; each job waits until the test lets it finish."""

    def __init__(self, sites: dict[int, str]) -> None:
        self.sites = sites
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.max_per_site: dict[str, int] = {}
        self.max_total = 0
        self.order: list[int] = []
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def run(self, job_id: int, owner: str, on_progress: Any = None) -> None:
        site = self.sites[job_id]
        with self.lock:
            self.running[site] = self.running.get(site, 0) + 1
            self.max_per_site[site] = max(self.max_per_site.get(site, 0), self.running[site])
            self.max_total = max(self.max_total, sum(self.running.values()))
            self.order.append(job_id)
        self.started.release()
        self.release.wait(10)
        with self.lock:
            self.running[site] -= 1


def test_same_site_is_serial_and_sites_run_in_parallel() -> None:
    sites = {1: "acme", 2: "acme", 3: "globex", 4: "initech", 5: "acme"}
    runner = RecordingRunner(sites)
    scheduler = JobScheduler(runner, max_workers=4, owner="test")  # type: ignore[arg-type]
    try:
        for job_id, site in sites.items():
            scheduler.submit(job_id, site)
        for _ in range(3):  # acme's first job, globex and initech start together
            assert runner.started.acquire(timeout=5)
        assert runner.max_total == 3
        runner.release.set()
        assert scheduler.wait_idle(10)
    finally:
        scheduler.shutdown()
    assert runner.max_per_site == {"acme": 1, "globex": 1, "initech": 1}
    acme_order = [j for j in runner.order if sites[j] == "acme"]
    assert acme_order == [1, 2, 5]
    assert scheduler.active == 0


def test_a_crashing_job_does_not_block_the_site() -> None:
    class Failing(RecordingRunner):
        def run(self, job_id: int, owner: str, on_progress: Any = None) -> None:
            self.order.append(job_id)
            if job_id == 1:
                raise RuntimeError("boom")

    runner = Failing({1: "acme", 2: "acme"})
    scheduler = JobScheduler(runner, max_workers=2, owner="test")  # type: ignore[arg-type]
    try:
        scheduler.submit(1, "acme")
        scheduler.submit(2, "acme")
        assert scheduler.wait_idle(10)
    finally:
        scheduler.shutdown()
    assert runner.order == [1, 2]


def test_shutdown_without_waiting_drops_queued_jobs_and_lets_running_ones_end() -> None:
    sites = {1: "acme", 2: "globex", 3: "initech"}
    runner = RecordingRunner(sites)
    scheduler = JobScheduler(runner, max_workers=1, owner="test")  # type: ignore[arg-type]
    for job_id, site in sites.items():
        scheduler.submit(job_id, site)
    assert runner.started.acquire(timeout=5)  # job 1 runs, 2 and 3 wait for the worker
    scheduler.shutdown(wait=False)
    assert scheduler.active == 1
    runner.release.set()
    assert scheduler.wait_idle(10)
    assert runner.order == [1]


def test_workers_start_with_the_scheduler() -> None:
    """Submitting starts no thread: the GUI thread never waits for one to come up."""
    before = threading.active_count()
    scheduler = JobScheduler(RecordingRunner({}), max_workers=3, owner="test")  # type: ignore[arg-type]
    try:
        assert threading.active_count() == before + 3
    finally:
        scheduler.shutdown()
    assert threading.active_count() == before
