"""Long IDs are cut in the middle when narrow, whole in the tooltip and on Copy; tables
copy the full text of the selection; the typed confirmation's hint reads as a hint."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from ui.elide import ElidedText
from ui.products.confirm import TypedConfirmation, TypedConfirmDialog
from ui.tables import add_copy, fit_columns

ARN = "arn:aws:kms:eu-central-1:123456789012:key/mrk-1234abcd5678ef90"


def test_an_arn_is_cut_in_the_middle_and_copied_whole(qtbot: QtBot) -> None:
    label = ElidedText(ARN, "keyArn")
    label.setAccessibleName("Key ARN")
    qtbot.addWidget(label)
    label.resize(160, 24)
    label.show()
    qtbot.waitExposed(label)
    shown = label.shown_text()
    assert shown != ARN
    assert "…" in shown
    assert shown.startswith("arn:")  # both ends stay readable
    assert shown.endswith("ef90")
    assert label.text() == ARN
    assert label.toolTip() == ARN
    assert label.minimumSizeHint().width() < label.sizeHint().width()  # it may shrink

    QGuiApplication.clipboard().clear()
    label.setFocus()
    qtbot.waitUntil(label.hasFocus)
    QTest.keyClick(label, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == ARN

    label.resize(900, 24)
    assert label.shown_text() == ARN  # whole when there is room


def test_a_table_copies_the_full_text_of_its_selection(qtbot: QtBot) -> None:
    model = QStandardItemModel(2, 2)
    for row, (name, arn) in enumerate((("acme", ARN), ("globex", ARN.replace("eu", "us")))):
        model.setItem(row, 0, QStandardItem(name))
        model.setItem(row, 1, QStandardItem(arn))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    copy = add_copy(view, middle_columns=(1,))
    fit_columns(view, maximum=120)
    assert view.columnWidth(0) < 120  # as wide as its content
    view.show()
    qtbot.waitExposed(view)
    assert view.columnWidth(0) <= 120
    view.selectAll()
    QGuiApplication.clipboard().clear()
    copy.trigger()
    assert QGuiApplication.clipboard().text() == (f"acme\t{ARN}\nglobex\t{ARN.replace('eu', 'us')}")
    assert copy in view.actions()  # the context menu offers it
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu


def test_the_typed_confirmation_hint_is_not_the_answer(qtbot: QtBot) -> None:
    request = TypedConfirmation(
        title="Revoke key access",
        intro="Revoke access to acme's keys?",
        required="acme",
        ok_label="Revoke",
    )
    dialog = TypedConfirmDialog(request)
    qtbot.addWidget(dialog)
    hint = dialog.confirm_edit.placeholderText()
    assert "acme" not in hint  # a filled-in-looking name would be mistaken for typed text
    assert hint.startswith("Type ")
