"""A request that names the customer's provisioning role: the rep's own profile assumes
it (with the customer's ExternalId) for the preflight, the provisioning job, the health
check and a revoke; nothing is made in the rep's account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_desktop.aws.realism import Realism, RealisticAws
from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.access import submit_revoke
from byok_desktop.jobs.customer_role import CannotSubmit, preflight_request, submit_preflight
from byok_desktop.jobs.submit import submit_request
from byok_desktop.product_status import ProductStatus
from byok_desktop.provisioning.naming import DEFAULT_ROLE_NAME
from byok_desktop.provisioning.permissions import provisioning_policy
from tests.helpers.customer_account import (
    CUSTOMER,
    REP,
    ROLE_ARN,
    connection,
    make_provisioning_role,
)
from tests.helpers.factories import ready_draft
from tests.helpers.provisioned import (
    JIRA_PRODUCTS,
    health_check,
    job_runner,
    moto_context,
    share_botocore_data,
)
from tests.helpers.realistic_aws import use_realistic_aws


@pytest.fixture
def layer(monkeypatch: pytest.MonkeyPatch) -> RealisticAws:
    share_botocore_data(monkeypatch)
    return use_realistic_aws(monkeypatch, Realism.quick(principal_delay_s=0.0, trust_delay_s=0.0))


@pytest.fixture
def ctx(tmp_path: Path, layer: RealisticAws) -> Iterator[AppContext]:
    with moto_context(tmp_path / "d") as context:  # a verified profile of the rep's account
        yield context


def _request(ctx: AppContext, role_arn: str = ROLE_ARN) -> int:
    draft = ready_draft(aws_account_id=CUSTOMER, products=JIRA_PRODUCTS, customer_role_arn=role_arn)
    return ctx.database.requests.create(draft).id


def _submit(ctx: AppContext, request_id: int) -> list[int]:
    check = submit_preflight(ctx.database, ctx.credentials, ctx.settings)
    jobs = submit_request(
        request_id, ctx.database.requests, ctx.database.jobs, ctx.credentials, preflight=check
    )
    return [job.id for job in jobs]


def test_external_id_is_made_once_per_customer_account(ctx: AppContext) -> None:
    first = ctx.database.external_ids.for_account(CUSTOMER)
    assert ctx.database.external_ids.for_account(CUSTOMER) == first
    assert ctx.database.external_ids.for_account("555566667777") != first
    assert len(first) >= 32


def test_provisioning_runs_as_the_customers_role(ctx: AppContext, layer: RealisticAws) -> None:
    admin = connection(layer, CUSTOMER)
    make_provisioning_role(admin, ctx.database.external_ids.for_account(CUSTOMER))
    request_id = _request(ctx)
    [job_id] = _submit(ctx, request_id)
    finished = job_runner(ctx).run(job_id, "test")
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    aliases = admin.client("kms", "eu-central-1").list_aliases()["Aliases"]
    assert "alias/cryptor-acme-jira" in [a["AliasName"] for a in aliases]
    assert (
        admin.client("iam")
        .get_role(RoleName=DEFAULT_ROLE_NAME)["Role"]["Arn"]
        .startswith(f"arn:aws:iam::{CUSTOMER}:")
    )
    rep_aliases = connection(layer, REP).client("kms", "eu-central-1").list_aliases()["Aliases"]
    assert "alias/cryptor-acme-jira" not in [a["AliasName"] for a in rep_aliases]
    # The health check and a revoke reach the customer's account the same way.
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE
    revoke = submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    assert job_runner(ctx).run(revoke.id, "test").status is JobStatus.SUCCEEDED


def test_a_wrong_external_id_stops_before_the_request_is_locked(
    ctx: AppContext, layer: RealisticAws
) -> None:
    make_provisioning_role(connection(layer, CUSTOMER), "not-the-apps-external-id")
    request_id = _request(ctx)
    with pytest.raises(CannotSubmit, match="ExternalId"):
        _submit(ctx, request_id)
    assert not ctx.database.requests.get(request_id).status.locked
    assert ctx.database.jobs.all_jobs() == []


def test_missing_permissions_are_listed_in_plain_words_and_stop_the_submit(
    ctx: AppContext, layer: RealisticAws
) -> None:
    policy = provisioning_policy(CUSTOMER, DEFAULT_ROLE_NAME)
    # The customer's admin left out key creation.
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "CreateTaggedKeys"]
    make_provisioning_role(
        connection(layer, CUSTOMER), ctx.database.external_ids.for_account(CUSTOMER), policy=policy
    )
    request_id = _request(ctx)
    profile = ctx.credentials.rep_profile()
    result = preflight_request(
        ctx.database,
        ctx.credentials,
        ctx.database.requests.get(request_id).draft,
        profile,
        ctx.settings,
    )
    assert not result.ok
    assert result.missing == [
        "permission to create keys (and their replicas) in the BYOK regions, tagged as the "
        "app's (kms:CreateKey, kms:TagResource)"
    ]
    with pytest.raises(CannotSubmit, match="create keys"):
        _submit(ctx, request_id)
    assert not ctx.database.requests.get(request_id).status.locked


def test_a_role_that_may_not_simulate_is_not_checked_and_provisioning_goes_on(
    ctx: AppContext, layer: RealisticAws
) -> None:
    policy = provisioning_policy(CUSTOMER, DEFAULT_ROLE_NAME)
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "CheckOwnPermissions"]
    make_provisioning_role(
        connection(layer, CUSTOMER), ctx.database.external_ids.for_account(CUSTOMER), policy=policy
    )
    request_id = _request(ctx)
    result = preflight_request(
        ctx.database,
        ctx.credentials,
        ctx.database.requests.get(request_id).draft,
        ctx.credentials.rep_profile(),
        ctx.settings,
    )
    assert result.ok
    assert any("can't check permissions" in note for note in result.notes)
    assert len(_submit(ctx, request_id)) == 1


def test_a_complete_setup_passes_every_check(ctx: AppContext, layer: RealisticAws) -> None:
    make_provisioning_role(
        connection(layer, CUSTOMER), ctx.database.external_ids.for_account(CUSTOMER)
    )
    draft = ctx.database.requests.get(_request(ctx)).draft
    result = preflight_request(
        ctx.database, ctx.credentials, draft, ctx.credentials.rep_profile(), ctx.settings
    )
    assert result.missing == []
    assert result.notes == []
    assert "every permission provisioning needs is allowed" in result.checked
