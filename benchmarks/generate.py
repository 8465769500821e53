"""A large, realistic, deterministic database for the products-view and start-up benchmarks.

    python -m benchmarks.generate PATH [--products N] [--seed S]

The schema comes from the app (``open_database`` runs its migrations); the rows are then
written with raw ``sqlite3.executemany`` in one transaction, in the formats the app's
models store (datetimes as UTC ``YYYY-MM-DD HH:MM:SS.ffffff``, booleans as 0/1).

What is in it: one request per site and product family (Submitted or Provisioned); the
family's products (Jira Software and/or Jira Service Management for the Jira family,
Confluence for the other), mostly Active, some Degraded, Suspended, Restoring,
Provisioning or Failed, in both locations; and for every provisioned family its
multi-Region key in both regions of its location (``mrk-`` ARNs and ``alias/cryptor-…``).
About a fifth of the sites have both families. Same seed, same database.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from byok_desktop.findings import KeyHealth
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product, ProductFamily, encode_products
from byok_desktop.provisioning.naming import KEY_PREFIX
from byok_desktop.request import RequestStatus
from byok_desktop.store.database import open_database
from byok_desktop.tiers import TierTable, builtin_tier_table

DEFAULT_PRODUCTS = 100_000
DEFAULT_SEED = 20261128
# Every timestamp is relative to this instant (UTC), so the database does not depend on
# today. Naive on purpose: the stored text has no offset.
REFERENCE_NOW = datetime(2026, 11, 28, 12, 0)
T = TypeVar("T")

_WORDS = (
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell",
    "cyberdyne", "soylent", "gringotts", "oscorp", "vandelay", "dunder", "pied", "aperture",
    "blackmesa", "massive", "nakatomi", "monarch", "sterling", "prestige", "gekko", "bluth",
    "krusty", "duff", "vault", "octan", "zorg", "yoyodyne", "tessier", "weyland", "virtucon",
    "spacely", "cogswell", "ollivander", "wernham", "bubba", "sirius", "encom", "abstergo",
    "kaiba", "shinra", "mishima", "rekall", "omni", "northwind", "contoso", "fabrikam",
    "litware", "proseware", "adatum", "tailspin", "woodgrove", "lucerne", "margie", "wingtip",
    "alpine", "fourth",
)  # fmt: skip
_SUFFIXES = ("Corp", "Inc", "GmbH", "Ltd", "AG", "SA", "BV", "Group", "Holdings", "Labs")
_FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
_LAST = ("Admin", "Lovelace", "Hopper", "Turing", "Liskov", "Knuth", "Allen", "Thompson")

# Status of a product family (its products share a key), with weights.
_FAMILY_STATUSES = (
    (ProductStatus.ACTIVE, 84),
    (ProductStatus.DEGRADED, 5),
    (ProductStatus.SUSPENDED, 4),
    (ProductStatus.RESTORING, 1),
    (ProductStatus.PROVISIONING, 4),
    (ProductStatus.FAILED, 2),
)
# Jira-family product sets (Confluence is always alone in its family).
_JIRA_SETS = (
    ((Product.JIRA_SOFTWARE,), 60),
    ((Product.JIRA_SERVICE_MANAGEMENT,), 10),
    ((Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT), 30),
)


@dataclass(frozen=True, slots=True)
class Generated:
    path: Path
    requests: int
    products: int
    family_keys: int
    seconds: float


def _stamp(moment: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite DateTime stores for a UTC instant (no offset)."""
    if moment is None:
        return None
    return moment.isoformat(" ", "microseconds")


def _weighted(rng: random.Random, choices: Sequence[tuple[T, int]]) -> T:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


