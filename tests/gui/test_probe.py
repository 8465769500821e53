"""The benchmarks' start-up probe: the app reports its first paint and quits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_probe_records_the_first_paint_and_quits(tmp_path: Path) -> None:
    target = tmp_path / "probe.json"
    env = {**os.environ, "BYOK_DESKTOP_PROBE": str(target), "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    marks = json.loads(target.read_text())
    assert started < marks["shown"] < time.monotonic()
    assert marks["rss_kb"] > 10_000
