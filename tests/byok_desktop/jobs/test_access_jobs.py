"""Revoke and restore as jobs against moto, on a provisioned Jira family (Jira Software and
JSM sharing one multi-Region key in the EU): what changes in AWS, what the products say,
the restore window, refusals before any AWS call, a restore that fails, and resuming
either kind of job after a crash in any step."""

from __future__ import annotations

import argparse
import io
import json
from datetime import timedelta

import pytest

from byok_desktop.cli_jobs import run_job_command
from byok_desktop.context import AppContext
from byok_desktop.job_records import Job, JobStatus, StepStatus
from byok_desktop.jobs.access import (
    CannotChangeAccess,
    family_products,
    role_families,
    shared_role_products,
    submit_restore,
    submit_revoke,
)
from byok_desktop.jobs.runner import RESTORE, REVOKE, STEPS, Progress
from byok_desktop.product_records import ProductRecord
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.provisioning.access_steps import RESTORE_STEPS, REVOKE_STEPS
from byok_desktop.provisioning.naming import DEFAULT_PROVIDER_PRINCIPAL, DEFAULT_ROLE_NAME
from byok_desktop.provisioning.policies import PROVIDER_SID
from tests.helpers.provisioned import (
    ACCOUNT,
    EU_REGIONS,
    JIRA_PRODUCTS,
    Account,
    Provisioned,
    family_of,
    health_check,
    job_runner,
    provision,
    submit,
)

PRIMARY, REPLICA = EU_REGIONS
WINDOW_DAYS = 3  # the vendor's older documented window; the setting's default is 15


class Crash(BaseException):
    """Stands in for the process dying: nothing in the runner handles it."""


# Every test here has a verified profile for the account (``ctx`` and ``aws``: the
# shared moto fixtures).
pytestmark = pytest.mark.usefixtures("profile")


def _run(ctx: AppContext, job_id: int, on_progress: Progress | None = None) -> Job:
    return job_runner(ctx, restore_window_days=WINDOW_DAYS).run(job_id, "test", on_progress)


