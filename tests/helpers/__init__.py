"""Test helpers shared across the suite."""

from pathlib import Path

# The repository's root (main.py, pyproject.toml), wherever a test file sits below tests/.
REPO = Path(__file__).resolve().parents[2]
