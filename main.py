"""Start BYOK Desktop from a source tree (``make run``, ``python main.py ...``).

A thin script over :mod:`byok_desktop_app.launcher`, which the installed ``byok-desktop``
command and the standalone build use too. Not packaged: the wheel installs no top-level
``main`` module.
"""

from byok_desktop_app.launcher import build_parser, main, run

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    run()
