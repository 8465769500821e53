"""Provisioning jobs against AWS with network-like latency.

A moto server runs in another process (``moto_latency_server.py``) and answers every AWS
request after 50 ms. An app context (real settings file, real database, a KEYS profile
whose secret is in an in-memory keyring) points at it; 50 Ready requests on 50 sites
(one product family each, account 123456789012, both locations) are submitted and run:

a. in a QApplication through the real ``JobsBridge`` and ``JobsPage`` (8 workers), while
   a 10 ms heartbeat timer records the gaps between its ticks: the GUI's stalls. As the
   app runs them, in the job worker process (``byok_desktop.jobs.worker_process``; its
   profile is an AWS CLI profile in a credentials file of the run's own, since the worker
   cannot see this process's in-memory keyring), and, for comparison, on threads in the
   GUI process;
b. headless through ``JobScheduler`` with 8 workers and with 1 worker: the speed-up;
c. with timers around the journal writes (``JobStore`` and ``ProductStore`` methods,
   patched in this process only): their share of the job time.
"""

from __future__ import annotations

import cProfile
import functools
import io
import itertools
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, Options, median, percentile, repeat_within, stage
from benchmarks.memory_keyring import MemoryKeyring
from byok_desktop.context import AppContext, open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.runner import JobRunner, ProvisioningSettings
from byok_desktop.jobs.scheduler import JobScheduler
from byok_desktop.jobs.submit import submit_request
from byok_desktop.locations import Location
from byok_desktop.paths import resolve_paths
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft
from byok_desktop.settings import Settings, save_settings
from byok_desktop.store.jobs import JobStore
from byok_desktop.store.products import ProductStore
from byok_desktop.store.requests import RequestStore

LATENCY_MS = 50.0
ACCOUNT = "123456789012"
HEARTBEAT_MS = 10
WORKERS = 8
JOBS_FULL = 50
JOBS_QUICK = 10
RUN_TIMEOUT_S = 900.0
SERVER_SCRIPT = Path(__file__).with_name("moto_latency_server.py")

# What counts as writing the journal (figure c), and other database work in a job.
JOURNAL_WRITES: dict[type, tuple[str, ...]] = {
    JobStore: ("claim", "step_started", "step_finished", "step_failed", "finish", "record_keys"),
    ProductStore: (
        "provisioning_started",
        "provisioning_failed",
        "provisioning_succeeded",
        "add_event",
    ),
}
OTHER_DB: dict[type, tuple[str, ...]] = {
    JobStore: ("get", "cancel_requested", "completed"),
    RequestStore: ("get", "products_on_site", "record_product", "update_lifecycle"),
}

_SITE_WORDS = (
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
)


# --- the AWS stand-in ----------------------------------------------------------------------


