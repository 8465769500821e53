"""Adding a product to a family already BYOK on the site, against moto: Jira Service
Management where Jira Software is BYOK. No key is made; the job checks the family's key
in both regions and the role's trust, journals its steps, and records the product Active;
a disabled key or a revoked role fails the job with a sentence."""

from __future__ import annotations

import json
from typing import Any

import botocore.client
import pytest

from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus, StepStatus
from byok_desktop.jobs.runner import ADD_PRODUCT, PROVISION
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.provisioning.family_key_check import ADD_PRODUCT_STEPS
from byok_desktop.provisioning.naming import DEFAULT_PROVIDER_PRINCIPAL, DEFAULT_ROLE_NAME
from byok_desktop.provisioning.policies import trust_policy
from tests.helpers.provisioned import (
    EU_REGIONS,
    Account,
    Provisioned,
    family_of,
    job_runner,
    provision,
    submit,
)

pytestmark = pytest.mark.usefixtures("profile")

JSM = frozenset({Product.JIRA_SERVICE_MANAGEMENT})


@pytest.fixture
def software(ctx: AppContext) -> Provisioned:
    """acme's Jira family, BYOK for Jira Software only (EU)."""
    return provision(ctx, "acme", frozenset({Product.JIRA_SOFTWARE}))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The AWS operations every client makes from now on."""
    made: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: Any) -> Any:
        made.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return made


def _keys(aws: Account) -> dict[str, list[str]]:
    return {r: [k["KeyId"] for k in aws.kms(r).list_keys()["Keys"]] for r in EU_REGIONS}


def _jsm(ctx: AppContext) -> Any:
    [found] = [
        p for p in family_of(ctx, "acme", "jira") if p.product is Product.JIRA_SERVICE_MANAGEMENT
    ]
    return found


def test_adding_jsm_checks_the_familys_key_and_records_it_active_without_a_new_key(
    ctx: AppContext, software: Provisioned, aws: Account, calls: list[str]
) -> None:
    before = _keys(aws)
    [job_id] = submit(ctx, "acme", JSM)
    job = ctx.database.jobs.get(job_id)
    assert (job.kind, job.family, job.steps_total) == (ADD_PRODUCT, "jira", 3)
    assert _jsm(ctx).status is ProductStatus.PROVISIONING
    calls.clear()

    finished = job_runner(ctx).run(job_id, "test")

    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    steps = ctx.database.jobs.steps(job_id)
    assert [s.step for s in steps] == [s.key for s in ADD_PRODUCT_STEPS]
    assert all(s.status is StepStatus.SUCCEEDED for s in steps)
    checked = steps[-1].resources
    assert checked["key_id"] == software.key_id
    assert {checked[f"state:{r}"] for r in EU_REGIONS} == {"Enabled"}
    # Nothing was made or changed in AWS: only reads.
    assert _keys(aws) == before
    writes = {"CreateKey", "ReplicateKey", "CreateAlias", "PutKeyPolicy", "CreateRole"}
    assert not writes & set(calls), calls
    assert {"DescribeKey", "GetKeyPolicy", "GetRole"} <= set(calls)
    jsm = _jsm(ctx)
    assert jsm.status is ProductStatus.ACTIVE
    assert (jsm.primary_state, jsm.secondary_state) == ("Enabled", "Enabled")
    [software_product] = [
        p for p in family_of(ctx, "acme", "jira") if p.product is Product.JIRA_SOFTWARE
    ]
    assert software_product.status is ProductStatus.ACTIVE
    assert [k.key_id for k in ctx.database.products.family_keys("acme", "jira")] == [
        software.key_id
    ] * 2
    timeline = ctx.database.view.detail(jsm.id).timeline
    assert any(
        e.text.startswith("Added Jira Service Management under the family's existing key")
        for e in timeline
    )
    request = ctx.database.requests.get(job.request_id or 0)
    assert request.status.display_name == "Provisioned"


def test_the_reverse_jira_software_where_jsm_is_byok(ctx: AppContext, aws: Account) -> None:
    provision(ctx, "acme", JSM)
    [job_id] = submit(ctx, "acme", frozenset({Product.JIRA_SOFTWARE}))
    finished = job_runner(ctx).run(job_id, "test")
    assert (finished.kind, finished.status) == (ADD_PRODUCT, JobStatus.SUCCEEDED)
    assert {p.status for p in family_of(ctx, "acme", "jira")} == {ProductStatus.ACTIVE}


def test_confluence_on_a_jira_site_still_gets_its_own_key(
    ctx: AppContext, software: Provisioned, aws: Account
) -> None:
    [job_id] = submit(ctx, "acme", frozenset({Product.CONFLUENCE}))
    assert ctx.database.jobs.get(job_id).kind == PROVISION
    finished = job_runner(ctx).run(job_id, "test")
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    [confluence] = ctx.database.products.family_keys("acme", "confluence")[:1]
    assert confluence.key_id != software.key_id


def test_a_disabled_family_key_fails_the_job_with_a_sentence(
    ctx: AppContext, software: Provisioned, aws: Account
) -> None:
    aws.kms("eu-west-1").disable_key(KeyId=software.key_id)
    [job_id] = submit(ctx, "acme", JSM)

    finished = job_runner(ctx).run(job_id, "test")

    assert finished.status is JobStatus.FAILED
    assert finished.error_message.startswith(
        "The key of acme's Jira family is Disabled in eu-west-1, so no product can be added "
        "under it. Enable the key"
    )
    assert "Traceback" not in finished.error_message
    jsm = _jsm(ctx)
    assert jsm.status is ProductStatus.FAILED
    assert "Disabled in eu-west-1" in jsm.status_reason
    [software_product] = [
        p for p in family_of(ctx, "acme", "jira") if p.product is Product.JIRA_SOFTWARE
    ]
    assert software_product.status is ProductStatus.ACTIVE  # untouched
    # Fixed in AWS, the job resumes to success.
    aws.kms("eu-west-1").enable_key(KeyId=software.key_id)
    again = job_runner(ctx).run(job_id, "test")
    assert again.status is JobStatus.SUCCEEDED, again.error_message
    assert _jsm(ctx).status is ProductStatus.ACTIVE


def test_a_key_policy_without_the_role_fails_the_job(
    ctx: AppContext, software: Provisioned, aws: Account
) -> None:
    kms = aws.kms("eu-central-1")
    account_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    kms.put_key_policy(KeyId=software.key_id, PolicyName="default", Policy=json.dumps(account_only))
    [job_id] = submit(ctx, "acme", JSM)
    finished = job_runner(ctx).run(job_id, "test")
    assert finished.status is JobStatus.FAILED
    assert "key policy of acme's Jira family's key in eu-central-1 does not let" in (
        finished.error_message
    )


def test_a_revoked_role_fails_the_job_before_the_key_is_read(
    ctx: AppContext, software: Provisioned, aws: Account
) -> None:
    aws.iam.update_assume_role_policy(
        RoleName=DEFAULT_ROLE_NAME,
        PolicyDocument=json.dumps(trust_policy(DEFAULT_PROVIDER_PRINCIPAL, allow=False)),
    )
    [job_id] = submit(ctx, "acme", JSM)
    finished = job_runner(ctx).run(job_id, "test")
    assert finished.status is JobStatus.FAILED
    assert finished.error_message == (
        f"The role {DEFAULT_ROLE_NAME} denies the key provider (access was revoked), so no "
        "product can be added to acme's Jira family. Restore access, then resume this job."
    )
    assert [s.step for s in ctx.database.jobs.steps(job_id)] == ["identity", "role_trust"]
