"""Command-line choices for one run. Kept apart from byok_desktop.context so that the GUI
can read them before it loads the database layer (start-up time)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContextOverrides:
    """Command-line choices that beat the settings file for one run."""

    sandbox: bool | None = None
    aws_endpoint_url: str | None = None
    database_url: str | None = None  # may carry a password: used, never saved
