"""Rebuild from AWS (byok_desktop/reconcile.py): a workstation that lost its data folder
gets its product records back from what the app made in AWS, with the right keys and
statuses; a key nobody uses is reported and left alone; a plan alone writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import update

from byok_desktop import reconcile
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.access import submit_revoke
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product, ProductFamily
from byok_desktop.provisioning.naming import TAG_SITE, KeyTarget
from byok_desktop.request import RequestStatus
from byok_desktop.store.models import FamilyKeyRow
from tests.helpers.provisioned import (
    ACCOUNT,
    EU_REGIONS,
    Account,
    Provisioned,
    family_of,
    job_runner,
    moto_context,
    provision,
    submit,
)
from tests.helpers.realistic_aws import use_realistic_aws

PRIMARY, REPLICA = EU_REGIONS


def _plan(ctx: AppContext, sites: tuple[str, ...] = ()) -> reconcile.Plan:
    [profile] = ctx.credentials.profiles.list()
    return reconcile.plan(ctx.database, ctx.credentials, ctx.settings, profile, sites)


def _kinds(plan: reconcile.Plan) -> list[tuple[reconcile.Kind, str, str]]:
    return [(d.kind, d.site, d.family.value) for d in plan.differences]


def _lose_data_folder(tmp_path: Path, sites: tuple[str, ...] = ("acme",)) -> Provisioned:
    """Provision each site's Jira family from one data folder, then delete the folder."""
    with moto_context(tmp_path / "lost") as first:
        made = [provision(first, site) for site in sites]
    shutil.rmtree(tmp_path / "lost")
    return made[0]


