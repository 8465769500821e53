"""Export products to CSV (blocking: run it on the pool through Operations).

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a
formula, so such cells get a leading single quote. The file appears whole or not at all:
it is written beside the target under a temporary name, then renamed.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from byok_desktop.product_records import ProductRecord
from byok_desktop.store.products import ProductView
from ui.products.model import CSV_COLUMNS

CHUNK = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The columns are the products view's (ui.products.model.COLUMNS), each with its cells.
HEADER = tuple(header for header, _cell in CSV_COLUMNS)


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would read as a formula, made plain text."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def csv_row(record: ProductRecord) -> list[str]:
    return [neutralise(cell(record)) for _header, cell in CSV_COLUMNS]


def export_products(
    view: ProductView,
    ids: Sequence[int],
    path: Path,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """Write the products ``ids`` (in that order) to ``path``; returns the rows written.
    Products deleted meanwhile are left out."""
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    written = 0
    try:
        # utf-8-sig: spreadsheet programs then read non-ASCII text (ellipses, dashes) correctly.
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            for start in range(0, len(ids), CHUNK):
                if cancelled():
                    raise InterruptedError("Export cancelled")
                page = ids[start : start + CHUNK]
                found = view.rows(page)
                for pid in page:
                    record = found.get(pid)
                    if record is not None:
                        writer.writerow(csv_row(record))
                        written += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return written
