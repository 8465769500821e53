"""One sentence for a failure nobody else handled; the traceback goes to the log.

The core's own exceptions carry a sentence written for the user (what happened and what
to do): that is shown as it is. Anything else is a bug or an environment problem the app
did not foresee: the user reads what was being done and where the details are.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("ui.failures")


def _user_facing() -> tuple[type[BaseException], ...]:
    """The core exceptions whose message is a sentence for the user (imported late:
    the window's frame shows before the core's heavier modules load)."""
    from byok_desktop.aws.errors import AwsProblem
    from byok_desktop.credentials.keyring_store import KeyringProblem
    from byok_desktop.credentials.service import ProfileInvalid
    from byok_desktop.jobs.access import CannotChangeAccess
    from byok_desktop.jobs.submit import CannotSubmit
    from byok_desktop.request_file import RequestFileError
    from byok_desktop.request_records import (
        CannotWithdraw,
        RequestLocked,
        RequestNotFound,
        RequestProvisioned,
        VersionConflict,
    )

    return (
        AwsProblem,
        KeyringProblem,
        ProfileInvalid,
        CannotChangeAccess,
        CannotSubmit,
        RequestFileError,
        CannotWithdraw,
        RequestLocked,
        RequestNotFound,
        RequestProvisioned,
        VersionConflict,
    )


def describe_failure(what: str, error: BaseException, log_file: Path) -> tuple[str, str]:
    """(title, text) for a dialog about ``error``, raised while doing ``what``."""
    title = f"Could not {what}" if what else "Something went wrong"
    from byok_desktop.errors import StorageBug, StorageError

    if isinstance(error, StorageError) and not isinstance(error, StorageBug):
        log.warning("%s: %s", title, error)
        return title, f"{error.message} (The database said: {error.detail or 'nothing'}.)"
    if isinstance(error, _user_facing()):
        log.warning("%s: %s", title, error)
        return title, str(error)
    log.error("%s", title, exc_info=error)
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        where = f" ({error.filename})" if error.filename else ""
        return title, (
            f"The system refused: {reason}{where}. Check disk space and folder permissions, "
            f"then try again. Details are in the log: {log_file}"
        )
    return title, (
        f"An unexpected error stopped it ({type(error).__name__}). Nothing else was "
        f"changed; details are in the log: {log_file}"
    )
