"""Bad input everywhere (issue 7): arbitrary unicode, huge values, wrong types, missing and
extra fields, deep nesting and a 50 MB file. Validators and normalisers never raise; the
request-file reader answers with a RequestFileError whose problems say where and what;
and an import that is refused leaves the database exactly as it was.

Tests marked ``xfail(strict=True)`` pin production bugs found here: each reason names the
code and the input. When a bug is fixed the test passes, strict xfail fails it, and the
marker is removed.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from byok_desktop.context import AppContext, open_context
from byok_desktop.locations import Location
from byok_desktop.paths import resolve_paths
from byok_desktop.products import Product, ProductFamily
from byok_desktop.request import Field, RequestDraft, RequestStatus
from byok_desktop.request_file import (
    FORMAT_ID,
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    MAX_REQUESTS,
    MAX_TEXT,
    FileProblem,
    RequestFileError,
    dumps,
    excerpt,
    parse,
    read_file,
)
from byok_desktop.store.requests import RequestStore
from byok_desktop.tiers import builtin_tier_table
from byok_desktop.transfer import OnConflict, import_files
from byok_desktop.validation import (
    Severity,
    SiteClaim,
    account_id_problems,
    email_problems,
    normalise_account_id,
    normalise_site_name,
    normalise_users,
    normalised,
    parse_users,
    site_name_problems,
    users_problems,
    validate,
)
from tests.helpers import REPO
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring

ROOT = REPO
TIERS = builtin_tier_table()
FILE = "in.byok.json"
MB = 1_048_576
SIZE_LIMIT_TEXT = f"request files are at most {MAX_FILE_BYTES // MB} MB"
# A message is a sentence for a person: it never echoes a megabyte of input back.
MESSAGE_MAX = 500

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Fewer examples where each one is slow (a database, files, whole documents).
HEAVY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)

# --- strategies ---------------------------------------------------------------------------

# Characters that break naive text handling: NUL and other C0/C1 controls, line and
# paragraph separators, bidi overrides and marks, zero-width characters, combining marks,
# a BOM, non-characters, emoji with joiners.
TRICKY_CHARS = list(
    "\x00\x07\x1b\t\n\r\x7f\x85"  # NUL, bell, escape, C0 and C1 line breaks, DEL
    "\u2028\u2029"  # line and paragraph separators
    "\u202e\u202d\u200f\u200e\u2066"  # bidi overrides, marks and isolates
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, (non-)joiners, BOM
    "\u0301\u0338"  # combining marks
    "\u00a0\u202f\u3000"  # no-break and ideographic spaces
    "\ufffd\uffff\U0001f600\U000e0041"  # replacement, non-character, emoji, tag
)
# Ten digits in scripts whose digits are str.isdigit() but not ASCII.
DIGIT_SCRIPTS = [
    "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",  # Arabic-Indic
    "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9",  # Extended Arabic-Indic
    "\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f",  # Devanagari
    "\u09e6\u09e7\u09e8\u09e9\u09ea\u09eb\u09ec\u09ed\u09ee\u09ef",  # Bengali
    "\u0e50\u0e51\u0e52\u0e53\u0e54\u0e55\u0e56\u0e57\u0e58\u0e59",  # Thai
    "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",  # Fullwidth
    "\U0001d7ce\U0001d7cf\U0001d7d0\U0001d7d1\U0001d7d2\U0001d7d3",  # Mathematical bold
    "\u2070\u00b9\u00b2\u00b3\u2074\u2075",  # superscripts (No, isdigit)
    "\u2460\u2461\u2462",  # circled (No)
    "\u216b\u2163",  # Roman numerals (Nl)
    "\u4e00\u4e8c\u4e09",  # CJK numerals (Lo)
]
# Pieces that mean something to one of the normalisers, to build text near the edges.
MEANINGFUL = [
    "0",
    "1",
    "9",
    "012345678901",
    "279766244153",
    "27976624415",
    "1,500",
    "1 500",
    "1'500",
    "1_500",
    "-",
    "\u2013",
    "\u2212",
    ".",
    "_",
    " ",
    "/",
    "https://",
    "HTTP://",
    ".atlassian.net",
    ".ATLASSIAN.NET",
    "acme",
    "a-b",
    "@",
    "x@y.zz",
    "e",
    "E",
    "+",
    "0x1F",
    "1e9",
    "NaN",
    "Infinity",
    "\U0001f469\u200d\U0001f4bb",  # an emoji joined by ZWJ
]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\udcff"]

any_char = st.one_of(
    st.characters(),  # any code point except surrogates
    st.sampled_from(TRICKY_CHARS),
    st.sampled_from("".join(DIGIT_SCRIPTS)),
)
nasty_text = st.one_of(
    st.text(any_char, max_size=80),
    st.lists(st.sampled_from(MEANINGFUL + TRICKY_CHARS + DIGIT_SCRIPTS), max_size=12).map("".join),
)
# Validators and normalisers are plain string functions: a lone surrogate (which a JSON
# file can carry as "\ud800") must not break them either.
nasty_text_with_surrogates = st.one_of(
    nasty_text,
    st.lists(st.one_of(any_char, st.sampled_from(SURROGATES)), max_size=40).map("".join),
)

drafts = st.builds(
    RequestDraft,
    uid=nasty_text,
    aws_account_id=nasty_text_with_surrogates,
    site_name=nasty_text_with_surrogates,
    desired_users=nasty_text_with_surrogates,
    location=st.none() | st.sampled_from(list(Location)),
    products=st.frozensets(st.sampled_from(list(Product))),
    customer_org=nasty_text_with_surrogates,
    requester_name=nasty_text_with_surrogates,
    requester_email=nasty_text_with_surrogates,
    requester_is_org_admin=st.booleans(),
    notes=nasty_text_with_surrogates,
)
site_claims = st.lists(
    st.builds(
        SiteClaim,
        kind=st.sampled_from(["product", "request"]) | nasty_text,
        family=st.none() | st.sampled_from(list(ProductFamily)),
        location=st.none() | st.sampled_from(list(Location)),
        label=nasty_text,
    ),
    max_size=4,
)

# Deterministic big strings (hypothesis never builds megabytes on its own): two of a
# megabyte, the rest of 100,000 to 250,000 characters (5x the largest text a file holds).
BIG = 1_000_000
LARGE = 100_000
BIG_STRINGS = {
    "digits": "9" * BIG,
    "arabic-indic digits": "\u0661" * (BIG // 4),
    "nul": "\x00" * BIG,
    "markup": "<b>" * (BIG // 10),
    "letters": "a" * LARGE,
    "spaces": " " * LARGE,
    "hyphens": "x" + "-" * LARGE,
    "emoji": "\U0001f600" * LARGE,
    "combining": "e" + "\u0301" * LARGE,
    "rtl": "\u202e" * LARGE,
    "url": "https://" + "a" * LARGE + ".atlassian.net/",
    "grouped number": "1," * LARGE,
    "email": "a" * LARGE + "@example.com",
}


def _messages_ok(messages: list[str], bounded: bool = True) -> None:
    assert isinstance(messages, list)
    for message in messages:
        assert isinstance(message, str)
        assert message.strip(), "an empty message tells the user nothing"
        if bounded:
            assert len(message) <= MESSAGE_MAX, message[:200]


# --- validators and normalisers over arbitrary text --------------------------------------


@PROPERTY
@given(nasty_text_with_surrogates)
@example("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662")
@example("\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11")
@example("0123\u200b4567\u200d8901")
@example("\u202e109876543210")
@example("27976624415")
@example("\x00" * 12)
def test_account_id_validator_and_normaliser(text: str) -> None:
    _messages_ok(account_id_problems(text))
    once = normalise_account_id(text)
    assert normalise_account_id(once) == once
    if not account_id_problems(text):
        assert re.fullmatch(r"[0-9]{12}", once)


@PROPERTY
@given(nasty_text_with_surrogates)
@example("https://https://ACME.atlassian.net.atlassian.net// ")
@example("acme\u200b")
@example("\u0430cme")  # Cyrillic a: looks like acme
@example("acme\u0301")
@example("ACME\u202e")
@example("xn--acme")
@example("-" * 64)
def test_site_name_validator_and_normaliser(text: str) -> None:
    problems = site_name_problems(text)
    _messages_ok(problems)
    once = normalise_site_name(text)
    assert normalise_site_name(once) == once
    if not problems:
        assert re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", once), once


@PROPERTY
@given(nasty_text_with_surrogates)
@example("\u0661\u0665\u0660\u0660")
@example("\u00b2")
@example("\u216b")
@example("1\u202f500")
@example("-0")
@example("--1")
@example("+1500")
@example("1e3")
@example("0x10")
@example("9" * 13)
@example("1,500.5")
@example("NaN")
def test_users_validator_parser_and_normaliser(text: str) -> None:
    problems = users_problems(text, TIERS)
    _messages_ok(problems)
    assert len(problems) <= 1
    once = normalise_users(text)
    assert normalise_users(once) == once
    users = parse_users(text)
    assert users is None or (isinstance(users, int) and 0 <= users < 10**12)
    if users is not None:
        assert parse_users(str(users)) == users
    if not problems:
        assert users is not None
        assert TIERS.tier_for(users) is not None


@PROPERTY
@given(nasty_text_with_surrogates)
@example("a@b.cc\x00")
@example("a@b.cc\n")
@example("\u202ea@b.cc")
@example("a@b.c\u0301c")
@example("a" * 300 + "@b.cc")
@example("@" * 40)
def test_email_validator(text: str) -> None:
    _messages_ok(email_problems(text))


@PROPERTY
@given(drafts, site_claims)
def test_validate_never_raises_on_any_draft(draft: RequestDraft, claims: list[SiteClaim]) -> None:
    result = validate(draft, TIERS, claims)
    for finding in result.findings:
        assert isinstance(finding.field, Field)
    # Site-rule messages quote a claim's label, which is free text: not bounded here.
    _messages_ok([f.message for f in result.findings], bounded=False)
    assert (result.status is RequestStatus.READY) == (result.problems() == [])
    assert result.problem_count == len(result.problems())
    assert set(result.fields_with_problems()) <= set(Field)
    if result.tier is not None:
        assert parse_users(draft.desired_users) is not None


@PROPERTY
@given(drafts, site_claims)
def test_validate_without_notes_finds_the_same_problems(
    draft: RequestDraft, claims: list[SiteClaim]
) -> None:
    """The store saves with with_notes=False: status, count and tier must not change."""
    full = validate(draft, TIERS, claims)
    quick = validate(draft, TIERS, claims, with_notes=False)
    assert quick.findings == tuple(f for f in full.findings if f.severity is Severity.PROBLEM)
    assert (quick.status, quick.problem_count, quick.tier) == (
        full.status,
        full.problem_count,
        full.tier,
    )


@PROPERTY
@given(drafts)
def test_normalised_is_idempotent_and_keeps_what_it_does_not_own(draft: RequestDraft) -> None:
    once = normalised(draft)
    assert normalised(once) == once
    assert (once.uid, once.location, once.products, once.notes) == (
        draft.uid,
        draft.location,
        draft.products,
        draft.notes,
    )
    assert once.requester_is_org_admin == draft.requester_is_org_admin


@pytest.mark.parametrize("name", list(BIG_STRINGS))
def test_validators_and_normalisers_take_a_megabyte_calmly(name: str) -> None:
    text = BIG_STRINGS[name]
    started = time.perf_counter()
    _messages_ok(account_id_problems(text))
    _messages_ok(site_name_problems(text))
    _messages_ok(users_problems(text, TIERS))
    _messages_ok(email_problems(text))
    for normalise in (normalise_account_id, normalise_site_name, normalise_users):
        once = normalise(text)
        assert normalise(once) == once
    assert parse_users(text) is None
    draft = RequestDraft(
        aws_account_id=text,
        site_name=text,
        desired_users=text,
        customer_org=text,
        requester_name=text,
        requester_email=text,
        notes=text,
    )
    result = validate(draft, TIERS)
    assert result.status is RequestStatus.DRAFT
    _messages_ok([f.message for f in result.findings])
    tidy = normalised(draft)
    assert normalised(tidy) == tidy
    assert time.perf_counter() - started < 20  # linear: about a second per megabyte


# --- the request-file reader ---------------------------------------------------------------

_ALLOWED_WHERE = re.compile(r"(|format|version|requests|requests\[\d+\](\..*)?)", re.DOTALL)


def _check_outcome(data: bytes, file: str = FILE) -> list[FileProblem]:
    """parse() gives drafts (then: []), or a RequestFileError whose every problem names the
    file, a place (the whole file, a top-level key, or a request and field) and a message."""
    error: RequestFileError | None = None
    try:
        drafts = parse(data, file)
    except RequestFileError as exc:
        error = exc
    if error is None:
        assert isinstance(drafts, list)
        for draft in drafts:  # what the reader lets through is what the store expects
            assert isinstance(draft, RequestDraft)
            assert 8 <= len(draft.uid) <= 64
            assert draft.uid.isascii()
            assert draft.uid.isprintable()
            texts = (draft.aws_account_id, draft.site_name, draft.customer_org, draft.notes)
            assert all(isinstance(t, str) and len(t) <= MAX_TEXT for t in texts)
            assert isinstance(draft.requester_is_org_admin, bool)
            assert draft.products <= set(Product)
        assert len({d.uid for d in drafts}) == len(drafts)
        return []
    assert error.problems, "an error always carries its problems"
    for problem in error.problems:
        assert problem.file == file
        assert _ALLOWED_WHERE.fullmatch(problem.where), problem.where
        assert isinstance(problem.message, str)
        assert problem.message.strip()
        assert str(problem).startswith(f"{file}:")
    assert str(error) == "\n".join(str(p) for p in error.problems)
    return error.problems


def _document(*drafts: RequestDraft) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(dumps([(d, None) for d in drafts]))
    return document


def _encode(document: object) -> bytes:
    # ensure_ascii: a lone surrogate becomes a "\ud800" escape, as another tool could write.
    return json.dumps(document, allow_nan=True).encode("utf-8")


# JSON values of every type, including NaN, the infinities and numbers far out of range.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
    st.sampled_from(["eu", "usa", "European Union", "jira-software", "confluence", "1500"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(nasty_text, st.sampled_from(["format", "version", "requests", "name"])),
            children,
            max_size=5,
        ),
    ),
    max_leaves=25,
)

REQUEST_KEYS = [
    "uid",
    "aws_account_id",
    "site_name",
    "desired_users",
    "location",
    "products",
    "customer_org",
    "requester",
    "notes",
    "status",
]
REQUESTER_KEYS = ["name", "email", "is_org_admin"]
TOP_KEYS = ["format", "version", "requests", "exported_at", "exported_by"]


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid file with some keys set to anything, deleted, or added."""
    count = draw(st.integers(min_value=0, max_value=3))
    document = _document(*(ready_draft(site_name=f"site-{i}") for i in range(count)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        target: dict[str, Any] = document
        keys = TOP_KEYS
        if isinstance(document.get("requests"), list):
            requests = [r for r in document["requests"] if isinstance(r, dict)]
            in_request: bool = draw(st.booleans())
            if requests and in_request:
                target = draw(st.sampled_from(requests))
                keys = REQUEST_KEYS
                requester = target.get("requester")
                in_requester: bool = draw(st.booleans())
                if isinstance(requester, dict) and in_requester:
                    target, keys = requester, REQUESTER_KEYS
        action = draw(st.sampled_from(["set", "delete", "add"]))
        if action == "set":
            target[draw(st.sampled_from(keys))] = draw(json_values)
        elif action == "delete":
            target.pop(draw(st.sampled_from(keys)), None)
        else:
            target[draw(nasty_text)] = draw(json_values)
    return document


@PROPERTY
@given(json_values)
@example(None)
@example([])
@example({"format": FORMAT_ID})
@example({"format": FORMAT_ID, "version": True, "requests": []})
@example({"format": FORMAT_ID, "version": 1.0, "requests": [None]})
@example({"format": FORMAT_ID, "version": 10**400, "requests": []})
@example({"format": FORMAT_ID, "version": -math.inf, "requests": []})
@example({"format": FORMAT_ID, "version": math.nan, "requests": []})
def test_any_json_value_is_drafts_or_a_clear_error(value: object) -> None:
    _check_outcome(_encode(value))


@PROPERTY
@given(mutated_documents())
def test_wrong_types_missing_and_extra_fields_are_drafts_or_a_clear_error(
    document: dict[str, Any],
) -> None:
    _check_outcome(_encode(document))


@PROPERTY
@given(st.binary(max_size=400))
@example(b"")
@example(b"\x00")
@example(b"\xff\xfe")
@example(b"\xef\xbb\xbf")
@example(b"\xef\xbb\xbf\xef\xbb\xbf{}")
@example(b"\xc0\xaf")  # overlong "/"
@example(b"\xed\xa0\x80")  # a surrogate encoded in UTF-8 (CESU)
def test_arbitrary_bytes_are_a_clear_error(data: bytes) -> None:
    _check_outcome(data)


def _valid_bytes() -> bytes:
    return _encode(_document(ready_draft(), ready_draft(site_name="other")))


@PROPERTY
@given(
    st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbf",  # UTF-8 BOM: accepted
            b"\xff\xfe",  # UTF-16 LE BOM
            b"\xfe\xff",  # UTF-16 BE BOM
            b"\xff\xfe\x00\x00",  # UTF-32 LE BOM
            b"\x00\x00\xfe\xff",  # UTF-32 BE BOM
            b"\x2b\x2f\x76",  # UTF-7 BOM
        ]
    ),
    st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]),
    st.integers(min_value=0, max_value=10_000),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=3),
)
def test_encodings_boms_truncation_and_corruption(
    bom: bytes, codec: str, cut: int, flips: list[tuple[int, int]]
) -> None:
    text = _valid_bytes().decode("utf-8")
    data = bytearray(bom + text.encode(codec))
    for offset, value in flips:
        data[offset % len(data)] = value
    _check_outcome(bytes(data[: max(cut, 1)] if cut < len(data) else data))


