"""Every write is announced: on this process's bus at once, to other processes and
workstations through the change counters they poll. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from byok_desktop.changes import Changes, Kind
from byok_desktop.context import AppContext, open_context
from byok_desktop.locations import Location
from byok_desktop.paths import AppPaths
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring


@pytest.fixture
def other(paths: AppPaths, database_url: str | None) -> Iterator[AppContext]:
    """A second app on the same database: another process, or another workstation."""
    ctx = open_context(paths, database_url=database_url, keyring_backend=MemoryKeyring())
    yield ctx
    ctx.close()


def test_a_write_elsewhere_is_seen_by_polling_and_own_writes_are_not(
    context: AppContext, other: AppContext
) -> None:
    mine, theirs = context.database, other.database
    assert mine.change_log is not None
    assert theirs.change_log is not None
    assert mine.change_log.poll() == Changes()  # the first look sets the baseline
    assert theirs.change_log.poll() == Changes()

    heard: list[Changes] = []
    mine.changes.subscribe(heard.append)
    created = mine.requests.create(ready_draft())
    assert heard == [Changes.of_requests([created.id])]
    assert mine.change_log.poll() == Changes()  # only my own write since the last look

    seen = theirs.change_log.poll()
    assert seen.remote
    assert seen.kinds == {Kind.REQUESTS}
    assert theirs.change_log.poll() == Changes()  # told once


def test_own_and_foreign_writes_between_polls_are_both_reported(
    context: AppContext, other: AppContext
) -> None:
    mine, theirs = context.database, other.database
    assert mine.change_log is not None
    mine.change_log.poll()
    theirs.requests.create(ready_draft(site_name="theirs"))
    mine.requests.create(ready_draft(site_name="mine"))
    assert mine.change_log.poll() == Changes.of(Kind.REQUESTS, remote=True)


def _provision(context: AppContext, site: str, product: Product, account: str) -> None:
    request = context.database.requests.create(
        ready_draft(site_name=site, aws_account_id=account, products=frozenset({product}))
    )
    context.database.requests.record_product(site, product, Location.EU, request.id)


def _status(context: AppContext, site: str, product: Product) -> ProductStatus:
    [found] = [p for p in context.database.products.on_site(site) if p.product is product]
    return found.status


def test_revoking_suspends_every_family_on_the_accounts_role_and_says_so(
    context: AppContext,
) -> None:
    """The key-management role is one per account: denying the provider in its trust
    policy cuts it off from every family whose keys it serves."""
    _provision(context, "acme", Product.JIRA_SOFTWARE, "111122223333")
    _provision(context, "acme", Product.CONFLUENCE, "111122223333")
    _provision(context, "elsewhere", Product.CONFLUENCE, "444455556666")
    heard: list[Changes] = []
    context.database.changes.subscribe(heard.append)
    products = context.database.products
    now = datetime.now(UTC)

    products.access_revoked("acme", "jira", now, now + timedelta(days=15))

    assert _status(context, "acme", Product.JIRA_SOFTWARE) is ProductStatus.SUSPENDED
    assert _status(context, "acme", Product.CONFLUENCE) is ProductStatus.SUSPENDED
    assert _status(context, "elsewhere", Product.CONFLUENCE) is ProductStatus.ACTIVE
    assert heard[-1].families == {("acme", "jira"), ("acme", "confluence")}

    products.access_restored("acme", "jira", now + timedelta(hours=1))

    assert _status(context, "acme", Product.JIRA_SOFTWARE) is ProductStatus.ACTIVE
    assert _status(context, "acme", Product.CONFLUENCE) is ProductStatus.ACTIVE
    assert heard[-1].families == {("acme", "jira"), ("acme", "confluence")}
    [confluence] = [p for p in products.on_site("acme") if p.product is Product.CONFLUENCE]
    assert "allowed again" in confluence.status_reason


def _keys(context: AppContext, site: str, family: str) -> None:
    arns = {
        r: f"arn:aws:kms:{r}:111122223333:key/mrk-{site}{family}"
        for r in ("eu-central-1", "eu-west-1")
    }
    context.database.jobs.record_keys(None, site, family, f"mrk-{site}{family}", "alias/x", arns)


def test_one_restore_window_covers_every_family_on_the_role(context: AppContext) -> None:
    """Model (a), trust per role: one revocation, one deadline for all its families."""
    _provision(context, "acme", Product.JIRA_SOFTWARE, "111122223333")
    _provision(context, "beta", Product.CONFLUENCE, "111122223333")
    _provision(context, "elsewhere", Product.CONFLUENCE, "444455556666")
    products = context.database.products
    now = datetime.now(UTC)
    until = now + timedelta(days=15)

    products.access_revoked("acme", "jira", now, until)

    acme, beta = products.access("acme", "jira"), products.access("beta", "confluence")
    assert (acme.revoked_at, acme.restore_until) == (now, until)
    assert (beta.revoked_at, beta.restore_until) == (now, until)
    assert beta.restorable(now + timedelta(days=14))
    assert not beta.restorable(now + timedelta(days=16))
    assert products.access("elsewhere", "confluence").revoked_at is None
    [confluence] = products.on_site("beta")
    assert confluence.status is ProductStatus.SUSPENDED
    assert "restorable until" in confluence.status_reason

    products.access_restored("acme", "jira", now + timedelta(hours=1))

    for site, family in (("acme", "jira"), ("beta", "confluence")):
        access = products.access(site, family)
        assert (access.revoked_at, access.restore_until) == (None, None)
    assert _status(context, "beta", Product.CONFLUENCE) is ProductStatus.ACTIVE


def test_restoring_leaves_a_family_whose_own_keys_are_disabled_suspended(
    context: AppContext,
) -> None:
    _provision(context, "acme", Product.JIRA_SOFTWARE, "111122223333")
    _provision(context, "acme", Product.CONFLUENCE, "111122223333")
    _keys(context, "acme", "jira")
    _keys(context, "acme", "confluence")
    products = context.database.products
    now = datetime.now(UTC)
    until = now + timedelta(days=15)
    products.access_revoked("acme", "jira", now, until)
    products.access_revoked("acme", "confluence", now, until)  # its keys disabled too

    products.access_restored("acme", "jira", now + timedelta(hours=1))

    assert _status(context, "acme", Product.JIRA_SOFTWARE) is ProductStatus.ACTIVE
    assert _status(context, "acme", Product.CONFLUENCE) is ProductStatus.SUSPENDED
    assert products.access("acme", "confluence").restore_until == until  # still restorable
