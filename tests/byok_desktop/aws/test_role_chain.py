"""Role chaining into the customer's account: the rep's identity assumes the customer's
provisioning role with the customer's ExternalId (moto plus the realistic layer, which
enforces the trust policy and its ExternalId as AWS does)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from moto import mock_aws

from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.aws.identity import caller_identity
from byok_desktop.aws.realism import Realism, RealisticAws
from byok_desktop.aws.role_chain import (
    SESSION_NAME_MAX,
    CustomerRole,
    chained_connection,
    session_name,
    verified_account,
)
from tests.helpers.customer_account import CUSTOMER, REP, connection, make_provisioning_role

EXTERNAL_ID = "k3y-2cK0ZpJ9f1X0aQ"
REQUEST_UID = "0b9f7c9e-1f3c-4a55-9d43-4b1f2c3d4e5f"
_STS_NAME = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)


@pytest.fixture
def layer() -> Iterator[RealisticAws]:
    with mock_aws():
        yield RealisticAws(Realism.quick(principal_delay_s=0.0, trust_delay_s=0.0))


@pytest.fixture
def role_arn(layer: RealisticAws) -> str:
    return make_provisioning_role(connection(layer, CUSTOMER), EXTERNAL_ID)


def _role(arn: str, external_id: str = EXTERNAL_ID) -> CustomerRole:
    return CustomerRole(arn, external_id, session_name("ada.sso-acme", REQUEST_UID))


def test_the_right_external_id_opens_the_customers_account(
    layer: RealisticAws, role_arn: str
) -> None:
    chained = chained_connection(connection(layer, REP), _role(role_arn))
    identity = verified_account(chained, _role(role_arn), CUSTOMER)
    assert identity.account_id == CUSTOMER
    # CloudTrail names the rep and the request: the session name is in the ARN.
    assert identity.arn.endswith(f"/byok-provisioning/ada.sso-acme@{REQUEST_UID}")
    assert caller_identity(connection(layer, REP)).account_id == REP  # the rep is unchanged


@pytest.mark.parametrize("external_id", ["wrong-external-id", ""])
def test_a_wrong_or_missing_external_id_is_refused_with_a_sentence_naming_it(
    layer: RealisticAws, role_arn: str, external_id: str
) -> None:
    chained = chained_connection(connection(layer, REP), _role(role_arn, external_id))
    with pytest.raises(AwsProblem) as caught:
        caller_identity(chained)
    assert caught.value.fault is AwsFault.ACCESS_DENIED
    assert "ExternalId" in str(caught.value)
    assert role_arn in str(caught.value)
    assert "setup kit" in str(caught.value)


def test_another_account_than_the_requests_stops(layer: RealisticAws, role_arn: str) -> None:
    chained = chained_connection(connection(layer, REP), _role(role_arn))
    with pytest.raises(AwsProblem) as caught:
        verified_account(chained, _role(role_arn), "555566667777")
    assert caught.value.fault is AwsFault.ACCOUNT_MISMATCH
    assert f"opened AWS account {CUSTOMER}" in str(caught.value)
    assert "555566667777" in str(caught.value)


def test_an_account_the_trust_does_not_name_is_refused(layer: RealisticAws, role_arn: str) -> None:
    chained = chained_connection(connection(layer, "999988887777"), _role(role_arn))
    with pytest.raises(AwsProblem, match="ExternalId"):
        caller_identity(chained)


def test_credentials_are_fetched_once_and_kept_in_memory(
    layer: RealisticAws, role_arn: str
) -> None:
    base = connection(layer, REP)
    calls: list[str] = []
    base.client("sts").meta.events.register(
        "before-call.sts.AssumeRole", lambda **_: calls.append("assume")
    )
    chained = chained_connection(base, _role(role_arn))
    chained.client("kms", "eu-central-1").list_keys()
    chained.client("kms", "eu-west-1").list_keys()
    assert calls == ["assume"]
    assert "AssumedRoleSource" in repr(chained)
    assert "secret-value" not in repr(chained)


# --- session names ------------------------------------------------------------------------


def test_session_name_names_the_rep_and_the_request() -> None:
    assert session_name("ada.acme-sso", REQUEST_UID) == f"ada.acme-sso@{REQUEST_UID}"


@pytest.mark.parametrize(
    "rep",
    ["Ada Lovelace (SSO: acme/prod)", "é" * 10, "", "x" * 200, "a:b;c\nd"],
)
def test_session_name_keeps_to_aws_rule_and_the_whole_request_uid(rep: str) -> None:
    name = session_name(rep, REQUEST_UID)
    assert _STS_NAME.match(name), name
    assert len(name) <= SESSION_NAME_MAX
    assert name.endswith(f"@{REQUEST_UID}")
