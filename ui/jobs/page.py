"""Jobs screen: every job with its progress, the step journal, Retry, Resume, Cancel.

Updates of this app's jobs arrive from the scheduler in batches (JobsBridge); changes the
change bus announces (another workstation, another process) are read on the database
worker."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.changes import Changes, Kind
from byok_desktop.job_records import Job, JobStatus, JobStep
from byok_desktop.products import ProductFamily
from byok_desktop.wording import counted
from ui.changes import ChangeRelay
from ui.jobs.bridge import JobsBridge
from ui.jobs.model import STEP_TITLES, JobsModel
from ui.operations import Executor, Operations
from ui.page_header import page_title, set_page_margins
from ui.shortcuts import keys as shortcut_keys
from ui.tables import add_copy, fit_columns_when_filled

log = logging.getLogger("ui.jobs")

EMPTY_HINT = (
    "No provisioning jobs yet. Select a Ready request and choose Submit for "
    "provisioning (Ctrl+Return); its jobs appear here step by step."
)


class JobsPage(QWidget):
    message = Signal(str)
    running_changed = Signal(int)
    job_finished = Signal(object)

    def __init__(
        self,
        bridge: JobsBridge,
        ops: Operations,
        changes: ChangeRelay,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("jobsPage")
        self._bridge = bridge
        self._ops = ops
        self._told_interrupted = False
        self._keys = {"list": f"jobs-list-{id(self)}", "journal": f"jobs-journal-{id(self)}"}
        self.model = JobsModel(self)
        layout = QVBoxLayout(self)
        set_page_margins(layout)
        layout.addWidget(page_title("Jobs"))
        self.empty_hint = QLabel(EMPTY_HINT)
        self.empty_hint.setObjectName("emptyState")
        self.empty_hint.setWordWrap(True)
        layout.addWidget(self.empty_hint)

        buttons = QHBoxLayout()
        self.resume_button = QPushButton("Resume / Retry")
        self.resume_button.setObjectName("resumeJob")
        self.resume_button.setShortcut(shortcut_keys("resumeJob")[0])
        self.resume_button.clicked.connect(self.resume_selected)
        self.cancel_button = QPushButton("Cancel job")
        self.cancel_button.setObjectName("cancelJob")
        self.cancel_button.clicked.connect(self.cancel_selected)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.view = QTableView()
        self.view.setObjectName("jobsTable")
        self.view.setAccessibleName("Jobs")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(30)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((110, 120, 120, 120, 160, 380, 70)):
            self.view.setColumnWidth(column, width)
        add_copy(self.view)
        fit_columns_when_filled(self.view)
        self.view.selectionModel().selectionChanged.connect(self._show_detail)
        splitter.addWidget(self.view)
        self.journal = QPlainTextEdit()
        self.journal.setObjectName("jobJournal")
        self.journal.setAccessibleName("Step journal of the selected job")
        self.journal.setReadOnly(True)
        self.journal.setPlaceholderText("Select a job to see its step journal.")
        splitter.addWidget(self.journal)
        splitter.setSizes([400, 220])
        layout.addWidget(splitter, 1)

        bridge.job_updated.connect(self._job_updated)
        bridge.interrupted_found.connect(self._tell_interrupted)
        changes.changed.connect(self._changed)
        self._tick = QTimer(self)  # elapsed time of running jobs
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_running)
        self.reload()

    # --- data ------------------------------------------------------------------------

    def reload(self) -> None:
        """Every job, read on the database worker."""
        self._ops.run(
            self._bridge.store.all_jobs,
            self._loaded,
            self._load_failed,
            on=Executor.DATABASE,
            what="load jobs",
            owner=self,
            key=self._keys["list"],
        )

    def _load_failed(self, error: BaseException) -> None:
        """Say on the page why there is no list (not "No provisioning jobs yet")."""
        from byok_desktop.errors import StorageBug, StorageError

        if isinstance(error, StorageError) and not isinstance(error, StorageBug):
            why = error.message
        else:
            log.error("Could not load jobs", exc_info=error)
            why = "An unexpected error stopped it; the log has the details."
        self.empty_hint.setText(f"The jobs cannot be shown. {why}")
        self.empty_hint.show()

    def _loaded(self, jobs: list[Job]) -> None:
        self.empty_hint.setText(EMPTY_HINT)
        selected = self.selected()
        self.model.set_jobs(jobs)
        if selected is not None:
            row = self.model.row_of(selected.id)
            if row is not None:
                self.view.selectRow(row)
        self._after_change()
        if self._bridge.interrupted:
            self._tell_interrupted(self._bridge.interrupted)

    @Slot(list)
    def _tell_interrupted(self, ids: list[int]) -> None:
        if self._told_interrupted:
            return
        self._told_interrupted = True
        self.message.emit(
            f"{counted(len(ids), 'job')} {'was' if len(ids) == 1 else 'were'} interrupted when the "
            "app closed; "
            "select one on the Jobs screen and press Resume."
        )

    @Slot(object)
    def _changed(self, changes: Changes) -> None:
        """Jobs written elsewhere (or all of them): read what changed again."""
        if not changes.touches(Kind.JOBS):
            return
        if changes.remote or not changes.jobs:
            self.reload()
            return
        store, ids = self._bridge.store, sorted(changes.jobs)

        def work() -> list[Job]:
            found = []
            for job_id in ids:
                try:
                    found.append(store.get(job_id))
                except LookupError:
                    continue  # deleted meanwhile
            return found

        self._ops.run(work, self._jobs_read, on=Executor.DATABASE, what="read changed jobs")

    def _jobs_read(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._job_updated(job)

    @Slot(object)
    def _job_updated(self, job: Job) -> None:
        before = self.model.row_of(job.id)
        old = self.model.job(before) if before is not None else None
        self.model.update_job(job)
        if (
            old is not None
            and old.status is JobStatus.RUNNING
            and job.status is not JobStatus.RUNNING
        ):
            self.job_finished.emit(job)
        self._after_change()
        if self.selected() is not None and self.selected().id == job.id:  # type: ignore[union-attr]
            self._show_detail()

    def _after_change(self) -> None:
        self.empty_hint.setVisible(self.model.rowCount() == 0)
        running = self.model.running()
        self.running_changed.emit(running)
        if running and not self._tick.isActive():
            self._tick.start()
        elif not running:
            self._tick.stop()
        self._update_buttons()

    @Slot()
    def _refresh_running(self) -> None:
        self.model.refresh_elapsed()

    # --- selection and commands ---------------------------------------------------------

    def selected(self) -> Job | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.job(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        job = self.selected()
        self.resume_button.setEnabled(job is not None and job.status.resumable)
        self.cancel_button.setEnabled(
            job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        )

    @Slot()
    def _show_detail(self) -> None:
        self._update_buttons()
        job = self.selected()
        if job is None:
            self.journal.clear()
            return
        store = self._bridge.store
        self._ops.run(
            lambda: (job, store.steps(job.id)),
            self._show_journal,
            on=Executor.DATABASE,
            what="load journal",
            owner=self,
            key=self._keys["journal"],
        )

    def _show_journal(self, loaded: tuple[Job, list[JobStep]]) -> None:
        job, steps = loaded
        current = self.selected()
        if current is None or current.id != job.id:
            return
        lines = [
            f"Job #{job.id} ({job.kind}): {ProductFamily(job.family).display_name} of "
            f"{job.site_key} ({job.location.upper()}), account {job.account_id}",
            f"Status: {job.status.display_name}",
        ]
        if job.status is JobStatus.RUNNING and job.detail:
            lines.append(f"Now: {job.detail}")
        if job.error_message:
            lines.append(f"Why: {job.error_message}")
        lines.append("")
        for step in steps:
            started = step.started_at.astimezone().strftime("%H:%M:%S")
            ended = step.finished_at.astimezone().strftime("%H:%M:%S") if step.finished_at else "…"
            title = STEP_TITLES.get(step.step, step.step)
            lines.append(f"{started}–{ended}  {step.status.value:<9}  {title}")
            for key, value in sorted(step.resources.items()):
                lines.append(f"        {key}: {value}")
            if step.error_message:
                lines.append(f"        error: {step.error_message}")
        self.journal.setPlainText("\n".join(lines))

    @Slot()
    def resume_selected(self) -> None:
        job = self.selected()
        if job is not None and job.status.resumable:
            self._bridge.resume(job)
            self.message.emit(f"Resuming job #{job.id} from its last completed step.")

    @Slot()
    def cancel_selected(self) -> None:
        job = self.selected()
        if job is not None:
            self._bridge.cancel(job)
            self.message.emit(f"Job #{job.id} stops at the next step boundary; resume it later.")
