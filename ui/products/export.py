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
from datetime import UTC, datetime
from pathlib import Path

from byok_desktop.product_records import ProductRecord
from byok_desktop.store.products import ProductView

CHUNK = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = (
    "Site",
    "Product",
    "Product family",
    "Location",
    "Primary region",
    "Primary region key",
    "Second region",
    "Second region key",
    "Status",
    "Status reason",
    "User tier",
    "Provisioned at (UTC)",
    "Last health check (UTC)",
)


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would read as a formula, made plain text."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


def csv_row(record: ProductRecord) -> list[str]:
    first, second = record.location.regions
    cells = [
        record.site_key,
        record.product.display_name,
        record.family.display_name,
        record.location.display_name,
        first.code,
        record.primary_state or "Not checked",
        second.code,
        record.secondary_state or "Not checked",
        record.status.display_name,
        record.status_reason,
        record.tier_name,
        _iso(record.provisioned_at),
        _iso(record.health_checked_at),
    ]
    return [neutralise(cell) for cell in cells]


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
