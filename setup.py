"""Which packages and data files go into the wheel (the metadata is in pyproject.toml).

The Qt layer's files stay where the source tree keeps them (``resources/`` for icons and
the stylesheet, ``docs/`` for the manual) and are installed inside the ``ui`` package as
``ui.assets`` and ``ui.assets.docs``, so that an installed app finds them beside its code
and installs nothing else at the top level of site-packages.
"""

from setuptools import find_packages, setup

PACKAGES = ["byok_desktop_app", "byok_desktop", "ui"]
ASSETS = {"ui.assets": "resources", "ui.assets.docs": "docs"}

setup(
    packages=[
        *find_packages(include=[p for name in PACKAGES for p in (name, f"{name}.*")]),
        *ASSETS,
    ],
    package_dir=ASSETS,
    package_data={
        "byok_desktop": [
            "data/*.json",
            "store/migrations/script.py.mako",
            "store/migrations/*.py",
            "store/migrations/versions/*.py",
        ],
        "ui.assets": [
            "*.qss",
            "*.desktop",
            "*.metainfo.xml",
            "icons/*.svg",
            "hicolor/*/apps/*",
        ],
        "ui.assets.docs": ["*.md"],
    },
)
