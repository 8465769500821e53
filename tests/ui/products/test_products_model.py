"""The products table model: IDs only, rows read lazily, filter and sort in SQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, insert

from byok_desktop.context import AppContext
from byok_desktop.locations import Location
from byok_desktop.product_records import ProductFilter
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.store.models import ProductRow
from ui.operations import Operations
from ui.products.model import CHUNK, PREFETCH_ROWS, Column, ProductsModel, Role, age_text

NOW = datetime.now(UTC).replace(microsecond=0)
STATES = ("Enabled", "Disabled", "PendingDeletion", "Unknown", "", "Missing")
STATUSES = (
    ProductStatus.ACTIVE,
    ProductStatus.ACTIVE,
    ProductStatus.DEGRADED,
    ProductStatus.SUSPENDED,
    ProductStatus.PROVISIONING,
)


def product_row(site: str, product: Product, **values: Any) -> dict[str, Any]:
    """One row for ``insert(ProductRow)``; a provisioned Active product unless told."""
    row: dict[str, Any] = {
        "request_id": None,
        "site_key": site,
        "product": product.value,
        "family": product.family.value,
        "location": Location.EU.value,
        "status": ProductStatus.ACTIVE.value,
        "created_at": NOW - timedelta(days=30),
        "status_reason": "",
        "primary_state": "Enabled",
        "secondary_state": "Enabled",
        "tier_name": "Enterprise 1001-2000",
        "provisioned_at": NOW - timedelta(days=29),
        "health_checked_at": NOW - timedelta(minutes=12),
    }
    row.update(values)
    return row


def insert_products(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(ProductRow), rows)


def seed_products(engine: Engine, sites: int) -> int:
    """``sites`` sites with varied products, locations, statuses and key states; returns
    how many products were added. No AWS: rows only."""
    rows = []
    cycle = itertools.count()
    for number in range(sites):
        site = f"site{number:04d}"
        location = Location.USA if number % 3 == 0 else Location.EU
        products = [Product.JIRA_SOFTWARE, Product.CONFLUENCE]
        if number % 4 == 0:
            products.append(Product.JIRA_SERVICE_MANAGEMENT)
        for product in products:
            n = next(cycle)
            status = STATUSES[(number + (product is Product.CONFLUENCE)) % len(STATUSES)]
            provisioned = status.provisioned
            rows.append(
                product_row(
                    site,
                    product,
                    location=location.value,
                    status=status.value,
                    status_reason="" if status is ProductStatus.ACTIVE else f"reason {n}",
                    primary_state=STATES[n % len(STATES)] if provisioned else "",
                    secondary_state=STATES[(n + 1) % len(STATES)] if provisioned else "",
                    tier_name=f"Tier {n % 5}",
                    provisioned_at=NOW - timedelta(hours=n) if provisioned else None,
                    health_checked_at=NOW - timedelta(minutes=n) if n % 7 else None,
                )
            )
    insert_products(engine, rows)
    return len(rows)


def ready(qtbot: QtBot, model: ProductsModel) -> ProductsModel:
    """Wait for the whole list, then for every row to be read on the worker."""
    qtbot.waitUntil(lambda: model.is_complete)
    for row in range(model.rowCount()):
        if not model.is_loaded(row):
            model.record(row)
            qtbot.waitUntil(lambda row=row: model.is_loaded(row))  # type: ignore[misc]
    return model


def _column(
    model: ProductsModel, column: Column, role: int = Qt.ItemDataRole.DisplayRole
) -> list[Any]:
    return [model.data(model.index(row, column), role) for row in range(model.rowCount())]


def test_products_model_passes_qtmodeltester(
    qtmodeltester: ModelTester, context: AppContext, qtbot: QtBot, ops: Operations
) -> None:
    count = seed_products(context.database.engine, 120)
    assert count >= 250
    model = ready(qtbot, ProductsModel(context.database.view, ops))
    assert model.rowCount() == count
    qtmodeltester.check(model, force_py=True)
    model.sort(Column.CHECKED, Qt.SortOrder.DescendingOrder)
    model.set_filter(ProductFilter(statuses=frozenset({ProductStatus.DEGRADED})))
    ready(qtbot, model)
    assert 0 < model.rowCount() < count
    model.set_filter(ProductFilter(search="site00"))
    ready(qtbot, model)
    model.set_filter(ProductFilter())
    model.sort(Column.SECOND_KEY)
    ready(qtbot, model)
    qtmodeltester.check(model, force_py=True)
    model.refresh()  # the tester watches rows arrive from the worker too
    ready(qtbot, model)


def test_rows_are_read_lazily_in_pages(context: AppContext, qtbot: QtBot, ops: Operations) -> None:
    count = seed_products(context.database.engine, 300)
    model = ProductsModel(context.database.view, ops)
    qtbot.waitUntil(lambda: model.is_complete)  # a first page, then the rest
    assert model.rowCount() == count
    # Only the rows a window shows first come with the IDs (one trip to the worker).
    assert sorted(model._cache) == sorted(model.ids[:PREFETCH_ROWS])
    last = model.index(count - 1, Column.SITE)
    assert model.data(last, Role.PRODUCT_ID) is None  # asked for: read on the worker
    with qtbot.waitSignal(model.dataChanged):
        pass
    assert model.data(last, Role.PRODUCT_ID) == model.ids[-1]
    assert PREFETCH_ROWS < len(model._cache) <= PREFETCH_ROWS + CHUNK
    assert model.data(model.index(0, 0), 9999) is None
    model.refresh()
    qtbot.waitUntil(lambda: model.is_complete)
    # A refresh reads the first rows again with the IDs; the others when they are shown.
    assert sorted(model._cache) == sorted(model.ids[:PREFETCH_ROWS])


def test_sorting_runs_in_sql_for_every_column(
    context: AppContext, qtbot: QtBot, ops: Operations
) -> None:
    seed_products(context.database.engine, 40)
    model = ProductsModel(context.database.view, ops)

    def records() -> list[Any]:
        ready(qtbot, model)
        return [model.record(r) for r in range(model.rowCount())]

    model.sort(Column.SITE, Qt.SortOrder.DescendingOrder)
    sites = [r.site_key for r in records() if r]
    assert sites == sorted(sites, reverse=True)

    model.sort(Column.STATUS)
    statuses = [r.status.value for r in records() if r]
    assert statuses == sorted(statuses)

    model.sort(Column.CHECKED, Qt.SortOrder.DescendingOrder)
    checked = [r.health_checked_at for r in records() if r]
    known = [c for c in checked if c is not None]
    assert known == sorted(known, reverse=True)
    assert checked[len(known) :] == [None] * (len(checked) - len(known))  # never checked last

    model.sort(Column.PRIMARY_KEY)
    states = [r.primary_state for r in records() if r]
    assert states == sorted(states)  # never seen ("") first: the order an index gives
    model.sort(Column.PRIMARY_KEY, Qt.SortOrder.DescendingOrder)
    assert [r.primary_state for r in records() if r] == sorted(states, reverse=True)

    model.sort(Column.PROVISIONED)
    provisioned = [r.provisioned_at for r in records() if r and r.provisioned_at]
    assert provisioned == sorted(provisioned)


def test_the_jira_family_reads_as_one_group_under_the_default_sort(
    context: AppContext, qtbot: QtBot, ops: Operations
) -> None:
    insert_products(
        context.database.engine,
        [
            product_row("acme", Product.JIRA_SERVICE_MANAGEMENT),
            product_row("acme", Product.CONFLUENCE),
            product_row("acme", Product.JIRA_SOFTWARE),
            product_row("beta", Product.CONFLUENCE),
        ],
    )
    model = ready(qtbot, ProductsModel(context.database.view, ops))
    assert _column(model, Column.PRODUCT) == [
        "Confluence",
        "Jira Service Management (Jira family)",
        "Jira Software (Jira family)",
        "Confluence",
    ]
    assert _column(model, Column.SITE) == ["acme", "acme", "acme", "beta"]
    # The second row of the family is marked as sharing the first one's key.
    assert model.data(model.index(2, Column.SITE), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(1, Column.SITE), Qt.ItemDataRole.ForegroundRole) is None
    assert "shares its key" in model.data(model.index(2, Column.SITE), Qt.ItemDataRole.ToolTipRole)
    assert "Jira family" in model.data(model.index(1, Column.PRODUCT), Qt.ItemDataRole.ToolTipRole)


def test_cells_show_state_with_colour_icon_and_text(
    context: AppContext, qtbot: QtBot, ops: Operations
) -> None:
    # From the clock now, not the module's NOW: the suite may have run for minutes.
    checked = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=12, seconds=10)
    insert_products(
        context.database.engine,
        [
            product_row(
                "acme",
                Product.JIRA_SOFTWARE,
                status=ProductStatus.DEGRADED.value,
                status_reason="eu-west-1: Key disabled",
                primary_state="Enabled",
                secondary_state="Disabled",
                health_checked_at=checked,
            ),
            product_row(
                "usa-site",
                Product.CONFLUENCE,
                location=Location.USA.value,
                primary_state="PendingDeletion",
                secondary_state="",
                health_checked_at=None,
            ),
        ],
    )
    model = ready(qtbot, ProductsModel(context.database.view, ops))

    def cell(row: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.data(model.index(row, column), role)

    assert model.headerData(Column.PRIMARY_KEY, Qt.Orientation.Horizontal) == "Primary region key"
    assert model.headerData(Column.SECOND_KEY, Qt.Orientation.Horizontal) == "Second region key"
    assert cell(0, Column.PRIMARY_KEY) == "eu-central-1 · Enabled"
    assert cell(0, Column.SECOND_KEY) == "eu-west-1 · Disabled"
    assert cell(1, Column.PRIMARY_KEY) == "us-east-1 · Pending deletion"
    assert cell(1, Column.SECOND_KEY) == "us-west-2 · Not checked"
    for row, column in itertools.product((0, 1), (Column.PRIMARY_KEY, Column.SECOND_KEY)):
        assert isinstance(cell(row, column, Qt.ItemDataRole.DecorationRole), QIcon)
        assert isinstance(cell(row, column, Qt.ItemDataRole.ForegroundRole), QColor)
    colours = {
        cell(0, Column.PRIMARY_KEY, Qt.ItemDataRole.ForegroundRole).name(),
        cell(0, Column.SECOND_KEY, Qt.ItemDataRole.ForegroundRole).name(),
        cell(1, Column.PRIMARY_KEY, Qt.ItemDataRole.ForegroundRole).name(),
        cell(1, Column.SECOND_KEY, Qt.ItemDataRole.ForegroundRole).name(),
    }
    assert len(colours) == 4  # green, red, orange, grey
    assert "Dublin" in cell(0, Column.SECOND_KEY, Qt.ItemDataRole.ToolTipRole)

    assert cell(0, Column.STATUS) == "Degraded"
    assert isinstance(cell(0, Column.STATUS, Qt.ItemDataRole.DecorationRole), QIcon)
    assert cell(0, Column.STATUS, Qt.ItemDataRole.ToolTipRole) == "<p>eu-west-1: Key disabled</p>"
    assert cell(0, Column.STATUS, Role.STATUS) == "degraded"
    assert cell(0, Column.CHECKED) == "12 min ago"
    exact = checked.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert exact in cell(0, Column.CHECKED, Qt.ItemDataRole.ToolTipRole)
    assert cell(1, Column.CHECKED) == "Never"
    assert cell(0, Column.LOCATION) == "European Union"
    assert cell(1, Column.PRODUCT) == "Confluence"


def test_age_text() -> None:
    assert age_text(None) == "Never"
    assert age_text(NOW - timedelta(seconds=20), NOW) == "Just now"
    assert age_text(NOW - timedelta(minutes=59), NOW) == "59 min ago"
    assert age_text(NOW - timedelta(hours=5), NOW) == "5 h ago"
    assert age_text(NOW - timedelta(days=3), NOW) == "3 days ago"


def test_a_new_filter_shows_its_first_page_then_appends_the_rest(
    qtbot: Any, qtmodeltester: ModelTester, context: AppContext, monkeypatch: Any, ops: Operations
) -> None:
    import ui.products.model as model_module

    monkeypatch.setattr(model_module, "FIRST_PAGE", 7)
    count = seed_products(context.database.engine, 30)
    view = context.database.view
    model = ProductsModel(view, ops)
    shown: list[int] = []  # rows after each reset (the rest may follow at once: no polling)
    model.modelReset.connect(lambda: shown.append(model.rowCount()))
    assert (model.rowCount(), model.is_complete) == (0, False)  # read on the worker
    qtbot.waitUntil(lambda: model.is_complete)
    assert shown == [7]  # the first load's first page, then the rest appended
    assert model.rowCount() == count
    with qtbot.assertNotEmitted(model.modelReset):
        model.refresh()  # a reload of what is shown reads it all at once
        qtbot.waitUntil(lambda: model.is_complete)
    assert model.rowCount() == count
    confluence = ProductFilter(search="confluence")
    expected = view.list_ids(confluence)
    assert len(expected) == 30
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    pages: list[list[int]] = []
    model.modelReset.connect(
        lambda: pages.append([model.product_id(r) for r in range(model.rowCount())])  # type: ignore[arg-type]
    )
    model.set_filter(confluence)
    # The first page is shown first; the rest follows from a second read.
    qtbot.waitUntil(lambda: model.is_complete)
    assert pages == [expected[:7]]
    qtbot.waitUntil(lambda: model.is_complete)
    assert [model.product_id(r) for r in range(model.rowCount())] == expected
    assert inserted == [(7, 29)]  # appended: the first page's rows stay where they are
    qtmodeltester.check(model, force_py=True)


def test_the_whole_list_arrives_and_a_newer_filter_wins(
    qtbot: Any, context: AppContext, monkeypatch: Any, ops: Operations
) -> None:
    import ui.products.model as model_module

    monkeypatch.setattr(model_module, "FIRST_PAGE", 5)
    seed_products(context.database.engine, 30)
    view = context.database.view
    model = ProductsModel(view, ops)
    usa = ProductFilter(search="usa")
    model.set_filter(usa)
    assert not model.is_complete
    qtbot.waitUntil(lambda: model.is_complete)
    assert model.ids == view.list_ids(usa)
    last = view.list_ids(usa)[-1]
    assert model.row_of(last) == model.rowCount() - 1
    # Two filters in a row: the first one's rest never lands on the second's rows.
    model.set_filter(ProductFilter(search="jira"))
    model.set_filter(ProductFilter(search="site001"))
    qtbot.waitUntil(lambda: model.is_complete and ops.pending == 0)
    assert [model.product_id(r) for r in range(model.rowCount())] == view.list_ids(
        ProductFilter(search="site001")
    )
    model.set_filter(ProductFilter(search="no such product"))
    qtbot.waitUntil(lambda: model.is_complete)
    assert model.rowCount() == 0
