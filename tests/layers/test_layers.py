"""Every module of the core sits in one layer of the import-linter contract (make lint),
so a new module cannot slip past the layers unchecked."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layered_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [layers] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [m.strip() for layer in layers["layers"] for m in layer.split(":")]


def test_every_core_module_is_in_a_layer() -> None:
    package = ROOT / "byok_desktop"
    modules = {
        f"byok_desktop.{p.stem}"
        for p in package.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    layered = _layered_modules()
    assert sorted(modules - set(layered)) == []
    assert len(layered) == len(set(layered)), "a module is in two layers"