def test_utf8_bom_is_accepted_and_utf16_is_refused_clearly() -> None:
    text = _valid_bytes().decode("utf-8")
    assert len(parse(b"\xef\xbb\xbf" + text.encode("utf-8"), FILE)) == 2
    with pytest.raises(RequestFileError) as caught:
        parse(text.encode("utf-16"), FILE)
    (problem,) = caught.value.problems
    assert (problem.where, problem.message) == (
        "",
        "is not a text file (not UTF-8). Is this the right file?",
    )


# Every field with values of the wrong type: exactly that field is named.
WRONG_VALUES: list[object] = [None, True, False, 0, -1, 1.5, math.nan, math.inf, [], ["x"], {}]


def _accepted(field: str, value: object) -> bool:
    if field in ("notes", "status", "location", "desired_users") and value is None:
        return True  # optional: null means "not given"
    if field == "desired_users" and isinstance(value, int) and not isinstance(value, bool):
        return True  # a number of users
    if field == "products" and value == []:
        return True
    if field == "requester" and value == {}:
        return True  # its name and email then default to "" (validation asks for them)
    return field == "requester.is_org_admin" and isinstance(value, bool)


WRONG_TYPE_CASES = [
    (field, value)
    for field in [*REQUEST_KEYS, *(f"requester.{k}" for k in REQUESTER_KEYS)]
    for value in WRONG_VALUES
    if not _accepted(field, value)
]


