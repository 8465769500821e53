"""MFA codes for assume-role profiles, asked for on the GUI thread on a worker's behalf.

The core asks ``CredentialService.mfa_prompter(serial)`` from whatever worker botocore
runs on. :class:`GuiMfaPrompter` hands the question to the GUI thread through
``Operations.batched``, shows :class:`MfaDialog` (window-modal, no nested event loop)
and lets the worker wait for the answer, up to ``timeout_s``. Cancel or a timeout fail
the work with a sentence. The code is handed over once and then forgotten: never
logged, stored or kept in a widget after its dialog closes.

Jobs in the job worker process ask through the bridge instead: :meth:`GuiMfaPrompter.ask`
queues a question on the GUI thread whose answer goes to a callback, never waiting. Both
kinds share one queue: one dialog at a time.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QObject, QRegularExpression, Qt, QThread, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from byok_desktop.aws.connection import MfaCodeNeeded
from byok_desktop.aws.errors import AwsFault
from byok_desktop.aws.mfa import MFA_TIMEOUT_S, mfa_cancelled, mfa_timed_out
from ui.operations import Operations

log = logging.getLogger("ui.credentials.mfa")

__all__ = ["MFA_TIMEOUT_S", "GuiMfaPrompter", "MfaDialog", "MfaQuestion"]


class MfaDialog(QDialog):
    """Asks for the six-digit code of one MFA device."""

    def __init__(self, serial: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mfaDialog")
        self.setWindowTitle("MFA code")
        self.setMinimumWidth(460)
        self.serial = serial
        layout = QVBoxLayout(self)
        text = QLabel(
            "A profile assumes a role that needs a code from your MFA device:\n"
            f"{serial}\nEnter the code the device shows now."
        )
        text.setObjectName("mfaDevice")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(text)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("mfaCode")
        self.code_edit.setAccessibleName("MFA code")
        self.code_edit.setPlaceholderText("6 digits")
        self.code_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,8}"), self.code_edit)
        )
        self.code_edit.textChanged.connect(self._revalidate)
        layout.addWidget(self.code_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        ok.setText("&Continue")
        ok.setObjectName("submitMfaCode")
        ok.setProperty("primary", True)
        self.ok_button = ok
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._revalidate()

    @Slot()
    def _revalidate(self) -> None:
        self.ok_button.setEnabled(len(self.code_edit.text()) >= 6)

    def accept(self) -> None:
        if len(self.code_edit.text()) >= 6:
            super().accept()

    def take_code(self) -> str:
        """The code, once; the field is emptied (with its undo history)."""
        code = self.code_edit.text()
        self.code_edit.setText("")
        return code


@dataclass(eq=False)
class MfaQuestion:
    serial: str
    answered: threading.Event = field(default_factory=threading.Event)
    code: str | None = field(default=None, repr=False)  # None: cancelled
    abandoned: bool = False  # the worker stopped waiting
    # Set for a question asked on the GUI thread (the job worker's): takes the answer.
    deliver: Callable[[str | None], None] | None = field(default=None, repr=False)

    def settle(self, code: str | None) -> None:
        """The answer (None: cancelled), handed over once."""
        deliver, self.deliver = self.deliver, None
        if deliver is not None:
            deliver(code)
        elif not self.abandoned:
            self.code = code
        self.answered.set()


class GuiMfaPrompter:
    """The core's MFA prompter for a window: ``prompter(serial)`` from a worker blocks
    until the user answers in a dialog, cancels, or ``timeout_s`` passes."""

    def __init__(self, ops: Operations, parent: QWidget, timeout_s: float = MFA_TIMEOUT_S) -> None:
        self._parent = parent
        self._timeout_s = timeout_s
        self._ask = ops.batched(self._questions_arrived)
        self._waiting: deque[MfaQuestion] = deque()
        self._current: tuple[MfaQuestion, MfaDialog] | None = None
        self._lock = threading.Lock()
        self._closed = False
        # A worker still waiting must not hold up quitting: it hears "cancelled".
        parent.destroyed.connect(self.close)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)

    # --- worker side -----------------------------------------------------------------

    def __call__(self, serial: str) -> str:
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            # The dialog needs the GUI thread's event loop: waiting here would freeze it.
            raise MfaCodeNeeded(
                AwsFault.MISSING_CREDENTIALS,
                f"An MFA code from {serial} was needed on the window's own thread; "
                "this is a bug, please report it.",
            )
        with self._lock:
            if self._closed:
                raise mfa_cancelled(serial)
        question = MfaQuestion(serial)
        self._ask(question)
        if not question.answered.wait(self._timeout_s):
            question.abandoned = True
            self._ask(question)  # its dialog, if shown, closes
            raise mfa_timed_out(serial, self._timeout_s)
        code, question.code = question.code, None
        if code is None:
            raise mfa_cancelled(serial)
        return code

    # --- GUI side: questions from the job worker process --------------------------------

    def ask(self, serial: str, deliver: Callable[[str | None], None]) -> MfaQuestion:
        """On the GUI thread: queue a question; ``deliver`` gets the code, or None for
        Cancel or a closed window, on the GUI thread. Nothing here waits."""
        question = MfaQuestion(serial, deliver=deliver)
        self._questions_arrived([question])
        return question

    def withdraw(self, question: MfaQuestion) -> None:
        """Nobody waits for this answer any more (the worker timed out or stopped): its
        dialog closes, or it is never shown; ``deliver`` is not called."""
        question.deliver = None
        question.abandoned = True
        self._questions_arrived([question])

    # --- GUI side --------------------------------------------------------------------

    @property
    def dialog(self) -> MfaDialog | None:
        return self._current[1] if self._current is not None else None

    def _questions_arrived(self, questions: list[MfaQuestion]) -> None:
        for question in questions:
            if not question.abandoned:
                self._waiting.append(question)
            elif self._current is not None and self._current[0] is question:
                self._current[1].reject()  # nobody waits for this answer any more
        self._show_next()

    def _show_next(self) -> None:
        while self._current is None and self._waiting:
            question = self._waiting.popleft()
            if question.abandoned:
                continue
            if self._closed or not isValid(self._parent):
                question.settle(None)
                continue
            dialog = MfaDialog(question.serial, self._parent)
            dialog.finished.connect(self._answered)
            self._current = (question, dialog)
            dialog.open()
            dialog.code_edit.setFocus()

    @Slot(int)
    def _answered(self, result: int) -> None:
        if self._current is None:
            return
        question, dialog = self._current
        self._current = None
        code = dialog.take_code()
        dialog.deleteLater()
        question.settle(code if result == QDialog.DialogCode.Accepted and code else None)
        self._show_next()

    def close(self, _gone: QObject | None = None) -> None:
        """The window is going: every waiting worker hears "cancelled" now."""
        with self._lock:
            self._closed = True
        current, self._current = self._current, None
        if current is not None:
            current[0].settle(None)
        while self._waiting:
            self._waiting.popleft().settle(None)
