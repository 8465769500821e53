"""Key health checks against moto: a provisioned Jira family (Jira Software and JSM on one
multi-Region key in the EU) is changed behind the app's back, one way at a time, and the
check names what is wrong, sets the status of every product of the family, and records
what it saw. A check that cannot ask AWS keeps the last known status and says so."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import update

from byok_desktop.context import AppContext
from byok_desktop.health.service import HealthService
from byok_desktop.job_records import JobStatus
from byok_desktop.product_records import KeyRecord, ProductRecord
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from byok_desktop.provisioning.naming import (
    DEFAULT_PROVIDER_PRINCIPAL,
    DEFAULT_ROLE_NAME,
    TAG_SITE,
)
from byok_desktop.provisioning.policies import (
    PROVIDER_SID,
    key_policy_grants_role,
    provider_access_allowed,
    trust_policy,
)
from byok_desktop.provisioning.steps import PERMISSION_POLICY_NAME
from byok_desktop.store.models import FamilyKeyRow
from tests.helpers.aws_faults import AwsFaults, access_denied
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
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{DEFAULT_ROLE_NAME}"


# Every test here has a verified profile for the account (``ctx`` and ``aws``: the
# shared moto fixtures).
pytestmark = pytest.mark.usefixtures("profile")


def _products(ctx: AppContext) -> list[ProductRecord]:
    products = family_of(ctx, "acme", "jira")
    assert {p.product for p in products} == set(JIRA_PRODUCTS)
    return products


def _status(ctx: AppContext) -> tuple[ProductStatus, str]:
    """The family's one status and reason (the same on every product: they share a key)."""
    products = _products(ctx)
    assert len({(p.status, p.status_reason) for p in products}) == 1, products
    return products[0].status, products[0].status_reason


def _keys(ctx: AppContext) -> dict[str, KeyRecord]:
    return {k.region: k for k in ctx.database.products.family_keys("acme", "jira")}


def _events(ctx: AppContext, kind: str) -> list[str]:
    product_id = _products(ctx)[0].id
    return [e.text for e in ctx.database.view.detail(product_id).timeline if e.kind == kind]


def test_a_healthy_family_is_active_and_what_was_seen_is_recorded(
    ctx: AppContext, jira: Provisioned
) -> None:
    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.ACTIVE
    assert result.error == ""
    products = _products(ctx)
    for product in products:
        assert product.status is ProductStatus.ACTIVE
        assert product.status_reason == ""
        assert (product.primary_state, product.secondary_state) == ("Enabled", "Enabled")
        assert product.health_checked_at is not None
    keys = _keys(ctx)
    assert set(keys) == set(EU_REGIONS)
    for region, key in keys.items():
        assert key.key_id == jira.key_id
        assert key.key_arn.startswith(f"arn:aws:kms:{region}:{ACCOUNT}:key/mrk-")
        assert (key.health, key.key_state, key.health_detail) == ("ok", "Enabled", "")
        assert key.checked_at == key.seen_at == products[0].health_checked_at
    detail = ctx.database.view.detail(products[0].id)
    assert [k.region for k in detail.keys] == list(EU_REGIONS)
    assert {s.product for s in detail.siblings} == set(JIRA_PRODUCTS)
    access = detail.access
    assert access.trust_allowed is True
    assert access.rotation_enabled is True
    assert access.key_policy_ok is True
    assert access.check_error == ""
    assert access.checked_at == products[0].health_checked_at
    assert key_policy_grants_role(json.loads(access.key_policy), ROLE_ARN)
    assert provider_access_allowed(json.loads(access.trust_policy), DEFAULT_PROVIDER_PRINCIPAL)
    # Nothing changed: a healthy check adds no event.
    assert _events(ctx, "health") == []