class LatencyServer:
    """The moto server process; ``reset()`` empties it between runs."""

    def __init__(self, latency_ms: float) -> None:
        self.latency_ms = latency_ms
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in __exit__)
        # Never through a proxy: the server is on this machine.
        self._http = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __enter__(self) -> LatencyServer:
        self._process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), "--latency-ms", str(self.latency_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        port_line: list[str] = []
        reader = threading.Thread(
            target=lambda: port_line.append(self._stdout().readline()), daemon=True
        )
        reader.start()
        reader.join(60)
        if not port_line or not port_line[0].strip().isdigit():
            self._log.seek(0)
            detail = self._log.read()[-2000:]
            self.__exit__()
            raise RuntimeError(f"the moto server did not start:\n{detail}")
        self.url = f"http://127.0.0.1:{int(port_line[0])}"
        return self

    def _stdout(self) -> Any:
        assert self._process is not None
        assert self._process.stdout is not None
        return self._process.stdout

    def __exit__(self, *_exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the server exits when its stdin closes
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._log.close()

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", data=b"", method="POST")
        with self._http.open(request, timeout=30) as response:
            response.read()

    def aws_requests(self) -> int:
        with self._http.open(f"{self.url}/_bench/stats", timeout=30) as response:
            return int(json.load(response)["aws_requests"])


# --- timing the journal ---------------------------------------------------------------------


class Meter:
    """Wall time of wrapped methods per bucket, summed over all threads. Only calls made
    inside a job (``JobRunner.run``, the "job" bucket) count, so the database work of
    submitting or preparing is left out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.by_method: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # s, calls
        self._restore: list[tuple[type, str, Any]] = []

    def reset(self) -> None:
        with self._lock:
            self.seconds.clear()
            self.calls.clear()
            self.by_method.clear()

    def wrap(self, owner: type, name: str, bucket: str) -> None:
        original = owner.__dict__[name]
        meter = self
        label = f"{owner.__name__}.{name}"
        local = self._local

        @functools.wraps(original)
        def timed_method(*args: Any, **kwargs: Any) -> Any:
            is_job = bucket == "job"
            if not is_job and not getattr(local, "in_job", False):
                return original(*args, **kwargs)
            if is_job:
                local.in_job = True
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                if is_job:
                    local.in_job = False
                with meter._lock:
                    meter.seconds[bucket] += spent
                    meter.calls[bucket] += 1
                    entry = meter.by_method[label]
                    entry[0] += spent
                    entry[1] += 1

        setattr(owner, name, timed_method)
        self._restore.append((owner, name, original))

    def wrap_all(self, methods: dict[type, tuple[str, ...]], bucket: str) -> None:
        for owner, names in methods.items():
            for name in names:
                self.wrap(owner, name, bucket)

    def unwrap(self) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()

    def breakdown(self) -> str:
        job = self.seconds.get("job", 0.0) or 1.0
        lines = [f"{'method':<40} {'calls':>6} {'total s':>8} {'ms/call':>8} {'% job':>6}"]
        for label, (spent, calls) in sorted(self.by_method.items(), key=lambda kv: -kv[1][0]):
            lines.append(
                f"{label:<40} {calls:>6.0f} {spent:>8.2f} {1000 * spent / max(calls, 1):>8.1f} "
                f"{100 * spent / job:>6.1f}"
            )
        return "\n".join(lines)


@contextmanager
def metered() -> Iterator[Meter]:
    meter = Meter()
    meter.wrap(JobRunner, "run", "job")
    meter.wrap_all(JOURNAL_WRITES, "journal")
    meter.wrap_all(OTHER_DB, "other_db")
    try:
        yield meter
    finally:
        meter.unwrap()


# --- one run ------------------------------------------------------------------------------


@dataclass
class Prepared:
    context: AppContext
    request_ids: list[int]


@dataclass
class RunResult:
    wall_s: float
    statuses: dict[JobStatus, int]
    aws_requests: int
    journal_s: float = 0.0
    other_db_s: float = 0.0
    job_s: float = 0.0
    journal_calls: int = 0
    gaps_ms: list[float] = field(default_factory=list)
    # Per gap: how long the GUI thread waited for a CPU (the kernel's run queue), not for
    # the interpreter or its own work; empty where the kernel does not say (/proc schedstat).
    cpu_wait_ms: list[float] = field(default_factory=list)
    # Per gap: how long the GUI thread ran on a CPU (its own work, painting included).
    cpu_run_ms: list[float] = field(default_factory=list)
    breakdown: str = ""

    def longest_split(self) -> tuple[float, float] | None:
        """During the longest gap: (ran, waited for a CPU) of the GUI thread, in ms; the
        rest of the gap it was blocked (the interpreter's lock, or nothing to do)."""
        if not self.gaps_ms or len(self.cpu_wait_ms) != len(self.gaps_ms):
            return None
        at = self.gaps_ms.index(max(self.gaps_ms))
        return self.cpu_run_ms[at], self.cpu_wait_ms[at]

    @property
    def succeeded(self) -> int:
        return self.statuses.get(JobStatus.SUCCEEDED, 0)

    @property
    def journal_pct(self) -> float:
        return 100 * self.journal_s / self.job_s if self.job_s else float("nan")

    @property
    def other_db_pct(self) -> float:
        return 100 * self.other_db_s / self.job_s if self.job_s else float("nan")


def _draft(index: int) -> RequestDraft:
    word = _SITE_WORDS[index % len(_SITE_WORDS)]
    return RequestDraft(
        aws_account_id=ACCOUNT,
        site_name=f"{word}-{1000 + index}",
        desired_users=str(500 + 250 * index),
        location=Location.EU if index % 2 == 0 else Location.USA,
        products=frozenset({Product.JIRA_SOFTWARE if index % 4 < 2 else Product.CONFLUENCE}),
        customer_org=f"{word.capitalize()} Corp",
        requester_name="Ada Admin",
        requester_email=f"ada@{word}.example",
        requester_is_org_admin=True,
    )


def prepare(
    server: LatencyServer, root: Path, jobs: int, workers: int, cli_profile: bool = False
) -> Prepared:
    """A fresh database and an empty AWS: a verified KEYS profile (or, with
    ``cli_profile``, an AWS CLI profile whose credentials file another process can read:
    ``AWS_SHARED_CREDENTIALS_FILE`` is set for the run) and ``jobs`` Ready requests on as
    many sites, not yet submitted."""
    server.reset()
    if root.exists():
        shutil.rmtree(root)
    paths = resolve_paths(root)
    save_settings(
        paths.core_settings_file,
        Settings(aws_endpoint_url=server.url, worker_threads=workers),
    )
    context = open_context(paths, keyring_backend=MemoryKeyring())
    credentials = context.credentials
    if cli_profile:
        credentials_file = root / "aws-credentials"
        credentials_file.write_text(
            "[benchmark]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = benchmark-secret-not-a-real-key\n"
        )
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials_file)
        profile = credentials.save(
            None,
            ProfileInput(
                name="Benchmark",
                kind=ProfileKind.CLI,
                cli_profile="benchmark",
                expected_account_id=ACCOUNT,
                default_region="us-east-1",
            ),
            None,
        )
    else:
        profile = credentials.save(
            None,
            ProfileInput(
                name="Benchmark",
                kind=ProfileKind.KEYS,
                access_key_id="AKIAIOSFODNN7EXAMPLE",
                expected_account_id=ACCOUNT,
                default_region="us-east-1",
            ),
            AwsSecret("benchmark-secret-not-a-real-key"),
        )
    credentials.verify(profile.uid)
    store = context.database.requests
    ids = [store.create(_draft(i)).id for i in range(jobs)]
    return Prepared(context, ids)


def _result(
    context: AppContext, server: LatencyServer, meter: Meter, wall: float, before: int
) -> RunResult:
    counts: dict[JobStatus, int] = defaultdict(int)
    for job in context.database.jobs.all_jobs():
        counts[job.status] += 1
    return RunResult(
        wall_s=wall,
        statuses=dict(counts),
        aws_requests=server.aws_requests() - before,
        journal_s=meter.seconds["journal"],
        other_db_s=meter.seconds["other_db"],
        job_s=meter.seconds["job"],
        journal_calls=meter.calls["journal"],
        breakdown=meter.breakdown(),
    )


def run_headless(
    server: LatencyServer,
    root: Path,
    jobs: int,
    workers: int,
    meter: Meter,
    profiler: JobProfiler | None = None,
) -> RunResult:
    """Submit (untimed), then time the scheduler from the first job queued to idle."""
    prepared = prepare(server, root, jobs, workers)
    context = prepared.context
    try:
        runner = JobRunner(
            context.database,
            context.credentials,
            ProvisioningSettings.from_settings(context.settings),
        )
        scheduler = JobScheduler(runner, workers, owner="benchmark")
        queued = [
            job
            for rid in prepared.request_ids
            for job in submit_request(
                rid, context.database.requests, context.database.jobs, context.credentials
            )
        ]
        before = server.aws_requests()
        meter.reset()
        if profiler is not None:
            profiler.install(runner)
        start = time.perf_counter()
        for job in queued:
            scheduler.submit(job.id, job.site_key)
        finished = scheduler.wait_idle(RUN_TIMEOUT_S)
        wall = time.perf_counter() - start
        scheduler.shutdown(wait=finished)
        return _result(context, server, meter, wall, before)
    finally:
        context.close()


class StallSampler(threading.Thread):
    """While the heartbeat is overdue, samples what every other thread is doing (--profile).
    It needs the GIL itself, so it sees the threads just after the holder lets go."""

    def __init__(self, ticks: list[float], overdue_s: float) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self._ticks = ticks
        self._overdue_s = overdue_s
        self._halt = threading.Event()
        self._main = threading.main_thread().ident
        self.samples = 0
        self.main: dict[str, int] = defaultdict(int)
        self.workers: dict[str, int] = defaultdict(int)

    def run(self) -> None:
        import traceback

        while not self._halt.wait(0.005):
            if not self._ticks or time.perf_counter() - self._ticks[-1] < self._overdue_s:
                continue
            self.samples += 1
            for ident, frame in sys._current_frames().items():
                if ident == self.ident:
                    continue
                stack = traceback.extract_stack(frame)
                deepest = f"{Path(stack[-1].filename).name}:{stack[-1].name}"
                app = next(
                    (
                        f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.name}:{f.lineno}"
                        for f in reversed(stack)
                        if "byok_desktop" in f.filename or "/ui/" in f.filename
                    ),
                    "-",
                )
                if ident == self._main:
                    self.main[f"{deepest} (in {app})"] += 1
                else:
                    self.workers[f"{deepest} (in {app})"] += 1

    def stop(self) -> None:
        self._halt.set()
        self.join(5)

    def summary(self, limit: int = 15) -> str:
        def top(counts: dict[str, int]) -> list[str]:
            ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
            return [f"  {n:>5}  {where}" for where, n in ranked]

        return "\n".join(
            [
                f"{self.samples} samples taken while the heartbeat was overdue "
                f"(> {self._overdue_s * 1000:.0f} ms since the last tick)",
                "GUI thread:",
                *top(self.main),
                "other threads (a sample per thread):",
                *top(self.workers),
            ]
        )


def run_gui(
    server: LatencyServer,
    root: Path,
    jobs: int,
    meter: Meter,
    sample_stalls: bool = False,
    worker_process: bool = False,
) -> tuple[RunResult, str]:
    """Submit every request through the GUI's bridge (as the Submit action does) with the
    Jobs screen showing, and record a 10 ms heartbeat until every job has finished; the
    jobs run in the job worker process (``worker_process``) or on threads in this one.
    Returns the result and, with ``sample_stalls``, what the threads did during stalls."""
    from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal, Slot

    from ui.app import create_application, freeze_startup_objects
    from ui.changes import ChangeRelay
    from ui.jobs.bridge import JobsBridge, WorkerLaunch
    from ui.jobs.page import JobsPage
    from ui.operations import Operations

    schedstat = Path("/proc/thread-self/schedstat")  # the GUI thread's: ticks run on it

    def run_queue_ns() -> tuple[int, int]:
        """(time on a CPU, time waiting for one) of the GUI thread so far, in ns."""
        try:
            ran, waited = schedstat.read_text().split()[:2]
            return int(ran), int(waited)
        except (OSError, ValueError):
            return -1, -1

    class Heartbeat(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.ticks: list[float] = []
            self.waits: list[tuple[int, int]] = []  # the GUI thread's schedstat, per tick
            self.timer = QTimer(self)
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.setInterval(HEARTBEAT_MS)
            self.timer.timeout.connect(self.tick)

        @Slot()
        def tick(self) -> None:
            self.ticks.append(time.perf_counter())
            self.waits.append(run_queue_ns())

        @Slot()
        def start(self) -> None:
            self.ticks.append(time.perf_counter())
            self.waits.append(run_queue_ns())
            self.timer.start()

    class Watcher(QObject):
        done = Signal()

        def __init__(self, expected: int) -> None:
            super().__init__()
            self.expected = expected
            self.finished: set[int] = set()
            self.refused: list[str] = []

        @Slot(object)
        def job_updated(self, job: Job) -> None:
            if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
                self.finished.add(job.id)
            self._check()

        @Slot(str)
        def submit_failed(self, message: str) -> None:
            self.refused.append(message)
            self._check()

        def _check(self) -> None:
            if len(self.finished) + len(self.refused) >= self.expected:
                self.done.emit()

    def spin(seconds: float) -> None:
        """Run the event loop for a while (the page's first paint, icons, layout)."""
        pause = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), pause.quit)
        pause.exec()

    create_application([])
    prepared = prepare(server, root, jobs, WORKERS, cli_profile=worker_process)
    context = prepared.context
    # Wired as the main window wires them: one Operations, the database's change bus
    # relayed to the GUI thread (and polled for other processes' writes, as in the app).
    ops = Operations()
    database = context.database
    changes = ChangeRelay(
        database.changes,
        ops,
        poll=database.change_log.poll if database.change_log is not None else None,
    )
    launch = WorkerLaunch.for_context(context) if worker_process else None
    bridge = JobsBridge(context, ops, worker=launch)
    page = JobsPage(bridge, ops, changes)
    page.resize(1100, 700)
    page.show()
    ops.wait()  # the page's first load of the job list (delivered while spinning)
    spin(0.3)
    if worker_process:
        # As the app does once its window is up (ui.app.WORKER_PRESTART_MS): the worker's
        # start-up is not part of running the jobs.
        bridge.prestart()
        deadline = time.monotonic() + 30
        while not bridge.worker_ready and time.monotonic() < deadline:
            spin(0.05)
    freeze_startup_objects()  # as the app does once its window is up
    watcher = Watcher(len(prepared.request_ids))
    bridge.job_updated.connect(watcher.job_updated)
    bridge.submit_failed.connect(watcher.submit_failed)
    heartbeat = Heartbeat()
    loop = QEventLoop()
    watcher.done.connect(loop.quit)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    sampler = StallSampler(heartbeat.ticks, 3 * HEARTBEAT_MS / 1000) if sample_stalls else None
    before = server.aws_requests()
    meter.reset()
    try:
        began = time.perf_counter()
        heartbeat.start()
        if sampler is not None:
            sampler.start()
        for rid in prepared.request_ids:
            bridge.submit(rid)  # returns at once: the checks run on the pool
        guard.start(int(RUN_TIMEOUT_S * 1000))
        loop.exec()
        wall = time.perf_counter() - began
        heartbeat.timer.stop()
        guard.stop()
        if sampler is not None:
            sampler.stop()
        result = _result(context, server, meter, wall, before)
        result.gaps_ms = [(b - a) * 1000 for a, b in itertools.pairwise(heartbeat.ticks)]
        if heartbeat.waits and min(w for _r, w in heartbeat.waits) >= 0:
            pairs = list(itertools.pairwise(heartbeat.waits))
            result.cpu_run_ms = [(b[0] - a[0]) / 1e6 for a, b in pairs]
            result.cpu_wait_ms = [(b[1] - a[1]) / 1e6 for a, b in pairs]
        if watcher.refused:
            print(f"    refused: {watcher.refused[0]}", file=sys.stderr)
        if worker_process and not bridge.in_worker_process:
            print("    the job worker did not start: jobs ran in-process", file=sys.stderr)
            result.statuses = {}  # not what this run measures: reported as a failure
    finally:
        os.environ.pop("AWS_SHARED_CREDENTIALS_FILE", None)
        bridge.shutdown(wait_s=30)
        changes.stop()
        ops.wait()
        spin(0.1)  # the last outcomes, delivered before the objects go
        page.close()
        page.deleteLater()
        bridge.deleteLater()
        changes.deleteLater()
        ops.deleteLater()
        context.close()
    return result, sampler.summary() if sampler is not None else ""


