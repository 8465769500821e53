"""Export and import from the GUI: files on disk, conflicts asked about, problems listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from byok_desktop.context import open_context
from byok_desktop.paths import resolve_paths
from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import refresh, show
from ui.dialogs import Dialogs
from ui.main_window import MainWindow


def _replace(
    monkeypatch: pytest.MonkeyPatch, name: str, result: object, calls: list[tuple[object, ...]]
) -> None:
    def fake(cls: type, *args: object) -> object:
        calls.append(args)
        return result

    monkeypatch.setattr(Dialogs, name, classmethod(fake))


def test_ctrl_e_exports_selected_requests_to_a_file(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = store.create(ready_draft(aws_account_id="000000000042"))
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, stored.id)
    target = tmp_path / "out" / "acme"
    target.parent.mkdir()
    asked: list[tuple[object, ...]] = []
    _replace(monkeypatch, "save_request_file", str(target), asked)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    written = target.with_name("acme.byok.json")
    qtbot.waitUntil(lambda: "Exported 1" in window.status.text())
    assert asked
    assert str(asked[0][1]).endswith("acme.byok.json")
    document = json.loads(written.read_text("utf-8"))
    assert document["requests"][0]["aws_account_id"] == "000000000042"


def test_import_into_another_data_dir_and_conflicts_are_asked(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A colleague's workstation exports a request...
    other = open_context(resolve_paths(tmp_path / "colleague"))
    try:
        from byok_desktop.transfer import export_requests

        sent = other.database.requests.create(ready_draft(site_name="sent", notes="line1\nline2"))
        export_requests(other.database.requests, [sent.id], tmp_path / "sent.byok.json")
    finally:
        other.close()

    calls: list[tuple[object, ...]] = []
    _replace(monkeypatch, "open_request_files", [str(tmp_path / "sent.byok.json")], calls)
    page = window.requests_page
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: store.count() == 1)
    qtbot.waitUntil(lambda: "Imported 1" in window.status.text())
    qtbot.waitUntil(lambda: page.editor.request_id is not None)
    imported = store.get(page.editor.request_id)  # type: ignore[arg-type]
    assert imported.draft == sent.draft

    # Importing the same file again never overwrites silently: the user is asked.
    choices: list[tuple[object, ...]] = []
    _replace(monkeypatch, "choose", "Import as copies", choices)
    told: list[tuple[object, ...]] = []
    _replace(monkeypatch, "info", None, told)
    page.import_paths([tmp_path / "sent.byok.json"])
    qtbot.waitUntil(lambda: store.count() == 2)
    assert choices
    assert "already in your list" in str(choices[0][2])
    assert store.get(imported.id).draft == sent.draft
    # The copy names the same site: the request already here became a Draft, and is listed.
    qtbot.waitUntil(lambda: bool(told))
    assert told[0][1] == "Requests changed by the import"
    assert f"#{imported.id} sent: Ready → Draft: 'sent' is already named by" in str(told[0][3])


def test_a_broken_file_imports_nothing_and_lists_every_problem(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = tmp_path / "good.byok.json"
    from byok_desktop.request_file import write_file

    write_file(good, [(ready_draft(site_name="good"), None)])
    bad = tmp_path / "bad.byok.json"
    document = json.loads(good.read_text("utf-8"))
    document["requests"][0]["uid"] = "0f0f0f0f-1111-2222-3333-444455556666"
    document["requests"][0]["desired_users"] = [1]
    document["requests"][0]["colour"] = "blue"
    bad.write_text(json.dumps(document), "utf-8")
    errors: list[tuple[object, ...]] = []
    _replace(monkeypatch, "error", None, errors)
    window.requests_page.import_paths([good, bad])
    qtbot.waitUntil(lambda: bool(errors))
    details = str(errors[0][3])
    assert "bad.byok.json" in details
    assert "requests[0].desired_users" in details
    assert "requests[0].colour" in details
    assert store.count() == 0


def test_ctrl_e_exports_even_while_typing_in_a_field(
    qtbot: QtBot,
    window: MainWindow,
    store: RequestStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = store.create(ready_draft())
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, stored.id)
    page.editor.org_edit.setFocus()
    asked: list[tuple[object, ...]] = []
    _replace(monkeypatch, "save_request_file", "", asked)  # the user cancels the dialog
    qtbot.keyClick(page.editor.org_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(asked) == 1)
