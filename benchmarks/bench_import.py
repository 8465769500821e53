"""Importing request files: the app's ``transfer.import_files`` against raw ``executemany``.

10,000 valid requests are written once, one ``.byok.json`` file per request as the app
exports them (``request_file.write_file``). Each repeat imports them all into a fresh,
migrated database. The floor does the same work the cheapest way: it reads the same
files with ``json``, maps their fields to the values the store writes (status Ready, tier
from the tier table, canonical products...) and inserts the rows with one ``sqlite3``
``executemany`` in one transaction into an identically migrated database. The first
repeat checks that both databases then hold the same rows.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import random
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, Options, median, repeat_within, stage
from byok_desktop.locations import Location
from byok_desktop.products import Product, encode_products
from byok_desktop.request import RequestDraft, RequestStatus
from byok_desktop.request_file import FILE_SUFFIX, write_file
from byok_desktop.store.database import open_database
from byok_desktop.tiers import TierTable, builtin_tier_table
from byok_desktop.transfer import import_files

REQUESTS_FULL = 10_000
REQUESTS_QUICK = 2_000
TARGET_RATIO = 3.0
SEED = 20261128

_WORDS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell")
_PRODUCT_SETS = (
    frozenset({Product.JIRA_SOFTWARE}),
    frozenset({Product.CONFLUENCE}),
    frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE}),
    frozenset({Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT}),
    frozenset({Product.JIRA_SERVICE_MANAGEMENT}),
)
# The columns compared between the app's rows and the floor's (not id or timestamps).
_COMPARED = (
    "uid, version, status, problem_count, aws_account_id, site_name, site_key, "
    "desired_users, users_count, tier_name, location, products, customer_org, "
    "requester_name, requester_email, requester_is_org_admin, notes"
)
_INSERT = (
    "INSERT INTO requests (uid, version, created_at, updated_at, status, problem_count, "
    "aws_account_id, site_name, site_key, desired_users, users_count, tier_name, location, "
    "products, customer_org, requester_name, requester_email, requester_is_org_admin, notes) "
    "VALUES (" + ", ".join(["?"] * 19) + ")"
)


def drafts(count: int, seed: int = SEED) -> list[RequestDraft]:
    """``count`` valid, Ready requests on as many sites (deterministic)."""
    rng = random.Random(seed)
    found: list[RequestDraft] = []
    for index in range(count):
        word = rng.choice(_WORDS)
        first = rng.choice(("Ada", "Grace", "Alan", "Barbara", "Edsger"))
        found.append(
            RequestDraft(
                uid=f"{rng.getrandbits(128):032x}",
                aws_account_id=f"{rng.randrange(10**11, 10**12):012d}",
                site_name=f"{word}-{index:05d}",
                desired_users=str(int(rng.lognormvariate(7.3, 1.2)) + 1),
                location=rng.choice((Location.EU, Location.USA)),
                products=rng.choice(_PRODUCT_SETS),
                customer_org=f"{word.capitalize()} {rng.choice(('Corp', 'GmbH', 'Ltd', 'SA'))}",
                requester_name=f"{first} Admin",
                requester_email=f"{first.lower()}@{word}.example",
                requester_is_org_admin=True,
                notes="" if rng.random() < 0.7 else "Customer asked for EU data residency first.",
            )
        )
    return found


def write_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, draft in enumerate(drafts(count)):
        path = folder / f"request-{index:05d}{FILE_SUFFIX}"
        write_file(path, [(draft, None)])
        paths.append(path)
    return paths


def migrated_template(folder: Path, tiers: TierTable) -> Path:
    path = folder / "template.sqlite3"
    open_database(path, folder / "backups", tiers).close()
    return path


def _fresh(template: Path, target: Path) -> Path:
    if target.exists():
        target.unlink()
    shutil.copyfile(template, target)
    return target


# --- the app ---------------------------------------------------------------------------


def app_import(template: Path, work: Path, files: list[Path], tiers: TierTable) -> float:
    path = _fresh(template, work / "app.sqlite3")
    database = open_database(path, work / "backups", tiers)
    try:
        start = time.perf_counter()
        report = import_files(database.requests, files)
        seconds = time.perf_counter() - start
    finally:
        database.close()
    if not report.ok or len(report.imported_ids) != len(files):
        problems = [str(p) for p in report.problems[:3]] + [str(c) for c in report.conflicts[:3]]
        raise RuntimeError(f"the import did not take every request: {problems}")
    return seconds


# --- the floor ---------------------------------------------------------------------------


def _row(entry: dict[str, Any], tiers: TierTable, now: str) -> tuple[object, ...]:
    """The values the store writes for one valid request of a file."""
    users_text = str(entry["desired_users"])
    users = int(users_text)
    tier = tiers.tier_for(users)
    requester = entry["requester"]
    return (
        entry["uid"],
        1,
        now,
        now,
        RequestStatus.READY.value,
        0,
        entry["aws_account_id"],
        entry["site_name"],
        entry["site_name"],
        users_text,
        users,
        tier.name if tier else "",
        Location.parse(entry["location"]).value,
        encode_products(Product(p) for p in entry["products"]),
        entry["customer_org"],
        requester["name"],
        requester["email"],
        1 if requester["is_org_admin"] else 0,
        entry.get("notes") or "",
    )


@dataclass(frozen=True, slots=True)
class FloorTiming:
    total: float
    insert: float  # executemany and commit alone


def floor_import(template: Path, work: Path, files: list[Path], tiers: TierTable) -> FloorTiming:
    path = _fresh(template, work / "floor.sqlite3")
    conn = sqlite3.connect(path)
    try:
        # As the app's engine sets up each connection.
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        start = time.perf_counter()
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        rows = [
            _row(entry, tiers, now)
            for file in files
            for entry in json.loads(file.read_bytes())["requests"]
        ]
        inserting = time.perf_counter()
        with conn:
            conn.executemany(_INSERT, rows)
        end = time.perf_counter()
    finally:
        conn.close()
    return FloorTiming(end - start, end - inserting)


def check_same_rows(app_db: Path, floor_db: Path) -> None:
    """The floor must write what the app writes, or the comparison means nothing."""

    def rows(path: Path) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(f"SELECT {_COMPARED} FROM requests ORDER BY uid").fetchall()
        finally:
            conn.close()

    app_rows, floor_rows = rows(app_db), rows(floor_db)
    if app_rows != floor_rows:
        differ = next(
            ((a, f) for a, f in zip(app_rows, floor_rows, strict=False) if a != f),
            (len(app_rows), len(floor_rows)),
        )
        raise RuntimeError(
            "the floor's rows differ from the app's, so the benchmark compares different "
            f"work; fix benchmarks/bench_import.py (_row). First difference: {differ}"
        )


def profile_import(template: Path, work: Path, files: list[Path], tiers: TierTable) -> str:
    path = _fresh(template, work / "profile.sqlite3")
    database = open_database(path, work / "backups", tiers)
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        import_files(database.requests, files)
        profiler.disable()
    finally:
        database.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    return out.getvalue()


# --- the figure ----------------------------------------------------------------------------


def run(options: Options) -> list[Figure]:
    count = REQUESTS_QUICK if options.quick else REQUESTS_FULL
    tiers = builtin_tier_table()
    profile_text = ""
    with tempfile.TemporaryDirectory(prefix="byok-bench-import-") as tmp:
        root = Path(tmp)
        with stage(f"writing {count:,} request files"):
            files = write_files(root / "files", count)
            template = migrated_template(root, tiers)

        checked = False

        def once() -> tuple[float, FloorTiming]:
            nonlocal checked
            with stage(f"import of {count:,} requests and its floor"):
                app = app_import(template, root, files, tiers)
                floor = floor_import(template, root, files, tiers)
            if not checked:
                check_same_rows(root / "app.sqlite3", root / "floor.sqlite3")
                checked = True
            return app, floor

        # 2 to 5 repeats within about 30 s (2 with --quick).
        runs = repeat_within(
            once,
            budget_s=30.0,
            min_runs=2,
            max_runs=options.repeats(5, 2),
        )
        if options.profile:
            with stage("profiling one import"):
                profile_text = profile_import(template, root, files, tiers)

    app_s = [a for a, _ in runs]
    value = median(app_s)
    floor_s = median([f.total for _, f in runs])
    insert_s = median([f.insert for _, f in runs])
    ratio = value / floor_s
    size = (
        f"{count:,} requests (--quick; the full run imports {REQUESTS_FULL:,})"
        if options.quick
        else f"{count:,} requests"
    )
    if profile_text:
        print(f"\n--- profile of one import of {count:,} requests ---")
        print(profile_text)
    return [
        Figure(
            name=f"import {count:,} requests from request files",
            value=value,
            unit="s",
            floor_name="json + executemany",
            floor_value=floor_s,
            ratio=ratio,
            target=f"ratio <= {TARGET_RATIO:g}x",
            met=ratio <= TARGET_RATIO,
            note=(
                f"{size}, one .byok.json file each, into a fresh migrated SQLite database; "
                f"median of {len(runs)}; floor reads and maps the same files and inserts the "
                f"same rows in one transaction (its insert alone: {insert_s * 1000:.0f} ms); "
                f"{count / value:,.0f} requests/s"
            ),
            samples=tuple(app_s),
        )
    ]