def test_a_key_disabled_in_one_region_degrades_the_whole_family(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.kms(REPLICA).disable_key(KeyId=jira.key_id)

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.DEGRADED
    status, reason = _status(ctx)  # Jira Software and JSM alike
    assert status is ProductStatus.DEGRADED
    assert "eu-west-1" in reason
    assert "disabled" in reason.casefold()
    assert "eu-central-1" not in reason
    for product in _products(ctx):
        assert (product.primary_state, product.secondary_state) == ("Enabled", "Disabled")
    keys = _keys(ctx)
    assert (keys[PRIMARY].health, keys[PRIMARY].key_state) == ("ok", "Enabled")
    assert (keys[REPLICA].health, keys[REPLICA].key_state) == ("disabled", "Disabled")
    [event] = _events(ctx, "health")
    assert event.startswith("Degraded: ")
    assert "eu-west-1" in event
    # The same finding again is no change: no second event.
    health_check(ctx, "acme", "jira")
    assert len(_events(ctx, "health")) == 1


def test_a_recovered_key_makes_the_family_active_again_with_an_event(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.kms(REPLICA).disable_key(KeyId=jira.key_id)
    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED
    aws.kms(REPLICA).enable_key(KeyId=jira.key_id)

    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE

    assert _status(ctx) == (ProductStatus.ACTIVE, "")
    events = _events(ctx, "health")
    assert len(events) == 2
    assert events[-1] == "Active"


def test_keys_disabled_in_every_region_suspend_the_family(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    for region in EU_REGIONS:
        aws.kms(region).disable_key(KeyId=jira.key_id)

    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED

    assert _status(ctx) == (ProductStatus.SUSPENDED, "Keys disabled in every region")
    for product in _products(ctx):
        assert (product.primary_state, product.secondary_state) == ("Disabled", "Disabled")


def test_a_replica_scheduled_for_deletion_degrades_and_says_when(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.kms(REPLICA).schedule_key_deletion(KeyId=jira.key_id, PendingWindowInDays=7)
    deletion = aws.kms(REPLICA).describe_key(KeyId=jira.key_id)["KeyMetadata"]["DeletionDate"]

    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED

    status, reason = _status(ctx)
    assert status is ProductStatus.DEGRADED
    assert "eu-west-1" in reason
    assert f"scheduled for deletion on {deletion.astimezone(UTC):%Y-%m-%d}" in reason
    keys = _keys(ctx)
    assert keys[REPLICA].health == "pending_deletion"
    assert keys[REPLICA].key_state == "PendingDeletion"
    assert keys[REPLICA].deletion_date is not None
    assert keys[REPLICA].deletion_date == deletion.astimezone(UTC)
    assert keys[PRIMARY].deletion_date is None
    assert _products(ctx)[0].secondary_state == "PendingDeletion"


def test_a_trust_policy_denying_the_provider_suspends_with_permissions_revoked(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.iam.update_assume_role_policy(
        RoleName=DEFAULT_ROLE_NAME,
        PolicyDocument=json.dumps(trust_policy(DEFAULT_PROVIDER_PRINCIPAL, allow=False)),
    )

    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED

    status, reason = _status(ctx)
    assert status is ProductStatus.SUSPENDED
    assert reason.startswith("Permissions revoked")
    assert "trust policy denies the provider" in reason
    access = ctx.database.products.access("acme", "jira")
    assert access.trust_allowed is False
    assert provider_access_allowed(json.loads(access.trust_policy), DEFAULT_PROVIDER_PRINCIPAL) is (
        False
    )
    assert access.revoked_at is None  # not revoked by this app: nothing to restore


def _trust(aws: Account, *statements: Any) -> None:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    aws.iam.update_assume_role_policy(
        RoleName=DEFAULT_ROLE_NAME, PolicyDocument=json.dumps(document)
    )


PROVIDER_ALLOW = trust_policy(DEFAULT_PROVIDER_PRINCIPAL)["Statement"][0]


def test_a_later_deny_in_the_trust_policy_wins_over_the_providers_allow(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    """The provider's own statement still says Allow; a customer's Deny to everyone
    after it is what IAM applies."""
    lockdown = {
        "Sid": "Lockdown",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
    }
    _trust(aws, PROVIDER_ALLOW, lockdown)

    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED

    reason = _status(ctx)[1]
    assert reason.startswith("Permissions revoked")
    assert "trust policy denies the provider (statement 'Lockdown' of the trust policy)" in reason
    assert ctx.database.products.access("acme", "jira").trust_allowed is False


def test_a_trust_policy_with_a_condition_is_unknown_never_ok(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    conditional = {
        **PROVIDER_ALLOW,
        "Condition": {"StringEquals": {"sts:ExternalId": "acme-7d1f"}},
    }
    _trust(aws, conditional)

    result = health_check(ctx, "acme", "jira")

    assert result.error == ""
    assert result.status is ProductStatus.ACTIVE  # the last known status, kept
    reason = _status(ctx)[1]
    assert reason.startswith("Partly unknown since ")
    assert "trust policy unknown (can't tell" in reason
    assert f"statement '{PROVIDER_SID}' of the trust policy has a condition" in reason
    assert "sts:ExternalId" in reason
    assert ctx.database.products.access("acme", "jira").trust_allowed is None
    # From Suspended (the trust denied the provider), a conditional Allow is no restore.
    _trust(aws, trust_policy(DEFAULT_PROVIDER_PRINCIPAL, allow=False)["Statement"][0])
    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED
    _trust(aws, conditional)
    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED
    assert "can't tell" in _status(ctx)[1]


def test_a_deleted_role_suspends_and_is_named(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.iam.delete_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName=PERMISSION_POLICY_NAME)
    aws.iam.delete_role(RoleName=DEFAULT_ROLE_NAME)

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.SUSPENDED
    assert result.error == ""  # AWS answered: the role is gone, which is a finding
    status, reason = _status(ctx)
    assert status is ProductStatus.SUSPENDED
    assert reason.startswith("Permissions revoked")
    assert f"role {DEFAULT_ROLE_NAME} no longer exists" in reason
    assert ctx.database.products.access("acme", "jira").trust_allowed is False


def _root_statement(actions: str | list[str]) -> dict[str, Any]:
    return {
        "Sid": "AccountAdministration",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": actions,
        "Resource": "*",
    }


KEY_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]


def _put_key_policy(aws: Account, key_id: str, region: str, *statements: Any) -> None:
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    aws.kms(region).put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))


def _app_key_policy(aws: Account, key_id: str, region: str) -> list[Any]:
    text = aws.kms(region).get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    return list(json.loads(text)["Statement"])


def _role_statement(effect: str, actions: str | list[str], **more: Any) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Principal": {"AWS": ROLE_ARN},
        "Action": actions,
        "Resource": "*",
        **more,
    }


def test_a_key_policy_without_the_role_degrades_as_not_granted(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    # Key administration for the account, and nothing that uses the key: no IAM policy
    # of the account can then let the role use it.
    _put_key_policy(aws, jira.key_id, PRIMARY, _root_statement(KEY_ADMIN_ACTIONS))

    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED

    status, reason = _status(ctx)
    assert status is ProductStatus.DEGRADED
    assert "eu-central-1" in reason
    assert "no longer lets the key-management role use the key" in reason
    assert "kms:Encrypt is not allowed" in reason
    keys = _keys(ctx)
    assert keys[PRIMARY].health == "not_granted"
    assert keys[PRIMARY].key_state == "Enabled"
    assert keys[REPLICA].health == "ok"
    assert _products(ctx)[0].primary_state == "Not granted"
    access = ctx.database.products.access("acme", "jira")
    assert access.key_policy_ok is False
    assert not key_policy_grants_role(json.loads(access.key_policy), ROLE_ARN)


def test_a_later_explicit_deny_in_a_key_policy_degrades_and_is_named(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    """The app's own statements still allow the role; a Deny added after them wins."""
    statements = _app_key_policy(aws, jira.key_id, REPLICA)
    deny = _role_statement("Deny", "kms:Decrypt", Sid="NoDecryptForVendor")
    _put_key_policy(aws, jira.key_id, REPLICA, *statements, deny)

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.DEGRADED
    assert result.error == ""
    reason = _status(ctx)[1]
    assert "eu-west-1: Key policy denies the key-management role kms:Decrypt" in reason
    assert "'NoDecryptForVendor'" in reason
    assert "eu-central-1" not in reason
    assert (_keys(ctx)[REPLICA].health, _keys(ctx)[PRIMARY].health) == ("not_granted", "ok")
    assert ctx.database.products.access("acme", "jira").key_policy_ok is False


def test_a_wildcard_deny_in_every_region_suspends(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    for region in EU_REGIONS:
        statements = _app_key_policy(aws, jira.key_id, region)
        # Wildcards that leave out what the check itself calls (moto applies key-policy
        # Denies to every caller).
        deny = _role_statement("Deny", ["kms:*CRYPT*", "kms:GenerateDataKey*"], Sid="CutOff")
        _put_key_policy(aws, jira.key_id, region, deny, *statements)

    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED

    reason = _status(ctx)[1]
    assert reason.startswith("No usable key: ")
    assert reason.count("Key policy denies the key-management role") == 2
    assert {k.health for k in _keys(ctx).values()} == {"not_granted"}


def test_a_key_policy_granting_through_the_account_only_is_not_a_guess(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    """With only the account in the key policy, the role's IAM policies decide: the
    check can't tell, keeps the last status and says why, and AWS did answer."""
    _put_key_policy(aws, jira.key_id, PRIMARY, _root_statement("kms:*"))

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.ACTIVE  # the last known status: not a new OK
    assert result.error == ""  # a finding, not a failure to ask
    reason = _status(ctx)[1]
    assert reason.startswith("Partly unknown since ")
    assert "eu-central-1: unknown (can't tell: statement 'AccountAdministration'" in reason
    assert "through the account's IAM policies" in reason
    keys = _keys(ctx)
    assert (keys[PRIMARY].health, keys[REPLICA].health) == ("unknown", "ok")
    access = ctx.database.products.access("acme", "jira")
    assert access.key_policy_ok is True  # not changed on a guess
    assert access.check_error == ""
    assert access.rotation_enabled is True  # still read: AWS answered


def test_a_conditional_deny_in_a_key_policy_is_unknown_not_ok(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.kms(REPLICA).disable_key(KeyId=jira.key_id)
    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED
    aws.kms(REPLICA).enable_key(KeyId=jira.key_id)
    statements = _app_key_policy(aws, jira.key_id, REPLICA)
    maybe = _role_statement(
        "Deny",
        ["kms:Encrypt", "kms:Decrypt"],
        Sid="OnlyThroughS3",
        Condition={"StringNotEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
    )
    _put_key_policy(aws, jira.key_id, REPLICA, *statements, maybe)

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.DEGRADED  # kept: never Active on a guess
    reason = _status(ctx)[1]
    assert "eu-west-1: unknown (can't tell: statement 'OnlyThroughS3' of the key policy" in reason
    assert "kms:ViaService" in reason
    assert _keys(ctx)[REPLICA].health == "unknown"


def test_a_key_tagged_for_another_site_is_the_wrong_key(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.kms(REPLICA).tag_resource(
        KeyId=jira.key_id, Tags=[{"TagKey": TAG_SITE, "TagValue": "rival"}]
    )

    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED

    status, reason = _status(ctx)
    assert status is ProductStatus.DEGRADED
    assert "eu-west-1: Wrong key" in reason
    assert "'rival'" in reason
    assert _keys(ctx)[REPLICA].health == "wrong_key"
    assert _products(ctx)[0].secondary_state == "Wrong key"


def _record_key(ctx: AppContext, region: str, key_id: str) -> None:
    arn = f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"
    with ctx.database.engine.begin() as conn:
        conn.execute(
            update(FamilyKeyRow)
            .where(
                FamilyKeyRow.site_key == "acme",
                FamilyKeyRow.family == "jira",
                FamilyKeyRow.region == region,
            )
            .values(key_id=key_id, key_arn=arn)
        )


NO_SUCH_KEY = "mrk-" + "0123456789abcdef" * 2


def test_a_recorded_key_that_does_not_exist_is_missing(ctx: AppContext, jira: Provisioned) -> None:
    _record_key(ctx, REPLICA, NO_SUCH_KEY)

    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED

    status, reason = _status(ctx)
    assert status is ProductStatus.DEGRADED
    assert "eu-west-1: Key missing" in reason
    assert NO_SUCH_KEY in reason
    keys = _keys(ctx)
    assert (keys[REPLICA].health, keys[PRIMARY].health) == ("missing", "ok")
    assert _products(ctx)[0].secondary_state == "Missing"


def test_recorded_keys_missing_in_both_regions_suspend(ctx: AppContext, jira: Provisioned) -> None:
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE
    for region in EU_REGIONS:
        _record_key(ctx, region, NO_SUCH_KEY)

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.SUSPENDED
    status, reason = _status(ctx)
    assert status is ProductStatus.SUSPENDED
    assert reason.startswith("No usable key: ")
    assert reason.count("Key missing") == 2
    # Rotation cannot be read for a missing key: the last value seen is kept.
    assert ctx.database.products.access("acme", "jira").rotation_enabled is True


@pytest.fixture
def dead_endpoint() -> Iterator[str]:
    """A local port that is bound but never listens: every connection is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_unreachable_aws_keeps_the_last_known_status_and_says_since_when(
    ctx: AppContext, jira: Provisioned, dead_endpoint: str
) -> None:
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE
    before = _keys(ctx)
    access_before = ctx.database.products.access("acme", "jira")
    ctx.settings_service.override(
        aws_endpoint_url=dead_endpoint, aws_max_attempts=1, aws_connect_timeout_s=0.5
    )

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.ACTIVE  # never a guess
    assert "Could not reach AWS" in result.error
    status, reason = _status(ctx)
    assert status is ProductStatus.ACTIVE
    assert reason.startswith("Last known status. Unknown since ")
    assert "Could not reach AWS" in reason
    after = _keys(ctx)
    for region in EU_REGIONS:
        key, old = after[region], before[region]
        assert key.health == "unknown"
        assert key.key_state == "Enabled"  # the last state seen
        assert key.seen_at == old.seen_at
        assert key.checked_at is not None
        assert old.checked_at is not None
        assert key.checked_at > old.checked_at
    access = ctx.database.products.access("acme", "jira")
    assert access.trust_allowed is True  # kept: the trust policy was not read
    assert access.trust_policy == access_before.trust_policy
    assert access.key_policy == access_before.key_policy
    assert access.rotation_enabled is True
    assert "Could not reach AWS" in access.check_error
    # Once AWS answers again the check is complete and the error is gone.
    ctx.settings_service.override(aws_endpoint_url="", aws_max_attempts=5)
    assert health_check(ctx, "acme", "jira").error == ""
    assert _status(ctx) == (ProductStatus.ACTIVE, "")
    assert ctx.database.products.access("acme", "jira").check_error == ""


def test_unreachable_aws_keeps_a_degraded_family_degraded(
    ctx: AppContext, jira: Provisioned, aws: Account, dead_endpoint: str
) -> None:
    aws.kms(REPLICA).disable_key(KeyId=jira.key_id)
    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED
    ctx.settings_service.override(
        aws_endpoint_url=dead_endpoint, aws_max_attempts=1, aws_connect_timeout_s=0.5
    )

    assert health_check(ctx, "acme", "jira").status is ProductStatus.DEGRADED

    assert _keys(ctx)[REPLICA].key_state == "Disabled"
    assert "Unknown since" in _status(ctx)[1]


def test_no_profile_for_the_account_makes_the_check_unknown(
    ctx: AppContext, jira: Provisioned
) -> None:
    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE
    for profile in ctx.credentials.profiles.list():
        ctx.credentials.delete(profile.uid)

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.ACTIVE
    assert f"No verified profile opens account {ACCOUNT}" in result.error
    status, reason = _status(ctx)
    assert status is ProductStatus.ACTIVE
    assert "Unknown since" in reason
    assert f"No verified profile opens account {ACCOUNT}" in reason
    assert {k.health for k in _keys(ctx).values()} == {"unknown"}
    assert {k.key_state for k in _keys(ctx).values()} == {"Enabled"}


def test_a_profile_whose_secret_is_gone_makes_the_check_unknown(
    ctx: AppContext, jira: Provisioned
) -> None:
    [profile] = ctx.credentials.profiles.list()
    ctx.credentials.secrets.delete(profile.uid)

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.ACTIVE
    assert "keyring has no secret" in result.error
    assert "Unknown since" in _status(ctx)[1]


def test_rotation_turned_off_stays_active_with_a_note(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    aws.kms(PRIMARY).disable_key_rotation(KeyId=jira.key_id)

    assert health_check(ctx, "acme", "jira").status is ProductStatus.ACTIVE

    status, reason = _status(ctx)
    assert status is ProductStatus.ACTIVE
    assert "rotation is off" in reason
    assert ctx.database.products.access("acme", "jira").rotation_enabled is False


def test_a_family_still_provisioning_is_left_to_its_job(ctx: AppContext) -> None:
    [job_id] = submit(ctx, "acme", JIRA_PRODUCTS)  # submitted, never run
    before = _products(ctx)
    assert {p.status for p in before} == {ProductStatus.PROVISIONING}

    result = health_check(ctx, "acme", "jira")

    assert result.status is ProductStatus.PROVISIONING
    after = _products(ctx)
    assert [(p.status, p.status_reason, p.health_checked_at) for p in after] == [
        (p.status, p.status_reason, p.health_checked_at) for p in before
    ]
    assert _events(ctx, "health") == []
    assert ctx.database.products.provisioned_families() == []
    assert ctx.database.jobs.get(job_id).status.open


def test_a_check_while_provisioning_leaves_no_stale_findings(ctx: AppContext) -> None:
    [job_id] = submit(ctx, "acme", JIRA_PRODUCTS)
    health_check(ctx, "acme", "jira")  # before the job ran: no role, no key yet

    assert job_runner(ctx).run(job_id, "test").status is JobStatus.SUCCEEDED

    assert _status(ctx) == (ProductStatus.ACTIVE, "")
    assert ctx.database.products.access("acme", "jira").trust_allowed is not False


def test_families_of_one_account_are_checked_in_one_run(
    ctx: AppContext, jira: Provisioned, aws: Account
) -> None:
    wiki = provision(ctx, "beta", frozenset({Product.CONFLUENCE}))
    aws.kms(PRIMARY).disable_key(KeyId=wiki.key_id)
    service = HealthService(ctx.database, ctx.credentials, lambda: ctx.settings)
    seen: list[tuple[str, str]] = []

    results = service.check(
        ctx.database.products.provisioned_families(),
        on_result=lambda r: seen.append((r.site_key, r.family)),
    )

    assert seen == [("acme", "jira"), ("beta", "confluence")]
    assert [r.status for r in results] == [ProductStatus.ACTIVE, ProductStatus.DEGRADED]
    [confluence] = family_of(ctx, "beta", "confluence")
    assert confluence.status is ProductStatus.DEGRADED
    assert _status(ctx) == (ProductStatus.ACTIVE, "")  # acme's key is another key


def test_a_cancelled_run_checks_no_further_family(ctx: AppContext, jira: Provisioned) -> None:
    service = HealthService(ctx.database, ctx.credentials, lambda: ctx.settings)
    assert service.check([("acme", "jira")], cancelled=lambda: True) == []
    assert all(p.health_checked_at is None for p in _products(ctx))


def test_a_family_gone_from_the_site_is_reported_and_the_run_goes_on(
    ctx: AppContext, jira: Provisioned
) -> None:
    service = HealthService(ctx.database, ctx.credentials, lambda: ctx.settings)
    gone, present = service.check([("acme", "confluence"), ("acme", "jira")])
    assert gone.error == "no products"
    assert present.status is ProductStatus.ACTIVE
    assert present.error == ""


def test_iam_refusing_to_show_the_role_is_not_taken_for_restored_access(
    ctx: AppContext, jira: Provisioned, aws: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trust denied outside the app, then the profile loses iam:GetRole: the trust is
    unknown, so the family must not become Active on a guess."""
    aws.iam.update_assume_role_policy(
        RoleName=DEFAULT_ROLE_NAME,
        PolicyDocument=json.dumps(trust_policy(DEFAULT_PROVIDER_PRINCIPAL, allow=False)),
    )
    assert health_check(ctx, "acme", "jira").status is ProductStatus.SUSPENDED
    faults = AwsFaults.install(monkeypatch)
    faults.inject("iam:GetRole", access_denied())

    result = health_check(ctx, "acme", "jira")

    assert "Access denied" in result.error
    assert ctx.database.products.access("acme", "jira").trust_allowed is False  # kept
    assert result.status is ProductStatus.SUSPENDED, _status(ctx)
