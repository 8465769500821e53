"""Every model passes Qt's model tester."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester

from byok_desktop.store.requests import RequestStore
from tests.helpers.factories import ready_draft
from ui.requests.model import RequestsModel, Role


def test_requests_model_passes_qtmodeltester(
    qtmodeltester: ModelTester, store: RequestStore
) -> None:
    for index in range(30):
        store.create(ready_draft(site_name=f"site{index:02d}", customer_org=f"Org {index % 7}"))
    model = RequestsModel(store)
    qtmodeltester.check(model, force_py=True)
    model.sort(3)
    model.set_search("site1")
    assert model.rowCount() == 10
    model.set_search("")
    qtmodeltester.check(model, force_py=True)


def test_rows_are_read_lazily_and_carry_the_id(store: RequestStore) -> None:
    ids = [store.create(ready_draft(site_name=f"lazy{i:03d}")).id for i in range(450)]
    model = RequestsModel(store)
    assert model.rowCount() == 450
    assert model._cache == {}  # nothing read before a row is shown
    last = model.index(449, 1)
    assert model.data(last, Role.REQUEST_ID) in ids
    assert len(model._cache) <= 200
    assert model.data(model.index(0, 0), 9999) is None


def test_refresh_keeps_persistent_indexes_on_the_same_request(store: RequestStore) -> None:
    first = store.create(ready_draft(site_name="aaa"))
    second = store.create(ready_draft(site_name="bbb"))
    model = RequestsModel(store)
    model.sort(1)  # site ascending: aaa, bbb
    from PySide6.QtCore import QPersistentModelIndex

    pinned = QPersistentModelIndex(model.index(0, 1))
    assert model.data(model.index(pinned.row(), 0), Role.REQUEST_ID) == first.id
    stored = store.get(first.id)
    store.save(first.id, stored.draft.with_changes(site_name="zzz"), stored.version)
    model.refresh()
    assert model.data(model.index(pinned.row(), 0), Role.REQUEST_ID) == first.id
    assert model.data(model.index(0, 0), Role.REQUEST_ID) == second.id


def test_jobs_model_passes_qtmodeltester_and_keeps_newest_first(
    qapp: QApplication,  # the progress bars are pixmaps
    qtmodeltester: ModelTester,
) -> None:
    from datetime import UTC, datetime

    from byok_desktop.jobs.model import Job, JobStatus
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
