"""Policy evaluation as IAM does it, table-driven with hand-written policies: explicit
Deny wins, an Allow is needed, and whatever the app cannot evaluate is "can't tell"."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from byok_desktop.health.policy_eval import Verdict, decide, decide_all, parse

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/atlassian-key-management"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
PROVIDER = "arn:aws:iam::279766244153:role/Cryptor-OSB-Provider"
KEY = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/mrk-1234abcd"

ALLOWED, DENIED, NOT_GRANTED, CANT_TELL = (
    Verdict.ALLOWED,
    Verdict.DENIED,
    Verdict.NOT_GRANTED,
    Verdict.CANT_TELL,
)


def allow(principal: Any = None, action: Any = "kms:Decrypt", **more: Any) -> dict[str, Any]:
    return _statement("Allow", principal, action, more)


def deny(principal: Any = None, action: Any = "kms:Decrypt", **more: Any) -> dict[str, Any]:
    return _statement("Deny", principal, action, more)


def _statement(effect: str, principal: Any, action: Any, more: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect}
    statement["Principal"] = {"AWS": ROLE} if principal is None else principal
    if action is not None:
        statement["Action"] = action
    statement.update(more)
    return statement


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@dataclass(frozen=True)
class Row:
    name: str
    policy: Any
    verdict: Verdict
    statement: str = ""  # the deciding statement, when one decides
    principal: str = ROLE
    action: str = "kms:Decrypt"
    resource: str | None = KEY
    context: dict[str, list[str]] = field(default_factory=dict)
    through_account: bool = False


MANAGED = {"StringEquals": {"aws:ResourceTag/byok:managed-by": "byok-desktop"}}

ROWS = [
    Row("an allow naming the role", doc(allow(Sid="Use")), ALLOWED, "Use"),
    Row("no statement at all", doc(), NOT_GRANTED),
    Row("an allow for another role only", doc(allow({"AWS": OTHER_ROLE})), NOT_GRANTED),
    Row("an allow for another action only", doc(allow(action="kms:Encrypt")), NOT_GRANTED),
    Row(
        "a later explicit deny beats an earlier allow",
        doc(allow(Sid="Use"), deny(Sid="Stop")),
        DENIED,
        "Stop",
    ),
    Row(
        "an earlier explicit deny beats a later allow",
        doc(deny(Sid="Stop"), allow(Sid="Use")),
        DENIED,
        "Stop",
    ),
    Row("a deny with kms:*", doc(allow(), deny(action="kms:*", Sid="All")), DENIED, "All"),
    Row("a deny with a bare *", doc(allow(), deny(action="*", Sid="All")), DENIED, "All"),
    Row("a deny alone is denied, not merely not granted", doc(deny(Sid="D")), DENIED, "D"),
    Row(
        "a deny of another action leaves the allow",
        doc(allow(Sid="Use"), deny(action="kms:ScheduleKeyDeletion")),
        ALLOWED,
        "Use",
    ),
    Row(
        "the role in a principal list",
        doc(allow({"AWS": [OTHER_ROLE, ROLE]}, Sid="Both")),
        ALLOWED,
        "Both",
    ),
    Row(
        "a deny naming the role in a list",
        doc(allow(), deny({"AWS": [OTHER_ROLE, ROLE]}, Sid="D")),
        DENIED,
        "D",
    ),
    Row("the principal *", doc(allow("*", Sid="Any")), ALLOWED, "Any"),
    Row("the principal AWS: *", doc(allow({"AWS": "*"}, Sid="Any")), ALLOWED, "Any"),
    Row("a deny to everyone", doc(allow(), deny("*", Sid="Nobody")), DENIED, "Nobody"),
    Row(
        "the account root allows through the account's IAM policies",
        doc(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", Sid="Root")),
        ALLOWED,
        "Root",
        through_account=True,
    ),
    Row(
        "a bare account ID is the account",
        doc(allow({"AWS": ACCOUNT}, "kms:*", Sid="Acct")),
        ALLOWED,
        "Acct",
        through_account=True,
    ),
    Row(
        "another account's root does not match",
        doc(allow({"AWS": "arn:aws:iam::444455556666:root"}, "kms:*")),
        NOT_GRANTED,
    ),
    Row(
        "a statement naming the role wins over the account",
        doc(allow({"AWS": ACCOUNT}, "kms:*", Sid="Acct"), allow(Sid="Role")),
        ALLOWED,
        "Role",
    ),
    Row(
        "a deny to the account reaches the role",
        doc(allow(), deny({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", Sid="Acct")),
        DENIED,
        "Acct",
    ),
    Row(
        "the provider's account root trusts the provider role",
        doc(allow({"AWS": "279766244153"}, "sts:AssumeRole", Sid="Trust")),
        ALLOWED,
        "Trust",
        principal=PROVIDER,
        action="sts:AssumeRole",
        resource=None,
        through_account=True,
    ),
    Row(
        "an account principal asking is the account itself",
        doc(allow({"AWS": "279766244153"}, "sts:AssumeRole", Sid="Trust")),
        ALLOWED,
        "Trust",
        principal="arn:aws:iam::279766244153:root",
        action="sts:AssumeRole",
        resource=None,
    ),
    Row(
        "a service principal is not the role",
        doc(allow({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole")),
        NOT_GRANTED,
        principal=PROVIDER,
        action="sts:AssumeRole",
        resource=None,
    ),
    Row(
        "an allow with a condition can't tell",
        doc(allow(Sid="Cond", Condition={"Bool": {"aws:SecureTransport": "true"}})),
        CANT_TELL,
        "Cond",
    ),
    Row(
        "a conditional deny beside an unconditional allow can't tell",
        doc(
            allow(Sid="Use"),
            deny(Sid="Maybe", Condition={"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}}),
        ),
        CANT_TELL,
        "Maybe",
    ),
    Row(
        "an unconditional deny wins over a conditional one",
        doc(
            allow(),
            deny(Sid="Maybe", Condition={"StringEquals": {"kms:ViaService": "x"}}),
            deny(Sid="Sure"),
        ),
        DENIED,
        "Sure",
    ),
    Row(
        "a conditional deny without any allow is still not granted",
        doc(deny(Condition={"StringEquals": {"kms:ViaService": "x"}})),
        NOT_GRANTED,
    ),
    Row(
        "a conditional allow beside an unconditional allow is allowed",
        doc(
            allow(Sid="Maybe", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            allow(Sid="Sure"),
        ),
        ALLOWED,
        "Sure",
    ),
    Row(
        "a condition on a tag the check knows is evaluated",
        doc(allow(Sid="Tagged", Condition=MANAGED)),
        ALLOWED,
        "Tagged",
        context={"aws:ResourceTag/byok:managed-by": ["byok-desktop"]},
    ),
    Row(
        "a condition on a tag the key does not have",
        doc(allow(Condition=MANAGED)),
        NOT_GRANTED,
        context={"aws:ResourceTag/byok:managed-by": []},
    ),
    Row(
        "a negated condition on a tag the key has",
        doc(
            allow(),
            deny(
                Sid="NotOurs",
                Condition={"StringNotEquals": {"aws:ResourceTag/byok:managed-by": "byok-desktop"}},
            ),
        ),
        ALLOWED,
        context={"aws:ResourceTag/byok:managed-by": ["byok-desktop"]},
    ),
    Row(
        "a StringLike on a multivalued key needs ForAnyValue",
        doc(
            allow(
                Sid="Alias",
                Condition={"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/cryptor-*"}},
            )
        ),
        ALLOWED,
        "Alias",
        context={"kms:ResourceAliases": ["alias/other", "alias/cryptor-acme-jira"]},
    ),
    Row(
        "NotAction that leaves out the action denies it",
        doc(allow(), deny(action=None, NotAction="kms:Describe*", Sid="AllButDescribe")),
        DENIED,
        "AllButDescribe",
    ),
    Row(
        "NotAction that names the action does not apply",
        doc(allow(Sid="Use"), deny(action=None, NotAction=["kms:Decrypt", "kms:Encrypt"])),
        ALLOWED,
        "Use",
    ),
    Row(
        "NotPrincipal can't tell",
        doc(
            allow(),
            {"Sid": "NP", "Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "kms:*"},
        ),
        CANT_TELL,
        "NP",
    ),
    Row(
        "a single statement object",
        {"Version": "2012-10-17", "Statement": allow(Sid="Alone")},
        ALLOWED,
        "Alone",
    ),
    Row("an action wildcard kms:*", doc(allow(action="kms:*")), ALLOWED, "#1"),
    Row(
        "an action wildcard kms:Gen*",
        doc(allow(action="kms:Gen*")),
        ALLOWED,
        action="kms:GenerateDataKeyWithoutPlaintext",
    ),
    Row("kms:Gen* does not cover Decrypt", doc(allow(action="kms:Gen*")), NOT_GRANTED),
    Row("an action wildcard ?", doc(allow(action="kms:?ecrypt")), ALLOWED),
    Row("actions ignore case", doc(allow(action="KMS:decrypt")), ALLOWED),
    Row("a deny ignores case too", doc(allow(), deny(action="Kms:DECRYPT*")), DENIED, "#2"),
    Row(
        "role names ignore case",
        doc(allow({"AWS": ROLE.upper().replace("ARN:AWS:IAM", "arn:aws:iam")})),
        ALLOWED,
    ),
    Row(
        "the key's own ARN as the resource",
        doc(allow(Resource=KEY, Sid="ThisKey")),
        ALLOWED,
        "ThisKey",
    ),
    Row(
        "a resource pattern of another region",
        doc(allow(Resource=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*")),
        NOT_GRANTED,
    ),
    Row(
        "a resource pattern without a resource to compare can't tell",
        doc(allow(Resource=f"arn:aws:kms:*:{ACCOUNT}:key/*", Sid="R")),
        CANT_TELL,
        "R",
        resource=None,
    ),
    Row("an unknown Effect can't tell", doc(allow(), {**deny(), "Effect": "deny"}), CANT_TELL),
    Row("JSON text is parsed", json.dumps(doc(allow(Sid="Text"))), ALLOWED, "Text"),
    Row("text that is not JSON can't tell", "{not json", CANT_TELL),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_policy_evaluation(row: Row) -> None:
    decision = decide(row.policy, row.principal, row.action, row.resource, row.context)
    assert decision.verdict is row.verdict, decision
    if row.statement:
        assert decision.statement == row.statement
    assert decision.through_account is row.through_account
    if row.verdict is CANT_TELL:
        assert decision.reason  # says why


def test_the_table_covers_every_verdict() -> None:
    assert {r.verdict for r in ROWS} == set(Verdict)
    assert len(ROWS) >= 25


def test_a_cant_tell_names_the_statement_and_the_condition() -> None:
    policy = doc(allow(Sid="OnlyFromVpc", Condition={"StringEquals": {"aws:SourceVpc": "v"}}))
    decision = decide(policy, ROLE, "kms:Decrypt", KEY)
    assert decision.where() == "statement 'OnlyFromVpc' of the policy"
    assert "aws:SourceVpc" in decision.reason
    unnamed = decide(doc(allow(), deny(Condition={"Bool": {"x": "y"}})), ROLE, "kms:Decrypt")
    assert unnamed.where("key policy") == "statement #2 of the key policy"
    broken = decide("[]", ROLE, "kms:Decrypt")
    assert (broken.where(), broken.reason) == ("the policy", "is not a policy document")


def test_several_needed_actions_give_the_worst_answer() -> None:
    actions = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
    granted = doc(allow(action=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"]))
    assert decide_all(granted, ROLE, actions, KEY).verdict is ALLOWED
    partial = doc(allow(action=["kms:Encrypt", "kms:Decrypt"]))
    missing = decide_all(partial, ROLE, actions, KEY)
    assert (missing.verdict, missing.action) == (NOT_GRANTED, "kms:GenerateDataKey")
    denied = doc(allow(action="kms:*"), deny(action="kms:Encrypt", Sid="NoEncrypt"))
    decision = decide_all(denied, ROLE, actions, KEY)
    assert (decision.verdict, decision.action, decision.statement) == (
        DENIED,
        "kms:Encrypt",
        "NoEncrypt",
    )


def test_parse_accepts_one_statement_or_a_list() -> None:
    assert parse({"Statement": {"Effect": "Allow"}}) == [{"Effect": "Allow"}]
    assert parse('{"Statement": []}') == []
    assert parse("[1, 2]") is None
