"""The root of the suite: the environment every test runs in, and the shared fixtures.

Fixtures are defined once, in ``tests/helpers/``, and registered here as plugins.
"""

from __future__ import annotations

import os

# Before any Qt import: no display is needed, and no test touches the user's settings.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.helpers.fixtures",
    "tests.helpers.provisioned",
    "tests.helpers.canary",
    "tests.helpers.leaks",
]