# --- profiling (--profile) -----------------------------------------------------------------


class JobProfiler:
    """cProfile of every job run, one profiler per worker call (cProfile sees only the
    thread that enables it), merged at the end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profiles: list[cProfile.Profile] = []

    def install(self, runner: JobRunner) -> None:
        original = runner.run
        profiles = self._profiles
        lock = self._lock

        def run(job_id: int, owner: str, on_progress: Callable[[Job], None] | None = None) -> Job:
            profile = cProfile.Profile()
            with lock:
                profiles.append(profile)
            profile.enable()
            try:
                return original(job_id, owner, on_progress)
            finally:
                profile.disable()

        runner.run = run  # type: ignore[method-assign]

    def summary(self, limit: int = 30) -> str:
        if not self._profiles:
            return "(no job ran)"
        out = io.StringIO()
        stats = pstats.Stats(self._profiles[0], stream=out)
        for profile in self._profiles[1:]:
            stats.add(profile)
        stats.sort_stats("cumulative").print_stats(limit)
        stats.sort_stats("tottime").print_stats(limit)
        return out.getvalue()


# --- the figures ---------------------------------------------------------------------------


def _status_text(result: RunResult) -> str:
    return ", ".join(f"{n} {s.value}" for s, n in sorted(result.statuses.items(), key=str))


def run(options: Options) -> list[Figure]:
    jobs = JOBS_QUICK if options.quick else JOBS_FULL
    # Repeats within a time budget: the runs are long while jobs are slow, and the
    # 1-worker run (every AWS call waits in turn) is done once.
    max_runs = options.repeats(3, 1)
    # The GUI with the job worker process is what the app does: five runs, to show the
    # spread (median and worst) on a shared machine.
    worker_runs = options.repeats(5, 1)
    size_note = (
        f"{jobs} jobs (--quick; the full run uses {JOBS_FULL})" if options.quick else f"{jobs} jobs"
    )
    stall_report = ""
    profile_text = ""
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with (
        tempfile.TemporaryDirectory(prefix="byok-bench-jobs-") as tmp,
        LatencyServer(LATENCY_MS) as server,
        metered() as meter,
    ):
        root = Path(tmp)
        gui_count = itertools.count(1)
        worker_count = itertools.count(1)
        fast_count = itertools.count(1)

        def gui_run() -> RunResult:
            index = next(gui_count)
            with stage(f"GUI: {jobs} jobs, {WORKERS} workers in the GUI process, run {index}"):
                return run_gui(server, root / f"gui-{index}", jobs, meter)[0]

        def worker_run() -> RunResult:
            index = next(worker_count)
            with stage(f"GUI: {jobs} jobs, {WORKERS} workers in the job worker, run {index}"):
                return run_gui(server, root / f"worker-{index}", jobs, meter, worker_process=True)[
                    0
                ]

        def fast_run() -> RunResult:
            index = next(fast_count)
            with stage(f"headless: {jobs} jobs, {WORKERS} workers, run {index}"):
                return run_headless(server, root / f"fast-{index}", jobs, WORKERS, meter)

        workers = repeat_within(worker_run, budget_s=240.0, min_runs=1, max_runs=worker_runs)
        gui = repeat_within(gui_run, budget_s=30.0, min_runs=1, max_runs=max_runs)
        fasts = repeat_within(fast_run, budget_s=30.0, min_runs=1, max_runs=max_runs)
        with stage(f"headless: {jobs} jobs, 1 worker"):
            slow = run_headless(server, root / "slow", jobs, 1, meter)
        if options.profile:
            with stage(f"profile: GUI stalls, {jobs} jobs, {WORKERS} workers"):
                _, stall_report = run_gui(server, root / "gui-profile", jobs, meter, True)
            profiler = JobProfiler()
            with stage(f"profile: {jobs} jobs, {WORKERS} workers, cProfile per job"):
                run_headless(server, root / "profile", jobs, WORKERS, meter, profiler)
            profile_text = profiler.summary()

    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    load_text = f"{load_before:.1f} before, {load_after:.1f} after on {os.cpu_count()} CPUs"
    failed = [r for r in (*workers, *gui, *fasts, slow) if r.succeeded != jobs]
    failure_note = (
        "; NOT ALL JOBS SUCCEEDED: " + " | ".join(_status_text(r) for r in failed) if failed else ""
    )
    ok = not failed
    common_note = (
        f"{size_note}, one product family each, {LATENCY_MS:.0f} ms per AWS request "
        f"(moto in another process); "
        f"{median([r.aws_requests for r in fasts]) / jobs:.1f} AWS requests per job"
    )

    longest = [max(r.gaps_ms) for r in workers if r.gaps_ms]
    p99 = [percentile(r.gaps_ms, 99) for r in workers if r.gaps_ms]
    stall = median(longest) if longest else float("nan")
    p99_gap = median(p99) if p99 else float("nan")
    worker_wall = ", ".join(f"{r.wall_s:.1f} s" for r in workers)
    in_longest = [max(r.gaps_ms) for r in gui if r.gaps_ms]
    in_p99 = [percentile(r.gaps_ms, 99) for r in gui if r.gaps_ms]
    in_stall = median(in_longest) if in_longest else float("nan")
    in_p99_gap = median(in_p99) if in_p99 else float("nan")
    gui_wall = ", ".join(f"{r.wall_s:.1f} s" for r in gui)

    def spread(values: list[float]) -> str:
        runs = ", ".join(f"{v:.1f}" for v in values)
        return f"runs {runs} ms; worst {max(values):.1f} ms" if values else "no run"

    def cpu_waits(results: list[RunResult]) -> str:
        splits = [s for s in (r.longest_split() for r in results) if s is not None]
        if not splits:
            return ""
        shown = ", ".join(f"{ran:.0f}/{waited:.0f}" for ran, waited in splits)
        return (
            f"; during each longest stall the GUI thread ran / waited for a CPU {shown} ms "
            "(the rest it was blocked)"
        )

    fast_wall = median([r.wall_s for r in fasts])
    speedup = slow.wall_s / fast_wall
    # Equal jobs on WORKERS workers run in ceil(jobs / WORKERS) waves at best.
    ceiling = jobs / -(-jobs // WORKERS)
    judged = ceiling >= 6
    eight = [*gui, *fasts]
    share = median([r.journal_pct for r in eight])
    other = median([r.other_db_pct for r in eight])
    job_time = median([r.job_s for r in eight])

    figures = [
        Figure(
            name=f"GUI longest stall, {jobs} jobs running ({WORKERS} workers, job worker process)",
            value=stall,
            unit="ms",
            floor_name="heartbeat interval",
            floor_value=HEARTBEAT_MS,
            ratio=stall / HEARTBEAT_MS,
            target="<= 50 ms",
            met=stall <= 50 and ok,
            note=(
                f"{common_note}; real JobsBridge and JobsPage (shown), every request submitted "
                f"through the bridge, the jobs run in the job worker process (started before "
                f"the first submit, as the app starts it once its window is up); longest gap between ticks of a 10 ms timer, "
                f"median of {len(longest)} run(s) taking {worker_wall}; {spread(longest)}"
                f"{cpu_waits(workers)}; load average {load_text}{failure_note}"
            ),
            samples=tuple(longest),
        ),
        Figure(
            name=f"GUI p99 heartbeat gap, {jobs} jobs running ({WORKERS} workers, job worker "
            "process)",
            value=p99_gap,
            unit="ms",
            floor_name="heartbeat interval",
            floor_value=HEARTBEAT_MS,
            ratio=p99_gap / HEARTBEAT_MS,
            target="<= 20 ms",
            met=p99_gap <= 20 and ok,
            note=f"99th percentile of the tick gaps in the same run(s); {spread(p99)}"
            f"{failure_note}",
            samples=tuple(p99),
        ),
        Figure(
            name=f"GUI longest stall, {jobs} jobs running ({WORKERS} workers in the GUI process)",
            value=in_stall,
            unit="ms",
            floor_name="heartbeat interval",
            floor_value=HEARTBEAT_MS,
            ratio=in_stall / HEARTBEAT_MS,
            note=(
                f"for comparison: the same with the jobs on threads in the GUI process (the "
                f"fallback, and tests); median of {len(in_longest)} run(s) taking {gui_wall}; "
                f"{spread(in_longest)}{cpu_waits(gui)}{failure_note}"
            ),
            samples=tuple(in_longest),
        ),
        Figure(
            name=f"GUI p99 heartbeat gap, {jobs} jobs running ({WORKERS} workers in the GUI "
            "process)",
            value=in_p99_gap,
            unit="ms",
            floor_name="heartbeat interval",
            floor_value=HEARTBEAT_MS,
            ratio=in_p99_gap / HEARTBEAT_MS,
            note=f"for comparison, the same run(s) as above; {spread(in_p99)}{failure_note}",
            samples=tuple(in_p99),
        ),
        Figure(
            name=f"{jobs} jobs with {WORKERS} workers, wall time",
            value=fast_wall,
            unit="s",
            floor_name="1 worker",
            floor_value=slow.wall_s,
            ratio=speedup,
            target=f"speed-up (1 worker ÷ {WORKERS} workers) >= 6x",
            met=(speedup >= 6 and ok) if judged else None,
            note=(
                f"{common_note}; headless JobScheduler, from the first job queued to idle; "
                f"{WORKERS} workers: median of {len(fasts)} run(s); 1 worker: one run"
                + (
                    ""
                    if judged
                    else f"; not judged: {jobs} jobs on {WORKERS} workers allow at most "
                    f"{ceiling:.1f}x"
                )
                + failure_note
            ),
            samples=tuple(r.wall_s for r in fasts),
        ),
        Figure(
            name="share of job time spent writing the journal",
            value=share,
            unit="%",
            floor_name=f"job time summed over jobs, {job_time:.0f} s",
            target="<= 5 %",
            met=share <= 5 and ok,
            note=(
                "JobStore claim/step_started/step_finished/step_failed/finish/record_keys and "
                f"ProductStore writes ({fasts[0].journal_calls} calls in {jobs} jobs), timed inside "
                f"the jobs of the {len(eight)} {WORKERS}-worker runs (GUI and headless); with "
                f"1 worker: {slow.journal_pct:.1f} %; other database work in jobs (reads, "
                f"request updates): {other:.1f} %"
            ),
            samples=tuple(r.journal_pct for r in eight),
        ),
    ]
    if options.profile:
        print(f"\n--- database work inside jobs, {WORKERS} workers (headless run) ---")
        print(fasts[0].breakdown)
        print("\n--- database work inside jobs, 1 worker ---")
        print(slow.breakdown)
        print(f"\n--- what the threads did while the GUI stalled ({jobs} jobs) ---")
        print(stall_report)
        print(f"\n--- cProfile of {jobs} jobs, {WORKERS} workers (all job threads merged) ---")
        print(profile_text)
    return figures
