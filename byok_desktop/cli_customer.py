"""Headless commands for the customer's side: the ExternalId of a customer account,
the setup kit of a request, and the preflight of a request (as the rep will provision).

A request is named by a request file (holding one request), its uid, or #ID.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from byok_desktop.context import AppContext
from byok_desktop.exit_codes import ExitCode, classify, describe_os_error
from byok_desktop.request import RequestDraft
from byok_desktop.request_file import RequestFileError, read_file
from byok_desktop.validation import account_id_problems, normalise_account_id, validate

CUSTOMER_COMMANDS = ("external-id", "setup-kit", "preflight")


class UnknownRequest(LookupError):
    pass


def add_customer_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ext = commands.add_parser(
        "external-id", help="print the ExternalId of a customer's AWS account (made once)"
    )
    ext.add_argument("account", metavar="ACCOUNT")
    kit = commands.add_parser(
        "setup-kit",
        help="write the customer's setup kit for a request (CloudFormation, Terraform, README)",
    )
    kit.add_argument("request", metavar="REQUEST_FILE_OR_UID", help="a request file, uid or #ID")
    kit.add_argument("-o", "--output", type=Path, required=True, metavar="FOLDER")
    kit.add_argument("--profile", metavar="NAME", help="your own profile (its account is trusted)")
    kit.add_argument(
        "--rep-account",
        metavar="ACCOUNT",
        help="the account to trust instead of your profile's (12 digits)",
    )
    pre = commands.add_parser(
        "preflight",
        help="assume the request's customer role and check it can do what provisioning needs",
    )
    pre.add_argument("request", metavar="REQUEST_FILE_OR_UID", help="a request file, uid or #ID")
    pre.add_argument("--profile", metavar="NAME", help="your own profile (default: chosen)")


def run_customer_command(context: AppContext, args: argparse.Namespace, out: TextIO) -> int:
    try:
        if args.command == "external-id":
            return _external_id(context, args.account, out)
        draft = _request(context, args.request)
        if args.command == "setup-kit":
            return _setup_kit(context, draft, args, out)
        return _preflight(context, draft, args.profile, out)
    except UnknownRequest as exc:
        print(f"error: {exc}", file=out)
        return int(ExitCode.USAGE)


def _request(context: AppContext, name: str) -> RequestDraft:
    path = Path(name)
    if path.suffix == ".json" or path.is_file():
        try:
            drafts = read_file(path)
        except RequestFileError as exc:
            raise UnknownRequest(str(exc)) from exc
        if len(drafts) != 1:
            raise UnknownRequest(
                f"{path} holds {len(drafts)} requests; name one by its uid or #ID instead."
            )
        return drafts[0]
    store = context.database.requests
    if name.startswith("#") and name[1:].isdigit():
        try:
            return store.get(int(name[1:])).draft
        except LookupError as exc:
            raise UnknownRequest(f"no request #{name[1:]}; see `main.py list`.") from exc
    found = store.ids_by_uid([name]).get(name)
    if found is None:
        raise UnknownRequest(
            f"no request file or request uid '{name}'; name a .byok.json file, a uid or #ID."
        )
    return store.get(found).draft


def _account(text: str, out: TextIO) -> str | None:
    account = normalise_account_id(text)
    problems = account_id_problems(account)
    for problem in problems:
        print(f"error: {problem}", file=out)
    return None if problems else account


def _external_id(context: AppContext, text: str, out: TextIO) -> int:
    account = _account(text, out)
    if account is None:
        return int(ExitCode.USAGE)
    print(context.database.external_ids.for_account(account), file=out)
    return int(ExitCode.OK)


def _setup_kit(
    context: AppContext, draft: RequestDraft, args: argparse.Namespace, out: TextIO
) -> int:
    from byok_desktop.provisioning.setup_kit import KitInput, write_kit

    problems = account_id_problems(normalise_account_id(draft.aws_account_id))
    if problems:
        print(f"error: the request's AWS account ID: {problems[0]}", file=out)
        return int(ExitCode.PROBLEMS)
    account = normalise_account_id(draft.aws_account_id)
    if args.rep_account:
        rep_account = _account(args.rep_account, out)
        if rep_account is None:
            return int(ExitCode.USAGE)
    else:
        profile = context.credentials.rep_profile(args.profile)
        if profile.verification is None:
            print(
                f"error: '{profile.name}' is not verified, so its account is unknown; run "
                "`main.py profile verify` first, or pass --rep-account.",
                file=out,
            )
            return int(ExitCode.PROBLEMS)
        rep_account = profile.verification.account_id
    settings = context.settings
    kit = KitInput(
        account_id=account,
        site=draft.site_name.strip() or "(no site)",
        request_uid=draft.uid,
        rep_account_id=rep_account,
        external_id=context.database.external_ids.for_account(account),
        role_name=settings.role_name,
        provider_principal=settings.provider_principal,
    )
    try:
        written = write_kit(kit, args.output)
    except OSError as exc:
        print(f"error: {describe_os_error(exc, f'cannot write {args.output}')}", file=out)
        return int(ExitCode.ENVIRONMENT)
    for path in written:
        print(f"wrote {path}", file=out)
    print(f"ExternalId for account {account}: {kit.external_id}", file=out)
    return int(ExitCode.OK)


def _preflight(
    context: AppContext, draft: RequestDraft, profile_name: str | None, out: TextIO
) -> int:
    from byok_desktop.jobs.customer_role import preflight_request

    result = validate(draft, context.database.requests.tiers)
    if result.problems():
        for problem in result.problems():
            print(f"error: {problem}", file=out)
        return int(ExitCode.PROBLEMS)
    credentials = context.credentials
    profile = credentials.profile_for_request(
        draft.aws_account_id, draft.customer_role_arn, profile_name
    )
    outcome = preflight_request(context.database, credentials, draft, profile, context.settings)
    for line in outcome.lines():
        print(line, file=out)
    print("ready to provision" if outcome.ok else "not ready: see missing above", file=out)
    if outcome.stopped_by is not None:  # AWS refused the role itself: as `provision` says
        return int(classify(outcome.stopped_by).code)
    return int(ExitCode.OK if outcome.ok else ExitCode.PROBLEMS)
