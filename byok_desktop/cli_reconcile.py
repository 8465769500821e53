"""``main.py reconcile [SITE...] --profile NAME [--dry-run] [--json]``: rebuild the local
product records from AWS (byok_desktop/reconcile.py) and print what differed.

Exit codes (byok_desktop/exit_codes.py): 0 when nothing differed or every difference was
repaired here; 1 when a difference needs a human (a key nobody uses, a key gone from AWS,
an unfinished job), or with ``--dry-run`` when anything differs; 2 for an unknown
profile; 3 and 4 as every command (environment, AWS)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, TextIO

from byok_desktop.context import AppContext
from byok_desktop.exit_codes import ExitCode

if TYPE_CHECKING:  # the AWS and store layers load only when the command runs
    from byok_desktop import reconcile
    from byok_desktop.credential_profiles import Profile

COMMAND = "reconcile"


def add_reconcile_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        COMMAND,
        help="rebuild the product records from what the app made in AWS (a new workstation, "
        "a lost data folder); deletes nothing in AWS",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes:\n"
        "    0  the records here agree with AWS, or were repaired\n"
        "    1  a difference needs you (an unused key, a key gone from AWS, a job not\n"
        "       finished); with --dry-run: anything differs\n"
        "    2  usage (e.g. no profile of that name, --confirm not the key ID)\n"
        "  3/4  environment / AWS, as every command",
    )
    command.add_argument("sites", nargs="*", metavar="SITE", help="default: every site")
    command.add_argument(
        "--profile", required=True, metavar="NAME", help="the profile that opens the account"
    )
    command.add_argument(
        "--dry-run", action="store_true", help="print the differences; write nothing"
    )
    command.add_argument("--json", action="store_true", help="one JSON document on stdout")
    command.add_argument(
        "--schedule-deletion",
        metavar="KEYID",
        help="instead of repairing: schedule the deletion (30 days) of a key reconcile "
        "reports unused; needs --confirm KEYID",
    )
    command.add_argument("--confirm", metavar="KEYID", help="the key ID again, typed")


def run_reconcile(context: AppContext, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from byok_desktop import reconcile
    from byok_desktop.cli import plain

    found = [p for p in context.credentials.profiles.list() if p.name == args.profile.strip()]
    if not found:
        print(
            f"error: no profile is named '{plain(args.profile)}'; 'profile list' shows them.",
            file=err,
        )
        return int(ExitCode.USAGE)
    deleting = args.schedule_deletion
    if deleting is not None and args.confirm != deleting:
        print(
            f"error: scheduling {plain(deleting)} for deletion needs --confirm "
            f"{plain(deleting)} (the key ID typed again); nothing was changed.",
            file=err,
        )
        return int(ExitCode.USAGE)
    progress = (lambda _text: None) if args.json else (lambda text: _line(text, err))
    plan = reconcile.plan(
        context.database,
        context.credentials,
        context.settings,
        found[0],
        args.sites,
        progress,
    )
    if deleting is not None:
        return _schedule_deletion(context, found[0], plan, deleting, args.confirm, out, err)
    applied = [] if args.dry_run else reconcile.apply(context.database, plan)
    if args.dry_run:
        code = ExitCode.PROBLEMS if plan.differences else ExitCode.OK
    else:
        code = ExitCode.PROBLEMS if plan.needs_human else ExitCode.OK
    if args.json:
        document = plan.as_json()
        document.update(dry_run=bool(args.dry_run), applied=len(applied), exit_code=int(code))
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return int(code)
    print(
        f"account {plan.account_id} (profile {plain(plan.profile_name)}): "
        f"{len(plan.families)} product family key(s) made by this app in AWS",
        file=out,
    )
    if not plan.differences:
        print("the local records agree with AWS", file=out)
        return int(code)
    width = max(len(d.kind.label) for d in plan.differences)
    for difference in plan.differences:
        where = plain(f"{difference.site}/{difference.family.value}")
        print(f"{difference.kind.label:<{width}}  {where}: {plain(difference.summary)}", file=out)
    if args.dry_run:
        print("dry run: nothing was written", file=out)
    else:
        print(f"repaired {len(applied)} difference(s) in the local records", file=out)
    waiting = sum(d.kind.needs_human for d in plan.differences)
    if waiting:
        print(f"{waiting} difference(s) need you: nothing was changed in AWS", file=out)
    return int(code)


def _schedule_deletion(
    context: AppContext,
    profile: Profile,
    plan: reconcile.Plan,
    key_id: str,
    typed: str,
    out: TextIO,
    err: TextIO,
) -> int:
    from byok_desktop import reconcile
    from byok_desktop.cli import plain

    if key_id not in {k.key_id for k in plan.unused}:
        print(
            f"error: {plain(key_id)} is not a key this app made that no product uses; "
            "`reconcile` lists those as Unused key. Nothing was changed.",
            file=err,
        )
        return int(ExitCode.USAGE)
    try:
        regions = reconcile.schedule_deletion(context.credentials, profile, plan, key_id, typed)
    except reconcile.NotDeleted as exc:
        print(f"error: {plain(str(exc))} Nothing was changed.", file=err)
        return int(ExitCode.PROBLEMS)
    print(
        f"{plain(key_id)} scheduled for deletion in {reconcile.DELETION_WINDOW_DAYS} days in "
        f"{', '.join(regions)}; until then `aws kms cancel-key-deletion` undoes it.",
        file=out,
    )
    return int(ExitCode.OK)


def _line(text: str, err: TextIO) -> None:
    print(f"... {text}", file=err)
    err.flush()
