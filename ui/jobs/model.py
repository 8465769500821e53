"""Table model of jobs. Jobs are few (one per site and family), so the model keeps them
all; updates arrive per job from the scheduler's signal."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.runner import STEPS
from byok_desktop.products import ProductFamily
from ui.jobs.progress import progress_pixmap
from ui.resources import icon
from ui.theme import Tone, colour

STEP_TITLES = {s.key: s.title for steps in STEPS.values() for s in steps}
COLUMNS = ("Job", "Site", "Product family", "Status", "Progress", "Current step", "Elapsed")
STATUS_COLUMN = 3
PROGRESS_COLUMN = 4
ELAPSED_COLUMN = 6

_ICONS = {
    JobStatus.QUEUED: "status-info",
    JobStatus.RUNNING: "jobs",
    JobStatus.SUCCEEDED: "status-ready",
    JobStatus.FAILED: "status-error",
    JobStatus.CANCELLED: "status-warning",
    JobStatus.INTERRUPTED: "status-warning",
    JobStatus.WITHDRAWN: "status-info",
}
_COLOURS = {
    JobStatus.SUCCEEDED: Tone.SUCCESS,
    JobStatus.FAILED: Tone.DANGER,
    JobStatus.CANCELLED: Tone.WARNING,
    JobStatus.INTERRUPTED: Tone.WARNING,
}


_DONE = {
    "provision": "Done: keys Enabled in both regions",
    "add-product": "Done: the family's key checked; product Active",
    "revoke": "Done: access revoked, keys disabled in both regions",
    "restore": "Done: keys Enabled and access restored",
}


class Role(IntEnum):
    JOB_ID = Qt.ItemDataRole.UserRole + 1
    PROGRESS = Qt.ItemDataRole.UserRole + 2  # (done, total)


def elapsed(job: Job, now: datetime | None = None) -> str:
    if job.started_at is None:
        return ""
    end = job.finished_at or now or datetime.now(UTC)
    seconds = max(0, int((end - job.started_at).total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def step_text(job: Job) -> str:
    if job.status is JobStatus.SUCCEEDED:
        return _DONE.get(job.kind, "Done")
    if job.status is JobStatus.QUEUED:
        return "Waiting for a worker (or for the site's previous job)"
    title = STEP_TITLES.get(job.current_step, job.current_step)
    if job.status is JobStatus.RUNNING:
        # What the step is waiting for now ("Waiting for IAM to propagate (12 s)").
        return f"{title} — {job.detail}" if job.detail else title
    return f"Stopped at: {title}" if title else job.error_message


class JobsModel(QStandardItemModel):
    """The job list as Qt items: the view reads them in C++ while it paints. A Python
    ``data()`` would take the GIL for every cell and role, and while worker threads run
    jobs each of those takes a GIL switch; painting then stalls the GUI."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self._jobs: list[Job] = []

    def set_jobs(self, jobs: list[Job]) -> None:
        self._jobs = list(jobs)
        self.setRowCount(0)
        for job in self._jobs:
            self.appendRow(_items(job))

    def update_job(self, job: Job) -> None:
        row = self.row_of(job.id)
        if row is not None:
            old, self._jobs[row] = self._jobs[row], job
            self._write(row, _cells(old), _cells(job))
            return
        # Newest first, as the store lists them.
        row = next((r for r, j in enumerate(self._jobs) if j.id < job.id), len(self._jobs))
        self._jobs.insert(row, job)
        self.insertRow(row, _items(job))

    def refresh_elapsed(self) -> None:
        """The elapsed time of running jobs (it changes without an update)."""
        for row, job in enumerate(self._jobs):
            if job.status is JobStatus.RUNNING:
                item = self.item(row, ELAPSED_COLUMN)
                if item is not None:
                    item.setText(elapsed(job))

    def job(self, row: int) -> Job | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: int) -> int | None:
        return next((r for r, j in enumerate(self._jobs) if j.id == job_id), None)

    def running(self) -> int:
        return sum(1 for j in self._jobs if j.status is JobStatus.RUNNING)

    def queued(self) -> int:
        return sum(1 for j in self._jobs if j.status is JobStatus.QUEUED)

    def _write(self, row: int, old: list[dict[int, Any]], new: list[dict[int, Any]]) -> None:
        for column, (before, after) in enumerate(zip(old, new, strict=True)):
            item = self.item(row, column)
            if item is None:
                continue
            for role, value in after.items():
                if before.get(role) != value:  # an unchanged cell is not repainted
                    item.setData(_qt_value(role, value), role)


_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def _cells(job: Job) -> list[dict[int, Any]]:
    """Every cell's data per role. Roles a cell does not use are set to None, so an
    update clears what the job's previous state had set."""
    tooltip = job.error_message or None
    cells: list[dict[int, Any]] = []
    for column in range(len(COLUMNS)):
        values: dict[int, Any] = {
            Qt.ItemDataRole.DisplayRole: _display(job, column),
            Qt.ItemDataRole.ToolTipRole: tooltip,
            Role.JOB_ID: job.id,
        }
        if column == STATUS_COLUMN:
            values[Qt.ItemDataRole.DecorationRole] = _ICONS[job.status]  # made by _qt_value
            values[Qt.ItemDataRole.ForegroundRole] = _COLOURS.get(job.status)
        if column == PROGRESS_COLUMN:
            values[Role.PROGRESS] = (job.steps_done, job.steps_total)
            values[Qt.ItemDataRole.DecorationRole] = (job.steps_done, job.steps_total, _tone(job))
        cells.append(values)
    return cells


def _items(job: Job) -> list[QStandardItem]:
    items = []
    for values in _cells(job):
        item = QStandardItem()
        item.setFlags(_FLAGS)
        for role, value in values.items():
            if value is not None:
                item.setData(_qt_value(role, value), role)
        items.append(item)
    return items


def _tone(job: Job) -> str:
    if job.status is JobStatus.SUCCEEDED:
        return "done"
    return "running" if job.status in (JobStatus.RUNNING, JobStatus.QUEUED) else "stopped"


def _qt_value(role: int, value: Any) -> Any:
    """Decorations are kept as names (an icon) or (done, total, tone) (a progress bar), so
    a change is found by comparing plain values; the Qt object is made when set."""
    if role == Qt.ItemDataRole.DecorationRole and isinstance(value, str):
        return icon(value)
    if role == Qt.ItemDataRole.DecorationRole and isinstance(value, tuple):
        return progress_pixmap(*value)
    if isinstance(value, Tone):  # in the colour scheme in force
        return colour(value)
    return value


def _display(job: Job, column: int) -> str:
    if column == 0:
        return f"#{job.id} {job.kind.capitalize()}"
    if column == 1:
        return job.site_key
    if column == 2:
        return ProductFamily(job.family).display_name
    if column == STATUS_COLUMN:
        return job.status.display_name
    if column == PROGRESS_COLUMN:
        return (
            f"step {min(job.steps_done + 1, job.steps_total)} of {job.steps_total}"
            if (job.status is JobStatus.RUNNING)
            else f"{job.steps_done} of {job.steps_total} steps"
        )
    if column == 5:
        return step_text(job)
    if column == ELAPSED_COLUMN:
        return elapsed(job)
    return ""
