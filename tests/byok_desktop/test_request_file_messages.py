"""What the request-file reader says about files people actually send: one table, each
row a file and the exact sentence it must get (issue 15, item 7)."""

from __future__ import annotations

import json

import pytest

from byok_desktop.request_file import FORMAT_ID, UID_MAX, UID_MIN, RequestFileError, parse

GOOD = {
    "uid": "6f1c2a8e-4d0b-4c5e-9a51-0d7a3b2f9e10",
    "aws_account_id": "012345678901",
    "site_name": "acme",
    "desired_users": 1500,
    "location": "eu",
    "products": ["jira-software"],
    "customer_org": "Acme",
    "requester": {"name": "Ada", "email": "ada@acme.example", "is_org_admin": True},
}


def _file(**request: object) -> str:
    body = {"format": FORMAT_ID, "version": 1, "requests": [{**GOOD, **request}]}
    return json.dumps(body)


def _with_users(literal: str) -> str:
    return _file(desired_users="USERS").replace('"USERS"', literal)


# (file text, where, message); where "" is the whole file
CASES = {
    "1e9 users": (_with_users("1e9"), "requests[0].desired_users",
                  "1e9 is written as a decimal number; write 1000000000."),
    "1500.0 users": (_with_users("1500.0"), "requests[0].desired_users",
                     "1500.0 is written as a decimal number; write 1500."),
    "a fraction of a user": (_with_users("2.5"), "requests[0].desired_users",
                             "must be a whole number, not 2.5."),
    "version as text": (_file().replace('"version": 1', '"version": "1"'), "",
                        "version must be the number 1, not text."),
    "a list": ("[" + json.dumps(GOOD) + "]", "",
               "this file is a list; a request file is an object with format, version and "
               "requests."),
    "empty": ("", "", "the file is empty."),
    "only blanks": ("  \n\t\n", "", "the file is empty."),
    "cut off": (_file()[:-40], "", "the file ends early; it may have been cut off."),
    "a duplicated key": (_file().replace('"site_name": "acme"',
                                         '"site_name": "acme", "site_name": "other"'), "",
                         'the key "site_name" appears twice in one object (line 1); keep one.'),
    "uid too short": (_file(uid="abc"), "requests[0].uid",
                      f"is 3 characters long; a uid has {UID_MIN} to {UID_MAX} characters "
                      "(the app writes 36)."),
    "uid too long": (_file(uid="u" * 37), "requests[0].uid",
                     f"is 37 characters long; a uid has {UID_MIN} to {UID_MAX} characters "
                     "(the app writes 36)."),
    "uid not ASCII": (_file(uid="übersite-0001"), "requests[0].uid",
                      "may hold only printable ASCII characters (letters, digits, hyphens…)."),
    "users as a list": (_file(desired_users=[1]), "requests[0].desired_users",
                        "must be a number, not a list."),
    "account as a decimal number": (_with_users("1500").replace('"012345678901"', "1.5"),
                                    "requests[0].aws_account_id", "must be text, not a number."),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_reader_says_what_is_wrong(case: str) -> None:
    text, where, message = CASES[case]
    with pytest.raises(RequestFileError) as caught:
        parse(text.encode("utf-8"), "in.byok.json")
    found = [(p.where, p.message) for p in caught.value.problems]
    assert (where, message) in found, found


@pytest.mark.parametrize("uid", ["a" * UID_MIN, "b" * UID_MAX, GOOD["uid"]])
def test_uids_the_docs_allow_are_read(uid: str) -> None:
    (draft,) = parse(_file(uid=uid).encode("utf-8"), "in.byok.json")
    assert draft.uid == uid


def test_the_docs_state_the_uid_rule_the_reader_applies() -> None:
    from tests.helpers import REPO

    docs = (REPO / "docs" / "request-file.md").read_text("utf-8")
    assert f"string, {UID_MIN}–{UID_MAX} printable ASCII" in docs
