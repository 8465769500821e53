"""SecretStore against a real OS keyring: GNOME Keyring's Secret Service on a private D-Bus.

Each case runs ``dbus-run-session -- python _roundtrip.py MODE`` with a throw-away HOME, so
the user's own keyring is never touched. Needs the Debian packages ``dbus`` and
``gnome-keyring``; without them the tests fail (they are part of the suite, not optional).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO
from tests.helpers.secret_service import BUS_WITHOUT_ACTIVATION  # one bus config for both

SCRIPT = Path(__file__).with_name("_roundtrip.py")
TOOLS = ("dbus-run-session", "gnome-keyring-daemon")



@pytest.fixture
def scratch() -> Iterator[Path]:
    # Short, private paths: gnome-keyring puts Unix sockets under XDG_RUNTIME_DIR.
    with tempfile.TemporaryDirectory(prefix="byok-kr-") as name:
        root = Path(name)
        root.chmod(0o700)
        yield root


def require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found. These tests need a real Secret Service: "
            "install the Debian packages dbus and gnome-keyring "
            "(apt-get install dbus gnome-keyring); CI installs them."
        )


def run(scratch: Path, mode: str, bus_config: Path | None = None) -> dict[str, Any]:
    require_tools()
    home = scratch / "home"
    runtime = scratch / "run"
    for folder in (home, runtime):
        folder.mkdir(mode=0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
    }  # no DISPLAY and no outside session bus: nothing can reach the user's desktop
    command = ["dbus-run-session"]
    if bus_config is not None:
        command += ["--config-file", str(bus_config)]
    command += ["--", sys.executable, str(SCRIPT), mode]
    done = subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=30, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no result (exit {done.returncode}); stderr:\n{done.stderr}"
    result: dict[str, Any] = json.loads(lines[-1])
    assert "error" not in result, f"{result['error']}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, done.stderr
    return result


def test_secrets_round_trip_through_gnome_keyring(scratch: Path) -> None:
    result = run(scratch, "roundtrip")

    # Our daemon, not one the bus started on its own, answered.
    assert result["secrets_owner_pid"] == result["daemon_pid"]
    assert "SecretService" in result["backend"]
    assert result["saved_in"] == result["backend"]
    assert result["loaded_equal"] is True
    assert result["loaded_token_equal"] is True
    assert result["items_in_collection"] == 1
    assert result["deleted"] is True
    assert result["load_after_delete"] is None
    assert result["delete_again"] is False
    # A sign-in session's token, in its own item.
    assert result["sso_token_equal"] is True
    assert result["sso_items"] == 1
    assert result["sso_deleted"] is True
    assert result["sso_after_delete"] is None


def test_no_keyring_daemon_is_a_keyring_problem_not_a_hang(scratch: Path) -> None:
    config = scratch / "bus.conf"
    config.write_text(BUS_WITHOUT_ACTIVATION.format(tmpdir=scratch), encoding="utf-8")

    result = run(scratch, "nodaemon", config)

    assert result["activated_daemon"] is False
    assert result["problem"] is not None, "the secret was stored without a keyring daemon"
    assert "Drafting requests works without it." in result["message"]
    assert "gnome-keyring-daemon --unlock" in result["message"]
    assert result["elapsed"] < 5.5


def test_a_keyring_nobody_can_unlock_is_a_keyring_problem_not_a_hang(scratch: Path) -> None:
    # The standard session bus starts gnome-keyring on demand; with no display its
    # unlock prompt cannot be shown, let alone answered.
    result = run(scratch, "locked")

    assert result["problem"] is not None, "the secret was stored in a keyring nobody unlocked"
    assert "Drafting requests works without it." in result["message"]
    assert result["elapsed"] < 5.5
