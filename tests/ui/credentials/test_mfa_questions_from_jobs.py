"""Questions the job worker's jobs ask (through the bridge, on the GUI thread) share the
window's MFA dialog queue: one dialog at a time; a withdrawn question closes its dialog
or is never shown; a closing window answers "cancelled"."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from ui.credentials.mfa_dialog import GuiMfaPrompter
from ui.operations import Operations

FIRST = "arn:aws:iam::123456789012:mfa/rep"
SECOND = "arn:aws:iam::210987654321:mfa/other"


@pytest.fixture
def prompter(qtbot: QtBot, ops: Operations) -> GuiMfaPrompter:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    return GuiMfaPrompter(ops, window)


def device(prompter: GuiMfaPrompter) -> str:
    dialog = prompter.dialog
    assert dialog is not None
    label = dialog.findChild(QLabel, "mfaDevice")
    assert label is not None
    return label.text()


def test_two_questions_at_once_show_one_dialog_after_the_other(
    qtbot: QtBot, prompter: GuiMfaPrompter
) -> None:
    answers: list[tuple[str, str | None]] = []
    prompter.ask(FIRST, lambda code: answers.append((FIRST, code)))
    prompter.ask(SECOND, lambda code: answers.append((SECOND, code)))
    assert FIRST in device(prompter)
    dialog = prompter.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.code_edit, "123456")
    dialog.accept()
    assert answers == [(FIRST, "123456")]
    assert dialog.code_edit.text() == ""  # not kept in the widget
    assert SECOND in device(prompter)
    second = prompter.dialog
    assert second is not None
    second.reject()
    assert answers == [(FIRST, "123456"), (SECOND, None)]
    assert prompter.dialog is None


def test_a_withdrawn_question_closes_its_dialog_or_is_never_shown(
    prompter: GuiMfaPrompter,
) -> None:
    answers: list[str | None] = []
    shown = prompter.ask(FIRST, answers.append)
    queued = prompter.ask(SECOND, answers.append)
    prompter.withdraw(queued)
    prompter.withdraw(shown)
    assert prompter.dialog is None  # the second one never appeared
    assert answers == []  # nobody waits: nothing is delivered


def test_a_closing_window_answers_every_question_cancelled(prompter: GuiMfaPrompter) -> None:
    answers: list[str | None] = []
    prompter.ask(FIRST, answers.append)
    prompter.ask(SECOND, answers.append)
    prompter.close()
    assert answers == [None, None]
    prompter.ask(FIRST, answers.append)  # asked after: cancelled at once
    assert answers == [None, None, None]
    assert prompter.dialog is None
