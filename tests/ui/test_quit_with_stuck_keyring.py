"""Quit while a keyring call hangs (a keyring daemon frozen behind a live D-Bus): the GUI,
started as ``main.py`` starts it, is gone within 5 s of the window closing, not after the
keyring's timeout (set to 60 s here) or never."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from byok_desktop.context import open_context
from byok_desktop.paths import resolve_paths
from tests.helpers import REPO
from tests.helpers.memory_keyring import MemoryKeyring

QUIT_BOUND_S = 5.0


def test_the_gui_quits_in_time_with_a_keyring_call_that_never_returns(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data")
    context = open_context(paths, keyring_backend=MemoryKeyring())
    try:
        context.settings_service.update(keyring_timeout_s=60.0)
    finally:
        context.close()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "tests.helpers.fault_keyrings.StuckKeyring",
        "BYOK_JOBS_IN_PROCESS": "1",  # no job worker process to wait for either
        "BYOK_TEST_STUCK_READ": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.gui_driver", "--data-dir", str(paths.data_dir)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # until the window closes (or the app ends)
            if line.strip() == "closing":
                break
        closed_at = time.monotonic()
        assert line.strip() == "closing", (line, process.communicate(timeout=60))
        process.wait(timeout=60)
        took = time.monotonic() - closed_at
        _, stderr = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in stderr, stderr
    assert took < QUIT_BOUND_S, f"quit took {took:.1f} s"
    log = (paths.log_dir / "byok-desktop.log").read_text("utf-8")
    assert "still running; it is abandoned" in log  # the stuck call was there, and left
