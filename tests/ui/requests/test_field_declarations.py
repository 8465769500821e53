"""The editor, the requests list and the products CSV follow their declarations."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from byok_desktop.request_fields import FIELDS, LISTED
from byok_desktop.store.requests import RequestStore
from tests.helpers.requests_gui import ops_fixture  # noqa: F401  (the ops fixture)
from ui.operations import Operations
from ui.products.export import HEADER
from ui.products.model import COLUMNS as PRODUCT_COLUMNS
from ui.requests.editor import RequestEditor
from ui.requests.model import COLUMNS, RequestsModel


def test_the_editor_has_a_widget_for_every_declared_field(
    qtbot: QtBot, store: RequestStore, ops: Operations
) -> None:
    editor = RequestEditor(store, ops)
    qtbot.addWidget(editor)
    for spec in FIELDS:
        widget = editor.findChild(QWidget, f"field_{spec.name}")
        assert widget is not None, spec.name
        assert editor.boxes[spec.field].content is not None


def test_the_requests_list_shows_the_listed_fields(
    qtbot: QtBot, store: RequestStore, ops: Operations
) -> None:
    model = RequestsModel(store, ops, load=False)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [title for title, _sort in COLUMNS]
    assert headers[1:-1] == [spec.column.header for spec in LISTED if spec.column]


def test_the_products_csv_header_is_the_views_columns() -> None:
    """Each view column writes its own CSV columns, in the view's order: the title first
    (times say they are UTC), then what the cell shows besides (family, region, reason)."""
    assert tuple(header for spec in PRODUCT_COLUMNS.values() for header, _ in spec.csv) == HEADER
    titles = [spec.title for spec in PRODUCT_COLUMNS.values()]
    for title, spec in zip(titles, PRODUCT_COLUMNS.values(), strict=True):
        assert spec.csv, title
        assert title in (header.removesuffix(" (UTC)") for header, _ in spec.csv)
