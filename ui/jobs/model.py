"""Table model of jobs. Jobs are few (one per site and family), so the model keeps them
all; updates arrive per job from the scheduler's signal."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from byok_desktop.jobs.model import Job, JobStatus
from byok_desktop.jobs.runner import STEPS
from byok_desktop.products import ProductFamily
from ui.resources import icon

_Index = QModelIndex | QPersistentModelIndex

STEP_TITLES = {s.key: s.title for steps in STEPS.values() for s in steps}
COLUMNS = ("Job", "Site", "Product family", "Status", "Progress", "Current step", "Elapsed")
PROGRESS_COLUMN = 4

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
    JobStatus.SUCCEEDED: QColor("#1f845a"),
    JobStatus.FAILED: QColor("#ae2e24"),
    JobStatus.CANCELLED: QColor("#a54800"),
    JobStatus.INTERRUPTED: QColor("#a54800"),
}


_DONE = {
    "provision": "Done: keys Enabled in both regions",
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
        return title
    return f"Stopped at: {title}" if title else job.error_message


class JobsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []

    def set_jobs(self, jobs: list[Job]) -> None:
        self.beginResetModel()
        self._jobs = list(jobs)
        self.endResetModel()

    def update_job(self, job: Job) -> None:
        for row, existing in enumerate(self._jobs):
            if existing.id == job.id:
                self._jobs[row] = job
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return
        # Newest first, as the store lists them.
        row = next((r for r, j in enumerate(self._jobs) if j.id < job.id), len(self._jobs))
        self.beginInsertRows(QModelIndex(), row, row)
        self._jobs.insert(row, job)
        self.endInsertRows()

    def job(self, row: int) -> Job | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: int) -> int | None:
        return next((r for r, j in enumerate(self._jobs) if j.id == job_id), None)

    def running(self) -> int:
        return sum(1 for j in self._jobs if j.status is JobStatus.RUNNING)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._jobs):
            return None
        job = self._jobs[index.row()]
        column = index.column()
        if role == Role.JOB_ID:
            return job.id
        if role == Role.PROGRESS:
            return (job.steps_done, job.steps_total)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, column)
        if column == 3 and role == Qt.ItemDataRole.DecorationRole:
            return icon(_ICONS[job.status])
        if column == 3 and role == Qt.ItemDataRole.ForegroundRole:
            return _COLOURS.get(job.status)
        if role == Qt.ItemDataRole.ToolTipRole and job.error_message:
            return job.error_message
        return None

    @staticmethod
    def _display(job: Job, column: int) -> str:
        if column == 0:
            return f"#{job.id} {job.kind.capitalize()}"
        if column == 1:
            return job.site_key
        if column == 2:
            return ProductFamily(job.family).display_name
        if column == 3:
            return job.status.display_name
        if column == PROGRESS_COLUMN:
            return (
                f"step {min(job.steps_done + 1, job.steps_total)} of {job.steps_total}"
                if (job.status is JobStatus.RUNNING)
                else f"{job.steps_done} of {job.steps_total} steps"
            )
        if column == 5:
            return step_text(job)
        if column == 6:
            return elapsed(job)
        return ""

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
