"""Headless job commands: provision, resume, revoke, restore and health, printing
progress line by line for scripts and logs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from byok_desktop.context import AppContext
from byok_desktop.exit_codes import ExitCode, for_job_fault, worst
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.products import ProductFamily

if TYPE_CHECKING:
    from byok_desktop.jobs.scheduler import JobScheduler

EXIT_OK = ExitCode.OK
EXIT_FAILED = ExitCode.PROBLEMS
# How long Ctrl+C waits for running jobs to reach a step boundary before the process goes.
INTERRUPT_GRACE_S = 3.0

JOB_COMMANDS = ("provision", "resume", "revoke", "restore", "health")


def add_job_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    provision = commands.add_parser(
        "provision", help="provision Ready requests in AWS, printing progress"
    )
    target = provision.add_mutually_exclusive_group(required=True)
    target.add_argument("request_ids", nargs="*", type=int, default=[], metavar="REQUEST_ID")
    target.add_argument("--all-ready", action="store_true", help="every Ready request")
    provision.add_argument(
        "--profile",
        metavar="NAME",
        help="your own profile, to assume the customer's role with (default: chosen)",
    )
    provision.add_argument(
        "--yes",
        action="store_true",
        help="confirm in advance: submit without showing each request's summary and asking "
        "(needed without a terminal, e.g. in scripts)",
    )

    resume = commands.add_parser(
        "resume",
        help="resume jobs that failed, were cancelled or were interrupted (a crash or a "
        "closed app), from their last completed step",
    )
    resume.add_argument("job_ids", nargs="*", type=int, metavar="JOB_ID", help="default: all")

    families = [f.value for f in ProductFamily]
    for name, text in (
        ("revoke", "revoke the key provider's access to a site's product family"),
        ("restore", "restore access revoked within the restore window"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("site", metavar="SITE")
        command.add_argument("family", choices=families, metavar="FAMILY", help="jira|confluence")
        if name == "revoke":
            command.add_argument(
                "--yes",
                action="store_true",
                required=True,
                help="confirm: suspends every product of the family on the site",
            )

    health = commands.add_parser("health", help="check key health in AWS and print it")
    health.add_argument("sites", nargs="*", metavar="SITE", help="default: every site")
    health.add_argument("--json", action="store_true", help="one JSON document on stdout")


Ask = Callable[[str], str]  # shows a prompt, returns the user's answer


def _terminal_ask() -> Ask | None:
    """``input`` when stdin and stdout are a terminal; None in scripts and pipes."""
    if sys.stdin is None or not sys.stdin.isatty() or not sys.stdout.isatty():
        return None
    return input


def run_job_command(
    context: AppContext,
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO | None = None,
    ask: Ask | None = None,
) -> int:
    """``ask``: how ``provision`` asks for confirmation (default: the terminal, if any)."""
    if args.command == "provision":
        return _provision(
            context, args, out, err or out, ask if ask is not None else _terminal_ask()
        )
    if args.command == "resume":
        return _resume(context, args.job_ids, out)
    if args.command in ("revoke", "restore"):
        return _change_access(context, args.command, args.site, args.family, out)
    return _health(context, args.sites, out, as_json=args.json)


def _confirmed(context: AppContext, request_id: int, out: TextIO, ask: Ask) -> bool:
    """Show what submitting ``request_id`` locks and creates; True if the user says yes.
    A request that is not Ready gets no sheet: submitting refuses it and says why."""
    from byok_desktop.jobs.submit_sheet import submit_sheet
    from byok_desktop.request import RequestStatus

    stored = context.database.requests.get(request_id)
    if stored.status is not RequestStatus.READY or stored.draft.location is None:
        return True
    settings = context.settings
    sheet = submit_sheet(request_id, stored.draft, settings.role_name, settings.provider_principal)
    print(sheet.text(), file=out)
    out.flush()
    try:
        answer = ask("Submit and provision? [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().casefold() in ("y", "yes")


def _provision(
    context: AppContext, args: argparse.Namespace, out: TextIO, err: TextIO, ask: Ask | None
) -> int:
    from byok_desktop.exit_codes import classify
    from byok_desktop.jobs.customer_role import submit_preflight
    from byok_desktop.jobs.owner import owner_alive, this_owner
    from byok_desktop.jobs.submit import CannotSubmit, ProfileCheckFailed, submit_request
    from byok_desktop.request import RequestStatus
    from byok_desktop.request_records import SortKey

    requests = context.database.requests
    # Jobs a crashed app left Queued or Running become Interrupted, so that a refusal
    # below ("already has job(s) …") points at jobs that `resume` will take.
    context.database.jobs.mark_interrupted(owner_alive)
    if args.all_ready:
        rows = requests.rows(requests.list_ids(sort=SortKey.SITE, descending=False))
        ids = [rid for rid, row in rows.items() if row.status is RequestStatus.READY]
        if not ids:
            print("no Ready request to provision", file=out)
            return EXIT_OK
    else:
        ids = args.request_ids
    if not args.yes and ask is None:
        print(
            "not submitted: provisioning locks each request for good, so it asks first, and "
            "there is no terminal to ask on; pass --yes to confirm in advance.",
            file=out,
        )
        return int(ExitCode.USAGE)
    created: list[Job] = []
    codes: list[ExitCode] = []
    # A request that names the customer's role is checked before it is locked.
    preflight = submit_preflight(context.database, context.credentials, context.settings)
    for request_id in ids:
        try:
            if ask is not None and not args.yes and not _confirmed(context, request_id, out, ask):
                print(f"#{request_id}: not submitted (not confirmed)", file=out)
                continue
            created.extend(
                submit_request(
                    request_id,
                    requests,
                    context.database.jobs,
                    context.credentials,
                    this_owner("cli"),
                    profile_name=args.profile,
                    preflight=preflight,
                )
            )
        except ProfileCheckFailed as exc:  # the environment or AWS: an error, on stderr
            print(f"error: #{request_id}: not submitted: {exc}", file=err)
            codes.append(classify(exc.cause).code)  # 3 for the keyring, 4 for AWS
        except (CannotSubmit, LookupError) as exc:
            print(f"#{request_id}: not submitted: {exc}", file=out)
            codes.append(ExitCode.PROBLEMS)
    codes.append(_run(context, created, out))
    return int(worst(codes))


def _resume(context: AppContext, job_ids: Sequence[int], out: TextIO) -> int:
    from byok_desktop.jobs.owner import owner_alive

    jobs = context.database.jobs
    jobs.mark_interrupted(owner_alive)
    wanted = set(job_ids)
    chosen = [j for j in jobs.all_jobs() if j.status.resumable and (not wanted or j.id in wanted)]
    missing = wanted - {j.id for j in chosen}
    for job_id in sorted(missing):
        print(f"job #{job_id}: nothing to resume (unknown, running or finished)", file=out)
    if not chosen:
        print("no job to resume", file=out)
        return EXIT_FAILED if missing else EXIT_OK
    code = _run(context, sorted(chosen, key=lambda j: j.id), out)
    return int(worst([code, ExitCode.PROBLEMS if missing else ExitCode.OK]))


def _change_access(context: AppContext, kind: str, site: str, family: str, out: TextIO) -> int:
    from byok_desktop.jobs.access import (
        CannotChangeAccess,
        role_families,
        submit_restore,
        submit_revoke,
    )

    submit = submit_revoke if kind == "revoke" else submit_restore
    try:
        job = submit(context.database, context.credentials, site, family)
    except CannotChangeAccess as exc:
        print(f"{site}/{family}: not {kind}d: {exc}", file=out)
        return EXIT_FAILED
    # The trust statement is the account's role's: every family on it goes with it.
    families = role_families(context.database, job.site_key, job.family)
    effect = "suspends" if kind == "revoke" else "brings back"
    print(
        f"{kind} {job.site_key}/{job.family} (account {job.account_id}): {effect} "
        f"{len(families)} product {'family' if len(families) == 1 else 'families'} on the "
        "account's key-management role:",
        file=out,
    )
    for role_family in families:
        print(f"  {role_family.line()}", file=out)
    return int(_run(context, [job], out))


def _health(context: AppContext, sites: Sequence[str], out: TextIO, as_json: bool) -> int:
    """0 when every family is Active, 1 when one is not, 4 when AWS could not be asked
    (unreachable, denied, expired) for one: its status is then the last one known."""
    from byok_desktop.health.service import CheckResult, HealthService
    from byok_desktop.product_status import ProductStatus

    families = [
        (site, family)
        for site, family in context.database.products.provisioned_families()
        if not sites or site in sites
    ]
    listed: list[dict[str, object]] = []

    def show(result: CheckResult) -> None:
        products = context.database.products.on_site(result.site_key)
        reason = next((p.status_reason for p in products if p.family.value == result.family), "")
        listed.append(
            {
                "site": result.site_key,
                "family": result.family,
                "status": result.status.value,
                "reason": reason,
                "aws_error": result.error,
                "aws_fault": result.fault,
            }
        )
        if as_json:
            return
        line = f"{result.site_key}/{result.family}: {result.status.display_name}"
        print(line + (f": {reason}" if reason else ""), file=out)
        out.flush()

    if not families:
        if not as_json:
            print("no provisioned product to check", file=out)
        results = []
    else:
        service = HealthService(context.database, context.credentials, lambda: context.settings)
        results = service.check(families, on_result=show)
    code = worst(
        ExitCode.AWS
        if r.fault
        else ExitCode.OK
        if r.status is ProductStatus.ACTIVE
        else ExitCode.PROBLEMS
        for r in results
    )
    if as_json:
        json.dump({"exit_code": int(code), "families": listed}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    return int(code)


def _run(context: AppContext, jobs_to_run: Sequence[Job], out: TextIO) -> ExitCode:
    """Run jobs on the worker pool, printing each step once. The code: 0 when all
    succeeded, else the worst of their failures (1 a problem, 3 the keyring, 4 AWS).
    Ctrl+C asks running jobs to stop at their next step (resumable), waits a moment for
    them, and goes on as KeyboardInterrupt (130); a job still inside a step is left to
    ``resume``, like one whose process was killed."""
    from byok_desktop.jobs.owner import this_owner
    from byok_desktop.jobs.runner import STEP_TITLES, JobRunner
    from byok_desktop.jobs.scheduler import JobScheduler

    printed: set[tuple[int, str]] = set()
    claimed: set[int] = set()

    def progress(job: Job) -> None:
        claimed.add(job.id)
        where = f"job #{job.id} {job.kind} {job.site_key}/{job.family}"
        if job.status is JobStatus.RUNNING and job.current_step:
            if (job.id, job.current_step) in printed:
                return  # the same step, now finished
            printed.add((job.id, job.current_step))
            step = STEP_TITLES.get(job.current_step, job.current_step)
            print(f"{where}: step {job.steps_done + 1}/{job.steps_total}: {step}", file=out)
        elif job.status is not JobStatus.RUNNING:
            detail = f": {job.error_message}" if job.error_message else ""
            print(f"{where}: {job.status.display_name}{detail}", file=out)
        out.flush()

    runner = JobRunner(context.database, context.credentials, context.settings_service.snapshot)
    scheduler = JobScheduler(runner, context.settings.worker_threads, this_owner("cli"), progress)
    try:
        for job in jobs_to_run:
            scheduler.submit(job.id, job.site_key)
        scheduler.wait_idle()
    except KeyboardInterrupt:
        _stop_for_interrupt(context, scheduler, jobs_to_run, out)
        raise
    scheduler.shutdown()
    jobs = context.database.jobs
    codes: list[ExitCode] = []
    for job in jobs_to_run:
        now = jobs.get(job.id)
        if job.id not in claimed:  # another process or workstation claimed it first
            by = f" ({now.owner})" if now.owner else ""
            print(
                f"job #{job.id} {job.kind} {job.site_key}/{job.family}: another process or "
                f"workstation{by} took it first and it is {now.status.display_name} there; "
                "it was not run twice.",
                file=out,
            )
            codes.append(ExitCode.PROBLEMS)
        elif now.status is JobStatus.FAILED:
            codes.append(for_job_fault(now.error_fault))
        elif now.status is not JobStatus.SUCCEEDED:
            codes.append(ExitCode.PROBLEMS)
    return worst(codes)


def _stop_for_interrupt(
    context: AppContext, scheduler: JobScheduler, jobs_to_run: Sequence[Job], out: TextIO
) -> None:
    jobs = context.database.jobs
    for job in jobs_to_run:
        jobs.request_cancel(job.id)  # Queued: Cancelled now; Running: at its next step
    scheduler.shutdown(wait=False)
    scheduler.wait_idle(INTERRUPT_GRACE_S)
    for job in jobs_to_run:
        print(
            f"job #{job.id} {job.kind} {job.site_key}/{job.family}: "
            f"{jobs.get(job.id).status.display_name}; `resume {job.id}` continues it from "
            "its last completed step.",
            file=out,
        )
    out.flush()
