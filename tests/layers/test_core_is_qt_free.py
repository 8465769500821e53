"""byok_desktop is the Qt-free core: importing any of it loads neither PySide6 nor ui."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from tests.helpers import REPO

ROOT = REPO
PACKAGE = ROOT / "byok_desktop"
FORBIDDEN = ("PySide6", "shiboken6", "ui")

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import byok_desktop

names = []
for info in pkgutil.walk_packages(byok_desktop.__path__, "byok_desktop."):
    if ".migrations" in info.name:
        continue  # run by Alembic, not importable on their own
    importlib.import_module(info.name)
    names.append(info.name)
forbidden = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("PySide6", "shiboken6", "ui")
)
print(json.dumps({"imported": names, "forbidden": forbidden}))
"""


def _forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def test_importing_every_core_module_loads_no_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {
        "byok_desktop.cli",
        "byok_desktop.context",
        "byok_desktop.request_file",
        "byok_desktop.transfer",
        "byok_desktop.validation",
        "byok_desktop.store.requests",
        "byok_desktop.store.migrate",
    } <= set(report["imported"])
    assert report["forbidden"] == []


def test_the_headless_entry_point_loads_no_qt() -> None:
    code = (
        "import sys, main; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'ui')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_no_core_source_file_imports_qt_or_ui() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "validation.py" in files
    assert PACKAGE / "store" / "migrations" / "env.py" in files
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in files
        for line, name in _imported_names(ast.parse(path.read_text("utf-8"), str(path)))
        if _forbidden(name)
    ]
    assert offenders == []


def test_the_scan_would_catch_an_offender() -> None:
    tree = ast.parse(
        "import PySide6.QtCore\nfrom ui.app import run\nimport importlib\n"
        "importlib.import_module('PySide6')\nfrom byok_desktop import cli\n"
    )
    assert [n for _, n in _imported_names(tree) if _forbidden(n)] == [
        "PySide6.QtCore",
        "ui.app",
        "PySide6",
    ]