class _Builder:
    def __init__(self, rng: random.Random, tiers: TierTable) -> None:
        self.rng = rng
        self.tiers = tiers
        self.sites: set[str] = set()
        self.requests: list[tuple[object, ...]] = []
        self.products: list[tuple[object, ...]] = []
        self.keys: list[tuple[object, ...]] = []
        # A few hundred customer AWS accounts, each holding the keys of several sites.
        self.accounts = [f"{rng.randrange(10**11, 10**12):012d}" for _ in range(500)]

    def site_name(self) -> str:
        while True:
            name = f"{self.rng.choice(_WORDS)}-{self.rng.randrange(1000, 10000)}"
            if self.rng.random() < 0.15:
                name += f"-{self.rng.choice(('eu', 'us', 'prod', 'dev', 'sandbox', 'ops'))}"
            if name not in self.sites:
                self.sites.add(name)
                return name

    def add_site(self, wanted: int) -> int:
        """One site with one or both families; returns the products added (<= wanted)."""
        rng = self.rng
        site = self.site_name()
        location = Location.EU if rng.random() < 0.45 else Location.USA
        account = rng.choice(self.accounts)
        word = site.split("-", 1)[0]
        org = f"{word.capitalize()} {rng.choice(_SUFFIXES)}"
        families = [ProductFamily.JIRA, ProductFamily.CONFLUENCE]
        rng.shuffle(families)
        if rng.random() >= 0.2:
            families = families[:1]
        added = 0
        for family in families:
            if added >= wanted:
                break
            if family is ProductFamily.JIRA:
                products = list(_weighted(rng, _JIRA_SETS))
            else:
                products = [Product.CONFLUENCE]
            products = products[: wanted - added]
            self.add_family(site, family, tuple(products), location, account, org)
            added += len(products)
        return added

    def add_family(
        self,
        site: str,
        family: ProductFamily,
        products: tuple[Product, ...],
        location: Location,
        account: str,
        org: str,
    ) -> None:
        rng = self.rng
        status = _weighted(rng, _FAMILY_STATUSES)
        provisioned = status.provisioned
        if provisioned:
            provisioned_at: datetime | None = REFERENCE_NOW - timedelta(
                seconds=rng.uniform(3600, 365 * 86400)
            )
            assert provisioned_at is not None
            created = provisioned_at - timedelta(seconds=rng.uniform(60, 900))
        else:
            provisioned_at = None
            created = REFERENCE_NOW - timedelta(seconds=rng.uniform(60, 7 * 86400))
        submitted = created - timedelta(seconds=rng.uniform(600, 30 * 86400))
        checked: datetime | None = None
        if provisioned and provisioned_at is not None and rng.random() < 0.95:
            checked = provisioned_at + (REFERENCE_NOW - provisioned_at) * rng.random()
        primary, secondary, reason = self._states(status, location, checked)

        users = int(rng.lognormvariate(7.3, 1.2)) + 1
        tier = self.tiers.tier_for(users)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        request_id = len(self.requests) + 1
        self.requests.append(
            (
                request_id,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                3 if provisioned else 2,
                _stamp(submitted),
                _stamp(provisioned_at or created),
                (RequestStatus.PROVISIONED if provisioned else RequestStatus.SUBMITTED).value,
                0,
                account,
                site,
                site,
                str(users),
                users,
                tier.name if tier else "",
                location.value,
                encode_products(products),
                org,
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}@{site.split('-', 1)[0]}.example",
                1,
                "",
            )
        )
        for product in products:
            self.products.append(
                (
                    len(self.products) + 1,
                    request_id,
                    site,
                    product.value,
                    family.value,
                    location.value,
                    status.value,
                    _stamp(created),
                    reason,
                    primary,
                    secondary,
                    tier.name if tier else "",
                    _stamp(provisioned_at),
                    _stamp(checked),
                )
            )
        if provisioned:
            key_id = f"mrk-{rng.getrandbits(128):032x}"
            alias = f"alias/{KEY_PREFIX}-{site}-{family.value}"
            for region, state in zip(location.regions, (primary, secondary), strict=True):
                self.keys.append(
                    (
                        len(self.keys) + 1,
                        site,
                        family.value,
                        region.code,
                        key_id,
                        f"arn:aws:kms:{region.code}:{account}:key/{key_id}",
                        alias,
                        None,
                        _stamp(provisioned_at),
                        "" if state == "Unknown" else state,
                        _health(state).value if checked else "",
                        ""
                        if state in ("Enabled", "") or not checked
                        else f"Key {state} in {region.code}",
                        _stamp(checked + timedelta(days=7))
                        if checked and state == "PendingDeletion"
                        else None,
                        _stamp(checked),
                        _stamp(checked) if state != "Unknown" else None,
                    )
                )

    def _states(
        self, status: ProductStatus, location: Location, checked: datetime | None
    ) -> tuple[str, str, str]:
        """(primary state, secondary state, reason) as the products view shows them."""
        rng = self.rng
        first, second = (r.code for r in location.regions)
        if status is ProductStatus.ACTIVE:
            return "Enabled", "Enabled", ""
        if status is ProductStatus.DEGRADED:
            bad = rng.choice(("Disabled", "PendingDeletion", "Unknown"))
            if rng.random() < 0.5:
                return bad, "Enabled", f"Key {bad} in {first}"
            return "Enabled", bad, f"Key {bad} in {second}"
        if status is ProductStatus.SUSPENDED:
            when = (checked or REFERENCE_NOW).strftime("%Y-%m-%d %H:%M")
            return "Disabled", "Disabled", f"Access revoked on {when}"
        if status is ProductStatus.RESTORING:
            return "Disabled", "Disabled", "Restoring key access"
        if status is ProductStatus.PROVISIONING:
            return (
                "",
                "",
                rng.choice(("Waiting for its provisioning job", "Provisioning job running")),
            )
        return (
            "",
            "",
            rng.choice(
                (
                    "AWS denied kms:CreateKey: the profile lacks permission",
                    "The alias points to another key; remove or rename it, then retry.",
                    "Could not reach AWS (connection timed out); retry later.",
                )
            ),
        )


