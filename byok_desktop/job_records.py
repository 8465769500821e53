"""Plain job data handed to the GUI and the command line, as the job journal keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # was running when the app closed or crashed
    WITHDRAWN = "withdrawn"  # its request was taken back for editing; never resumed

    @property
    def display_name(self) -> str:
        return self.name.capitalize()

    @property
    def resumable(self) -> bool:
        return self in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)

    @property
    def open(self) -> bool:
        """Queued, running or waiting for the user to resume it."""
        return self is JobStatus.QUEUED or self is JobStatus.RUNNING or self.resumable


class StepStatus(Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    request_id: int | None
    profile_uid: str
    site_key: str
    family: str
    location: str
    account_id: str
    status: JobStatus
    steps_total: int
    steps_done: int
    current_step: str
    cancel_requested: bool
    error_fault: str
    error_message: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    owner: str = ""  # "host:pid" of the app instance that runs or last ran it
    # What the running step is doing now ("Waiting for IAM to propagate (12 s)"); only in
    # progress notifications, never stored.
    detail: str = ""


@dataclass(frozen=True, slots=True)
class JobStep:
    id: int
    job_id: int
    step: str
    status: StepStatus
    resources: dict[str, str]
    error_fault: str
    error_message: str
    started_at: datetime
    finished_at: datetime | None


class JobNotClaimable(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class StepStart:
    """What :meth:`JobStore.step_started` did: the job as it now stands and the journal
    entry of the started step, or no entry when the job's cancel had been requested (then
    no step was started and the job is unchanged)."""

    job: Job
    step_id: int | None
