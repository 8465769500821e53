"""Signing in to IAM Identity Center: the user code, the browser, and each state in words.

The device flow (``SsoSignIn.device_flow``) runs as one operation on the pool: it waits
between polls on a ``threading.Event``, so Cancel (or Escape) wakes it at once and it
ends without another poll. Its steps reach this dialog through ``Operations.batched``.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.aws.errors import AwsProblem
from byok_desktop.credentials.sso import (
    CodeReady,
    FlowStep,
    SignedIn,
    SignInFailed,
    SsoSignIn,
    Waiting,
)
from ui.credentials.form_parts import mark_problem
from ui.operations import Executor, Operations, Ticket
from ui.resources import icon

log = logging.getLogger("ui.credentials.sign_in")

STARTING = "Asking IAM Identity Center for a sign-in code…"


def _open_in_browser(url: QUrl) -> bool:
    return QDesktopServices.openUrl(url)


def drive_flow(
    sign_in: SsoSignIn, cancel: threading.Event, report: Callable[[FlowStep], None]
) -> SignedIn | None:
    """Runs on the pool: each step is reported; between polls it waits on ``cancel``,
    and returns None as soon as that is set."""
    flow = sign_in.device_flow()
    try:
        for step in flow:
            if cancel.is_set():
                return None
            report(step)
            if isinstance(step, SignedIn):
                return step
            if isinstance(step, Waiting) and cancel.wait(step.seconds):
                return None
        return None
    finally:
        flow.close()


def failure_sentence(exc: BaseException) -> str:
    """What happened and what to do, in one sentence (the traceback goes to the log)."""
    if isinstance(exc, SignInFailed | AwsProblem):
        return str(exc)
    log.error("The sign-in stopped unexpectedly", exc_info=exc)
    return (
        f"The sign-in stopped: unexpected {type(exc).__name__}. Try again; the details "
        "are in the log file."
    )


class SignInDialog(QDialog):
    """``signed_in(SignedIn)`` once IAM Identity Center has handed out a token; the
    dialog then closes itself. A failure stays on screen with Try again."""

    signed_in = Signal(object)
    # Replaced in tests: where the verification page is opened.
    open_url: ClassVar[Callable[[QUrl], bool]] = staticmethod(_open_in_browser)

    def __init__(self, sign_in: SsoSignIn, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in with IAM Identity Center")
        self.setMinimumWidth(520)
        self._sign_in = sign_in
        self._ops = ops
        self._cancel = threading.Event()
        self._ticket: Ticket | None = None
        self._page_url = ""
        self.failure: BaseException | None = None
        self._build()

    def _build(self) -> None:
        session = self._sign_in.session
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        intro = QLabel(
            f"Sign in to “{session.name}” ({session.start_url}, {session.region}). Your "
            "browser opens IAM Identity Center's page: check that it shows this code, then "
            "approve the sign-in there."
        )
        intro.setObjectName("fieldHint")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        code_row = QHBoxLayout()
        self.code_label = QLabel("—")
        self.code_label.setObjectName("userCode")
        self.code_label.setAccessibleName("Sign-in code")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(26)
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        code_row.addWidget(self.code_label, 1)
        self.copy_button = QPushButton(icon("copy"), "&Copy code")
        self.copy_button.setObjectName("copyUserCode")
        self.copy_button.clicked.connect(self.copy_code)
        self.copy_button.setEnabled(False)
        code_row.addWidget(self.copy_button)
        layout.addLayout(code_row)

        self.status_label = QLabel(STARTING)
        self.status_label.setObjectName("signInStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setMinimumHeight(44)
        layout.addWidget(self.status_label)

        self.buttons = QDialogButtonBox()
        self.open_button = QPushButton("&Open the sign-in page")
        self.open_button.setObjectName("openSignInPage")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_page)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_button = QPushButton("&Try again")
        self.retry_button.setObjectName("retrySignIn")
        self.retry_button.setProperty("primary", True)
        self.retry_button.clicked.connect(self.start)
        self.retry_button.hide()
        self.buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.ActionRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelSignIn")
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    @property
    def sign_in(self) -> SsoSignIn:
        return self._sign_in

    # --- the flow ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._ops.is_pending(self._ticket)

    @Slot()
    def start(self) -> None:
        """Start (or start again) the device flow on the pool."""
        self._stop_run()
        self._cancel = threading.Event()
        self.failure = None
        self.retry_button.hide()
        self.code_label.setText("—")
        self.code_label.setEnabled(True)
        self.copy_button.setEnabled(False)
        self.open_button.setEnabled(False)
        mark_problem(self.status_label, False)
        self._set_status(STARTING, "")
        cancel, sign_in = self._cancel, self._sign_in
        report = self._ops.batched(functools.partial(self._steps_arrived, cancel))
        self._ticket = self._ops.run(
            lambda: drive_flow(sign_in, cancel, report),
            self._finished,
            self._failed,
            on=Executor.POOL,
            what="IAM Identity Center sign-in",
            owner=self,
        )

    def _stop_run(self) -> None:
        self._cancel.set()  # wakes the worker between polls: no further poll is sent
        self._ops.drop(self._ticket)
        self._ticket = None

    def _steps_arrived(self, cancel: threading.Event, steps: list[FlowStep]) -> None:
        if cancel.is_set():
            return  # an abandoned run (cancelled, or started again)
        for step in steps:
            if isinstance(step, CodeReady):
                self._code_ready(step)
            elif isinstance(step, Waiting):
                self._set_status(step.message, "slow_down" if step.slowed_down else "waiting")

    def _code_ready(self, step: CodeReady) -> None:
        self.code_label.setText(step.user_code)
        self.copy_button.setEnabled(True)
        self.open_button.setEnabled(True)
        self._page_url = step.verification_uri_complete
        opened = self.open_page()
        where = (
            "Your browser is opening the sign-in page"
            if opened
            else f"Open {step.verification_uri} in your browser"
        )
        self._set_status(
            f"{where}: confirm the code {step.user_code} before "
            f"{step.expires_at:%H:%M} UTC and approve the sign-in.",
            "code",
        )

    def _finished(self, result: SignedIn | None) -> None:
        self._ticket = None
        if result is None:
            return  # cancelled
        self._set_status(result.message, "signed_in")
        self.signed_in.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._ticket = None
        self.failure = exc
        fault = exc.fault.value if isinstance(exc, SignInFailed | AwsProblem) else "bug"
        self._set_status(failure_sentence(exc), fault)
        mark_problem(self.status_label, True)  # as the forms' problems
        self.code_label.setEnabled(False)
        self.copy_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.retry_button.show()
        self.retry_button.setFocus()

    def _set_status(self, text: str, state: str) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("state", state)

    @property
    def state(self) -> str:
        return str(self.status_label.property("state") or "")

    # --- buttons -------------------------------------------------------------------------

    @Slot()
    def copy_code(self) -> None:
        code = self.code_label.text()
        if code and code != "—":
            QGuiApplication.clipboard().setText(code)

    @Slot()
    def open_page(self) -> bool:
        if not self._page_url:
            return False
        return bool(type(self).open_url(QUrl(self._page_url)))

    def done(self, result: int) -> None:
        self._stop_run()  # Cancel, Escape or closing the window
        super().done(result)