@pytest.mark.parametrize(
    ("field", "value"), WRONG_TYPE_CASES, ids=[f"{f}={v!r}" for f, v in WRONG_TYPE_CASES]
)
def test_a_wrong_type_in_any_field_names_that_field(field: str, value: object) -> None:
    document = _document(ready_draft(), ready_draft(site_name="second"))
    target = document["requests"][1]
    if field.startswith("requester."):
        target = target["requester"]
    target[field.removeprefix("requester.")] = value
    problems = _check_outcome(_encode(document))
    assert problems, "a wrong type is never accepted"
    # A list of wrong products names each item: products[0].
    assert {p.where.split("[0]", 2)[0] if field == "products" else p.where for p in problems} in (
        {f"requests[1].{field}"},
        {"requests[1].products"},
    ), problems
    assert all(p.where.startswith(f"requests[1].{field}") for p in problems), problems


@pytest.mark.parametrize("field", [*REQUEST_KEYS, "requester.name", "requester.email"])
def test_missing_fields_are_named_or_defaulted(field: str) -> None:
    document = _document(ready_draft())
    target = document["requests"][0]
    if field.startswith("requester."):
        target = target["requester"]
    target.pop(field.removeprefix("requester."), None)  # "status" is only written when known
    problems = _check_outcome(_encode(document))
    if field in ("notes", "status", "requester.name", "requester.email"):
        assert problems == []  # optional, or left to validation as an empty value
    else:
        assert [p.where for p in problems] == [f"requests[0].{field}"]


