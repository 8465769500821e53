"""Where the app keeps its files: --data-dir, then the environment, then platformdirs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from byok_desktop import APP_ID
from byok_desktop.logging_setup import LOG_FILE, configure_logging
from byok_desktop.paths import DATA_DIR_ENV, DATABASE_FILE, resolve_paths


def test_explicit_data_dir(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "portable")
    assert paths.data_dir == (tmp_path / "portable").resolve()
    assert paths.log_dir == paths.data_dir / "logs"
    assert paths.portable is True
    assert paths.database == paths.data_dir / DATABASE_FILE
    assert paths.backups == paths.data_dir / "backups"
    assert paths.settings_file == paths.data_dir / "settings.ini"


def test_data_dir_beats_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert resolve_paths(tmp_path / "from-flag").data_dir == tmp_path / "from-flag"
    assert resolve_paths(str(tmp_path / "as-text")).data_dir == tmp_path / "as-text"


def test_environment_beats_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    paths = resolve_paths()
    assert paths.data_dir == tmp_path / "from-env"
    assert paths.log_dir == tmp_path / "from-env" / "logs"
    assert paths.portable is True


def test_platformdirs_when_nothing_is_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, "")
    paths = resolve_paths(None)
    assert paths.portable is False
    assert paths.data_dir == Path(platformdirs.user_data_dir(APP_ID, appauthor=False))
    assert paths.log_dir == Path(platformdirs.user_log_dir(APP_ID, appauthor=False))
    home = Path.home()
    assert paths.data_dir.is_relative_to(home), "conftest points the profile at a temp home"
    assert paths.data_dir.name == APP_ID


def test_relative_and_home_paths_become_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_paths("here").data_dir == tmp_path.resolve() / "here"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_paths("~/byok").data_dir == (tmp_path / "home" / "byok").resolve()


def test_ensure_creates_the_folders(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "a" / "b")
    assert not paths.data_dir.exists()
    paths.ensure()
    paths.ensure()  # twice is fine
    assert paths.data_dir.is_dir()
    assert paths.log_dir.is_dir()


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root_logger")
def test_logging_goes_to_one_file_however_often_it_is_configured(tmp_path: Path) -> None:
    first = configure_logging(tmp_path / "logs")
    second = configure_logging(tmp_path / "logs", logging.DEBUG)
    assert first == second == tmp_path / "logs" / LOG_FILE
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_byok_desktop", False)]
    assert len(ours) == 1
    logging.getLogger("byok_desktop.test").debug("hello from the test")
    ours[0].flush()
    line = second.read_text("utf-8").splitlines()[-1]
    assert "DEBUG" in line
    assert "byok_desktop.test" in line
    assert line.endswith("hello from the test")


def test_a_full_log_is_rotated_at_start_and_the_oldest_goes(tmp_path: Path) -> None:
    from byok_desktop.logging_setup import rotate

    log = tmp_path / LOG_FILE
    rotate(log, max_bytes=10, backups=3)  # no log yet: nothing to do
    assert list(tmp_path.iterdir()) == []
    for generation in ("first", "second", "third", "fourth"):
        log.write_text(generation * 5)
        rotate(log, max_bytes=10, backups=3)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{LOG_FILE}.1", f"{LOG_FILE}.2", f"{LOG_FILE}.3"]
    assert (tmp_path / f"{LOG_FILE}.1").read_text() == "fourth" * 5
    assert (tmp_path / f"{LOG_FILE}.3").read_text() == "second" * 5
    log.write_text("small")
    rotate(log, max_bytes=10, backups=3)
    assert log.read_text() == "small"  # under the limit: kept
