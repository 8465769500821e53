"""The wheel: what it installs, and that the installed ``byok-desktop`` command works.

Built once for the module (``pip wheel . --no-deps``, ~10 s). The install goes into a
fresh virtual environment that borrows the dependencies from this one by a path entry,
not by installing them again (no network), and runs from a folder outside the source
tree, so only the wheel's files can answer."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from byok_desktop import __version__
from byok_desktop.request_file import write_file
from tests.helpers import REPO
from tests.helpers.factories import ready_draft

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
        cwd=build,
        env={**os.environ, "PIP_NO_INPUT": "1"},
        timeout=300,
    )
    (found,) = out.glob("byok_desktop-*.whl")
    return found


@pytest.fixture(scope="module")
def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_no_top_level_module_but_our_packages(names: set[str]) -> None:
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"byok_desktop_app", "byok_desktop", "ui"}


def test_every_source_package_is_in_the_wheel(names: set[str]) -> None:
    for root in ("byok_desktop_app", "byok_desktop", "ui"):
        for init in (REPO / root).rglob("__init__.py"):
            assert init.relative_to(REPO).as_posix() in names


def test_data_files_are_in_the_wheel(names: set[str]) -> None:
    expected = {
        "byok_desktop/data/user_tiers.json",
        "byok_desktop/store/migrations/env.py",
        "ui/assets/style.qss",
        "ui/assets/icons/app.svg",
        "ui/assets/docs/request-file.md",
        "ui/assets/byok-desktop.desktop",
        "ui/assets/byok-desktop.metainfo.xml",
        "ui/assets/hicolor/scalable/apps/byok-desktop.svg",
        "ui/assets/hicolor/512x512/apps/byok-desktop.png",
    }
    assert expected <= names
    migrations = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "byok_desktop/store/migrations").rglob("*.py")
    }
    assert migrations <= names
    icons = {f"ui/assets/icons/{p.name}" for p in (REPO / "resources/icons").glob("*.svg")}
    assert icons <= names


def test_entry_point_is_in_a_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        entry_points = archive.read(info).decode()
    assert "byok-desktop = byok_desktop_app.launcher:run" in entry_points


def test_installed_command_runs(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies from this environment, after the new one's own site-packages.
    (Path(site) / "borrowed_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    command = venv / "bin" / "byok-desktop"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    version = subprocess.run(
        [str(command), "--version"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert version.stdout.strip() == f"byok-desktop {__version__}"
    # A headless command through the installed packages (the tiers data, the rules).
    request = tmp_path / "ok.byok.json"
    write_file(request, [(ready_draft(), None)])
    checked = subprocess.run(
        [str(command), "--data-dir", str(tmp_path / "data"), "check", str(request)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == f"{request}: requests[0] (acme): ready"
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import ui.resources as r, byok_desktop_app as a; "
            "print(r.RESOURCES_DIR); print(a.__file__)",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    ).stdout.split()
    assert where[0] == str(Path(site) / "ui" / "assets")
    assert where[1].startswith(site)
