"""Every model passes Qt's model tester."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from tests.helpers.requests_gui import ops_fixture  # noqa: F401  (the ops fixture)
from ui.operations import Operations
from ui.requests.model import CHUNK, PREFETCH_ROWS, RequestsModel, Role


def _wait_listed(qtbot: QtBot, model: RequestsModel) -> None:
    qtbot.waitUntil(lambda: model.loaded and not model.refreshing)


def _wait_rows(qtbot: QtBot, model: RequestsModel) -> None:
    """Ask for every row (as a view painting them would) and wait until all are in."""

    def all_in() -> bool:
        return all(model.index(r, 1).data() is not None for r in range(model.rowCount()))

    qtbot.waitUntil(all_in)


def test_requests_model_passes_qtmodeltester(
    qtbot: QtBot, qtmodeltester: ModelTester, store: RequestStore, ops: Operations
) -> None:
    for index in range(30):
        store.create(ready_draft(site_name=f"site{index:02d}", customer_org=f"Org {index % 7}"))
    model = RequestsModel(store, ops)
    # Checked empty, then it watches the IDs and rows arrive from the worker.
    qtmodeltester.check(model, force_py=True)
    _wait_listed(qtbot, model)
    _wait_rows(qtbot, model)
    model.sort(3)
    model.set_search("site1")
    _wait_listed(qtbot, model)
    assert model.rowCount() == 10
    model.set_search("")
    _wait_listed(qtbot, model)
    _wait_rows(qtbot, model)
    qtmodeltester.check(model, force_py=True)


def test_rows_are_read_lazily_on_the_worker_and_carry_the_id(
    qtbot: QtBot, store: RequestStore, ops: Operations
) -> None:
    ids = [store.create(ready_draft(site_name=f"lazy{i:03d}")).id for i in range(450)]
    model = RequestsModel(store, ops)
    _wait_listed(qtbot, model)
    assert model.rowCount() == 450
    # Only the rows a window shows first come with the IDs; the rest when shown.
    assert sorted(model._cache) == sorted(model.request_id(r) for r in range(PREFETCH_ROWS))
    last = model.index(449, 1)
    assert model.data(last, Role.REQUEST_ID) in ids  # the ID needs no read
    assert model.data(last) is None  # not read yet: data() never waits on the store
    with qtbot.waitSignal(model.dataChanged):
        pass
    assert model.data(last) is not None
    assert PREFETCH_ROWS < len(model._cache) <= PREFETCH_ROWS + CHUNK
    assert model.data(model.index(0, 0), 9999) is None


def test_refresh_keeps_persistent_indexes_on_the_same_request(
    qtbot: QtBot, store: RequestStore, ops: Operations
) -> None:
    first = store.create(ready_draft(site_name="aaa"))
    second = store.create(ready_draft(site_name="bbb"))
    model = RequestsModel(store, ops)
    model.sort(1)  # site ascending: aaa, bbb
    _wait_listed(qtbot, model)
    from PySide6.QtCore import QPersistentModelIndex

    pinned = QPersistentModelIndex(model.index(0, 1))
    assert model.data(model.index(pinned.row(), 0), Role.REQUEST_ID) == first.id
    stored = store.get(first.id)
    store.save(first.id, stored.draft.with_changes(site_name="zzz"), stored.version)
    model.refresh()
    _wait_listed(qtbot, model)
    assert model.data(model.index(pinned.row(), 0), Role.REQUEST_ID) == first.id
    assert model.data(model.index(0, 0), Role.REQUEST_ID) == second.id


def test_a_newer_list_query_wins(qtbot: QtBot, store: RequestStore, ops: Operations) -> None:
    for site in ("alpha", "bravo", "charlie"):
        store.create(ready_draft(site_name=site))
    model = RequestsModel(store, ops)
    model.set_search("alpha")
    model.set_search("bravo")  # the "alpha" answer, if it comes, is dropped
    listed: list[int] = []
    model.refreshed.connect(lambda: listed.append(model.rowCount()))
    _wait_listed(qtbot, model)
    assert listed == [1]
    assert model.index(0, 1).data() is None or model.index(0, 1).data() == "bravo"
    _wait_rows(qtbot, model)
    assert model.index(0, 1).data() == "bravo"


def test_jobs_model_passes_qtmodeltester_and_keeps_newest_first(
    qapp: QApplication,  # the progress bars are pixmaps
    qtmodeltester: ModelTester,
) -> None:
    from datetime import UTC, datetime

    from byok_desktop.job_records import Job, JobStatus
    from ui.jobs.model import JobsModel

    def job(job_id: int, status: JobStatus = JobStatus.QUEUED) -> Job:
        return Job(
            job_id,
            "provision",
            1,
            "p",
            f"site{job_id}",
            "jira",
            "eu",
            "123456789012",
            status,
            6,
            0,
            "",
            False,
            "",
            "",
            datetime.now(UTC),
            None,
            None,
        )

    model = JobsModel()
    model.set_jobs([job(5), job(3)])
    qtmodeltester.check(model, force_py=True)
    model.update_job(job(4))
    model.update_job(job(9))
    model.update_job(job(3, JobStatus.RUNNING))
    assert [model.job(r).id for r in range(model.rowCount())] == [9, 5, 4, 3]  # type: ignore[union-attr]
    assert model.running() == 1
    qtmodeltester.check(model, force_py=True)

    # An update rewrites what changed, and clears what the job's new state no longer has.
    from dataclasses import replace

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPixmap

    from ui.jobs.model import PROGRESS_COLUMN, STATUS_COLUMN
    from ui.jobs.progress import WIDTH

    row = model.row_of(3)
    assert row == 3
    failed = replace(
        job(3, JobStatus.FAILED), steps_done=2, current_step="role", error_message="no iam:GetRole"
    )
    changes: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles: changes.append((a.row(), a.column())))
    model.update_job(failed)
    display = Qt.ItemDataRole.DisplayRole
    assert model.index(row, STATUS_COLUMN).data(display) == "Failed"
    assert model.index(row, PROGRESS_COLUMN).data(display) == "2 of 6 steps"
    bar = model.index(row, PROGRESS_COLUMN).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(bar, QPixmap)
    assert bar.deviceIndependentSize().width() == WIDTH
    tooltip = Qt.ItemDataRole.ToolTipRole
    assert model.index(row, 0).data(tooltip) == "no iam:GetRole"
    assert {r for r, _c in changes} == {row}
    model.update_job(replace(failed, status=JobStatus.RUNNING, error_message=""))
    assert model.index(row, 0).data(tooltip) is None
    assert model.index(row, PROGRESS_COLUMN).data(display) == "step 3 of 6"
    changes.clear()
    model.update_job(replace(failed, status=JobStatus.RUNNING, error_message=""))
    assert changes == []  # nothing changed, nothing repainted
    qtmodeltester.check(model, force_py=True)
