"""A request's life after Ready: submitted (locked, products claimed), provisioned, or
withdrawn for editing when nothing of it was provisioned."""

from __future__ import annotations

import pytest

from byok_desktop.context import AppContext
from byok_desktop.job_records import JobNotClaimable, JobStatus
from byok_desktop.jobs.runner import JobRunner, ProvisioningSettings
from byok_desktop.jobs.submit import CannotSubmit, submit_request
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.request import RequestStatus
from byok_desktop.request_records import CannotWithdraw, RequestLocked, RequestProvisioned
from tests.helpers.factories import ready_draft

ACCOUNT = "123456789012"
BOTH_FAMILIES = frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE})


# Every test here has a verified profile for the account (``ctx``: the shared moto fixture).
pytestmark = pytest.mark.usefixtures("profile")


def _submit(ctx: AppContext, request_id: int) -> list[int]:
    jobs = submit_request(request_id, ctx.database.requests, ctx.database.jobs, ctx.credentials)
    return [job.id for job in jobs]


def _runner(ctx: AppContext) -> JobRunner:
    return JobRunner(ctx.database, ctx.credentials, ProvisioningSettings(poll_interval_s=0))


def _statuses(ctx: AppContext, site: str) -> dict[Product, ProductStatus]:
    return {p.product: p.status for p in ctx.database.products.on_site(site)}


def test_submitting_locks_the_request_and_claims_its_products(ctx: AppContext) -> None:
    requests = ctx.database.requests
    stored = requests.create(ready_draft(aws_account_id=ACCOUNT, products=BOTH_FAMILIES))

    job_ids = _submit(ctx, stored.id)

    assert len(job_ids) == 2  # one per product family
    submitted = requests.get(stored.id)
    assert submitted.status is RequestStatus.SUBMITTED
    assert _statuses(ctx, "acme") == {
        Product.JIRA_SOFTWARE: ProductStatus.PROVISIONING,
        Product.CONFLUENCE: ProductStatus.PROVISIONING,
    }
    with pytest.raises(RequestLocked, match="Submitted and read-only"):
        requests.save(stored.id, submitted.draft.with_changes(notes="x"), submitted.version)
    with pytest.raises(RequestProvisioned):
        requests.delete([stored.id])
    with pytest.raises(CannotSubmit, match="already Submitted"):
        _submit(ctx, stored.id)
    # Another request for the site now sees the products as taken, and the pinned location.
    rival = requests.create(ready_draft(aws_account_id=ACCOUNT, location=Location.USA))
    assert rival.status is RequestStatus.DRAFT
    assert requests.site_location("acme") is Location.EU


def test_all_jobs_succeeding_makes_products_active_and_the_request_provisioned(
    ctx: AppContext,
) -> None:
    requests = ctx.database.requests
    stored = requests.create(ready_draft(aws_account_id=ACCOUNT, products=BOTH_FAMILIES))
    first, second = _submit(ctx, stored.id)
    runner = _runner(ctx)

    assert runner.run(first, "test").status is JobStatus.SUCCEEDED
    assert requests.get(stored.id).status is RequestStatus.SUBMITTED  # one family to go
    assert runner.run(second, "test").status is JobStatus.SUCCEEDED

    assert requests.get(stored.id).status is RequestStatus.PROVISIONED
    products = ctx.database.products.on_site("acme")
    assert {p.status for p in products} == {ProductStatus.ACTIVE}
    assert all(p.provisioned_at is not None for p in products)
    assert all((p.primary_state, p.secondary_state) == ("Enabled", "Enabled") for p in products)
    with pytest.raises(CannotWithdraw, match="Provisioned"):
        requests.withdraw(stored.id)


def _block_the_alias(ctx: AppContext) -> None:
    """An alias of another key where the job wants its own: the primary-key step fails."""
    connection = ctx.credentials.connect(ctx.credentials.profile_for_account(ACCOUNT))
    kms = connection.client("kms", "eu-central-1")
    other = kms.create_key(Description="someone else's")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/cryptor-acme-jira", TargetKeyId=other)


def test_a_failed_job_marks_products_failed_and_withdraw_reopens_the_request(
    ctx: AppContext,
) -> None:
    requests = ctx.database.requests
    stored = requests.create(ready_draft(aws_account_id=ACCOUNT))
    [job_id] = _submit(ctx, stored.id)
    _block_the_alias(ctx)

    failed = _runner(ctx).run(job_id, "test")

    assert failed.status is JobStatus.FAILED
    [product] = ctx.database.products.on_site("acme")
    assert product.status is ProductStatus.FAILED
    assert "alias/cryptor-acme-jira" in product.status_reason
    assert requests.get(stored.id).status is RequestStatus.SUBMITTED

    reopened = requests.withdraw(stored.id)

    assert reopened.status is RequestStatus.READY
    assert ctx.database.products.on_site("acme") == []
    assert ctx.database.jobs.get(job_id).status is JobStatus.WITHDRAWN
    with pytest.raises(JobNotClaimable):
        _runner(ctx).run(job_id, "test")
    # Editable again, and it can be submitted anew.
    saved = requests.save(stored.id, reopened.draft.with_changes(notes="fixed"), reopened.version)
    assert saved.draft.notes == "fixed"
    assert len(_submit(ctx, stored.id)) == 1


def test_a_queued_job_must_be_cancelled_before_withdrawing(ctx: AppContext) -> None:
    requests = ctx.database.requests
    stored = requests.create(ready_draft(aws_account_id=ACCOUNT))
    [job_id] = _submit(ctx, stored.id)

    with pytest.raises(CannotWithdraw, match=f"#{job_id}"):
        requests.withdraw(stored.id)
    assert requests.get(stored.id).status is RequestStatus.SUBMITTED

    ctx.database.jobs.request_cancel(job_id)
    assert requests.withdraw(stored.id).status is RequestStatus.READY


def test_a_request_with_one_family_provisioned_cannot_be_withdrawn(ctx: AppContext) -> None:
    requests = ctx.database.requests
    stored = requests.create(ready_draft(aws_account_id=ACCOUNT, products=BOTH_FAMILIES))
    by_family = {ctx.database.jobs.get(i).family: i for i in _submit(ctx, stored.id)}
    jira, confluence = by_family["jira"], by_family["confluence"]
    assert _runner(ctx).run(jira, "test").status is JobStatus.SUCCEEDED
    ctx.database.jobs.request_cancel(confluence)

    with pytest.raises(CannotWithdraw, match="Jira Software"):
        requests.withdraw(stored.id)
    statuses = _statuses(ctx, "acme")
    assert statuses[Product.JIRA_SOFTWARE] is ProductStatus.ACTIVE
    assert statuses[Product.CONFLUENCE] is ProductStatus.PROVISIONING


def test_a_submitted_request_keeps_its_status_when_the_site_changes(ctx: AppContext) -> None:
    requests = ctx.database.requests
    stored = requests.create(ready_draft(aws_account_id=ACCOUNT))
    _submit(ctx, stored.id)
    # A rival draft for the same site and family would make an unlocked request a Draft.
    requests.create(ready_draft(aws_account_id=ACCOUNT))
    assert requests.get(stored.id).status is RequestStatus.SUBMITTED