@pytest.mark.parametrize(
    "key",
    ["Site_Name", "site_name ", "\u202esite_name", "site\u200bname", "__proto__", "", "k" * 200],
)
def test_extra_fields_are_named(key: str) -> None:
    document = _document(ready_draft())
    document["requests"][0][key] = "x"
    document["requests"][0]["requester"][key] = "x"
    # Named as a message may show it: short, with invisible characters escaped.
    shown = excerpt(key)
    assert sorted(p.where for p in _check_outcome(_encode(document))) == sorted(
        [f"requests[0].{shown}", f"requests[0].requester.{shown}"]
    )


def test_extra_top_level_keys_are_ignored() -> None:
    """Only requests are strict; a newer app may add file-level metadata."""
    document = _document(ready_draft())
    document["comment"] = "<b>hi</b>"
    assert len(parse(_encode(document), FILE)) == 1


def test_duplicate_keys_are_refused_by_name() -> None:
    """JSON parsers disagree on which of two equal keys wins: the reader refuses them."""
    text = json.dumps(_document(ready_draft()))
    data = text.replace('"site_name": "acme"', '"site_name": "first", "site_name": "acme"')
    data = data.replace('"requests":', '"requests": 5, "requests":', 1)
    data = '{"format": "x", ' + data[1:]
    with pytest.raises(RequestFileError, match='the key "site_name" appears twice'):
        parse(data.encode(), FILE)


