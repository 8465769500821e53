"""The launcher: the one entry of the byok-desktop command, python -m byok_desktop_app,
main.py and the standalone build; in a frozen build it also starts the job worker."""

from __future__ import annotations

import subprocess
import sys

import pytest

from byok_desktop import __version__
from byok_desktop.jobs import worker_process
from byok_desktop_app import launcher
from tests.helpers import REPO


def test_a_frozen_build_serves_the_job_worker_module(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    # The worker's own parser answers (its --help exits 0), not the app's.
    with pytest.raises(SystemExit) as exited:
        launcher.main(["-m", worker_process.MODULE, "--help"])
    assert exited.value.code == 0
    assert "--sandbox-endpoint-url" in capsys.readouterr().out


def test_only_the_worker_module_and_only_when_frozen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launcher._frozen_module(["-m", "os", "--help"]) is None
    monkeypatch.delattr(sys, "frozen")
    assert launcher._frozen_module(["-m", worker_process.MODULE, "--help"]) is None
    # Unfrozen, the module's name is no command of the app: a usage error, not the worker.
    with pytest.raises(SystemExit) as exited:
        launcher.main(["-m", worker_process.MODULE, "--help"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "byok_desktop_app"], [sys.executable, "main.py"]],
    ids=["python -m byok_desktop_app", "main.py"],
)
def test_every_way_in_prints_the_version(command: list[str]) -> None:
    done = subprocess.run(
        [*command, "--version"], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"byok-desktop {__version__}"
