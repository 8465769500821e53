"""Every earlier schema, with real data in it, upgrades to head on SQLite and on
PostgreSQL, and the data reads back through today's stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect, text

from byok_desktop.job_records import JobStatus
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.request import RequestStatus
from byok_desktop.store import migrate
from byok_desktop.store.engine import server_engine, sqlite_engine
from byok_desktop.store.jobs import JobStore
from byok_desktop.store.products import ProductStore, ProductView
from byok_desktop.store.profiles import ProfileStore
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import TierTable

WHEN = "2026-01-02 03:04:05+00:00"


@pytest.fixture
def engine(database_url: str | None, tmp_path: Path) -> Iterator[Engine]:
    made = server_engine(database_url) if database_url else sqlite_engine(tmp_path / "db.sqlite3")
    yield made
    made.dispose()


def _config(engine: Engine) -> Config:
    config = migrate._alembic_config(engine)
    assert isinstance(config, Config)
    return config


def _seed_0001(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO requests (id, uid, version, created_at, updated_at, status, "
            "problem_count, aws_account_id, site_name, site_key, desired_users, users_count, "
            "tier_name, location, products, customer_org, requester_name, requester_email, "
            "requester_is_org_admin, notes) VALUES (1, 'uid-1', 3, :t, :t, 'ready', 0, "
            "'012345678901', 'Acme', 'acme', '1500', 1500, 'Tier 2001-5000', 'eu', "
            "'jira-software,jira-service-management', 'Acme Corp', 'Ada', 'ada@acme.test', "
            ":admin, 'keep me')"
        ),
        {"t": WHEN, "admin": True},
    )
    conn.execute(
        text(
            "INSERT INTO products (id, request_id, site_key, product, family, location, "
            "status, created_at) VALUES (1, 1, 'acme', 'jira-software', 'jira', 'eu', "
            "'active', :t), (2, 1, 'acme', 'jira-service-management', 'jira', 'eu', "
            "'active', :t)"
        ),
        {"t": WHEN},
    )


def _seed_0002(conn: Connection) -> None:
    _seed_0001(conn)
    conn.execute(
        text(
            "INSERT INTO credential_profiles (id, uid, version, name, kind, access_key_id, "
            "cli_profile, expected_account_id, default_region, has_session_token, "
            "keyring_backend, verified_account_id, verified_arn, created_at, updated_at) "
            "VALUES (1, 'prof-1', 1, 'acme', 'keys', 'AKIAIOSFODNN7EXAMPLE', '', "
            "'012345678901', 'eu-central-1', :no, 'memory', '012345678901', "
            "'arn:aws:iam::012345678901:user/ada', :t, :t)"
        ),
        {"t": WHEN, "no": False},
    )
    conn.execute(text("INSERT INTO app_meta (key, value) VALUES ('mode', 'real')"))


def _seed_0003(conn: Connection) -> None:
    _seed_0002(conn)
    conn.execute(
        text(
            "INSERT INTO jobs (id, kind, request_id, profile_uid, site_key, family, location, "
            "account_id, status, steps_total, steps_done, current_step, cancel_requested, "
            "owner, error_fault, error_message, created_at, started_at, finished_at) VALUES "
            "(1, 'provision', 1, 'prof-1', 'acme', 'jira', 'eu', '012345678901', "
            "'succeeded', 6, 6, '', :no, 'host:1', '', '', :t, :t, :t)"
        ),
        {"t": WHEN, "no": False},
    )
    conn.execute(
        text(
            "INSERT INTO job_steps (id, job_id, step, status, resources, error_fault, "
            "error_message, started_at, finished_at) VALUES (1, 1, 'identity', 'succeeded', "
            "'{}', '', '', :t, :t)"
        ),
        {"t": WHEN},
    )
    for region in ("eu-central-1", "eu-west-1"):
        conn.execute(
            text(
                "INSERT INTO family_keys (site_key, family, region, key_id, key_arn, alias, "
                "job_id, created_at) VALUES ('acme', 'jira', :r, 'mrk-1', :arn, "
                "'alias/cryptor-acme-jira', 1, :t)"
            ),
            {"r": region, "arn": f"arn:aws:kms:{region}:012345678901:key/mrk-1", "t": WHEN},
        )


SEEDS: dict[str, Callable[[Connection], None]] = {
    "0001": _seed_0001,
    "0002": _seed_0002,
    "0003": _seed_0003,
}


@pytest.mark.parametrize("revision", sorted(SEEDS))
def test_an_older_schema_with_data_upgrades_to_head(
    engine: Engine, revision: str, tiers: TierTable
) -> None:
    command.upgrade(_config(engine), revision)
    with engine.begin() as conn:
        SEEDS[revision](conn)

    migrate.upgrade(engine, None, None)

    assert migrate.current_revision(engine) == migrate.HEAD_REVISION
    stored = RequestStore(engine, tiers).get(1)
    assert stored.status is RequestStatus.READY
    assert stored.draft.notes == "keep me"
    assert stored.draft.products == {Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT}
    products = ProductStore(engine).on_site("acme")
    assert [p.status for p in products] == [ProductStatus.ACTIVE, ProductStatus.ACTIVE]
    assert all(p.location is Location.EU for p in products)
    # Products provisioned before 0004 count as provisioned when they were recorded,
    # and take their tier from their request.
    assert all(p.provisioned_at is not None for p in products)
    assert {p.tier_name for p in products} == {"Tier 2001-5000"}
    assert ProductView(engine).counts()[ProductStatus.ACTIVE] == 2
    if revision >= "0002":
        assert ProfileStore(engine).get("prof-1").name == "acme"
    if revision >= "0003":
        job = JobStore(engine).get(1)
        assert job.status is JobStatus.SUCCEEDED
        detail = ProductView(engine).detail(products[0].id)
        assert [k.region for k in detail.keys] == ["eu-central-1", "eu-west-1"]
        assert detail.keys[0].health == ""  # never checked yet


def test_the_schema_goes_down_to_nothing_and_back_up(engine: Engine) -> None:
    config = _config(engine)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION
