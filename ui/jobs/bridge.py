"""Connects the job scheduler to the GUI. Jobs run either in a job worker process
(``byok_desktop.jobs.worker_process``, started with ``QProcess``: its threads never compete
with the GUI thread for the interpreter) or, as a fallback and in tests, on worker threads
in this process. Either way ``job_updated`` carries ``Job`` records on the GUI thread, in
batches; submits and cancels run on Operations' workers. A job in the worker process
that needs an MFA code asks over the pipe; the bridge shows the window's MFA dialog
(``mfa_prompter``, one dialog at a time) and writes the answer back once."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal, Slot

from byok_desktop.changes import Changes
from byok_desktop.context import AppContext
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.jobs.customer_role import submit_preflight
from byok_desktop.jobs.owner import owner_alive, this_owner
from byok_desktop.jobs.runner import JobRunner
from byok_desktop.jobs.scheduler import JobScheduler
from byok_desktop.jobs.submit import submit_request
from ui.operations import Executor, Operations

if TYPE_CHECKING:
    from ui.credentials.mfa_dialog import GuiMfaPrompter, MfaQuestion

log = logging.getLogger("ui.jobs")
worker_log = logging.getLogger("ui.jobs.worker")

QUIT_WAIT_MS = 3000  # the longest quit waits for the worker process
_ROOT = Path(__file__).resolve().parent.parent.parent  # where byok_desktop is importable


@dataclass(frozen=True)
class WorkerLaunch:
    """How to start the job worker process for a context."""

    arguments: tuple[str, ...]
    database_url: str | None = None  # may carry a password: sent on stdin, never argv
    sandbox: bool = False
    environment: dict[str, str] = field(default_factory=dict)  # added to this process's
    program: str = sys.executable

    @classmethod
    def for_context(cls, context: AppContext, **environment: str) -> WorkerLaunch:
        """The worker opens what ``context`` opened: its data dir, and this run's
        command-line choices (those that differ from the settings file)."""
        from byok_desktop.jobs.worker_process import MODULE

        now, saved = context.settings, context.settings_service.saved
        arguments = ["-m", MODULE, "--data-dir", str(context.paths.data_dir)]
        if now.sandbox:
            arguments.append("--sandbox")
        if now.aws_endpoint_url != saved.aws_endpoint_url:
            arguments += ["--aws-endpoint-url", now.aws_endpoint_url]
        return cls(
            tuple(arguments),
            database_url=now.database_url or None,
            sandbox=context.sandbox is not None,
            environment=environment,
        )


def worker_possible(context: AppContext) -> bool:
    """Jobs can run in a worker process when it reaches the same secrets: the OS
    keyring, not one handed to this process (tests), and BYOK_JOBS_IN_PROCESS is unset."""
    if os.environ.get("BYOK_JOBS_IN_PROCESS"):
        return False
    return getattr(context.credentials.secrets, "_backend", None) is None


class JobsBridge(QObject):
    # Emitted on the GUI thread, in the order the workers reported.
    job_updated = Signal(object)
    submit_failed = Signal(str)
    submitted = Signal(int, int)  # request id, number of jobs queued
    access_submitted = Signal(object)  # a revoke or restore Job, queued
    # The jobs a closed or crashed app left running, marked Interrupted at start-up.
    interrupted_found = Signal(list)
    # For the user: the worker process stopped unexpectedly, or could not start.
    worker_message = Signal(str)
    # ``stop`` is done: the jobs have stopped or been left for the next start.
    stopped = Signal()

    def __init__(
        self,
        context: AppContext,
        ops: Operations,
        parent: QObject | None = None,
        *,
        worker: WorkerLaunch | None = None,
    ) -> None:
        """``worker``: run jobs in a job worker process started so; None runs them on
        threads in this process (tests with an in-memory keyring, and the fallback)."""
        super().__init__(parent)
        self._context = context
        self._ops = ops
        self.store = context.database.jobs
        self.owner = this_owner()
        self.interrupted: list[int] = []
        self.interrupted_checked = False  # the start-up marking has run
        store = self.store
        ops.run(
            lambda: store.mark_interrupted(owner_alive),
            self._marked,
            on=Executor.DATABASE,
            what="mark interrupted jobs",
        )
        # Workers' updates are handed over in batches: one wake-up of the GUI thread per
        # batch, not per update (each wake-up waits for the GIL).
        self.updates = ops.batched(self._deliver_updates)
        # Jobs run in this process: each takes a snapshot of the settings as it starts.
        self._runner = JobRunner(
            context.database, context.credentials, context.settings_service.snapshot
        )
        self._scheduler: JobScheduler | None = None  # in-process mode, or the fallback
        self._launch = worker
        self._process: QProcess | None = None
        self._ready = False  # the worker said it is ready
        self._stopping = False
        self._waiting: list[dict[str, Any]] = []  # messages for a worker not yet ready
        self._submitting: set[int] = set()  # request ids sent to the worker, no answer yet
        self._sent: dict[int, str] = {}  # job id → site, sent to the worker, not finished
        self._statuses: dict[int, JobStatus] = {}  # the last status the worker reported
        self._stdout = b""
        self._failure = ""  # why the worker said it cannot start
        self.worker_pid = 0
        self.worker_owner = ""
        self.workers_started = 0
        self._stopping_process: QProcess | None = None  # told to stop at quit
        self._kill_timer = QTimer(self)  # ends a worker that does not stop in time
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._worker_too_slow)
        # Asks the user for MFA codes the worker's jobs need (the window's, shared with
        # jobs in this process); None: such a question is answered "cancelled".
        self.mfa_prompter: GuiMfaPrompter | None = None
        self._mfa_questions: dict[int, MfaQuestion] = {}  # the worker's ask id → question
        if worker is None:
            self._in_process()

    @property
    def in_worker_process(self) -> bool:
        return self._launch is not None

    def _in_process(self) -> JobScheduler:
        if self._scheduler is None:
            self._scheduler = JobScheduler(
                self._runner, self._context.settings.worker_threads, self.owner, self.updates
            )
        return self._scheduler

    def _marked(self, ids: list[int]) -> None:
        self.interrupted = ids
        self.interrupted_checked = True
        if ids:
            self.interrupted_found.emit(ids)

    def _deliver_updates(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.job_updated.emit(job)

    def _run(self, job_id: int, site_key: str) -> None:
        """Queue a job: in the worker process, or on this process's threads."""
        if self._launch is None:
            self._in_process().submit(job_id, site_key)
            return
        self._sent[job_id] = site_key
        self._to_worker({"run": job_id, "site": site_key})

    def _to_worker(self, message: dict[str, Any]) -> None:
        if self._ready:
            self._send(message)
            return
        self._waiting.append(message)
        if self._process is None:
            self._start_worker()

    def submit(self, request_id: int) -> None:
        """Check and create the jobs (it may verify the profile online): in the worker
        process, which queues them at once, or on a worker thread here."""
        if self._launch is not None:
            self._submitting.add(request_id)
            self._to_worker({"submit": request_id})
            return
        self._submit_here(request_id)

    def _submit_here(self, request_id: int) -> None:
        context = self._context
        store = self.store

        def work() -> list[Job]:
            # A request naming the customer's role is checked before it is locked.
            check = submit_preflight(context.database, context.credentials, context.settings)
            return submit_request(
                request_id, context.database.requests, store, context.credentials, preflight=check
            )

        self._ops.run(work, self._submitted, self._submit_error, on=Executor.POOL, what="submit")

    def _submitted(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.job_updated.emit(job)
            self._run(job.id, job.site_key)
        if jobs and jobs[0].request_id is not None:
            self.submitted.emit(jobs[0].request_id, len(jobs))

    def change_access(self, kind: str, site_key: str, family: str) -> None:
        """Queue a revoke or restore job ("revoke"/"restore") for a site's product family;
        the checks run on a worker, refusals arrive as ``submit_failed``."""
        from byok_desktop.jobs.access import submit_restore, submit_revoke

        submit = submit_revoke if kind == "revoke" else submit_restore
        context = self._context

        def work() -> Job:
            return submit(context.database, context.credentials, site_key, family)

        self._ops.run(work, self._access_submitted, self._submit_error, on=Executor.POOL, what=kind)

    def _access_submitted(self, job: Job) -> None:
        self.job_updated.emit(job)
        self._run(job.id, job.site_key)
        self.access_submitted.emit(job)

    def _submit_error(self, exc: BaseException) -> None:
        self.submit_failed.emit(str(exc))

    def resume(self, job: Job) -> None:
        """Retry a failed job or resume an interrupted or cancelled one."""
        self._run(job.id, job.site_key)

    def cancel(self, job: Job) -> None:
        store, job_id = self.store, job.id

        def work() -> Job:
            store.request_cancel(job_id)
            return store.get(job_id)

        self._ops.run(work, self._cancelled, on=Executor.DATABASE, what="cancel a job")

    def _cancelled(self, job: Job) -> None:
        self.job_updated.emit(job)

    @property
    def active(self) -> int:
        in_process = self._scheduler.active if self._scheduler is not None else 0
        return in_process + len(self._sent)

    # --- the worker process ------------------------------------------------------------

    def prestart(self) -> None:
        """Start the job worker before the first job needs it (the app calls this once the
        window is up): its start-up, imports on another core, then never lands on a
        Submit, where it would compete with the GUI thread while the rep watches."""
        if self._launch is not None and self._process is None and not self._stopping:
            self._start_worker()

    @property
    def worker_ready(self) -> bool:
        return self._ready

    def _start_worker(self) -> None:
        """Start a worker (asynchronously: nothing here waits). In the sandbox, the
        sandbox server must run first (starting it loads moto: on the pool)."""
        assert self._launch is not None
        self._stopping = False
        self._process = QProcess(self)  # a placeholder until it starts: one start at a time
        sandbox = self._context.sandbox
        if self._launch.sandbox and sandbox is not None:
            self._ops.run(
                sandbox.start,
                self._launch_worker,
                self._cannot_start,
                on=Executor.POOL,
                what="start the sandbox for the job worker",
            )
        else:
            self._launch_worker("")

    def _launch_worker(self, sandbox_url: str) -> None:
        launch, process = self._launch, self._process
        if launch is None or process is None or self._stopping:
            return
        arguments = list(launch.arguments)
        if sandbox_url:
            arguments += ["--sandbox-endpoint-url", sandbox_url]
        environment = QProcessEnvironment.systemEnvironment()
        path = environment.value("PYTHONPATH", "")
        environment.insert("PYTHONPATH", os.pathsep.join(p for p in (str(_ROOT), path) if p))
        for name, value in launch.environment.items():
            environment.insert(name, value)
        process.setProcessEnvironment(environment)
        process.setProgram(launch.program)
        process.setArguments(arguments)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.errorOccurred.connect(self._process_error)
        process.finished.connect(self._process_finished)
        self._ready = False
        self._stdout = b""
        self.workers_started += 1
        process.start()
        self._send({"open": {"database_url": launch.database_url}})

    def _send(self, message: dict[str, Any]) -> None:
        if self._process is not None:
            self._process.write((json.dumps(message) + "\n").encode())

    @Slot()
    def _read_stdout(self) -> None:
        """One read per wake-up: every complete line, job updates emitted in order."""
        process = self.sender()
        if not isinstance(process, QProcess) or process is not self._process:
            return
        self._stdout += bytes(process.readAllStandardOutput().data())
        *lines, self._stdout = self._stdout.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                worker_log.info("job worker: %s", line.decode(errors="replace"))
                continue
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        if "job" in message:
            from byok_desktop.jobs.worker_process import job_from_wire

            job = job_from_wire(message["job"])
            before = self._statuses.get(job.id)
            self._statuses[job.id] = job.status
            if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
                self._sent.pop(job.id, None)
                self._statuses.pop(job.id, None)
            self.job_updated.emit(job)
            if job.status is not before:
                self._announce(job)
        elif "ready" in message:
            self._ready = True
            self.worker_owner = str(message["ready"].get("owner", ""))
            self.worker_pid = int(message["ready"].get("pid", 0))
            log.info("Job worker %s started", self.worker_owner)
            waiting, self._waiting = self._waiting, []
            for waiting_message in waiting:
                self._send(waiting_message)
        elif "submitted" in message:
            self._worker_submitted(int(message["submitted"]["request"]), message["submitted"])
        elif "refused" in message:
            self._submitting.discard(int(message["refused"]["request"]))
            self.submit_failed.emit(str(message["refused"]["message"]))
        elif "mfa" in message:
            self._mfa_asked(message["mfa"])
        elif "mfa_withdrawn" in message:
            self._mfa_withdrawn(message["mfa_withdrawn"])
        elif "failed" in message:
            self._failure = str(message["failed"])
            log.warning("The job worker could not start: %s", self._failure)

    def _worker_submitted(self, request_id: int, answer: dict[str, Any]) -> None:
        """The worker created these jobs and queued them; the request and its products
        changed (announced here: the worker's writes reach this process's bus late)."""
        from byok_desktop.jobs.worker_process import job_from_wire

        self._submitting.discard(request_id)
        jobs = [job_from_wire(data) for data in answer.get("jobs", [])]
        for job in jobs:
            self._sent[job.id] = job.site_key
            self._statuses[job.id] = job.status
            self.job_updated.emit(job)
        families = [(job.site_key, job.family) for job in jobs]
        self._context.database.changes.publish(
            Changes.of_requests([request_id]) | Changes.of_families(families)
        )
        if jobs:
            self.submitted.emit(request_id, len(jobs))

    def _announce(self, job: Job) -> None:
        """The worker's writes reach this process's change bus only through the change
        poll (seconds later); a job that starts or ends changes its products (and its
        request) now, so they are announced here, once per status."""
        changes = Changes.of_families([(job.site_key, job.family)])
        if job.request_id is not None and job.status is not JobStatus.RUNNING:
            changes = changes | Changes.of_requests([job.request_id])
        self._context.database.changes.publish(changes)

    # --- MFA codes for the worker's jobs ------------------------------------------------

    def _mfa_asked(self, ask: dict[str, Any]) -> None:
        ask_id, serial = int(ask["ask"]), str(ask.get("device", ""))
        answer = partial(self._mfa_answered, self._process, ask_id)
        if self.mfa_prompter is None:
            answer(None)
            return
        self._mfa_questions[ask_id] = self.mfa_prompter.ask(serial, answer)

    def _mfa_answered(self, process: QProcess | None, ask_id: int, code: str | None) -> None:
        """The user's answer, to the worker that asked (if it still runs): written once,
        never logged."""
        self._mfa_questions.pop(ask_id, None)
        if process is None or process is not self._process:
            return
        line = json.dumps({"mfa_answer": {"ask": ask_id, "code": code}}) + "\n"
        process.write(line.encode())

    def _mfa_withdrawn(self, ask: dict[str, Any]) -> None:
        question = self._mfa_questions.pop(int(ask["ask"]), None)
        if question is not None and self.mfa_prompter is not None:
            self.mfa_prompter.withdraw(question)

    def _withdraw_mfa_questions(self) -> None:
        """The worker stopped or is stopping: nobody waits for its questions' answers;
        their dialogs close."""
        questions, self._mfa_questions = list(self._mfa_questions.values()), {}
        if self.mfa_prompter is not None:
            for question in questions:
                self.mfa_prompter.withdraw(question)

    @Slot()
    def _read_stderr(self) -> None:
        process = self.sender()
        if isinstance(process, QProcess):
            text = bytes(process.readAllStandardError().data()).decode(errors="replace")
            for line in text.splitlines():
                if line.strip():
                    worker_log.info("job worker: %s", line)

    @Slot(QProcess.ProcessError)
    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart and self.sender() is self._process:
            self._cannot_start(
                RuntimeError(f"{self._launch.program if self._launch else ''} could not be started")
            )

    @Slot(int, QProcess.ExitStatus)
    def _process_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        process = self.sender()
        if process is not self._process:
            return
        was_ready = self._ready
        self._process, self._ready = None, False
        self._withdraw_mfa_questions()
        if isinstance(process, QProcess):
            process.deleteLater()
        if self._stopping:
            return
        if not was_ready:
            why = self._failure or f"it exited with code {code} before it was ready"
            self._cannot_start(RuntimeError(why))
            return
        log.warning("The job worker stopped unexpectedly (exit code %s, %s)", code, status)
        self.worker_message.emit(
            "The job worker stopped unexpectedly; its running jobs are marked Interrupted "
            "(resume them on the Jobs screen). A new worker starts with the next job."
        )
        self._recover(dict(self._sent))

    def _recover(self, sent: dict[int, str]) -> None:
        """After a worker died: its Running jobs become Interrupted (its owner is dead);
        the jobs it had not started yet go to a new worker. Submissions it had not
        answered are reported as failed: the user looks at the request and submits again."""
        store = self.store
        self._sent.clear()
        self._waiting.clear()
        unanswered, self._submitting = sorted(self._submitting), set()
        for request_id in unanswered:
            self.submit_failed.emit(
                f"Request #{request_id} may not have been submitted: the job worker stopped. "
                "Check it, and submit it again if it is still Ready."
            )

        def work() -> list[Job]:
            store.mark_interrupted(owner_alive)
            found = []
            for job_id in sent:
                try:
                    found.append(store.get(job_id))
                except LookupError:
                    continue
            return found

        self._ops.run(work, self._recovered, on=Executor.DATABASE, what="mark interrupted jobs")

    def _recovered(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.job_updated.emit(job)
        for job in jobs:
            if job.status is JobStatus.QUEUED and not job.cancel_requested:
                self._run(job.id, job.site_key)

    def _cannot_start(self, error: BaseException) -> None:
        """No worker process: run jobs in this process from now on, and say so."""
        if self._launch is None:
            return
        log.warning("The job worker could not start (%s); jobs run inside the app", error)
        process, self._process = self._process, None
        self._withdraw_mfa_questions()
        if process is not None:
            process.deleteLater()
        self._launch = None
        self.worker_message.emit(
            "Jobs run inside the app: the job worker process could not start "
            f"({error}). The window may respond more slowly while jobs run."
        )
        waiting, self._waiting = self._waiting, []
        self._sent.clear()
        self._submitting.clear()
        for message in waiting:
            if "submit" in message:
                self._submit_here(int(message["submit"]))
            elif "run" in message:
                self._in_process().submit(int(message["run"]), str(message["site"]))

    def kill_worker(self) -> None:
        """Tests: end the worker process at once, as a crash would."""
        if self._process is not None:
            self._process.kill()

    # --- quit -------------------------------------------------------------------------

    @property
    def needs_stopping(self) -> bool:
        """Quitting must stop something first: jobs here, or a worker process."""
        running_here = self._scheduler is not None and self._scheduler.active > 0
        return running_here or self._process is not None

    def stop(self, wait_s: float = 5.0) -> None:
        """On quit, without blocking the GUI thread: running jobs stop at their next step
        boundary and stay resumable (Interrupted at the next start); queued ones stay
        Queued. A worker process gets a stop and the end of its input and is waited for
        at most ``QUIT_WAIT_MS`` (then killed); jobs in this process are waited for on
        the pool. ``stopped`` is emitted when it is done."""
        self._stopping = True
        process, self._process = self._process, None
        self._withdraw_mfa_questions()
        if process is not None and process.state() is not QProcess.ProcessState.NotRunning:
            self._waiting.clear()
            self._stopping_process = process
            process.finished.connect(self._worker_stopped)
            process.write(b'{"stop": true}\n')
            process.closeWriteChannel()
            self._kill_timer.start(min(int(wait_s * 1000), QUIT_WAIT_MS))
            return
        if process is not None:
            process.deleteLater()
        if self._scheduler is not None:
            scheduler = self._scheduler
            self._runner.stopping.set()
            scheduler.shutdown(wait=False)  # the queued stay Queued in the journal
            self._ops.run(
                lambda: scheduler.wait_idle(wait_s),
                self._jobs_stopped,
                on=Executor.POOL,
                what="stop running jobs",
            )
            return
        self.stopped.emit()

    @Slot()
    def _worker_stopped(self) -> None:
        self._kill_timer.stop()
        process, self._stopping_process = self._stopping_process, None
        if process is not None:
            process.deleteLater()
        self.stopped.emit()

    @Slot()
    def _worker_too_slow(self) -> None:
        process = self._stopping_process
        if process is not None:
            log.warning("The job worker did not stop in time; ending it")
            process.kill()  # ``finished`` follows: _worker_stopped

    def _jobs_stopped(self, _idle: bool) -> None:
        self.stopped.emit()

    def shutdown(self, wait_s: float = 5.0) -> None:
        """The last step of quitting (after ``stop``, nothing is left to wait for). Without
        ``stop`` first it waits here, as briefly: running jobs stop at the next step
        boundary (resumable), queued ones stay Queued."""
        self._stopping = True
        self._kill_timer.stop()
        self._withdraw_mfa_questions()
        for process in (self._process, self._stopping_process):
            if process is None:
                continue
            if process.state() is not QProcess.ProcessState.NotRunning:
                process.write(b'{"stop": true}\n')
                process.closeWriteChannel()
                if not process.waitForFinished(min(int(wait_s * 1000), QUIT_WAIT_MS)):
                    log.warning("The job worker did not stop in time; ending it")
                    process.kill()
                    process.waitForFinished(500)
            process.deleteLater()
        self._process = self._stopping_process = None
        if self._scheduler is not None:
            self._runner.stopping.set()
            self._scheduler.shutdown(wait=False)
            self._scheduler.wait_idle(wait_s)
