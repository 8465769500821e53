"""Request files: exact round trips, and every problem reported with file and place."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from byok_desktop import __version__
from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft
from byok_desktop.request_file import (
    FORMAT_ID,
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    MAX_REQUESTS,
    MAX_TEXT,
    FileProblem,
    RequestFileError,
    dumps,
    parse,
    read_file,
    write_file,
)
from tests.helpers.factories import ready_draft

UNICODE_DRAFT = RequestDraft(
    aws_account_id="000000000042",
    site_name="zoe-42",
    desired_users="150001",
    location=Location.USA,
    products=frozenset(Product),
    customer_org="Zoë Ångström 山田 GmbH",
    requester_name="Renée O'Brien \U0001f600",
    requester_email="renee@example.org",
    requester_is_org_admin=True,
    notes='line one\nline two\r\n\ttabbed — ✓ "quoted" \\ backslash\n',
)


def _document(*drafts: RequestDraft) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(dumps([(d, None) for d in drafts]))
    return document


def _bytes(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


def _problems(data: bytes, file: str = "in.byok.json") -> list[FileProblem]:
    with pytest.raises(RequestFileError) as caught:
        parse(data, file)
    assert caught.value.problems, "an error always carries its problems"
    assert all(p.file == file for p in caught.value.problems)
    return caught.value.problems


def _where(problems: list[FileProblem]) -> list[str]:
    return [p.where for p in problems]


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "drafts",
    [
        [ready_draft()],
        [UNICODE_DRAFT],
        [RequestDraft()],  # nothing filled in: no location, no products
        [
            ready_draft(desired_users="abc", site_name="Bad_Name", aws_account_id="12-3"),
            ready_draft(location=Location.EU, products=frozenset({Product.CONFLUENCE})),
            UNICODE_DRAFT.with_changes(uid="imported-0001"),
        ],
    ],
    ids=["ready", "unicode", "empty", "several"],
)
def test_write_then_read_keeps_every_field(tmp_path: Path, drafts: list[RequestDraft]) -> None:
    path = tmp_path / "requests.byok.json"
    write_file(path, [(d, None) for d in drafts])
    assert read_file(path) == drafts
    assert [p.name for p in tmp_path.iterdir()] == ["requests.byok.json"]  # no temp file left


def test_file_layout(tmp_path: Path) -> None:
    path = tmp_path / "r.byok.json"
    write_file(path, [(UNICODE_DRAFT, "ready"), (ready_draft(desired_users="abc"), None)])
    text = path.read_text("utf-8")
    assert "Zoë Ångström 山田" in text  # readable, not \u-escaped
    document = json.loads(text)
    assert document["format"] == FORMAT_ID
    assert document["version"] == FORMAT_VERSION
    assert document["exported_by"] == f"BYOK Desktop {__version__}"
    first, second = document["requests"]
    assert first["aws_account_id"] == "000000000042"  # text, leading zeros kept
    assert first["desired_users"] == 150001
    assert first["location"] == "usa"
    assert first["products"] == ["jira-software", "confluence", "jira-service-management"]
    assert first["requester"] == {
        "name": "Renée O'Brien \U0001f600",
        "email": "renee@example.org",
        "is_org_admin": True,
    }
    assert first["status"] == "ready"
    assert "status" not in second
    assert second["desired_users"] == "abc"


def test_writing_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "r.byok.json"
    write_file(path, [(ready_draft(), None), (ready_draft(), None)])
    write_file(path, [(UNICODE_DRAFT, None)])
    assert read_file(path) == [UNICODE_DRAFT]


@pytest.mark.parametrize(
    "users", ["\u0661\u0662\u0663", "\u00b2", "9" * 20, "9" * 5000, "1,500", "-3", " 7 "]
)
def test_users_text_round_trips_exactly(tmp_path: Path, users: str) -> None:
    """'١٢٣' and '²' are str.isdigit(); the file must neither turn them into 123 nor crash,
    and a long run of digits must not become a number the reader then refuses."""
    draft = ready_draft(desired_users=users)
    path = tmp_path / "r.byok.json"
    write_file(path, [(draft, None)])
    assert read_file(path) == [draft]


def test_accepted_spellings(tmp_path: Path) -> None:
    document = _document(ready_draft())
    entry = document["requests"][0]
    entry["location"] = "European Union"
    entry["products"] = ["Jira Software", "CONFLUENCE", "confluence"]
    entry["desired_users"] = "1,500"
    entry["notes"] = None
    entry["status"] = "anything"
    del entry["requester"]["is_org_admin"]
    data = b"\xef\xbb\xbf" + _bytes(document)  # a BOM, as some editors write
    (draft,) = parse(data, "f")
    assert draft.location is Location.EU
    assert draft.products == frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE})
    assert draft.desired_users == "1,500"
    assert draft.notes == ""
    assert draft.requester_is_org_admin is False


def test_empty_request_list_is_a_valid_file() -> None:
    assert parse(_bytes({"format": FORMAT_ID, "version": 1, "requests": []}), "f") == []


# --- whole-file problems ------------------------------------------------------------------


def test_not_json() -> None:
    (problem,) = _problems(b'{"format": "byok-desktop/request-file",\n  oops}')
    assert problem.where == ""
    assert problem.message.startswith("is not valid JSON:")
    assert "line 2" in problem.message
    assert str(problem) == f"in.byok.json: {problem.message}"


def test_not_utf8() -> None:
    (problem,) = _problems('{"notes": "café"}'.encode("latin-1"))
    assert problem.where == ""
    assert problem.message == "is not a text file (not UTF-8). Is this the right file?"


@pytest.mark.parametrize(
    "document",
    [
        {"format": "something-else", "version": 1, "requests": []},
        {"version": 1, "requests": []},
        "byok-desktop/request-file",
    ],
)
def test_wrong_format_id(document: object) -> None:
    (problem,) = _problems(_bytes(document))
    assert problem.where == "format"
    assert f'"format": "{FORMAT_ID}"' in problem.message


def test_newer_version_says_to_update() -> None:
    (problem,) = _problems(_bytes({"format": FORMAT_ID, "version": 2, "requests": []}))
    assert problem.where == "version"
    assert problem.message == (
        "is 2; this app reads version 1 (the file comes from a newer BYOK Desktop: update the app)."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty."),
        (b" \n", "the file is empty."),
        (b'[{"format": "x"}]', "this file is a list; a request file is an object with format, "
         "version and requests."),
        (b'{"format": "byok-desktop/request-file", "version": "1", "requests": []}',
         "version must be the number 1, not text."),
        (b'{"format": "byok-desktop/request-file", "version": 1, "requests": [',
         "the file ends early; it may have been cut off."),
        (b'{"format": "byok-desktop/request-file",\n"version": 1,\n"version": 1}',
         'the key "version" appears twice in one object (line 3); keep one.'),
    ],
)  # fmt: skip
def test_whole_file_problems_say_what_to_do(data: bytes, message: str) -> None:
    (problem,) = _problems(data)
    assert (problem.where, problem.message) == ("", message)


@pytest.mark.parametrize("version", [0, None])
def test_other_wrong_versions(version: object) -> None:
    (problem,) = _problems(_bytes({"format": FORMAT_ID, "version": version, "requests": []}))
    assert problem.where == "version"
    assert problem.message == f"is {version!r}; this app reads version 1."


@pytest.mark.parametrize(("requests", "kind"), [({}, "an object"), (None, "null"), ("x", "text")])
def test_requests_must_be_a_list(requests: object, kind: str) -> None:
    (problem,) = _problems(_bytes({"format": FORMAT_ID, "version": 1, "requests": requests}))
    assert problem.where == "requests"
    assert problem.message == f"must be a list of requests, not {kind}."


def test_too_many_requests() -> None:
    head = f'{{"format": "{FORMAT_ID}", "version": 1, "requests": ['.encode()
    data = head + b",".join([b"0"] * (MAX_REQUESTS + 1)) + b"]}"
    (problem,) = _problems(data)
    assert problem.where == "requests"
    assert problem.message == f"has {MAX_REQUESTS + 1:,} requests; the limit is {MAX_REQUESTS:,}."


def test_deeply_nested_json() -> None:
    depth = 200_000
    data = (
        f'{{"format": "{FORMAT_ID}", "version": 1, "requests": '.encode()
        + b"[" * depth
        + b"]" * depth
        + b"}"
    )
    assert len(data) < MAX_FILE_BYTES
    (problem,) = _problems(data)
    assert problem.where == ""
    assert problem.message == "is nested too deeply to be a request file."


def test_file_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.byok.json"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk space, no memory
    with pytest.raises(RequestFileError) as caught:
        read_file(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert problem.where == ""
    assert f"request files are at most {MAX_FILE_BYTES // 1_048_576} MB" in problem.message


def test_file_too_large_message_states_the_files_real_size(tmp_path: Path) -> None:
    path = tmp_path / "video.byok.json"
    with path.open("wb") as f:
        f.truncate(50 * 1_048_576)
    with pytest.raises(RequestFileError) as caught:
        read_file(path)
    (problem,) = caught.value.problems
    assert problem.message.startswith("is 50.0 MB;"), problem.message


def test_file_at_the_limit_is_read(tmp_path: Path) -> None:
    text = dumps([(ready_draft(), None)])
    padded = text + " " * (MAX_FILE_BYTES - len(text.encode("utf-8")))
    path = tmp_path / "exact.byok.json"
    path.write_text(padded, encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert len(read_file(path)) == 1


def _write_into_pipe(path: Path, data: bytes) -> threading.Thread:
    """A writer for the named pipe ``path``; the reader may stop early (a broken pipe)."""

    def write() -> None:
        try:
            with path.open("wb") as pipe:
                pipe.write(data)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write)
    writer.start()
    return writer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_reports_no_size_and_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "pipe.byok.json"
    os.mkfifo(path)
    draft = ready_draft(notes="x" * 200_000)  # more than one read of a pipe
    writer = _write_into_pipe(path, dumps([(draft, None)]).encode())
    try:
        assert read_file(path) == [draft]
    finally:
        writer.join()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_never_read_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "endless.byok.json"
    os.mkfifo(path)
    writer = _write_into_pipe(path, b" " * (MAX_FILE_BYTES + 100_000))
    try:
        with pytest.raises(RequestFileError) as caught:
            read_file(path)
    finally:
        writer.join()
    (problem,) = caught.value.problems
    assert f"request files are at most {MAX_FILE_BYTES // 1_048_576} MB" in problem.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(RequestFileError) as caught:
        read_file(tmp_path / "nope.byok.json")
    assert [p.message for p in caught.value.problems] == ["does not exist."]
    with pytest.raises(RequestFileError) as caught:
        read_file(tmp_path)
    assert [p.message for p in caught.value.problems] == ["is a folder, not a file."]


# --- problems inside requests -------------------------------------------------------------


def _request_problems(**changes: Any) -> list[FileProblem]:
    """Problems of a file with one ready request, after setting or (with ...) deleting keys."""
    document = _document(ready_draft())
    entry = document["requests"][0]
    for key, value in changes.items():
        target, name = entry, key
        if key.startswith("requester_"):
            target, name = entry["requester"], key.removeprefix("requester_")
        if value is ...:
            del target[name]
        else:
            target[name] = value
    return _problems(_bytes(document))


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        ({"site": "acme"}, "requests[0].site", "is not a request field (check the spelling)."),
        ({"requester_phone": "1"}, "requests[0].requester.phone", "is not a requester field."),
        ({"aws_account_id": ...}, "requests[0].aws_account_id", "is missing."),
        ({"site_name": ...}, "requests[0].site_name", "is missing."),
        ({"products": ...}, "requests[0].products", "is missing."),
        ({"requester": ...}, "requests[0].requester", "is missing."),
        ({"uid": ...}, "requests[0].uid", "is missing."),
        (
            {"aws_account_id": 12345678901},
            "requests[0].aws_account_id",
            "must be text, not a number.",
        ),
        ({"site_name": None}, "requests[0].site_name", "must be text, not null."),
        ({"customer_org": ["Acme"]}, "requests[0].customer_org", "must be text, not a list."),
        ({"notes": {"a": 1}}, "requests[0].notes", "must be text, not an object."),
        ({"requester_name": 5}, "requests[0].requester.name", "must be text, not a number."),
        (
            {"requester_email": False},
            "requests[0].requester.email",
            "must be text, not true/false.",
        ),
        (
            {"requester_is_org_admin": "yes"},
            "requests[0].requester.is_org_admin",
            "must be true or false, not text.",
        ),
        ({"requester": "Ada"}, "requests[0].requester", "must be an object, not text."),
        ({"desired_users": True}, "requests[0].desired_users", "must be a number, not true/false."),
        ({"desired_users": [1500]}, "requests[0].desired_users", "must be a number, not a list."),
        ({"desired_users": 10**20}, "requests[0].desired_users", "is far too large."),
        ({"products": "confluence"}, "requests[0].products", "must be a list, not text."),
        ({"location": 1}, "requests[0].location", "must be text, not a number."),
        (
            {"location": "mars"},
            "requests[0].location",
            "'mars' is not a location; use 'eu' or 'usa'.",
        ),
        ({"status": 1}, "requests[0].status", "must be text, not a number."),
        (
            {"uid": "short"},
            "requests[0].uid",
            "is 5 characters long; a uid has 8 to 36 characters (the app writes 36).",
        ),
        (
            {"uid": "x" * 65},
            "requests[0].uid",
            "is 65 characters long; a uid has 8 to 36 characters (the app writes 36).",
        ),
        (
            {"notes": "n" * (MAX_TEXT + 1)},
            "requests[0].notes",
            f"is {MAX_TEXT + 1:,} characters long; the limit is {MAX_TEXT:,}.",
        ),
    ],
)
def test_request_problem(changes: dict[str, Any], where: str, message: str) -> None:
    problems = _request_problems(**changes)
    assert [(p.where, p.message) for p in problems] == [(where, message)]


@pytest.mark.parametrize(
    ("products", "index", "shown"),
    [
        (["jira"], 0, "'jira'"),
        (["confluence", "bitbucket"], 1, "'bitbucket'"),
        (["confluence", 3], 1, "'3'"),
        ([None], 0, "'None'"),
        ([["jira-software"]], 0, "\"['jira-software']\""),
    ],
)
def test_bad_product(products: list[Any], index: int, shown: str) -> None:
    (problem,) = _request_problems(products=products)
    assert problem.where == f"requests[0].products[{index}]"
    assert problem.message == (
        f"{shown} is not a product; use jira-software, confluence or jira-service-management."
    )


def test_too_many_products_listed() -> None:
    problems = _request_problems(products=["confluence"] * 11)
    assert [(p.where, p.message) for p in problems] == [
        ("requests[0].products", "lists more than the three products.")
    ]


def test_desired_users_as_a_fraction_gets_a_sensible_message() -> None:
    (problem,) = _request_problems(desired_users=1500.5)
    assert problem.where == "requests[0].desired_users"
    # "must be a number, not a number." contradicts itself: a fraction is a number.
    assert problem.message != "must be a number, not a number."


def test_empty_uid_is_refused() -> None:
    """An empty uid cannot identify a request: it would collide on every later import."""
    problems = _request_problems(uid="")
    assert _where(problems) == ["requests[0].uid"]


def test_duplicate_uid_in_one_file() -> None:
    first = ready_draft()
    document = _document(first, ready_draft(site_name="b"), first.with_changes(site_name="c"))
    (problem,) = _problems(_bytes(document))
    assert problem.where == "requests[2].uid"
    assert problem.message == "repeats the uid of requests[0]."


def test_request_that_is_not_an_object() -> None:
    document = _document(ready_draft())
    document["requests"].append(["not", "a", "request"])
    (problem,) = _problems(_bytes(document))
    assert problem.where == "requests[1]"
    assert problem.message == "must be an object with the request's fields, not a list."


def test_every_problem_is_reported_together() -> None:
    document = _document(ready_draft(), ready_draft(site_name="b"), ready_draft(site_name="c"))
    one, _two, three = document["requests"]
    one["aws_account_id"] = 123456789012
    one["location"] = "moon"
    one["products"] = ["jira-software", "jira"]
    one["requester"]["is_org_admin"] = 1
    one["colour"] = "blue"
    del three["customer_org"]
    three["desired_users"] = False
    with pytest.raises(RequestFileError) as caught:
        parse(_bytes(document), "batch.byok.json")
    assert sorted(_where(caught.value.problems)) == sorted(
        [
            "requests[0].colour",
            "requests[0].aws_account_id",
            "requests[0].location",
            "requests[0].products[1]",
            "requests[0].requester.is_org_admin",
            "requests[2].customer_org",
            "requests[2].desired_users",
        ]
    )
    text = str(caught.value)
    assert len(text.splitlines()) == 7
    assert "batch.byok.json: requests[0].location: 'moon' is not a location" in text


def test_problems_come_from_the_file_on_disk(tmp_path: Path) -> None:
    document = _document(ready_draft())
    broken = copy.deepcopy(document)
    broken["requests"][0]["aws_account_id"] = 1
    path = tmp_path / "broken.byok.json"
    path.write_bytes(_bytes(broken))
    with pytest.raises(RequestFileError) as caught:
        read_file(path)
    (problem,) = caught.value.problems
    assert str(problem) == f"{path}: requests[0].aws_account_id: must be text, not a number."
