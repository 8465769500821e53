"""Start-up and memory, measured from outside: the parent notes time.monotonic(), starts
the process, and the process (through the app's start-up probe, ui/probe.py) writes the
monotonic time of its first paint. Both clocks are the same system-wide clock.

- process start to main window shown, against an empty-QMainWindow script;
- process start to the products view showing rows of a 100,000-product database;
- resident memory with that view open, against the empty window's;
- the two start-up rows again for the standalone build (``make dist``) when one exists
  (BYOK_DESKTOP_BUNDLE names another binary); without it they are skipped, said aloud.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, Options, median, repeat_within, stage
from benchmarks.generate import make_products_db

ROOT = Path(__file__).resolve().parent.parent
BUNDLE_ENV = "BYOK_DESKTOP_BUNDLE"
BUNDLE = ROOT / "dist" / "byok-desktop" / "byok-desktop"  # where make dist puts it
DATABASE_FILE = "byok.sqlite3"
PRODUCTS = 100_000
SHOWN_TARGET = 1.5  # x the floor
ROWS_TARGET = 3.0  # x the floor
MEMORY_TARGET_MB = 150.0
TIMES = ("shown", "rows")
SETTINGS_FILE = "settings.ini"  # AppPaths.settings_file of a --data-dir run
SECURITY_SECTION = (
    1  # ui.main_window.SECTIONS  # the probe's marks that are times (the rest are values)
)


def _launch(
    args: list[str], env: dict[str, str], out: Path, program: str = sys.executable
) -> dict[str, float]:
    out.unlink(missing_ok=True)
    started = time.monotonic()
    done = subprocess.run(
        [program, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"{args} failed ({done.returncode}): {done.stderr[-2000:]}")
    marks: dict[str, float] = json.loads(out.read_text())
    return {key: (value - started if key in TIMES else value) for key, value in marks.items()}


def run(options: Options) -> list[Figure]:
    repeats = options.repeats(7, 3)
    with tempfile.TemporaryDirectory(prefix="byok-bench-startup-") as tmp:
        root = Path(tmp)
        out = root / "probe.json"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        probe_env = {**env, "BYOK_DESKTOP_PROBE": str(out)}
        rows_env = {**probe_env, "BYOK_DESKTOP_PROBE_SECTION": "security"}
        small = root / "small"
        large = root / "large"
        with stage(f"generating {PRODUCTS:,} products"):
            large.mkdir()
            make_products_db(large / DATABASE_FILE, PRODUCTS)
        # The rep left the app on Security > BYOK encryption, so it reopens there (the
        # view state a --data-dir run keeps beside its data: QSettings' INI file).
        (large / SETTINGS_FILE).write_text(f"[window]\nsection={SECURITY_SECTION}\n")
        app = ["main.py", "--data-dir"]
        # A first start creates the small database; the timed starts open an existing one.
        _launch([*app, str(small)], probe_env, out)
        _launch([*app, str(large)], rows_env, out)  # and warms the file cache

        def once() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
            floor = _launch(["-m", "benchmarks.floor_window", str(out)], env, out)
            shown = _launch([*app, str(small)], probe_env, out)
            rows = _launch([*app, str(large)], rows_env, out)
            return floor, shown, rows

        with stage(f"{repeats} start-ups of each kind"):
            runs = repeat_within(once, budget_s=60.0, min_runs=repeats, max_runs=repeats)
        bundle = Path(os.environ.get(BUNDLE_ENV) or BUNDLE)
        bundled: list[tuple[dict[str, float], dict[str, float]]] = []
        if bundle.is_file():
            where = ["--data-dir"]
            _launch([*where, str(small)], probe_env, out, str(bundle))  # the file cache

            def bundled_once() -> tuple[dict[str, float], dict[str, float]]:
                shown = _launch([*where, str(small)], probe_env, out, str(bundle))
                rows = _launch([*where, str(large)], rows_env, out, str(bundle))
                return shown, rows

            with stage(f"{repeats} start-ups of the standalone build"):
                bundled = repeat_within(
                    bundled_once, budget_s=60.0, min_runs=repeats, max_runs=repeats
                )
        else:
            print(
                f"  no standalone build at {bundle} (make dist): its start-up rows are skipped",
                file=sys.stderr,
            )
        shutil.rmtree(large, ignore_errors=True)

    floor_s = median([f["shown"] for f, _s, _r in runs])
    floor_mb = median([f["rss_kb"] for f, _s, _r in runs]) / 1024
    rows_mb = median([r["rss_kb"] for _f, _s, r in runs]) / 1024
    extra_mb = rows_mb - floor_mb
    note = f"median of {len(runs)} runs, offscreen platform"
    figures = [
        *_startup_figures(
            [s["shown"] for _f, s, _r in runs], [r["rows"] for _f, _s, r in runs], floor_s, "", note
        ),
        Figure(
            name=f"memory with the products view open ({PRODUCTS:,} products)",
            value=rows_mb,
            unit="MB",
            floor_name="empty QMainWindow",
            floor_value=floor_mb,
            ratio=rows_mb / floor_mb,
            target=f"<= floor + {MEMORY_TARGET_MB:g} MB",
            met=extra_mb <= MEMORY_TARGET_MB,
            note=f"resident memory at the first paint of rows: floor + {extra_mb:.0f} MB",
        ),
    ]
    if bundled:
        figures += _bundled_figures(bundled, floor_s)
    return figures


def _bundled_figures(
    runs: list[tuple[dict[str, float], dict[str, float]]], floor_s: float
) -> list[Figure]:
    """The standalone build's start-up, against the same floor (the empty window run by
    this Python) as the source run's rows beside them."""
    note = f"median of {len(runs)} runs, offscreen platform, the PyInstaller folder"
    return _startup_figures(
        [s["shown"] for s, _r in runs],
        [r["rows"] for _s, r in runs],
        floor_s,
        "standalone build",
        note,
    )


def _startup_figures(
    shown: list[float], rows: list[float], floor_s: float, build: str, note: str
) -> list[Figure]:
    """Start to the window, and start to the products view's rows, against the floor;
    ``build`` names a build other than the source run in the figures' names."""
    shown_s, rows_s = median(shown), median(rows)
    return [
        Figure(
            name="process start to main window shown" + (f" ({build})" if build else ""),
            value=shown_s,
            unit="s",
            floor_name="empty QMainWindow",
            floor_value=floor_s,
            ratio=shown_s / floor_s,
            target=f"<= {SHOWN_TARGET:g}x floor",
            met=shown_s / floor_s <= SHOWN_TARGET,
            note=note,
            samples=tuple(shown),
        ),
        Figure(
            name=f"process start to products view rows ({PRODUCTS:,} products"
            + (f", {build})" if build else ")"),
            value=rows_s,
            unit="s",
            floor_name="empty QMainWindow",
            floor_value=floor_s,
            ratio=rows_s / floor_s,
            target=f"<= {ROWS_TARGET:g}x floor",
            met=rows_s / floor_s <= ROWS_TARGET,
            note=note,
            samples=tuple(rows),
        ),
    ]