def test_a_new_data_folder_gets_the_products_back_with_their_keys(
    aws: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_realistic_aws(monkeypatch)  # a read of AWS as AWS answers it (throttling, late aliases)
    made = _lose_data_folder(tmp_path)
    with moto_context(tmp_path / "new") as ctx:
        assert ctx.database.products.on_site("acme") == []
        plan = _plan(ctx)
        assert _kinds(plan) == [(reconcile.Kind.MISSING_LOCALLY, "acme", "jira")]
        assert plan.differences[0].status is ProductStatus.ACTIVE
        assert not plan.needs_human
        assert ctx.database.products.on_site("acme") == []  # planning wrote nothing

        done = reconcile.apply(ctx.database, plan)

        assert [d.kind for d in done] == [reconcile.Kind.MISSING_LOCALLY]
        [product] = family_of(ctx, "acme", "jira")
        assert product.product is Product.JIRA_SOFTWARE
        assert product.location is Location.EU
        assert product.status is ProductStatus.ACTIVE
        assert (product.primary_state, product.secondary_state) == ("Enabled", "Enabled")
        keys = {k.region: k for k in ctx.database.products.family_keys("acme", "jira")}
        assert set(keys) == set(EU_REGIONS)
        assert {k.key_id for k in keys.values()} == {made.key_id}
        assert keys[REPLICA].key_arn.startswith(f"arn:aws:kms:{REPLICA}:{ACCOUNT}:key/")
        # The stand-in request names the account, so health checks and revocations work.
        assert ctx.database.view.account_of("acme", "jira") == ACCOUNT
        request = ctx.database.requests.get(product.request_id or 0)
        assert request.status is RequestStatus.PROVISIONED
        timeline = ctx.database.view.detail(product.id).timeline
        assert any(e.kind == "reconcile" and made.key_id in e.text for e in timeline)
        # Run again: nothing differs any more.
        assert _plan(ctx).differences == ()


def test_a_revoked_family_comes_back_suspended(aws: Account, tmp_path: Path) -> None:
    with moto_context(tmp_path / "lost") as first:
        provision(first)
        job = submit_revoke(first.database, first.credentials, "acme", "jira")
        assert job_runner(first).run(job.id, "test").status is JobStatus.SUCCEEDED
    shutil.rmtree(tmp_path / "lost")
    assert aws.provider_allowed() is False  # the trust policy denies the provider

    with moto_context(tmp_path / "new") as ctx:
        plan = _plan(ctx)
        assert plan.differences[0].status is ProductStatus.SUSPENDED
        reconcile.apply(ctx.database, plan)
        [product] = family_of(ctx, "acme", "jira")
        assert product.status is ProductStatus.SUSPENDED
        assert "Permissions revoked" in product.status_reason
        assert (product.primary_state, product.secondary_state) == ("Disabled", "Disabled")
        assert ctx.database.products.access("acme", "jira").trust_allowed is False


def test_an_unused_key_is_reported_and_never_deleted(
    aws: Account, ctx: AppContext, profile: Profile, jira: Provisioned
) -> None:
    # A key the app made for the same family that lost a race and was never discarded.
    target = KeyTarget("acme", ProductFamily.JIRA, Location.EU, "uid-rival")
    rival = aws.kms(PRIMARY).create_key(
        Description=target.description, MultiRegion=True, Tags=target.kms_tags()
    )["KeyMetadata"]["KeyId"]

    plan = _plan(ctx)
    assert _kinds(plan) == [(reconcile.Kind.UNUSED_KEY, "acme", "jira")]
    assert plan.differences[0].key_id == rival
    assert plan.needs_human
    reconcile.apply(ctx.database, plan)

    assert aws.key_state(rival, PRIMARY) == "Enabled"
    assert {k.key_id for k in ctx.database.products.family_keys("acme", "jira")} == {jira.key_id}
    product = family_of(ctx, "acme", "jira")[0]
    timeline = ctx.database.view.detail(product.id).timeline
    assert any(e.kind == "reconcile" and rival in e.text for e in timeline)


def test_records_naming_another_key_are_repointed_at_the_key_aws_uses(
    ctx: AppContext, profile: Profile, jira: Provisioned
) -> None:
    with ctx.database.engine.begin() as conn:
        conn.execute(
            update(FamilyKeyRow).values(
                key_id="mrk-00000000000000000000000000000000", key_arn="arn:aws:kms:x"
            )
        )
    plan = _plan(ctx)
    assert reconcile.Kind.KEYS_DIFFER in [d.kind for d in plan.differences]
    assert not plan.needs_human
    reconcile.apply(ctx.database, plan)
    assert {k.key_id for k in ctx.database.products.family_keys("acme", "jira")} == {jira.key_id}
    assert _plan(ctx).differences == ()


def test_a_family_whose_key_is_gone_from_aws_is_suspended_and_reported(
    aws: Account, ctx: AppContext, profile: Profile, jira: Provisioned
) -> None:
    # The app's tags removed and the records naming a key AWS never had: no key to find.
    for region in EU_REGIONS:
        kms = aws.kms(region)
        keys = [t["TagKey"] for t in kms.list_resource_tags(KeyId=jira.key_id)["Tags"]]
        kms.untag_resource(KeyId=jira.key_id, TagKeys=keys)
    with ctx.database.engine.begin() as conn:
        conn.execute(update(FamilyKeyRow).values(key_id="mrk-0000", key_arn=""))

    plan = _plan(ctx)
    assert _kinds(plan) == [(reconcile.Kind.KEY_GONE, "acme", "jira")]
    assert plan.needs_human
    reconcile.apply(ctx.database, plan)
    statuses = {p.status for p in family_of(ctx, "acme", "jira")}
    assert statuses == {ProductStatus.SUSPENDED}


def test_sites_narrow_the_plan(aws: Account, tmp_path: Path) -> None:
    _lose_data_folder(tmp_path, ("acme", "globex"))
    with moto_context(tmp_path / "new") as ctx:
        assert [d.site for d in _plan(ctx).differences] == ["acme", "globex"]
        plan = _plan(ctx, ("globex",))
        assert _kinds(plan) == [(reconcile.Kind.MISSING_LOCALLY, "globex", "jira")]
        reconcile.apply(ctx.database, plan)
        assert ctx.database.products.on_site("acme") == []
        assert [p.site_key for p in ctx.database.products.on_site("globex")] == ["globex"]


def test_applying_a_plan_twice_records_the_family_once(aws: Account, tmp_path: Path) -> None:
    _lose_data_folder(tmp_path)
    with moto_context(tmp_path / "new") as ctx:
        plan = _plan(ctx)
        reconcile.apply(ctx.database, plan)
        reconcile.apply(ctx.database, plan)  # a stale plan: the family is here already
        assert len(family_of(ctx, "acme", "jira")) == 1
        assert len(ctx.database.products.family_keys("acme", "jira")) == 2


def test_a_family_whose_job_has_not_finished_here_points_at_resume(
    aws: Account, tmp_path: Path
) -> None:
    made = _lose_data_folder(tmp_path)
    with moto_context(tmp_path / "new") as ctx:
        submit(ctx, "acme", frozenset({Product.JIRA_SOFTWARE}))  # Provisioning, job Queued
        plan = _plan(ctx)
        assert _kinds(plan) == [(reconcile.Kind.JOB_UNFINISHED, "acme", "jira")]
        assert plan.differences[0].key_id == made.key_id
        assert "resume its job" in plan.differences[0].summary
        assert plan.needs_human
        assert reconcile.apply(ctx.database, plan) == []  # the job owns its products
        assert {p.status for p in family_of(ctx, "acme", "jira")} == {ProductStatus.PROVISIONING}


def test_an_unused_key_is_deleted_only_when_its_id_is_typed(
    aws: Account, ctx: AppContext, profile: Profile, jira: Provisioned
) -> None:
    target = KeyTarget("acme", ProductFamily.JIRA, Location.EU, "uid-rival")
    primary = aws.kms(PRIMARY)
    rival = primary.create_key(
        Description=target.description, MultiRegion=True, Tags=target.kms_tags()
    )["KeyMetadata"]["KeyId"]
    primary.replicate_key(KeyId=rival, ReplicaRegion=REPLICA, Tags=target.kms_tags())
    plan = _plan(ctx)
    assert [k.key_id for k in plan.unused] == [rival]

    with pytest.raises(reconcile.NotDeleted, match="exactly"):
        reconcile.schedule_deletion(ctx.credentials, profile, plan, rival, rival.upper())
    with pytest.raises(reconcile.NotDeleted, match="no product uses"):
        reconcile.schedule_deletion(ctx.credentials, profile, plan, jira.key_id, jira.key_id)
    assert aws.key_states(rival) == ("Enabled", "Enabled")
    assert aws.key_states(jira.key_id) == ("Enabled", "Enabled")

    regions = reconcile.schedule_deletion(ctx.credentials, profile, plan, rival, rival)

    assert regions == [REPLICA, PRIMARY]  # the replica first
    assert aws.key_state(rival, REPLICA) == "PendingDeletion"
    assert aws.key_state(rival, PRIMARY) in ("PendingDeletion", "PendingReplicaDeletion")
    assert aws.key_states(jira.key_id) == ("Enabled", "Enabled")
    assert _plan(ctx).differences == ()  # a key on its way out is no longer reported


@pytest.mark.parametrize(
    "site", ["'; DROP TABLE products; --", "x" * 300, "<b>acme</b>", "", "Acme Corp"]
)
def test_a_key_whose_tags_name_no_valid_site_is_not_believed(
    aws: Account, ctx: AppContext, profile: Profile, site: str
) -> None:
    tags = KeyTarget("acme", ProductFamily.JIRA, Location.EU, "uid-1").tags()
    tags[TAG_SITE] = site
    aws.kms(PRIMARY).create_key(
        Description="made by hand",
        MultiRegion=True,
        Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()],
    )
    plan = _plan(ctx)
    assert plan.families == ()
    assert plan.differences == ()
