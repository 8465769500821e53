"""What every benchmark shares: the Figure it reports, statistics, timing, the machine.

A figure is compared with a *floor* measured in the same run (the same work done the
cheapest way, or the interval a timer cannot beat), so a slow or busy machine moves both
and the ratio stays meaningful. Figures are medians over repeats.
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Options:
    quick: bool = False  # fewer repeats and smaller workloads (CI smoke)
    only: str | None = None  # run one benchmark module
    write_doc: bool = False  # rewrite the table in docs/performance.md
    profile: bool = False  # print where the time goes (cProfile) for the slow paths

    def repeats(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure. ``ratio`` is defined by the benchmark and named in ``target``
    (e.g. "ratio <= 3x" or "speed-up >= 6x"); ``met`` is None when there is no target."""

    name: str
    value: float
    unit: str
    floor_name: str = ""
    floor_value: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    samples: tuple[float, ...] = ()

    def value_text(self) -> str:
        return format_value(self.value, self.unit)

    def floor_text(self) -> str:
        if self.floor_value is None:
            return self.floor_name or "–"
        shown = format_value(self.floor_value, self.unit)
        return f"{shown} ({self.floor_name})" if self.floor_name else shown

    def ratio_text(self) -> str:
        return "–" if self.ratio is None else f"{self.ratio:.2f}x"

    def met_text(self) -> str:
        return {None: "–", True: "yes", False: "MISSED"}[self.met]


def format_value(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:g} {unit}".strip()


# --- statistics ----------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default), ``pct`` in 0..100."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile {pct} is not within 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- timing --------------------------------------------------------------------------------


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds``."""

    def __init__(self) -> None:
        self._start = 0.0
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def timed(
    work: Callable[[], object],
    *,
    repeats: int,
    setup: Callable[[], object] | None = None,
    teardown: Callable[[], object] | None = None,
) -> list[float]:
    """Seconds per call of ``work``, ``repeats`` times; ``setup`` and ``teardown`` run
    around each call, untimed."""
    samples: list[float] = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
        if teardown is not None:
            teardown()
    return samples


def repeat_within(
    run_once: Callable[[], T], *, budget_s: float, min_runs: int, max_runs: int
) -> list[T]:
    """Results of ``run_once`` repeated at least ``min_runs`` and at most ``max_runs``
    times, stopping once ``budget_s`` has been spent: slow work gets fewer repeats, so
    the suite stays within minutes, and fast work gets more."""
    results: list[T] = []
    start = time.perf_counter()
    while len(results) < max_runs:
        results.append(run_once())
        if len(results) >= min_runs and time.perf_counter() - start >= budget_s:
            break
    return results


@contextmanager
def stage(label: str) -> Iterator[None]:
    """Progress on stderr, so a long run shows what it is doing."""
    print(f"  … {label}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    yield
    print(f"    {label}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)


# --- the machine ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Machine:
    cpu: str
    cores: int
    ram_gb: float
    os: str
    python: str
    qt: str
    sqlite: str
    sqlalchemy: str
    load: str  # 1-minute load average at the start: how busy the machine was

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("CPU", self.cpu),
            ("Cores", str(self.cores)),
            ("RAM", f"{self.ram_gb:.1f} GB"),
            ("OS", self.os),
            ("Python", self.python),
            ("Qt / PySide6", self.qt),
            ("SQLite", self.sqlite),
            ("SQLAlchemy", self.sqlalchemy),
            ("Load average at start", self.load),
        ]


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    if sys.platform == "darwin":
        import subprocess

        found = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"],
            capture_output=True,
            text=True,
            check=False,
        )
        if found.stdout.strip():
            return found.stdout.strip()
    return platform.processor() or platform.machine() or "unknown"


def _ram_gb() -> float:
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return 0.0


def _os_name() -> str:
    release = Path("/etc/os-release")
    if release.is_file():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
    return platform.platform()


def _qt_version() -> str:
    try:
        import PySide6
        from PySide6.QtCore import qVersion
    except ImportError:
        return "not installed"
    return f"Qt {qVersion()} / PySide6 {PySide6.__version__}"


def machine() -> Machine:
    import sqlalchemy

    try:
        load = f"{os.getloadavg()[0]:.2f}"
    except (OSError, AttributeError):
        load = "unknown"
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        ram_gb=_ram_gb(),
        os=_os_name(),
        python=platform.python_version(),
        qt=_qt_version(),
        sqlite=sqlite3.sqlite_version,
        sqlalchemy=sqlalchemy.__version__,
        load=load,
    )


@dataclass
class Report:
    """Figures of one run, in the order they were measured."""

    figures: list[Figure] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # module, error
    seconds: dict[str, float] = field(default_factory=dict)  # per module
