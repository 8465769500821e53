"""What every MFA prompter says when no code comes, and how long it waits for one.

The window's dialog and the job worker's pipe ask the same question; they fail the same
way, with a sentence naming the device (never the code)."""

from __future__ import annotations

from byok_desktop.aws.connection import MfaCodeNeeded
from byok_desktop.aws.errors import AwsFault

MFA_TIMEOUT_S = 300.0  # a rep may have to find the device: generous, but not forever


def mfa_cancelled(serial: str) -> MfaCodeNeeded:
    return MfaCodeNeeded(
        AwsFault.MISSING_CREDENTIALS,
        f"The MFA code from {serial} was not entered, so the work stopped; start it "
        "again and enter the code when asked.",
    )


def mfa_timed_out(serial: str, timeout_s: float) -> MfaCodeNeeded:
    return MfaCodeNeeded(
        AwsFault.MISSING_CREDENTIALS,
        f"No MFA code from {serial} was entered within {_duration(timeout_s)}; "
        "the work stopped. Start it again and enter the code.",
    )


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds" if seconds >= 2 else "a moment"
