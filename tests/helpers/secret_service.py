"""A real OS keyring shared by several ``main.py`` processes: GNOME Keyring's Secret
Service on a private D-Bus session bus, with a throw-away HOME (the user's own keyring
is never reached). ``private_keyring`` yields the environment the processes run with.

Needs the Debian packages ``dbus`` and ``gnome-keyring`` (as tests/keyring_real does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# A bus that starts nothing on demand: only the daemon started here answers.
BUS_WITHOUT_ACTIVATION = """<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={tmpdir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


@contextmanager
def private_keyring() -> Iterator[dict[str, str]]:
    missing = [t for t in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(t) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: install the Debian packages dbus and "
            "gnome-keyring (apt-get install dbus gnome-keyring)."
        )
    # Short paths: the daemons put Unix sockets under them.
    with tempfile.TemporaryDirectory(prefix="byok-kr-") as name:
        root = Path(name)
        root.chmod(0o700)
        home, runtime = root / "home", root / "run"
        for folder in (home, runtime):
            folder.mkdir(mode=0o700)
        config = root / "bus.conf"
        config.write_text(BUS_WITHOUT_ACTIVATION.format(tmpdir=root), "utf-8")
        env = {
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **env}
        bus = subprocess.Popen(
            ["dbus-daemon", "--config-file", str(config), "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # it notes it may not raise its fd limit
            text=True,
            env=base,
        )
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**base, "DBUS_SESSION_BUS_ADDRESS": address},
        )
        try:
            assert daemon.stdin is not None
            assert daemon.stdout is not None
            daemon.stdin.write("byok-desktop-test-password")  # the login keyring's password
            daemon.stdin.close()
            # The daemon prints its environment and closes stdout once it is ready.
            for line in daemon.stdout.read().splitlines():
                key, sep, value = line.partition("=")
                if sep and key.isidentifier():
                    env[key] = value
            yield env
        finally:
            _stop(daemon)
            _stop(bus)
