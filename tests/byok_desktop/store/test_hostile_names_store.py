"""Hostile names and bad imports against both databases (issue 7): the team database on
PostgreSQL must be as inert and as all-or-nothing as the SQLite file.

The SQLite-only half, with the command line, is tests/hostile/test_hostile_names.py.
Tests marked ``xfail(strict=True)`` pin production bugs; each reason names the code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from byok_desktop.request_file import dumps
from byok_desktop.request_records import StoredRequest
from byok_desktop.store.requests import RequestStore
from byok_desktop.transfer import import_files
from byok_desktop.validation import normalise_account_id, normalised
from tests.helpers.factories import ready_draft
from tests.helpers.hostile import HOSTILE, hostile_draft

# PostgreSQL text cannot hold NUL: those names are in the xfail tests below.
WITHOUT_NUL = [t for t in HOSTILE if "\x00" not in t]


def _snapshot(store: RequestStore) -> list[StoredRequest]:
    return [store.get(rid) for rid in store.list_ids()]


def _seed(store: RequestStore) -> dict[str, int]:
    return {text: store.create(hostile_draft(text)).id for text in WITHOUT_NUL}


def test_hostile_text_is_stored_exactly(store: RequestStore) -> None:
    ids = _seed(store)
    assert store.count() == len(WITHOUT_NUL)
    for text, rid in ids.items():
        stored = store.get(rid)
        assert stored.draft == normalised(hostile_draft(text).with_changes(uid=stored.draft.uid))
        assert stored.draft.notes == text


@pytest.mark.parametrize("search", ["%", "_", "\\", "'", "'; DROP TABLE requests; --", "<b>"])
def test_search_matches_only_literal_text(store: RequestStore, search: str) -> None:
    ids = _seed(store)
    # Each request holds its hostile text in every searched column; no term here is
    # changed by the account-ID normaliser, so literal containment is the whole rule.
    assert all(normalise_account_id(term) in ("", term) for term in search.split())
    expected = {
        rid
        for text, rid in ids.items()
        if all(term.casefold() in text.casefold() for term in search.split())
    }
    assert set(store.list_ids(search)) == expected
    assert expected
    assert store.count() == len(WITHOUT_NUL)


def test_an_import_with_a_bad_file_changes_nothing(store: RequestStore, tmp_path: Path) -> None:
    _seed(store)
    before = _snapshot(store)
    good = tmp_path / "good.byok.json"
    good.write_text(dumps([(hostile_draft("<b>new</b>"), None)]), encoding="utf-8")
    bad = tmp_path / "bad.byok.json"
    document = json.loads(dumps([(ready_draft(site_name="fine"), None)]))
    document["requests"][0]["desired_users"] = True
    bad.write_text(json.dumps(document), encoding="utf-8")
    report = import_files(store, [good, bad])
    assert not report.ok
    assert [(p.file, p.where) for p in report.problems] == [(str(bad), "requests[0].desired_users")]
    assert _snapshot(store) == before


def _import_one(store: RequestStore, tmp_path: Path, **changes: object) -> StoredRequest:
    draft = ready_draft(**changes)
    path = tmp_path / "one.byok.json"
    path.write_text(dumps([(draft, None)]), encoding="utf-8")
    report = import_files(store, [path])
    assert report.ok, report.problems
    (rid,) = report.imported_ids
    stored = store.get(rid)
    assert stored.draft == normalised(draft)
    return stored


def _refused(store: RequestStore, tmp_path: Path, **changes: object) -> list[str]:
    """Import one request; it must be refused: the places named, nothing stored."""
    path = tmp_path / "one.byok.json"
    path.write_text(dumps([(ready_draft(**changes), None)]), encoding="utf-8")
    report = import_files(store, [path])
    assert not report.ok
    assert report.imported_ids == []
    return [p.where for p in report.problems]


def test_a_nul_in_an_imported_name_is_refused_clearly_on_every_database(
    store: RequestStore, tmp_path: Path
) -> None:
    """PostgreSQL text cannot hold a NUL, and SQLite's LIKE stops at one: the importer
    names the fields instead of letting either database trip over it."""
    _seed(store)
    before = _snapshot(store)
    where = _refused(store, tmp_path, customer_org="name\x00x", notes="a\x00b")
    assert where == ["requests[0].customer_org", "requests[0].notes"]
    assert _snapshot(store) == before


def test_a_uid_longer_than_the_database_holds_is_refused_clearly(
    store: RequestStore, tmp_path: Path
) -> None:
    """requests.uid holds 36 characters (a UUID) on every database."""
    _seed(store)
    before = _snapshot(store)
    assert _refused(store, tmp_path, uid="u" * 37, site_name="long-uid") == ["requests[0].uid"]
    assert _snapshot(store) == before
    stored = _import_one(store, tmp_path, uid="u" * 36, site_name="long-uid")
    assert stored.draft.uid == "u" * 36