def _health(state: str) -> KeyHealth:
    return {
        "Enabled": KeyHealth.OK,
        "Disabled": KeyHealth.DISABLED,
        "PendingDeletion": KeyHealth.PENDING_DELETION,
    }.get(state, KeyHealth.UNKNOWN)


_INSERT_REQUEST = (
    "INSERT INTO requests (id, uid, version, created_at, updated_at, status, problem_count, "
    "aws_account_id, site_name, site_key, desired_users, users_count, tier_name, location, "
    "products, customer_org, requester_name, requester_email, requester_is_org_admin, notes) "
    "VALUES (" + ", ".join(["?"] * 20) + ")"
)
_INSERT_PRODUCT = (
    "INSERT INTO products (id, request_id, site_key, product, family, location, status, "
    "created_at, status_reason, primary_state, secondary_state, tier_name, provisioned_at, "
    "health_checked_at) VALUES (" + ", ".join(["?"] * 14) + ")"
)
_INSERT_KEY = (
    "INSERT INTO family_keys (id, site_key, family, region, key_id, key_arn, alias, job_id, "
    "created_at, key_state, health, health_detail, deletion_date, checked_at, seen_at) "
    "VALUES (" + ", ".join(["?"] * 15) + ")"
)


def make_products_db(
    path: Path,
    products: int = DEFAULT_PRODUCTS,
    seed: int = DEFAULT_SEED,
    *,
    backup_dir: Path | None = None,
) -> Generated:
    """Create ``path`` (which must not exist) with the app's schema and ``products``
    products, deterministically from ``seed``."""
    if products < 0:
        raise ValueError("products must be >= 0")
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; the generator only creates new databases")
    start = time.perf_counter()
    tiers = builtin_tier_table()
    with tempfile.TemporaryDirectory(prefix="byok-generate-") as scratch:
        database = open_database(path, backup_dir or Path(scratch), tiers)
        database.close()

    builder = _Builder(random.Random(seed), tiers)
    remaining = products
    while remaining > 0:
        remaining -= builder.add_site(remaining)

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        # A bulk load into a new file: no rollback journal, no syncs, a large cache. The
        # file is in WAL mode again (as the app keeps it) before this returns.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        with conn:  # one transaction
            conn.execute("INSERT OR REPLACE INTO app_meta (key, value) VALUES ('mode', 'real')")
            conn.executemany(_INSERT_REQUEST, builder.requests)
            conn.executemany(_INSERT_PRODUCT, builder.products)
            conn.executemany(_INSERT_KEY, builder.keys)
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    return Generated(
        path=path,
        requests=len(builder.requests),
        products=len(builder.products),
        family_keys=len(builder.keys),
        seconds=time.perf_counter() - start,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Write a large, deterministic BYOK Desktop database for benchmarks.",
    )
    parser.add_argument("path", type=Path, help="the database file to create (must not exist)")
    parser.add_argument("--products", type=int, default=DEFAULT_PRODUCTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    try:
        made = make_products_db(args.path, args.products, args.seed)
    except FileExistsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"Wrote {made.path}: {made.products:,} products, {made.requests:,} requests, "
        f"{made.family_keys:,} family keys in {made.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
