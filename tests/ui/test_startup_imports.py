"""Start-up stays light: boto3, moto and (on an up-to-date database) Alembic load only
when first needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

SCRIPT = """
import json, sys
from byok_desktop.paths import resolve_paths
from ui.app import build_main_window, create_application
app = create_application([])
context, window = build_main_window(resolve_paths(sys.argv[1]))
window.show()
app.processEvents()
heavy = [m for m in ("boto3", "botocore", "moto", "alembic") if m in sys.modules]
window.close()
context.close()
print(json.dumps(heavy))
"""


def _heavy_modules_after_start(data_dir: Path) -> list[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
        check=True,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_second_start_imports_no_aws_or_migration_code(tmp_path: Path) -> None:
    first = _heavy_modules_after_start(tmp_path)
    assert "alembic" in first  # the first start creates the schema
    assert "boto3" not in first
    second = _heavy_modules_after_start(tmp_path)
    assert second == []
