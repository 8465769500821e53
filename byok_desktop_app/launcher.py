"""BYOK Desktop entry point: the GUI by default, or a headless command.

byok-desktop [--data-dir DIR]            start the GUI
byok-desktop check FILE...               validate request files
byok-desktop export -o FILE --all        export requests
byok-desktop import FILE...              import request files
byok-desktop provision ID...|--all-ready provision Ready requests in AWS
byok-desktop resume [JOB_ID...]          resume failed, cancelled or interrupted jobs
byok-desktop revoke SITE FAMILY --yes    revoke the provider's access to a family's keys
byok-desktop restore SITE FAMILY         restore it within the restore window
byok-desktop health [SITE...]            check key health and print each family's status

The installed ``byok-desktop`` script, ``python -m byok_desktop_app``, the source tree's
``main.py`` and the standalone build all start here. It sits above both ``byok_desktop``
(the Qt-free core) and ``ui`` because it wires them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from byok_desktop import APP_NAME, __version__
from byok_desktop.logging_setup import configure_logging_or_warn
from byok_desktop.overrides import ContextOverrides
from byok_desktop.paths import DATA_DIR_ENV, resolve_paths


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the GUI's options and every headless command."""
    from byok_desktop import cli

    parser = _options_parser(add_help=True)
    cli.add_commands(parser)
    return parser


def _options_parser(add_help: bool) -> argparse.ArgumentParser:
    """The options alone. The GUI parses with this one, so that starting it does not load
    the commands' modules (the database layer and more: start-up time)."""
    parser = argparse.ArgumentParser(
        add_help=add_help,
        prog="byok-desktop",
        description=f"{APP_NAME}: draft, check and exchange BYOK encryption requests.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"keep the database, logs and settings in DIR (also ${DATA_DIR_ENV})",
    )
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        default=None,
        help="use the built-in sandbox (a local simulated AWS with its own database)",
    )
    parser.add_argument(
        "--aws-endpoint-url",
        metavar="URL",
        help="send AWS calls to URL (a local AWS emulator) instead of real AWS",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="keep records in a shared PostgreSQL database, e.g. "
        "postgresql+psycopg://rep@db.example.com/byok (needs the 'postgres' extra)",
    )
    return parser


def _parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    args, rest = _options_parser(add_help=False).parse_known_args(argv)
    # A word that is not an option (a command, or a mistyped one) or a request for help
    # needs the whole command line; anything else starts the GUI, with Qt's own options.
    words = [a for a in rest if not a.startswith("-")]
    if words or any(a in ("-h", "--help") for a in rest):
        return build_parser().parse_known_args(argv)
    args.command = None
    return args, rest


def _frozen_module(argv: Sequence[str]) -> int | None:
    """The standalone build has no Python to run ``-m MODULE``: the GUI starts its job
    worker as ``<this binary> -m byok_desktop.jobs.worker_process ...``, served here.
    Only that module; anything else is an ordinary command line."""
    if not getattr(sys, "frozen", False) or list(argv[:1]) != ["-m"] or len(argv) < 2:
        return None
    from byok_desktop.jobs import worker_process

    if argv[1] != worker_process.MODULE:
        return None
    return worker_process.main(list(argv[2:]))


def main(argv: Sequence[str] | None = None) -> int:
    frozen = _frozen_module(sys.argv[1:] if argv is None else argv)
    if frozen is not None:
        return frozen
    args, qt_args = _parse(argv)
    overrides = ContextOverrides(
        sandbox=args.sandbox,
        aws_endpoint_url=args.aws_endpoint_url,
        database_url=args.database_url,
    )
    if args.command is not None:
        if qt_args:
            build_parser().error(f"unrecognized arguments: {' '.join(qt_args)}")
        from byok_desktop import cli

        # Paths, the log and every fault: one sentence and an exit code, never a traceback.
        return cli.run_command(args, overrides)
    paths = resolve_paths(args.data_dir)
    level = logging.DEBUG if args.debug else logging.INFO
    folder_problem = ""
    try:
        paths.ensure()
    except OSError as exc:  # said in a dialog by the GUI, never a traceback
        from byok_desktop.exit_codes import describe_os_error

        folder_problem = describe_os_error(exc, f"The data folder {paths.data_dir} cannot be used")
    log_problem = configure_logging_or_warn(paths.log_dir, level)
    from ui.app import run_gui  # Qt is loaded only for the GUI

    return run_gui(
        paths,
        [sys.argv[0], *qt_args],
        overrides,
        folder_problem=folder_problem,
        log_problem=log_problem,
    )


def run() -> None:
    """The console script: exit with ``main``'s code."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl+C before a command could catch it (while loading)
        sys.exit(130)