@pytest.mark.parametrize(
    ("where", "depth"),
    [
        (place, depth)
        for place in ("top", "requests", "request", "field", "product", "version")
        for depth in (100_000, 2_000)
    ],
)
def test_deep_nesting_is_a_clear_error(where: str, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    document = json.dumps(_document(ready_draft()))
    text = {
        "top": nested,
        "requests": f'{{"format": "{FORMAT_ID}", "version": 1, "requests": {nested}}}',
        "request": document.replace('"requests": [', f'"requests": [{nested}, ', 1),
        "field": document.replace('"notes": ""', f'"notes": {nested}'),
        "product": document.replace('"products": [', f'"products": [{nested}, '),
        "version": f'{{"format": "{FORMAT_ID}", "version": {nested}, "requests": []}}',
    }[where]
    data = text.encode()
    assert len(data) < MAX_FILE_BYTES
    problems = _check_outcome(data)
    assert problems
    if depth == 100_000:
        assert [(p.where, p.message) for p in problems] == [
            ("", "is nested too deeply to be a request file.")
        ]


def _nest_at(depth: int, where: str) -> bytes:
    nested = "[" * depth + "]" * depth
    document = json.dumps(_document(ready_draft()))
    if where == "version":
        return f'{{"format": "{FORMAT_ID}", "version": {nested}, "requests": []}}'.encode()
    if where == "product":
        return document.replace('"products": [', f'"products": [{nested}, ').encode()
    if where == "extra":
        return document.replace('"notes": ""', f'"notes": "", "x": {nested}').encode()
    return document.replace('"requests": [', f'"requests": [{nested}, ', 1).encode()


def _at_stack_depth(frames: int, call: Callable[[], object]) -> object:
    return call() if frames == 0 else _at_stack_depth(frames - 1, call)


@pytest.mark.parametrize("where", ["version", "product", "extra", "request"])
@pytest.mark.parametrize("frames", [0, 300])
def test_nesting_right_at_the_recursion_limit(where: str, frames: int) -> None:
    """Just below the limit the parser succeeds, then messages repr() the value: that
    must not overflow the stack either, even when parse() is called from deep inside."""
    limit = sys.getrecursionlimit()
    for depth in range(limit - frames - 120, limit - frames + 20, 4):
        data = _nest_at(depth, where)
        _at_stack_depth(frames, functools.partial(_check_outcome, data))


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        (str(10**400), "is far too large."),
        (str(-(10**400)), "is far too large."),
        ("1e400", "is far too large."),
        ("-1e400", "is far too large."),
        ("NaN", "must be a whole number, not nan."),
        ("Infinity", "must be a whole number, not inf."),
        ("1E2", "1E2 is written as a decimal number; write 100."),
        ("-0.0", "-0.0 is written as a decimal number; write 0."),
    ],
)
def test_huge_and_special_numbers_for_users(literal: str, message: str) -> None:
    text = json.dumps(_document(ready_draft())).replace(
        '"desired_users": 1500', f'"desired_users": {literal}'
    )
    assert [(p.where, p.message) for p in _check_outcome(text.encode())] == [
        ("requests[0].desired_users", message)
    ]


@pytest.mark.parametrize("literal", [str(10**400), "1e400", "NaN", "-Infinity"])
@pytest.mark.parametrize("field", ["version", "uid", "location", "products", "notes", "status"])
def test_huge_and_special_numbers_anywhere(field: str, literal: str) -> None:
    document = _document(ready_draft())
    if field == "version":
        document["version"] = "@@"
    else:
        document["requests"][0][field] = "@@" if field != "products" else ["@@"]
    data = json.dumps(document).replace('"@@"', literal).encode()
    problems = _check_outcome(data)
    assert problems


# A JSON integer of more than 4,300 digits: json.loads raises ValueError (CPython's
# int-to-str limit), not JSONDecodeError, and parse() does not catch it.


@pytest.mark.parametrize("where", ["version", "desired_users", "products", "extra field"])
def test_an_integer_of_5000_digits_is_a_clear_error(where: str) -> None:
    digits = "9" * 5000
    document = json.dumps(_document(ready_draft()))
    text = {
        "version": f'{{"format": "{FORMAT_ID}", "version": {digits}, "requests": []}}',
        "desired_users": document.replace('"desired_users": 1500', f'"desired_users": {digits}'),
        "products": document.replace('"products": [', f'"products": [{digits}, '),
        "extra field": document.replace('"notes": ""', f'"notes": "", "n": {digits}'),
    }[where]
    problems = _check_outcome(text.encode())
    assert problems


def test_a_huge_wrong_version_is_not_echoed_whole() -> None:
    data = json.dumps({"format": FORMAT_ID, "version": "v" * BIG, "requests": []}).encode()
    (problem,) = _check_outcome(data)
    assert len(str(problem)) <= MESSAGE_MAX


def test_a_huge_unknown_key_is_not_echoed_whole() -> None:
    document = _document(ready_draft())
    document["requests"][0]["k" * BIG] = 1
    (problem,) = _check_outcome(_encode(document))
    assert len(str(problem)) <= MESSAGE_MAX


@pytest.mark.parametrize("field", ["location", "products", "customer_org", "notes"])
def test_huge_values_are_not_echoed_whole(field: str) -> None:
    document = _document(ready_draft())
    huge = "p" * (MAX_TEXT + 1)
    document["requests"][0][field] = [huge] if field == "products" else huge
    problems = _check_outcome(_encode(document))
    assert problems
    for problem in problems:
        assert len(str(problem)) <= MESSAGE_MAX


def test_too_many_requests_of_any_kind() -> None:
    head = f'{{"format": "{FORMAT_ID}", "version": {FORMAT_VERSION}, "requests": ['.encode()
    data = head + b",".join([b"[[[[]]]]"] * (MAX_REQUESTS + 1)) + b"]}"
    assert [p.where for p in _check_outcome(data)] == ["requests"]


# --- refused imports leave the database unchanged -----------------------------------------


def _dump(context: AppContext) -> list[str]:
    """Every table's rows and schema, as SQL."""
    path = context.database.path
    assert path is not None
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return list(db.iterdump())


def _seed(store: RequestStore) -> None:
    if store.count() == 0:
        store.create(ready_draft(site_name="kept-one", notes="<b>kept</b>"))
        store.create(ready_draft(site_name="kept-two", customer_org="'; DROP TABLE requests; --"))
        store.create(RequestDraft(uid="existing-uid-0001", customer_org="%_\\"))


# A file that must be refused, each in its own way.
def _bad_files() -> st.SearchStrategy[bytes]:
    valid = _document(ready_draft(site_name="new-one"))

    def with_request(change: Callable[[dict[str, Any]], object]) -> bytes:
        document = json.loads(json.dumps(valid))
        change(document["requests"][0])
        return _encode(document)

    nested = b"[" * 100_000 + b"]" * 100_000
    files = [
        b"",
        b"\xff\xfe{}",
        b"\x00\x01 not json",
        _valid_bytes()[:-7],
        _valid_bytes().decode().encode("utf-16"),
        nested,
        f'{{"format": "{FORMAT_ID}", "version": 1, "requests": '.encode() + nested + b"}",
        _encode({"format": "something-else", "version": 1, "requests": []}),
        _encode({"format": FORMAT_ID, "version": 2, "requests": []}),
        _encode({"format": FORMAT_ID, "version": 1, "requests": {}}),
        with_request(lambda r: r.update(aws_account_id=123456789012)),
        with_request(lambda r: r.update(location="moon")),
        with_request(lambda r: r.update(products=["jira", 3])),
        with_request(lambda r: r.update(desired_users=10**400)),
        with_request(lambda r: r.update(desired_users=math.nan)),
        with_request(lambda r: r.update(uid="existing-uid-0001", site_name=5)),
        with_request(lambda r: r.pop("site_name")),
        with_request(lambda r: r.update(colour="blue")),
        with_request(lambda r: r["requester"].update(is_org_admin="yes")),
        with_request(lambda r: r.update(notes="n" * (MAX_TEXT + 1))),
        _encode(_document(ready_draft(uid="same-uid-0001"), ready_draft(uid="same-uid-0001"))),
    ]
    # By index: a sampled_from() over the files would repr 400 kB in every report.
    fixed = st.integers(min_value=0, max_value=len(files) - 1).map(files.__getitem__)
    mutated = mutated_documents().map(_encode)
    garbage = st.binary(max_size=200)

    def refused(data: bytes) -> bool:
        try:
            parse(data, FILE)
        except RequestFileError:
            return True
        return False

    return st.one_of(fixed, mutated.filter(refused), garbage.filter(refused))


@HEAVY
@given(
    bad=st.lists(_bad_files(), min_size=1, max_size=3),
    good_before=st.booleans(),
    on_conflict=st.sampled_from(list(OnConflict)),
)
def test_an_import_with_any_bad_file_changes_nothing(
    context: AppContext,
    store: RequestStore,
    tmp_path: Path,
    bad: list[bytes],
    good_before: bool,
    on_conflict: OnConflict,
) -> None:
    _seed(store)
    before = _dump(context)
    folder = tmp_path / f"files-{time.monotonic_ns()}"
    folder.mkdir()
    paths = []
    for index, data in enumerate(bad):
        path = folder / f"bad-{index}.byok.json"
        path.write_bytes(data)
        paths.append(path)
    good = folder / "good.byok.json"
    good.write_bytes(_encode(_document(ready_draft(site_name="good-one"))))
    paths.insert(0 if good_before else len(paths), good)

    report = import_files(store, paths, on_conflict)

    assert not report.ok
    assert report.imported_ids == []
    assert report.problems
    assert {p.file for p in report.problems} <= {str(p) for p in paths[:]} - {str(good)}
    for problem in report.problems:
        assert problem.message.strip()
    assert _dump(context) == before


def test_a_conflict_imports_nothing_and_changes_nothing(
    context: AppContext, store: RequestStore, tmp_path: Path
) -> None:
    _seed(store)
    before = _dump(context)
    path = tmp_path / "conflict.byok.json"
    path.write_bytes(
        _encode(_document(ready_draft(site_name="new"), ready_draft(uid="existing-uid-0001")))
    )
    report = import_files(store, [path])
    assert not report.ok
    assert [c.uid for c in report.conflicts] == ["existing-uid-0001"]
    assert _dump(context) == before


@pytest.mark.parametrize(
    "field", ["customer_org", "site_name", "notes", "requester.name", "aws_account_id"]
)
def test_a_lone_surrogate_in_a_file_is_a_clear_problem(
    context: AppContext, store: RequestStore, tmp_path: Path, field: str
) -> None:
    _seed(store)
    before = _dump(context)
    document = _document(ready_draft(site_name="fine"), ready_draft(site_name="broken"))
    target = document["requests"][1]
    if field.startswith("requester."):
        target = target["requester"]
    target[field.removeprefix("requester.")] = "a\ud800b"
    path = tmp_path / "surrogate.byok.json"
    path.write_bytes(_encode(document))
    report = import_files(store, [path])
    assert not report.ok
    assert [p.where for p in report.problems] == [f"requests[1].{field}"]
    assert _dump(context) == before


def test_control_characters_are_stored_exactly_and_a_nul_is_refused(
    store: RequestStore, tmp_path: Path
) -> None:
    """Control characters make a request a Draft, but an import keeps them byte for byte;
    a NUL is refused with its field named (PostgreSQL text cannot hold one, and SQLite's
    LIKE stops at it), and nothing is imported."""
    draft = ready_draft(customer_org="ab\x1b[31m", notes="\r\n\u2028\u202e", uid="ctl-0001")
    path = tmp_path / "ctl.byok.json"
    path.write_bytes(_encode(_document(draft)))
    report = import_files(store, [path])
    assert report.ok
    (rid,) = report.imported_ids
    assert store.get(rid).draft == draft
    assert store.get(rid).status is RequestStatus.DRAFT
    nul = tmp_path / "nul.byok.json"
    nul.write_bytes(_encode(_document(ready_draft(customer_org="a\x00b", uid="nul-0001"))))
    refused = import_files(store, [nul])
    assert [p.where for p in refused.problems] == ["requests[0].customer_org"]
    assert "NUL" in refused.problems[0].message
    assert store.count() == 1


def test_a_path_with_a_nul_is_a_clear_problem(store: RequestStore, tmp_path: Path) -> None:
    report = import_files(store, [tmp_path / "name\x00x.byok.json"])
    assert not report.ok
    assert store.count() == 0


def test_a_very_long_file_name_is_a_clear_problem(store: RequestStore, tmp_path: Path) -> None:
    path = tmp_path / ("x" * 300 + ".byok.json")
    report = import_files(store, [path])
    assert [p.file for p in report.problems] == [str(path)]
    assert report.problems[0].message.startswith("cannot be read:")
    assert store.count() == 0


# --- a 50 MB file --------------------------------------------------------------------------

FIFTY_MB = 50 * MB


