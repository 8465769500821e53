"""The pages read the store only on the database worker, and reload when the change bus
says what they show has changed (real SQLite files, pages on their own)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from byok_desktop.changes import ChangeBus, Changes
from byok_desktop.context import AppContext
from byok_desktop.job_records import Job, JobStatus
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.store.models import ProductRow
from tests.ui.products.test_products_model import insert_products, product_row
from ui.changes import ChangeRelay
from ui.jobs.bridge import JobsBridge
from ui.jobs.page import JobsPage
from ui.operations import Operations
from ui.products.model import Column
from ui.products.page import ProductsPage


class _GuiThreadGuard:
    """Wraps a store object: a call made on the GUI thread is recorded (and fails the
    test); calls on workers pass through, and the thread they ran on is kept."""

    def __init__(self, inner: object, name: str, gui_calls: list[str], worker_calls: list[str]):
        self._inner = inner
        self._name = name
        self._gui_calls = gui_calls
        self._worker_calls = worker_calls

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._inner, attr)
        if not callable(value):
            return value

        def guarded(*args: Any, **kwargs: Any) -> Any:
            where = f"{self._name}.{attr}"
            if threading.current_thread() is threading.main_thread():
                self._gui_calls.append(where)
                raise AssertionError(f"{where} called on the GUI thread")
            self._worker_calls.append(where)
            return value(*args, **kwargs)

        return guarded


@pytest.fixture
def guarded(context: AppContext) -> tuple[list[str], list[str]]:
    """Every store of the context's database behind a guard; (GUI calls, worker calls)."""
    gui_calls: list[str] = []
    worker_calls: list[str] = []
    database = context.database
    stores = {
        name: _GuiThreadGuard(getattr(database, name), name, gui_calls, worker_calls)
        for name in ("view", "products", "requests", "jobs")
    }
    context.database = replace(database, **stores)  # type: ignore[arg-type]
    return gui_calls, worker_calls


def _fleet(context: AppContext) -> None:
    insert_products(
        context.database.engine,
        [
            product_row("acme", Product.JIRA_SOFTWARE),
            product_row("acme", Product.JIRA_SERVICE_MANAGEMENT),
            product_row("acme", Product.CONFLUENCE),
            product_row("beta", Product.CONFLUENCE),
        ],
    )


@pytest.fixture
def make_products_page(
    qtbot: QtBot, context: AppContext, ops: Operations, relay: ChangeRelay
) -> Iterator[Callable[[], ProductsPage]]:
    made: list[ProductsPage] = []
    bridges: list[JobsBridge] = []

    def make() -> ProductsPage:
        bridge = JobsBridge(context, ops)
        bridges.append(bridge)
        settings = QSettings(str(context.paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
        page = ProductsPage(context, bridge, ops, settings, relay)
        qtbot.addWidget(page)
        made.append(page)
        return page

    yield make
    for page in made:
        page.shutdown()
    for bridge in bridges:
        bridge.shutdown(wait_s=1)
    ops.wait()


def _statuses(page: ProductsPage) -> list[str | None]:
    model = page.model
    return [model.data(model.index(r, Column.STATUS)) for r in range(model.rowCount())]


def _site_cells(page: ProductsPage) -> list[str | None]:
    model = page.model
    return [model.data(model.index(r, Column.SITE)) for r in range(model.rowCount())]


def test_first_show_reads_nothing_on_the_gui_thread(
    qtbot: QtBot,
    context: AppContext,
    guarded: tuple[list[str], list[str]],
    make_products_page: Callable[[], ProductsPage],
    ops: Operations,
) -> None:
    _fleet(context)
    gui_calls, worker_calls = guarded
    page = make_products_page()
    assert [c for c in worker_calls if not c.startswith("jobs.")] == []  # nothing yet
    page.show()
    qtbot.waitExposed(page)
    # The rows arrive from the worker and are painted without a store call here.
    qtbot.waitUntil(lambda: _site_cells(page) == ["acme", "acme", "acme", "beta"])
    qtbot.waitUntil(lambda: page.count_label.text() == "4 products")
    # The IDs come with the rows a window shows first (list_page), in one session.
    assert {"view.list_page", "view.counts"} <= set(worker_calls)
    page.view.selectRow(0)  # the detail pane and the actions: read on the worker too
    qtbot.waitUntil(lambda: page.detail.isEnabled() and page.add_product_action.isEnabled())
    qtbot.waitUntil(lambda: "view.detail" in worker_calls)
    page.search_edit.setText("beta")
    qtbot.waitUntil(lambda: _site_cells(page) == ["beta"])
    qtbot.waitUntil(lambda: ops.pending == 0)
    assert gui_calls == []


def test_rows_are_fetched_on_the_worker_and_data_never_reads(
    qtbot: QtBot,
    context: AppContext,
    make_products_page: Callable[[], ProductsPage],
    ops: Operations,
) -> None:
    _fleet(context)
    page = make_products_page()
    view = context.database.view
    threads: list[str] = []

    def spied(read: Any) -> Any:
        def spy(*args: Any) -> Any:
            threads.append(threading.current_thread().name)
            return read(*args)

        return staticmethod(spy)

    # ProductView is a plain class: patch the instance the model holds. The rows shown
    # first come with the IDs (list_page); the others through rows().
    page.model._view = type(  # type: ignore[assignment]
        "SpyView",
        (),
        {
            "rows": spied(view.rows),
            "list_page": spied(view.list_page),
            "list_ids": spied(view.list_ids),
        },
    )()
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 4)
    # Before its rows arrive a cell is empty, not read on the spot.
    qtbot.waitUntil(lambda: _statuses(page) == ["Active"] * 4)
    assert threads
    assert threading.main_thread().name not in threads


def test_a_change_on_the_bus_reloads_the_page_and_its_detail(
    qtbot: QtBot,
    context: AppContext,
    change_bus: ChangeBus,
    make_products_page: Callable[[], ProductsPage],
) -> None:
    _fleet(context)
    page = make_products_page()
    page.show()
    qtbot.waitUntil(lambda: _statuses(page) == ["Active"] * 4)
    page.view.selectRow(0)  # acme's Confluence (sites, then families, in order)
    qtbot.waitUntil(lambda: page._detail is not None)
    assert page.detail.isEnabled()
    assert page._detail is not None
    assert page._detail.product.product is Product.CONFLUENCE
    with context.database.engine.begin() as conn:  # a job on another thread suspends Jira
        conn.execute(
            update(ProductRow)
            .where(ProductRow.site_key == "acme", ProductRow.family == "jira")
            .values(status=ProductStatus.SUSPENDED.value, status_reason="Access revoked")
        )
    detail_reads: list[int] = []
    page.detail.show_detail = _counting(page.detail.show_detail, detail_reads)  # type: ignore[method-assign]
    # Announced from a worker thread, as the store does after it commits.
    worker = threading.Thread(
        target=change_bus.publish, args=(Changes.of_families({("acme", "jira")}),)
    )
    worker.start()
    worker.join()
    qtbot.waitUntil(
        lambda: page.all_button.text() == "All 4" and not page._refresh_timer.isActive()
    )
    qtbot.waitUntil(lambda: _statuses(page).count("Suspended") == 2)  # no F5
    assert detail_reads == []  # another family: the detail pane is left alone
    # The counts are their own read on the worker: they may land after the rows.
    qtbot.waitUntil(
        lambda: page.status_buttons[ProductStatus.SUSPENDED].text() == "Suspended 2"
    )
    with context.database.engine.begin() as conn:  # then Confluence too
        conn.execute(
            update(ProductRow)
            .where(ProductRow.site_key == "acme", ProductRow.family == "confluence")
            .values(status=ProductStatus.DEGRADED.value, status_reason="eu-west-1 disabled")
        )
    worker = threading.Thread(
        target=change_bus.publish, args=(Changes.of_families({("acme", "confluence")}),)
    )
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(detail_reads) == 1)  # its family: the detail is read again
    assert page._detail is not None
    assert page._detail.product.status is ProductStatus.DEGRADED


