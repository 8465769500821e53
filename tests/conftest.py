"""The root of the suite: the environment every test runs in, the shared fixtures, and the
``headless`` marker.

Fixtures are defined once, in ``tests/helpers/``, and registered here as plugins.

Tests outside the Qt folders never import Qt: each gets the ``headless`` marker, and
``pytest -m headless -p no:pytest-qt`` runs them alone without loading PySide6 at all
(pytest-qt itself loads Qt as it starts, hence ``-p no:pytest-qt``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Before any Qt import: no display is needed, and no test touches the user's settings.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.helpers.fixtures",
    "tests.helpers.provisioned",
    "tests.helpers.canary",
    "tests.helpers.leaks",
]

TESTS = Path(__file__).parent
# The folders whose tests load Qt; every other test is headless.
QT_FOLDERS = frozenset({"ui"})
# pytest-qt's settings in pyproject.toml: declared here when a run turns pytest-qt off,
# so that --strict-config still accepts them.
PYTEST_QT_SETTINGS = {
    "qt_api": "string",
    "qt_log_level_fail": "string",
    "qt_log_ignore": "linelist",
}


def _uses_qt(path: Path) -> bool:
    try:
        parts = path.relative_to(TESTS).parts
    except ValueError:
        return False
    return bool(parts) and parts[0] in QT_FOLDERS


def _headless_only(config: pytest.Config) -> bool:
    return str(config.getoption("markexpr", "")).strip() == "headless"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.is_blocked("pytest-qt"):
        for name, kind in PYTEST_QT_SETTINGS.items():
            parser.addini(name, "pytest-qt's setting (pytest-qt is off in this run)", type=kind)  # type: ignore[arg-type]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # A headless run does not even import the Qt tests' modules.
    if _headless_only(config) and _uses_qt(collection_path):
        return True
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not _uses_qt(item.path):
            item.add_marker(pytest.mark.headless)


def pytest_sessionfinish(session: pytest.Session) -> None:
    qt_off = session.config.pluginmanager.is_blocked("pytest-qt")
    if _headless_only(session.config) and qt_off and "PySide6" in sys.modules:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nA headless test imported PySide6: move it to a Qt folder.", file=sys.stderr)
