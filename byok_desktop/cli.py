"""Headless commands for scripting: check, export, import, list, and the job commands
(provision, resume, revoke, restore, health) in cli_jobs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from byok_desktop.cli_jobs import JOB_COMMANDS, add_job_commands, run_job_command
from byok_desktop.cli_profiles import PROFILE_COMMAND, add_profile_commands, run_profile_command
from byok_desktop.context import open_context
from byok_desktop.errors import DatabaseCorrupt, StorageUnavailable
from byok_desktop.overrides import ContextOverrides
from byok_desktop.paths import AppPaths
from byok_desktop.request import Field
from byok_desktop.request_file import RequestFileError, read_file
from byok_desktop.request_records import SortKey
from byok_desktop.tiers import TierTableError, builtin_tier_table, load_tier_table
from byok_desktop.transfer import OnConflict, export_requests, import_files
from byok_desktop.validation import validate

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3  # the database cannot be opened


def plain(text: str) -> str:
    """User text as one inert line: control characters (line breaks, tabs, terminal
    escapes) are shown as escapes, so a name cannot forge rows or drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def add_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="validate request files; exit 1 if any is invalid")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")

    export = commands.add_parser("export", help="write requests to a .byok.json file")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, action="append", dest="ids", metavar="ID")
    which.add_argument("--all", action="store_true", help="every request")
    which.add_argument("--search", metavar="TEXT", help="requests matching TEXT, as in the list")

    imp = commands.add_parser("import", help="import .byok.json files (all or nothing)")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument(
        "--on-conflict",
        choices=[c.value for c in OnConflict],
        default=OnConflict.FAIL.value,
        help="a request already in the database: fail (default), skip it, or copy it",
    )
    commands.add_parser("list", help="list requests with their status")

    add_job_commands(commands)
    add_profile_commands(commands)


def run(
    args: argparse.Namespace,
    paths: AppPaths,
    overrides: ContextOverrides | None = None,
    out: TextIO = sys.stdout,
) -> int:
    if args.command == "check":
        return _check(args.files, paths, out)
    overrides = overrides or ContextOverrides()
    try:
        context = open_context(
            paths,
            sandbox=overrides.sandbox,
            aws_endpoint_url=overrides.aws_endpoint_url,
            database_url=overrides.database_url,
        )
    except DatabaseCorrupt as exc:
        print(
            f"error: {exc} Nothing was changed. Start the app to move it aside, or move "
            f"{exc.path} away yourself.",
            file=out,
        )
        return EXIT_UNAVAILABLE
    except StorageUnavailable as exc:
        print(f"error: the database cannot be opened: {exc}. {exc.advice}", file=out)
        return EXIT_UNAVAILABLE
    try:
        store = context.database.requests
        if args.command == "export":
            if args.all:
                ids = store.list_ids(sort=SortKey.UPDATED, descending=False)
            elif args.search is not None:
                ids = store.list_ids(args.search)
            else:
                ids = args.ids
                missing = sorted(set(ids) - set(store.rows(ids)))
                if missing:
                    print(f"error: no request with id {', '.join(map(str, missing))}", file=out)
                    return EXIT_INVALID
            if not ids:
                print("error: no request matches; nothing exported", file=out)
                return EXIT_INVALID
            count = export_requests(store, ids, args.output)
            print(f"exported {count} request(s) to {args.output}", file=out)
            return EXIT_OK
        if args.command == "import":
            report = import_files(store, args.files, OnConflict(args.on_conflict))
            for problem in report.problems:
                print(f"error: {plain(str(problem))}", file=out)
            for conflict in report.conflicts:
                print(
                    f"error: {plain(conflict.file)}: request {plain(conflict.uid)} "
                    f"({plain(conflict.site_name or 'no site')}) "
                    f"is already here as #{conflict.existing_id}; use --on-conflict skip or copy",
                    file=out,
                )
            if not report.ok:
                print("nothing imported", file=out)
                return EXIT_INVALID
            for conflict in report.skipped:
                print(f"skipped {conflict.uid}: already here as #{conflict.existing_id}", file=out)
            print(f"imported {len(report.imported_ids)} request(s)", file=out)
            for row in store.rows(report.imported_ids).values():
                print(
                    f"  #{row.id} {plain(row.site_name or '(no site)')}: {row.status.display_name}",
                    file=out,
                )
            return EXIT_OK
        if args.command in JOB_COMMANDS:
            return run_job_command(context, args, out)
        if args.command == PROFILE_COMMAND:
            return run_profile_command(context, args, out)
        if args.command == "list":
            rows = store.rows(store.list_ids(sort=SortKey.SITE, descending=False))
            for rid in store.list_ids(sort=SortKey.SITE, descending=False):
                row = rows[rid]
                print(
                    f"#{row.id}\t{row.status.display_name}\t{plain(row.site_name or '-')}\t"
                    f"{plain(row.aws_account_id or '-')}\t{plain(row.customer_org or '-')}",
                    file=out,
                )
            return EXIT_OK
    finally:
        context.close()
    return EXIT_USAGE


def _check(files: Sequence[Path], paths: AppPaths, out: TextIO) -> int:
    """Validate files on their own: formats and every field rule (not the site's
    claims in some database, which differ per workstation)."""
    try:
        tiers = load_tier_table(paths.data_dir)
    except TierTableError as exc:
        print(f"warning: {exc}; using the built-in tier table", file=out)
        tiers = builtin_tier_table()
    all_valid = True
    for path in files:
        try:
            drafts = read_file(path)
        except RequestFileError as exc:
            all_valid = False
            for problem in exc.problems:
                print(plain(str(problem)), file=out)
            continue
        for index, draft in enumerate(drafts):
            result = validate(draft, tiers)
            label = plain(f"{path}: requests[{index}] ({draft.site_name or 'no site'})")
            if not result.problems():
                print(f"{label}: ready", file=out)
                continue
            all_valid = False
            for fld in Field:
                for message in result.problems(fld):
                    print(f"{label}: {fld.label}: {plain(message)}", file=out)
    return EXIT_OK if all_valid else EXIT_INVALID
