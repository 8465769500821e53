"""Headless credential-profile commands: ``profile add|list|verify|remove|login|logout``
and ``profile aws-config`` (the AWS CLI's profiles, as the picker shows them).

Secrets are read from standard input (a terminal asks without echo), never from an
argument: arguments end up in shell history and in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from byok_desktop.aws.config_profiles import list_config_profiles
from byok_desktop.aws.connection import MfaCodeNeeded
from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import (
    Profile,
    ProfileInput,
    ProfileKind,
    ProfileNameTaken,
    ProfileNotFound,
    SsoSession,
)
from byok_desktop.credentials.keyring_store import KeyringProblem
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.credentials.service import ProfileInvalid
from byok_desktop.credentials.sso import (
    SSO_ENDPOINT_ENV,
    CodeReady,
    SignedIn,
    SignInFailed,
    Waiting,
)

PROFILE_COMMAND = "profile"

EXIT_OK = 0
EXIT_FAILED = 1

Sleep = Callable[[float], None]


def _plain(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def add_profile_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profile = commands.add_parser(PROFILE_COMMAND, help="manage credential profiles")
    actions = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="add a profile; for access keys, the secret is read from standard input "
        "(first line; a session token on the second)",
    )
    add.add_argument("name")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--kind", choices=["keys", "cli", "sso"])
    source.add_argument(
        "--from-aws-config",
        metavar="PROFILE",
        help="copy an AWS CLI profile's settings (SSO profiles sign in themselves; others "
        "are used by name); 'profile aws-config' lists them",
    )
    add.add_argument("--region", default="", help="default region (us-east-1)")
    add.add_argument("--account", default="", help="the AWS account it must open")
    add.add_argument("--access-key-id", default="", help="keys: the access key ID")
    add.add_argument(
        "--expires", default="", help="keys with a session token: when it expires (ISO 8601)"
    )
    add.add_argument("--cli-profile", default="", help="cli: the AWS CLI profile's name")
    add.add_argument("--sso-session", default="", help="sso: the sign-in session's name")
    add.add_argument("--sso-start-url", default="", help="sso: the start URL")
    add.add_argument("--sso-region", default="", help="sso: IAM Identity Center's region")
    add.add_argument("--sso-account-id", default="", help="sso: the account to open")
    add.add_argument("--sso-role-name", default="", help="sso: the role to use")

    actions.add_parser("list", help="list profiles with their state")
    verify = actions.add_parser("verify", help="check which account a profile opens")
    verify.add_argument("name")
    verify.add_argument(
        "--mfa-code", default="", help="the MFA code, for a profile that assumes a role with MFA"
    )
    remove = actions.add_parser("remove", help="remove a profile and its keyring item")
    remove.add_argument("name")
    login = actions.add_parser("login", help="sign in to an SSO profile's session")
    login.add_argument("name")
    login.add_argument("--force", action="store_true", help="sign in again even if signed in")
    logout = actions.add_parser("logout", help="sign out of an SSO profile's session")
    logout.add_argument("name")
    accounts = actions.add_parser(
        "accounts", help="list the accounts and roles an SSO profile's sign-in opens"
    )
    accounts.add_argument("name")
    actions.add_parser(
        "aws-config", help="list the AWS CLI's profiles (AWS_CONFIG_FILE, ~/.aws/config)"
    )


def run_profile_command(
    context: AppContext,
    args: argparse.Namespace,
    out: TextIO,
    stdin: TextIO | None = None,
    sleep: Sleep = time.sleep,
) -> int:
    stdin = stdin if stdin is not None else sys.stdin
    service = context.credentials
    endpoint = os.environ.get(SSO_ENDPOINT_ENV, "")
    if endpoint:
        service.sso_endpoint_url = endpoint
    action = args.profile_command
    try:
        if action == "add":
            return _add(context, args, out, stdin)
        if action == "list":
            return _list(context, out)
        if action == "aws-config":
            return _aws_config(out)
        profile = _find(context, args.name)
        if action == "verify":
            service.mfa_prompter = _mfa_prompter(args.mfa_code, out, stdin)
            verified, identity = service.verify(profile.uid)
            print(
                f"verified '{_plain(verified.name)}': account {identity.account_id} as "
                f"{_plain(identity.arn)}",
                file=out,
            )
            return EXIT_OK
        if action == "remove":
            service.delete(profile.uid)
            print(f"removed '{_plain(profile.name)}'", file=out)
            return EXIT_OK
        session = _sso_session(profile)
        if action == "login":
            return _login(context, session, args.force, out, sleep)
        if action == "logout":
            service.sign_out(session)
            print(f"signed out of '{_plain(session.name)}'", file=out)
            return EXIT_OK
        if action == "accounts":
            sign_in = service.sign_in(session)
            for account in sign_in.accounts():
                roles = ", ".join(r.role_name for r in sign_in.roles(account.account_id))
                print(f"{account.account_id}\t{_plain(account.name)}\t{_plain(roles)}", file=out)
            return EXIT_OK
    except (
        ProfileInvalid,
        ProfileNameTaken,
        ProfileNotFound,
        AwsProblem,
        SignInFailed,
        KeyringProblem,
        _Refused,
    ) as exc:
        print(f"error: {_plain(str(exc))}", file=out)
        return EXIT_FAILED
    return EXIT_FAILED


class _Refused(ValueError):
    """The command cannot go on; the message says why and what to do."""


def _find(context: AppContext, name: str) -> Profile:
    for profile in context.credentials.profiles.list():
        if profile.name == name.strip():
            return profile
    raise _Refused(f"No profile is named '{name}'; 'profile list' shows them.")


def _sso_session(profile: Profile) -> SsoSession:
    if profile.sso_session is None:
        raise _Refused(
            f"'{profile.name}' is not an IAM Identity Center (SSO) profile; only those sign in."
        )
    return profile.sso_session


def _read_secret(stdin: TextIO) -> AwsSecret:
    if stdin.isatty():
        secret = getpass.getpass("Secret access key: ").strip()
        token = getpass.getpass("Session token (Enter for none): ").strip()
    else:
        lines = stdin.read().splitlines()
        secret = lines[0].strip() if lines else ""
        token = lines[1].strip() if len(lines) > 1 else ""
    if not secret:
        raise _Refused(
            "Give the secret access key on standard input (first line; a session token on "
            "the second), e.g. from a password manager's command line."
        )
    return AwsSecret(secret, token or None)


def _add(context: AppContext, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    if args.from_aws_config:
        listing = list_config_profiles()
        found = listing.find(args.from_aws_config)
        if found is None:
            raise _Refused(
                f"No profile '{args.from_aws_config}' in the AWS configuration. {listing.summary}"
            )
        saved = context.credentials.save(None, found.as_profile_input(args.name, args.region), None)
        print(f"added '{_plain(saved.name)}' ({saved.kind.value})", file=out)
        return EXIT_OK
    kind = ProfileKind(args.kind)
    expires: datetime | None = None
    if args.expires:
        try:
            expires = datetime.fromisoformat(args.expires)
        except ValueError:
            raise _Refused(
                f"--expires {args.expires!r} is not a date and time such as 2026-12-31T18:00+00:00."
            ) from None
        if expires.tzinfo is None:
            raise _Refused("Give --expires with its UTC offset, e.g. 2026-12-31T18:00+00:00.")
    session = None
    if kind is ProfileKind.SSO:
        session = SsoSession(
            args.sso_session.strip() or args.name.strip(),
            args.sso_start_url.strip(),
            args.sso_region.strip(),
        )
    entry = ProfileInput(
        name=args.name,
        kind=kind,
        access_key_id=args.access_key_id,
        cli_profile=args.cli_profile,
        expected_account_id=args.account,
        default_region=args.region or "us-east-1",
        session_expires_at=expires,
        sso_session=session,
        sso_account_id=args.sso_account_id,
        sso_role_name=args.sso_role_name,
    )
    secret = _read_secret(stdin) if kind is ProfileKind.KEYS else None
    profile = context.credentials.save(None, entry, secret)
    print(f"added '{_plain(profile.name)}' ({profile.kind.value})", file=out)
    return EXIT_OK


def _list(context: AppContext, out: TextIO) -> int:
    service = context.credentials
    for profile in service.profiles.list():
        status = service.status(profile)
        print(
            f"{_plain(profile.name)}\t{profile.kind.value}\t{profile.default_region}\t"
            f"{status.state.display_name}\t{_plain(status.detail)}",
            file=out,
        )
        age = profile.key_age_days()
        if age is not None:
            warning = profile.key_age_warning()
            print(
                f"  key age: {age} day(s)" + (f"; warning: {_plain(warning)}" if warning else ""),
                file=out,
            )
    return EXIT_OK


def _aws_config(out: TextIO) -> int:
    listing = list_config_profiles()
    print(listing.summary, file=out)
    for problem in listing.problems:
        print(f"warning: {_plain(problem)}", file=out)
    for found in listing.profiles:
        extra = " (MFA)" if found.needs_mfa else ""
        print(
            f"{_plain(found.name)}\t{found.kind.display_name}{extra}\t{found.region or '-'}",
            file=out,
        )
    return EXIT_OK


def _mfa_prompter(code: str, out: TextIO, stdin: TextIO) -> Callable[[str], str]:
    def ask(serial: str) -> str:
        if code:
            return code
        if not stdin.isatty():
            raise MfaCodeNeeded(
                AwsFault.MISSING_CREDENTIALS,
                f"The profile assumes a role that needs an MFA code from {serial}; pass it "
                "with --mfa-code CODE (there is no terminal to ask on).",
            )
        print(f"MFA code for {serial}: ", end="", file=out, flush=True)
        return stdin.readline().strip()

    return ask


def _login(context: AppContext, session: SsoSession, force: bool, out: TextIO, sleep: Sleep) -> int:
    sign_in = context.credentials.sign_in(session)
    token = None if force else sign_in.token()
    if token is not None:
        where = " (the AWS CLI's sign-in)" if token.from_aws_cli else ""
        print(
            f"already signed in to '{_plain(session.name)}'{where} until "
            f"{token.expires_at:%Y-%m-%d %H:%M} UTC",
            file=out,
        )
        return EXIT_OK
    try:
        for step in sign_in.device_flow():
            if isinstance(step, CodeReady):
                print(_plain(step.message), file=out)
                print(f"or open {_plain(step.verification_uri_complete)}", file=out, flush=True)
            elif isinstance(step, Waiting):
                if step.slowed_down:
                    print(_plain(step.message), file=out, flush=True)
                sleep(step.seconds)
            elif isinstance(step, SignedIn):
                print(_plain(step.message), file=out)
    except KeyboardInterrupt:
        print("sign-in cancelled", file=out)
        return EXIT_FAILED
    return EXIT_OK
