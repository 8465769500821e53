"""Headless commands for scripting: check, export, import, list, and the job commands
(provision, resume, revoke, restore, health) in cli_jobs, reconcile in cli_reconcile."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from byok_desktop.cli_customer import (
    CUSTOMER_COMMANDS,
    add_customer_commands,
    run_customer_command,
)
from byok_desktop.cli_jobs import JOB_COMMANDS, add_job_commands, run_job_command
from byok_desktop.cli_profiles import PROFILE_COMMAND, add_profile_commands, run_profile_command
from byok_desktop.cli_reconcile import COMMAND as RECONCILE_COMMAND
from byok_desktop.cli_reconcile import add_reconcile_command, run_reconcile
from byok_desktop.context import open_context
from byok_desktop.exit_codes import ExitCode, classify, describe_os_error, help_text
from byok_desktop.logging_setup import configure_logging_or_warn
from byok_desktop.overrides import ContextOverrides
from byok_desktop.paths import AppPaths, resolve_paths
from byok_desktop.request import Field, RequestDraft
from byok_desktop.request_file import FileProblem, RequestFileError, read_file
from byok_desktop.request_records import SortKey
from byok_desktop.tiers import TierTableError, builtin_tier_table, load_tier_table
from byok_desktop.transfer import (
    ExportTooLarge,
    OnConflict,
    duplicate_uids,
    export_requests,
    import_files,
    verdicts,
)
from byok_desktop.wording import counted

log = logging.getLogger("byok_desktop.cli")

# The table is byok_desktop.exit_codes; these names stay for scripts and tests.
EXIT_OK = ExitCode.OK
EXIT_INVALID = ExitCode.PROBLEMS
EXIT_USAGE = ExitCode.USAGE
EXIT_UNAVAILABLE = ExitCode.ENVIRONMENT


def plain(text: str) -> str:
    """User text as one inert line: control characters (line breaks, tabs, terminal
    escapes) are shown as escapes, so a name cannot forge rows or drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def add_commands(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = help_text()
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
    listing = commands.add_parser("list", help="list requests with their status")
    listing.add_argument("--json", action="store_true", help="one JSON document on stdout")
    check.add_argument("--json", action="store_true", help="one JSON document on stdout")
    doctor = commands.add_parser(
        "doctor",
        help="check the keyring, folders, disk, database, AWS endpoint, clock and profiles",
    )
    doctor.add_argument("--json", action="store_true", help="one JSON document on stdout")

    add_job_commands(commands)
    add_reconcile_command(commands)
    add_profile_commands(commands)
    add_customer_commands(commands)


def run_command(args: argparse.Namespace, overrides: ContextOverrides) -> int:
    """A headless command as main.py runs it: streams, the log, then the command; every
    fault ends as one sentence on stderr and its exit code (byok_desktop.exit_codes)."""
    # Names and paths may not be valid in the terminal's encoding: escape, never crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        paths = resolve_paths(args.data_dir)
        level = logging.DEBUG if args.debug else logging.INFO
        problem = configure_logging_or_warn(paths.log_dir, level, console=True)
        if problem:
            _say(f"warning: {problem}", sys.stderr)
    except (Exception, KeyboardInterrupt) as exc:
        return report_fault(exc, sys.stderr, debug=args.debug)
    code = run(args, paths, overrides, debug=args.debug)
    try:
        sys.stdout.flush()  # a reader gone away shows here, not at the interpreter's exit
    except (Exception, KeyboardInterrupt) as exc:
        return report_fault(exc, sys.stderr, debug=args.debug)
    return code


def report_fault(exc: BaseException, err: TextIO, debug: bool = False) -> int:
    """Say what stopped a command in one sentence on ``err``, log the traceback, and
    return the exit code of the table."""
    fault = classify(exc)
    if fault.code is ExitCode.BROKEN_PIPE:
        _silence_stdout()
        return int(fault.code)
    log.log(
        logging.ERROR if not fault.expected else logging.WARNING,
        "Command stopped: %s",
        fault.message,
        exc_info=exc,
        extra={"console": False},  # the user reads the sentence below
    )
    _say(f"error: {plain(fault.message)}", err)
    if debug:
        with _quiet_pipe():
            traceback.print_exception(exc, file=err)
    return int(fault.code)


class _quiet_pipe:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: object, tb: object) -> bool:
        return isinstance(exc, OSError | ValueError)  # stderr closed or gone


def _say(text: str, err: TextIO) -> None:
    with _quiet_pipe():
        print(text, file=err)
        err.flush()


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so the interpreter's final flush
    does not print "Exception ignored ... BrokenPipeError"."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def run(
    args: argparse.Namespace,
    paths: AppPaths,
    overrides: ContextOverrides | None = None,
    out: TextIO = sys.stdout,
    err: TextIO | None = None,
    debug: bool = False,
) -> int:
    """Run one command; faults become a sentence on ``err`` (stderr) and their code."""
    err = err if err is not None else sys.stderr
    try:
        return _run(args, paths, overrides, out, err)
    except (Exception, KeyboardInterrupt) as exc:
        return report_fault(exc, err, debug)