def test_changes_to_other_kinds_cost_no_reload(
    qtbot: QtBot,
    context: AppContext,
    change_bus: ChangeBus,
    make_products_page: Callable[[], ProductsPage],
) -> None:
    _fleet(context)
    page = make_products_page()
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 4)
    with qtbot.assertNotEmitted(page.model.refreshed, wait=100):
        change_bus.publish(Changes.of_requests({1}))
        change_bus.publish(Changes.of_jobs({1}))


def _counting(method: Callable[..., Any], calls: list[int]) -> Callable[..., Any]:
    def counted(*args: Any) -> Any:
        calls.append(1)
        return method(*args)

    return counted


# --- jobs ---------------------------------------------------------------------------------


@pytest.fixture
def jobs_page(
    qtbot: QtBot, context: AppContext, ops: Operations, relay: ChangeRelay
) -> Iterator[JobsPage]:
    bridge = JobsBridge(context, ops)
    page = JobsPage(bridge, ops, relay)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: ops.pending == 0)
    yield page
    bridge.shutdown(wait_s=1)
    ops.wait()


def test_scheduler_updates_reach_the_jobs_page_in_batches(
    qtbot: QtBot, context: AppContext, jobs_page: JobsPage
) -> None:
    jobs = [_queued_job(context, f"site{n}") for n in range(5)]
    bridge = jobs_page._bridge
    batches: list[int] = []
    deliver = bridge._deliver_updates
    bridge.updates._deliver = lambda items: (batches.append(len(items)), deliver(items))  # type: ignore[method-assign, func-returns-value]
    gate = threading.Event()

    def worker() -> None:  # a scheduler worker reporting faster than the GUI wakes
        for job in jobs:
            bridge.updates(replace(job, status=JobStatus.RUNNING))
        gate.set()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert gate.is_set()
    qtbot.waitUntil(lambda: jobs_page.model.running() == 5)
    assert batches == [5]  # one wake-up of the GUI thread for the lot


def test_a_job_changed_elsewhere_is_read_when_the_bus_names_it(
    qtbot: QtBot, context: AppContext, change_bus: ChangeBus, jobs_page: JobsPage
) -> None:
    job = _queued_job(context, "acme")
    qtbot.waitUntil(lambda: jobs_page.model.rowCount() == 0)
    change_bus.publish(Changes.of_jobs({job.id}))
    qtbot.waitUntil(lambda: jobs_page.model.rowCount() == 1)
    context.database.jobs.request_cancel(job.id)  # another workstation cancels it
    change_bus.publish(Changes.of_jobs({job.id}))
    qtbot.waitUntil(
        lambda: jobs_page.model.job(0).status is JobStatus.CANCELLED  # type: ignore[union-attr]
    )


def _queued_job(context: AppContext, site: str) -> Job:
    """A queued provisioning job, straight in the store (no AWS, no scheduler)."""
    return context.database.jobs.create(
        kind="provision",
        request_id=None,
        profile_uid="p-1",
        site_key=site,
        family="jira",
        location="eu",
        account_id="123456789012",
        steps_total=3,
    )
