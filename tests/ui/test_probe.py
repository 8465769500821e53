"""The benchmarks' start-up probe: the app reports its first paint and quits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import REPO

ROOT = REPO


def _start_probed(data: Path, target: Path, section: str = "") -> dict[str, float]:
    """Start the app with the probe on ``data``; the marks it wrote."""
    env = {**os.environ, "BYOK_DESKTOP_PROBE": str(target), "QT_QPA_PLATFORM": "offscreen"}
    if section:
        env["BYOK_DESKTOP_PROBE_SECTION"] = section
    done = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    marks: dict[str, float] = json.loads(target.read_text())
    return marks


def test_the_probe_records_the_first_paint_and_quits(tmp_path: Path) -> None:
    started = time.monotonic()
    marks = _start_probed(tmp_path / "data", tmp_path / "probe.json")
    assert started < marks["shown"] < time.monotonic()
    assert marks["rss_kb"] > 10_000
    # The frame is painted before the database layer is even imported.
    assert marks["db_layer_at_shown"] == 0.0


def test_the_products_rows_follow_the_frame(tmp_path: Path) -> None:
    from benchmarks.generate import make_products_db

    data = tmp_path / "data"
    data.mkdir()
    make_products_db(data / "byok.sqlite3", 40)
    marks = _start_probed(data, tmp_path / "probe.json", section="security")
    assert marks["shown"] < marks["rows"]


def test_the_frame_is_marked_as_the_settings_will_decide(tmp_path: Path) -> None:
    from byok_desktop.overrides import ContextOverrides
    from byok_desktop.paths import resolve_paths
    from byok_desktop.settings import Settings, load_settings, save_settings
    from ui.app import _sandbox_hint

    paths = resolve_paths(str(tmp_path / "data"))
    paths.ensure()
    assert _sandbox_hint(paths, None) is False  # no settings file yet
    for sandbox in (True, False):
        save_settings(paths.core_settings_file, Settings(sandbox=sandbox))
        assert _sandbox_hint(paths, None) is load_settings(paths.core_settings_file).sandbox
        assert _sandbox_hint(paths, ContextOverrides(sandbox=not sandbox)) is not sandbox
    paths.core_settings_file.write_text("[not, settings", encoding="utf-8")
    assert _sandbox_hint(paths, None) is False


def test_the_benchmark_reopens_where_the_rep_left_the_products_view() -> None:
    from benchmarks import bench_startup
    from byok_desktop.paths import resolve_paths
    from ui.main_window import SECTIONS

    assert SECTIONS[bench_startup.SECURITY_SECTION][0] == "security"
    paths = resolve_paths("/somewhere")
    assert paths.settings_file.name == bench_startup.SETTINGS_FILE