def _run(
    args: argparse.Namespace,
    paths: AppPaths,
    overrides: ContextOverrides | None,
    out: TextIO,
    err: TextIO,
) -> int:
    if args.command == "check":
        return _check(args.files, paths, out, as_json=args.json)
    if args.command == "doctor":
        return _doctor(paths, overrides or ContextOverrides(), out, as_json=args.json)
    if args.command == "export":
        folder = args.output.parent
        if not folder.is_dir():
            print(
                f"error: cannot write {plain(args.output)}: the folder {plain(folder)} does "
                "not exist. Create it, or choose another file with -o.",
                file=err,
            )
            return EXIT_USAGE
    overrides = overrides or ContextOverrides()
    context = open_context(
        paths,
        sandbox=overrides.sandbox,
        aws_endpoint_url=overrides.aws_endpoint_url,
        database_url=overrides.database_url,
    )
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
            try:
                exported = export_requests(store, ids, args.output)
            except ExportTooLarge as exc:
                print(f"error: {plain(str(exc))} Nothing was written.", file=err)
                return EXIT_INVALID
            except OSError as exc:
                print(
                    f"error: {plain(describe_os_error(exc, f'cannot write {args.output}'))}",
                    file=err,
                )
                return EXIT_UNAVAILABLE
            if len(exported.files) == 1:
                print(
                    f"exported {counted(exported.count, 'request')} to {plain(str(args.output))}", file=out
                )
            else:
                print(
                    f"exported {counted(exported.count, 'request')} in {len(exported.files)} files "
                    "(one file would be more than import reads); import them together:",
                    file=out,
                )
                for file in exported.files:
                    print(f"  {plain(str(file))}", file=out)
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
            print(f"imported {counted(len(report.imported_ids), 'request')}", file=out)
            for row in store.rows(report.imported_ids).values():
                print(
                    f"  #{row.id} {plain(row.site_name or '(no site)')}: {row.status.display_name}",
                    file=out,
                )
            for change in report.status_changes:
                print(
                    f"changed #{change.request_id} {plain(change.site_name or '(no site)')}: "
                    f"{change.before.display_name} -> {change.after.display_name}"
                    + (f": {plain(change.reason)}" if change.reason else ""),
                    file=out,
                )
            return EXIT_OK
        if args.command in JOB_COMMANDS:
            return run_job_command(context, args, out, err)
        if args.command == RECONCILE_COMMAND:
            return run_reconcile(context, args, out, err)
        if args.command == PROFILE_COMMAND:
            return run_profile_command(context, args, out)
        if args.command in CUSTOMER_COMMANDS:
            return run_customer_command(context, args, out)
        if args.command == "list":
            ids = store.list_ids(sort=SortKey.SITE, descending=False)
            rows = store.rows(ids)
            if args.json:
                listed = [
                    {
                        "id": rows[rid].id,
                        "status": rows[rid].status.value,
                        "site_name": rows[rid].site_name,
                        "aws_account_id": rows[rid].aws_account_id,
                        "customer_org": rows[rid].customer_org,
                    }
                    for rid in ids
                ]
                _json_out({"requests": listed}, out)
                return EXIT_OK
            for rid in ids:
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


def _json_out(document: object, out: TextIO) -> None:
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _doctor(paths: AppPaths, overrides: ContextOverrides, out: TextIO, as_json: bool) -> int:
    from byok_desktop import doctor

    checks = doctor.run_checks(paths, overrides)
    code = doctor.exit_code(checks)
    if as_json:
        _json_out({"exit_code": int(code), "checks": [c.as_json() for c in checks]}, out)
    else:
        out.write(plain_lines(doctor.table(checks)))
    return int(code)


def plain_lines(text: str) -> str:
    return "".join(plain(line) + "\n" for line in text.splitlines())


def _check(files: Sequence[Path], paths: AppPaths, out: TextIO, as_json: bool = False) -> int:
    """Validate files as ``import`` of them together would: formats, every field rule and
    the site rule among the files' requests (not the site's claims in some database,
    which differ per workstation)."""
    report: list[dict[str, object]] = []
    try:
        tiers = load_tier_table(paths.data_dir)
    except TierTableError as exc:
        print(f"warning: {exc}; using the built-in tier table", file=sys.stderr)
        tiers = builtin_tier_table()
    all_valid = True
    read: list[tuple[Path, list[RequestDraft]]] = []
    for path in files:
        try:
            read.append((path, read_file(path)))
        except RequestFileError as exc:
            all_valid = False
            report.append(_file_problems(path, exc.problems))
            if not as_json:
                for problem in exc.problems:
                    print(plain(str(problem)), file=out)
    named = [(str(path), draft) for path, drafts in read for draft in drafts]
    for problem in duplicate_uids(named):
        all_valid = False
        report.append(_file_problems(Path(problem.file), [problem]))
        if not as_json:
            print(plain(str(problem)), file=out)
    results = iter(verdicts([draft for _, draft in named], tiers))
    for path, drafts in read:
        entries: list[dict[str, object]] = []
        report.append({"file": str(path), "ok": True, "problems": [], "requests": entries})
        for index, draft in enumerate(drafts):
            result = next(results)
            label = plain(f"{path}: requests[{index}] ({draft.site_name or 'no site'})")
            problems = [
                {"field": fld.value, "label": fld.label, "message": message}
                for fld in Field
                for message in result.problems(fld)
            ]
            entries.append(
                {"index": index, "site_name": draft.site_name, "ready": not problems,
                 "problems": problems}
            )  # fmt: skip
            if problems:
                all_valid = False
                report[-1]["ok"] = False
            if as_json:
                continue
            if not problems:
                print(f"{label}: ready", file=out)
            for p in problems:
                print(f"{label}: {p['label']}: {plain(str(p['message']))}", file=out)
    if as_json:
        _json_out({"ok": all_valid, "files": report}, out)
    return EXIT_OK if all_valid else EXIT_INVALID


def _file_problems(path: Path, problems: Sequence[FileProblem]) -> dict[str, object]:
    return {
        "file": str(path),
        "ok": False,
        "problems": [{"where": p.where, "message": p.message} for p in problems],
        "requests": [],
    }
