"""The one exit-code table of the headless commands, and the one place that turns a fault
into its code and a sentence for the user (what happened, what to do).

Every command follows the table; README.md and ``main.py --help`` print it from here.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS = 1  # problems found: a request not Ready, a product not Active, a job failed
    USAGE = 2  # the command line is wrong (argparse exits with 2 too)
    ENVIRONMENT = 3  # database, keyring, disk, permissions
    AWS = 4  # unreachable, access denied, credentials expired
    BUG = 70  # an unexpected error (BSD's EX_SOFTWARE): the log has the details
    INTERRUPTED = 130  # Ctrl+C (128 + SIGINT)
    BROKEN_PIPE = 141  # the reader of the output went away (128 + SIGPIPE), as `head` does


TABLE: tuple[tuple[ExitCode, str], ...] = (
    (ExitCode.OK, "done"),
    (
        ExitCode.PROBLEMS,
        "problems found: a request not Ready, a product not Active, a job failed, "
        "a difference with AWS that reconcile leaves to you",
    ),
    (ExitCode.USAGE, "usage: a wrong option, argument or path on the command line"),
    (ExitCode.ENVIRONMENT, "environment: the database, the keyring, the disk, permissions"),
    (ExitCode.AWS, "AWS: unreachable, access denied, credentials expired"),
    (ExitCode.BUG, "an unexpected error (a bug): the log has the traceback"),
    (ExitCode.INTERRUPTED, "interrupted (Ctrl+C)"),
    (ExitCode.BROKEN_PIPE, "the output's reader stopped reading (e.g. `| head`); quiet"),
)


# A failed job's error_fault (AwsFault values, and the runner's "keyring") -> its code.
_AWS_JOB_FAULTS = frozenset(
    {
        "access_denied",
        "expired_credentials",
        "invalid_credentials",
        "missing_credentials",
        "unreachable",
        "throttled",
        "account_mismatch",
    }
)


def for_job_fault(fault: str) -> ExitCode:
    """The code of a job that failed with ``fault``: AWS could not be used (4), the
    keyring could not (3), or the job found a problem (1)."""
    if fault == "keyring":
        return ExitCode.ENVIRONMENT
    if fault in _AWS_JOB_FAULTS:
        return ExitCode.AWS
    return ExitCode.PROBLEMS


def worst(codes: Iterable[ExitCode]) -> ExitCode:
    """The code of a command that met several outcomes: the highest of 0, 1, 3, 4."""
    return max(codes, default=ExitCode.OK)


def help_text() -> str:
    """The table as ``--help`` shows it."""
    return "exit codes:\n" + "\n".join(f"  {int(code):>3}  {text}" for code, text in TABLE)


@dataclass(frozen=True, slots=True)
class Fault:
    code: ExitCode
    message: str  # a sentence (or two): the cause, then the fix; "" to say nothing
    expected: bool = True  # False: a bug, whose traceback matters


_OS_ADVICE = {
    errno.EACCES: "Check the permissions of the folder, or choose another with --data-dir.",
    errno.EPERM: "Check the permissions of the folder, or choose another with --data-dir.",
    errno.EROFS: "The disk is read-only: choose a writable folder with --data-dir.",
    errno.ENOSPC: "The disk is full: free some space and try again.",
    errno.EDQUOT: "Your disk quota is used up: free some space and try again.",
    errno.ENOENT: "Create the folder, or choose another.",
    errno.ENOTDIR: "A file stands where a folder is expected: move it away.",
    errno.EEXIST: "A file stands where a folder is expected: move it away.",
    errno.EIO: "The disk reported an input/output error: check it.",
}


def describe_os_error(exc: OSError, doing: str = "") -> str:
    """One sentence on a file-system error: what, where, and what to do."""
    what = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    prefix = f"{doing}: " if doing else ""
    advice = _OS_ADVICE.get(exc.errno or 0, "Check the disk and the folder, then try again.")
    return f"{prefix}{what}{where}. {advice}"


def classify(exc: BaseException) -> Fault:
    """The exit code and message for ``exc``; anything unforeseen is a bug (70)."""
    from byok_desktop.aws.errors import AwsProblem
    from byok_desktop.aws.sandbox import SandboxUnavailable
    from byok_desktop.credentials.keyring_store import KeyringProblem
    from byok_desktop.errors import DatabaseCorrupt, StorageBug, StorageError

    if isinstance(exc, KeyboardInterrupt):
        return Fault(ExitCode.INTERRUPTED, "interrupted; nothing half-done is kept unjournaled.")
    if isinstance(exc, BrokenPipeError):
        return Fault(ExitCode.BROKEN_PIPE, "")
    if isinstance(exc, DatabaseCorrupt):
        return Fault(
            ExitCode.ENVIRONMENT,
            f"{exc} Nothing was changed. Start the app to move it aside, or move "
            f"{exc.path} away yourself.",
        )
    if isinstance(exc, StorageBug):
        return Fault(ExitCode.ENVIRONMENT, f"{exc.message} The log has the details.", False)
    if isinstance(exc, StorageError):
        return Fault(ExitCode.ENVIRONMENT, f"the database cannot be used: {exc}. {exc.advice}")
    if isinstance(exc, KeyringProblem):
        return Fault(ExitCode.ENVIRONMENT, exc.user_message())
    if isinstance(exc, AwsProblem | SandboxUnavailable):
        return Fault(ExitCode.AWS, str(exc))
    if isinstance(exc, OSError) and exc.errno is not None:
        return Fault(ExitCode.ENVIRONMENT, describe_os_error(exc))
    name = type(exc).__name__
    # Environment faults known by name, without importing their modules here.
    if name == "WrongDatabaseMode":
        return Fault(ExitCode.ENVIRONMENT, str(exc))
    return Fault(
        ExitCode.BUG,
        f"an unexpected error stopped the command ({name}). This is a bug: the log has the "
        "details; run again with --debug to see them here.",
        False,
    )