@pytest.fixture(scope="module")
def fifty_mb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (not sparse) 50 MB file that starts like a request file: a huge note."""
    path = tmp_path_factory.mktemp("big") / "huge.byok.json"
    head = json.dumps(_document(ready_draft(uid="huge-file-0001"))).encode()
    head = head[: head.rindex(b'"notes": ""') + len(b'"notes": "')]
    tail = b'"}]}'
    block = b"x" * MB
    with path.open("wb") as out:
        out.write(head)
        remaining = FIFTY_MB - len(head) - len(tail)
        while remaining > 0:
            out.write(block[: min(remaining, MB)])
            remaining -= min(remaining, MB)
        out.write(tail)
    assert path.stat().st_size == FIFTY_MB
    return path


def _assert_size_refusal(problems: list[FileProblem], path: Path) -> None:
    (problem,) = problems
    assert (problem.file, problem.where) == (str(path), "")
    assert problem.message.startswith("is 50.0 MB;"), problem.message
    assert SIZE_LIMIT_TEXT in problem.message


def test_a_50_mb_file_is_refused_unread(
    fifty_mb_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading(self: Path) -> bytes:
        raise AssertionError(f"{self} was read whole")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    started = time.perf_counter()
    with pytest.raises(RequestFileError) as caught:
        read_file(fifty_mb_file)
    assert time.perf_counter() - started < 1
    _assert_size_refusal(caught.value.problems, fifty_mb_file)


def test_importing_a_50_mb_file_changes_nothing(
    context: AppContext, store: RequestStore, fifty_mb_file: Path, tmp_path: Path
) -> None:
    _seed(store)
    before = _dump(context)
    good = tmp_path / "good.byok.json"
    good.write_bytes(_encode(_document(ready_draft(site_name="good-one"))))
    started = time.perf_counter()
    report = import_files(store, [good, fifty_mb_file])
    assert time.perf_counter() - started < 2
    assert not report.ok
    assert report.imported_ids == []
    _assert_size_refusal(report.problems, fifty_mb_file)
    assert _dump(context) == before


def test_parse_refuses_oversized_bytes_before_decoding() -> None:
    data = b"\xff" * (MAX_FILE_BYTES + 1)  # not UTF-8 either: the size is what is reported
    with pytest.raises(RequestFileError) as caught:
        parse(data, FILE)
    (problem,) = caught.value.problems
    assert SIZE_LIMIT_TEXT in problem.message


def _run_cli(data_dir: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir), *map(str, args)],
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture
def cli_data(tmp_path: Path) -> Path:
    data_dir = tmp_path / "cli-data"
    context = open_context(resolve_paths(data_dir), keyring_backend=MemoryKeyring())
    try:
        _seed(context.database.requests)
    finally:
        context.close()
    return data_dir


def _file_dump(data_dir: Path) -> list[str]:
    with closing(sqlite3.connect(f"file:{data_dir / 'byok.sqlite3'}?mode=ro", uri=True)) as db:
        return list(db.iterdump())


def test_cli_refuses_a_50_mb_file(cli_data: Path, fifty_mb_file: Path) -> None:
    before = _file_dump(cli_data)
    for command in ("check", "import"):
        result = _run_cli(cli_data, command, fifty_mb_file)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert SIZE_LIMIT_TEXT in result.stdout
    assert _file_dump(cli_data) == before


def test_cli_check_of_a_5000_digit_number_is_a_clear_error(cli_data: Path) -> None:
    path = cli_data.parent / "digits.byok.json"
    path.write_text(
        json.dumps(_document(ready_draft())).replace(
            '"desired_users": 1500', f'"desired_users": {"9" * 5000}'
        ),
        encoding="utf-8",
    )
    result = _run_cli(cli_data, "check", path)
    if "Traceback" in result.stderr:
        raise ValueError(result.stderr.strip().splitlines()[-1])
    assert result.returncode == 1
    assert f"{path}: requests[0].desired_users:" in result.stdout


def test_a_stream_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "stream.byok.json"
    os.mkfifo(fifo)
    written = 0
    total = 64 * MB

    def feed() -> None:
        nonlocal written
        chunk = b" " * MB
        try:
            with open(fifo, "wb", buffering=0) as pipe:  # blocks until a reader opens it
                while written < total:
                    written += pipe.write(chunk)
        except OSError:
            pass  # the reader stopped reading: what a bounded reader does

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        with pytest.raises(RequestFileError) as caught:
            read_file(fifo)
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # release a waiting writer
        writer.join(10)
    assert SIZE_LIMIT_TEXT in caught.value.problems[0].message
    assert written <= MAX_FILE_BYTES + 2 * MB, f"{written / MB:.0f} MB were read"


# --- written by the app, refused by the app -------------------------------------------------


def test_an_exported_draft_with_long_text_can_be_imported_again(
    store: RequestStore, tmp_path: Path
) -> None:
    from byok_desktop.transfer import export_requests

    stored = store.create(ready_draft(customer_org="x" * 25_000, notes="n" * 30_000))
    assert stored.status is RequestStatus.DRAFT
    path = tmp_path / "long.byok.json"
    export_requests(store, [stored.id], path)
    assert read_file(path) == [stored.draft]


def _has_surrogate(draft: RequestDraft) -> bool:
    texts = (
        draft.aws_account_id,
        draft.site_name,
        draft.desired_users,
        draft.customer_org,
        draft.requester_name,
        draft.requester_email,
        draft.notes,
    )
    return any(0xD800 <= ord(ch) <= 0xDFFF for text in texts for ch in text)


def _has_nul(draft: RequestDraft) -> bool:
    texts = (
        draft.aws_account_id,
        draft.site_name,
        draft.desired_users,
        draft.customer_org,
        draft.requester_name,
        draft.requester_email,
        draft.notes,
    )
    return any("\x00" in text for text in texts)


@HEAVY
@given(drafts, st.integers(min_value=0, max_value=10**9))
def test_any_draft_the_app_writes_it_can_read(draft: RequestDraft, serial: int) -> None:
    """Exported text round-trips whatever it holds (with a uid as the store makes them)."""
    # Covered by the surrogate and NUL tests above (refused at import, with the field).
    assume(not _has_surrogate(draft))
    assume(not _has_nul(draft))
    draft = draft.with_changes(uid=f"uid-{serial:09d}")
    data = dumps([(draft, None)]).encode("utf-8")
    assert parse(data, FILE) == [draft]