def _revoke(ctx: AppContext) -> Job:
    job = submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    finished = _run(ctx, job.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    return finished


def _restore(ctx: AppContext) -> Job:
    job = submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    finished = _run(ctx, job.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    return finished


def _products(ctx: AppContext) -> list[ProductRecord]:
    products = family_of(ctx, "acme", "jira")
    assert {p.product for p in products} == set(JIRA_PRODUCTS)
    return products


def _status(ctx: AppContext) -> tuple[ProductStatus, str]:
    """The family's one status and reason (the same on every product: they share a key)."""
    products = _products(ctx)
    assert len({(p.status, p.status_reason) for p in products}) == 1, products
    return products[0].status, products[0].status_reason


def _events(ctx: AppContext, kind: str) -> list[str]:
    product_id = _products(ctx)[0].id
    return [e.text for e in ctx.database.view.detail(product_id).timeline if e.kind == kind]


def _succeeded_steps(ctx: AppContext, job_id: int) -> list[str]:
    return [s.step for s in ctx.database.jobs.steps(job_id) if s.status is StepStatus.SUCCEEDED]


# --- revoke ---------------------------------------------------------------------------------


def test_revoke_denies_the_provider_disables_both_keys_and_suspends_the_family(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE
    job = submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    assert (job.kind, job.status, job.steps_total) == (REVOKE, JobStatus.QUEUED, 4)
    assert (job.site_key, job.family, job.location, job.account_id) == (
        "acme",
        "jira",
        "eu",
        ACCOUNT,
    )
    assert job.request_id == jira.request_id

    finished = _run(ctx, job.id)

    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    assert finished.steps_done == finished.steps_total
    assert _succeeded_steps(ctx, job.id) == [s.key for s in REVOKE_STEPS]
    # In AWS: the provider's statement denies, and the key is disabled in both regions.
    assert aws.provider_allowed() is False
    assert aws.key_states(jira.key_id) == ("Disabled", "Disabled")
    # Every product of the family is suspended, with the window in the reason.
    status, reason = _status(ctx)
    assert status is ProductStatus.SUSPENDED
    assert reason.startswith("Access revoked on ")
    assert "; restorable until " in reason
    for product in _products(ctx):
        assert (product.primary_state, product.secondary_state) == ("Disabled", "Disabled")
    # The key records agree with the products until the next check.
    keys = ctx.database.products.family_keys("acme", "jira")
    assert {(k.key_state, k.health) for k in keys} == {("Disabled", "disabled")}
    access = ctx.database.products.access("acme", "jira")
    assert access.restorable()
    assert access.revoked_at is not None
    assert access.restore_until is not None
    assert access.restore_until == access.revoked_at + timedelta(days=WINDOW_DAYS)
    assert finished.started_at is not None
    assert finished.finished_at is not None
    assert finished.started_at <= access.revoked_at <= finished.finished_at
    assert access.restored_at is None
    assert access.trust_allowed is False
    [revoked] = _events(ctx, "revoked")
    assert revoked.startswith("Suspended: Access revoked on ")
    # Revoking twice is refused before any AWS call.
    with pytest.raises(CannotChangeAccess, match="already revoked"):
        submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    assert ctx.database.jobs.open_jobs("acme", "jira") == []
    # A health check agrees, and keeps the window in view.
    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED
    status, reason = _status(ctx)
    assert status is ProductStatus.SUSPENDED
    assert reason.startswith("Access revoked on ")
    assert "restorable until" in reason
    assert "Permissions revoked" in reason


def test_revoke_keeps_the_other_statements_of_the_trust_policy(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    """Only the provider's statement flips (the vendor's guide); the customer's own
    statements in the role's trust policy are theirs to keep."""
    document = aws.trust_document()
    customer = {
        "Sid": "CustomerBreakGlass",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
    }
    document["Statement"].append(customer)
    aws.iam.update_assume_role_policy(
        RoleName=DEFAULT_ROLE_NAME, PolicyDocument=json.dumps(document)
    )

    _revoke(ctx)

    statements = aws.trust_document()["Statement"]
    assert aws.provider_allowed() is False
    assert customer in statements
    assert sorted(s["Sid"] for s in statements) == sorted([PROVIDER_SID, "CustomerBreakGlass"])


def test_the_family_and_the_products_sharing_the_role_are_named(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    provision(ctx, "beta", frozenset({Product.CONFLUENCE}))
    submit(ctx, "gamma", frozenset({Product.JIRA_SOFTWARE}))  # not provisioned yet

    family = family_products(ctx.database, "acme", "jira")
    shared = shared_role_products(ctx.database, "acme", "jira")

    assert sorted(p.product.value for p in family) == sorted(p.value for p in JIRA_PRODUCTS)
    assert {p.site_key for p in family} == {"acme"}
    assert [(p.site_key, p.product) for p in shared] == [("beta", Product.CONFLUENCE)]
    assert sorted(
        (p.site_key, p.product.value)
        for p in shared_role_products(ctx.database, "beta", "confluence")
    ) == sorted(("acme", p.value) for p in JIRA_PRODUCTS)
    assert family_products(ctx.database, "nowhere", "jira") == []
    assert shared_role_products(ctx.database, "nowhere", "jira") == []
    # Why it matters: one role per account, so revoking acme's Jira denies beta too.
    _revoke(ctx)
    assert health_check(ctx, "beta", "confluence").status is ProductStatus.SUSPENDED
    [confluence] = family_of(ctx, "beta", "confluence")
    assert "Permissions revoked" in confluence.status_reason
    # One revocation, one restore window: the same deadline on both families.
    acme = ctx.database.products.access("acme", "jira")
    beta = ctx.database.products.access("beta", "confluence")
    assert acme.restore_until is not None
    assert (beta.revoked_at, beta.restore_until) == (acme.revoked_at, acme.restore_until)
    assert [
        (f.site_key, f.family.value) for f in role_families(ctx.database, "beta", "confluence")
    ] == [
        ("beta", "confluence"),
        ("acme", "jira"),
    ]


def test_restoring_from_a_family_the_role_suspended_restores_the_revoked_keys_and_all(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    beta = provision(ctx, "beta", frozenset({Product.CONFLUENCE}))
    _revoke(ctx)  # acme's Jira keys disabled, the shared role denies the provider

    job = submit_restore(ctx.database, ctx.credentials, "beta", "confluence")

    # The restore runs on the family whose keys the revoke disabled.
    assert (job.site_key, job.family) == ("acme", "jira")
    finished = _run(ctx, job.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    assert aws.key_states(jira.key_id) == ("Enabled", "Enabled")
    assert aws.key_states(beta.key_id) == ("Enabled", "Enabled")
    assert aws.provider_allowed() is True
    for site, family in (("acme", "jira"), ("beta", "confluence")):
        assert {p.status for p in family_of(ctx, site, family)} == {ProductStatus.ACTIVE}
        assert ctx.database.products.access(site, family).revoked_at is None


# --- restore --------------------------------------------------------------------------------


def test_restore_within_the_window_brings_access_back(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    _revoke(ctx)
    job = submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    assert (job.kind, job.steps_total) == (RESTORE, len(RESTORE_STEPS))

    finished = _run(ctx, job.id)

    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    assert _succeeded_steps(ctx, job.id) == [s.key for s in RESTORE_STEPS]
    assert aws.key_states(jira.key_id) == ("Enabled", "Enabled")
    assert aws.provider_allowed() is True
    status, reason = _status(ctx)
    assert status is ProductStatus.ACTIVE
    assert reason.startswith("Access restored on ")
    for product in _products(ctx):
        assert (product.primary_state, product.secondary_state) == ("Enabled", "Enabled")
    access = ctx.database.products.access("acme", "jira")
    assert access.revoked_at is None
    assert access.restore_until is None
    assert access.restored_at is not None
    assert access.trust_allowed is True
    assert _events(ctx, "restoring") == ["Restoring: Restoring key access"]
    [restored] = _events(ctx, "restored")
    assert restored.startswith("Active: Access restored on ")
    # A health check finds nothing to say.
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE
    assert _status(ctx) == (ProductStatus.ACTIVE, "")
    # And the family can be revoked again.
    _revoke(ctx)
    assert _status(ctx)[0] is ProductStatus.SUSPENDED


def test_restore_after_the_window_is_refused(ctx: AppContext, jira: Provisioned) -> None:
    _revoke(ctx)
    access = ctx.database.products.access("acme", "jira")
    assert access.restore_until is not None

    with pytest.raises(CannotChangeAccess, match="restore window ended"):
        submit_restore(
            ctx.database,
            ctx.credentials,
            "acme",
            "jira",
            now=access.restore_until + timedelta(seconds=1),
        )

    assert ctx.database.jobs.open_jobs("acme", "jira") == []
    # The last moment of the window still counts.
    last = submit_restore(ctx.database, ctx.credentials, "acme", "jira", now=access.restore_until)
    assert last.kind == RESTORE


def test_restoring_a_family_never_revoked_is_refused(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    with pytest.raises(CannotChangeAccess, match="nothing to restore") as refused:
        submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    assert "look unhealthy" not in str(refused.value)
    # Keys disabled outside the app: still nothing this app revoked, but say what to do.
    for region in EU_REGIONS:
        aws.kms(region).disable_key(KeyId=jira.key_id)
    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED
    with pytest.raises(CannotChangeAccess, match="look unhealthy: check their health"):
        submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    assert ctx.database.jobs.open_jobs("acme", "jira") == []


def test_a_failed_restore_leaves_the_family_suspended_and_says_why(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    _revoke(ctx)
    revoked_at = ctx.database.products.access("acme", "jira").revoked_at
    aws.kms(REPLICA).schedule_key_deletion(KeyId=jira.key_id, PendingWindowInDays=7)
    job = submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    seen: list[set[ProductStatus]] = []
    checked: list[ProductStatus] = []

    def watch(progress: Job) -> None:
        if progress.status is JobStatus.RUNNING and progress.current_step:
            seen.append({p.status for p in _products(ctx)})
            if progress.current_step == "enable_primary" and not checked:
                checked.append(health_check(ctx, "acme", "jira").status)

    finished = _run(ctx, job.id, watch)

    assert finished.status is JobStatus.FAILED
    assert finished.error_fault == "invalid_state"
    assert "eu-west-1 is scheduled for deletion" in finished.error_message
    # While it ran, the family was Restoring, and a health check did not say otherwise.
    assert seen
    assert all(s == {ProductStatus.RESTORING} for s in seen)
    assert checked == [ProductStatus.RESTORING]
    journal = [(s.step, s.status) for s in ctx.database.jobs.steps(job.id)]
    assert journal == [
        ("identity", StepStatus.SUCCEEDED),
        ("window", StepStatus.SUCCEEDED),
        ("enable_primary", StepStatus.SUCCEEDED),
        ("enable_replica", StepStatus.FAILED),
    ]
    status, reason = _status(ctx)
    assert status is ProductStatus.SUSPENDED
    assert reason.startswith("Access revoked on ")
    assert "Restore stopped: " in reason
    assert "scheduled for deletion" in reason
    access = ctx.database.products.access("acme", "jira")
    assert access.revoked_at == revoked_at  # still revoked: the window still counts
    assert access.restored_at is None
    assert aws.provider_allowed() is False  # the trust step never ran
    # (The timeline's "restore" kind also marks the job's creation: same kind, two meanings.)
    [stopped] = [e for e in _events(ctx, "restore") if not e.startswith("Job #")]
    assert stopped.startswith("Suspended: Access revoked on ")
    assert "Restore stopped" in stopped
    # The failed job is open: a new restore is refused; resuming it once AWS is fixed works.
    with pytest.raises(CannotChangeAccess, match=f"#{job.id} \\(restore, Failed\\)"):
        submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    aws.kms(REPLICA).cancel_key_deletion(KeyId=jira.key_id)  # leaves it Disabled
    resumed = _run(ctx, job.id)
    assert resumed.status is JobStatus.SUCCEEDED, resumed.error_message
    assert aws.key_states(jira.key_id) == ("Enabled", "Enabled")
    assert aws.provider_allowed() is True
    assert _status(ctx)[0] is ProductStatus.ACTIVE


# --- resuming after a crash -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "crash_in"),
    [(REVOKE, s.key) for s in REVOKE_STEPS] + [(RESTORE, s.key) for s in RESTORE_STEPS],
)
def test_resume_after_a_crash_in_any_step_reaches_the_same_end(
    ctx: AppContext, jira: Provisioned, aws: Account, kind: str, crash_in: str
) -> None:
    if kind == RESTORE:
        _revoke(ctx)
        job = submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    else:
        job = submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    jobs = ctx.database.jobs

    def die_when_step_starts(progress: Job) -> None:
        journal = jobs.steps(job.id)
        step_begun = bool(journal) and journal[-1].status is StepStatus.RUNNING
        running = progress.status is JobStatus.RUNNING
        if running and progress.current_step == crash_in and step_begun:
            raise Crash()

    with pytest.raises(Crash):
        _run(ctx, job.id, die_when_step_starts)
    assert jobs.get(job.id).status is JobStatus.RUNNING  # as a crashed app leaves it
    assert jobs.mark_interrupted() == [job.id]
    assert jobs.get(job.id).status is JobStatus.INTERRUPTED
    # An interrupted job is still open: nothing else may start on the family meanwhile.
    submit_again = submit_restore if kind == RESTORE else submit_revoke
    with pytest.raises(CannotChangeAccess, match="Interrupted"):
        submit_again(ctx.database, ctx.credentials, "acme", "jira")

    finished = _run(ctx, job.id)

    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    journal = jobs.steps(job.id)
    # Completed steps were not run again; the interrupted one was closed and redone.
    assert _succeeded_steps(ctx, job.id) == [s.key for s in STEPS[kind]]
    assert [s.step for s in journal if s.status is StepStatus.CANCELLED] == [crash_in]
    access = ctx.database.products.access("acme", "jira")
    if kind == REVOKE:
        assert aws.key_states(jira.key_id) == ("Disabled", "Disabled")
        assert aws.provider_allowed() is False
        assert _status(ctx)[0] is ProductStatus.SUSPENDED
        assert access.revoked_at is not None
        assert len(_events(ctx, "revoked")) == 1
    else:
        assert aws.key_states(jira.key_id) == ("Enabled", "Enabled")
        assert aws.provider_allowed() is True
        assert _status(ctx)[0] is ProductStatus.ACTIVE
        assert access.revoked_at is None
        assert access.restored_at is not None
        assert len(_events(ctx, "restored")) == 1
    # Exactly one provider statement, whatever was redone.
    statements = aws.trust_document()["Statement"]
    assert [s["Principal"]["AWS"] for s in statements] == [DEFAULT_PROVIDER_PRINCIPAL]


def test_an_interrupted_restore_is_not_shown_as_restoring_once_checked(
    ctx: AppContext, jira: Provisioned
) -> None:
    _revoke(ctx)
    job = submit_restore(ctx.database, ctx.credentials, "acme", "jira")

    def die_in_wait(progress: Job) -> None:
        if progress.status is JobStatus.RUNNING and progress.current_step == "wait":
            raise Crash()

    with pytest.raises(Crash):
        _run(ctx, job.id, die_in_wait)
    ctx.database.jobs.mark_interrupted()

    # Keys enabled, trust still denied, no job running: suspended, not restoring.
    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED
    status, reason = _status(ctx)
    assert status is ProductStatus.SUSPENDED
    assert reason.startswith("Access revoked on ")
    assert "Permissions revoked" in reason


def test_an_interrupted_restore_does_not_leave_the_family_restoring(
    ctx: AppContext, jira: Provisioned
) -> None:
    _revoke(ctx)
    job = submit_restore(ctx.database, ctx.credentials, "acme", "jira")

    def die_in_wait(progress: Job) -> None:
        if progress.status is JobStatus.RUNNING and progress.current_step == "wait":
            raise Crash()

    with pytest.raises(Crash):
        _run(ctx, job.id, die_in_wait)
    assert ctx.database.jobs.mark_interrupted() == [job.id]

    assert _status(ctx)[0] is ProductStatus.SUSPENDED


# --- refused before any AWS call -------------------------------------------------------------


def test_a_second_job_on_the_family_is_refused_while_one_is_open(
    ctx: AppContext, jira: Provisioned
) -> None:
    queued = submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    with pytest.raises(CannotChangeAccess, match=f"#{queued.id} \\(revoke, Queued\\)"):
        submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    with pytest.raises(CannotChangeAccess, match="nothing to restore"):
        submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    assert [j.id for j in ctx.database.jobs.open_jobs("acme", "jira")] == [queued.id]

    assert _run(ctx, queued.id).status is JobStatus.SUCCEEDED
    restore = submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    # A queued restore already shows on the products' next check.
    assert health_check(ctx, "acme", "jira").status is ProductStatus.RESTORING
    with pytest.raises(CannotChangeAccess, match=f"#{restore.id} \\(restore, Queued\\)"):
        submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    with pytest.raises(CannotChangeAccess, match="already revoked"):
        submit_revoke(ctx.database, ctx.credentials, "acme", "jira")


def test_a_family_not_provisioned_yet_cannot_change_access(ctx: AppContext) -> None:
    submit(ctx, "acme", JIRA_PRODUCTS)  # submitted, never run

    with pytest.raises(CannotChangeAccess, match="not provisioned yet"):
        submit_revoke(ctx.database, ctx.credentials, "acme", "jira")
    with pytest.raises(CannotChangeAccess, match="has no confluence products"):
        submit_revoke(ctx.database, ctx.credentials, "acme", "confluence")


def test_no_profile_for_the_account_refuses_before_creating_a_job(
    ctx: AppContext, jira: Provisioned
) -> None:
    for profile in ctx.credentials.profiles.list():
        ctx.credentials.delete(profile.uid)

    with pytest.raises(CannotChangeAccess, match=f"No verified profile opens account {ACCOUNT}"):
        submit_revoke(ctx.database, ctx.credentials, "acme", "jira")

    assert ctx.database.jobs.open_jobs("acme", "jira") == []
    assert _status(ctx) == (ProductStatus.ACTIVE, "")


def test_a_restore_resumed_after_the_window_ended_is_refused_before_any_change(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    _revoke(ctx)
    job = submit_restore(ctx.database, ctx.credentials, "acme", "jira")
    # The job waited (queued, failed or interrupted) until the window was over.
    with ctx.database.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE family_access SET restore_until = '2020-01-01 00:00:00' "
            "WHERE site_key = 'acme' AND family = 'jira'"
        )

    failed = _run(ctx, job.id)

    assert failed.status is JobStatus.FAILED
    assert "restore window ended" in failed.error_message
    assert [s.step for s in ctx.database.jobs.steps(job.id)] == ["identity", "window"]
    assert _status(ctx)[0] is ProductStatus.SUSPENDED
    for region in EU_REGIONS:
        assert aws.key_state(jira.key_id, region) == "Disabled"


def test_the_cli_names_every_family_a_revoke_suspends_and_a_restore_brings_back(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    provision(ctx, "beta", frozenset({Product.CONFLUENCE}))
    out = io.StringIO()

    code = run_job_command(
        ctx, argparse.Namespace(command="revoke", site="acme", family="jira"), out
    )

    printed = out.getvalue()
    assert code == 0, printed
    assert "suspends 2 product families on the account's key-management role" in printed
    assert "  acme — Jira family: Jira Software, Jira Service Management (Active)" in printed
    assert "  beta — Confluence: Confluence (Active)" in printed
    out = io.StringIO()
    # Restored from the family the shared role suspended: the revoked keys come back too.
    code = run_job_command(
        ctx, argparse.Namespace(command="restore", site="beta", family="confluence"), out
    )
    printed = out.getvalue()
    assert code == 0, printed
    assert f"restore acme/jira (account {ACCOUNT}): brings back 2 product families" in printed
    assert "  beta — Confluence: Confluence (Suspended)" in printed
    assert "acme/jira: Succeeded" in printed
