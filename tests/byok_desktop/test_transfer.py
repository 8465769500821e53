"""Import (all or nothing, uid conflicts) and export between data directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from byok_desktop.changes import Changes
from byok_desktop.context import AppContext, open_context
from byok_desktop.locations import Location
from byok_desktop.paths import resolve_paths
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft, RequestStatus
from byok_desktop.request_file import write_file
from byok_desktop.request_records import SortKey
from byok_desktop.store.requests import RequestStore
from byok_desktop.transfer import OnConflict, export_requests, import_files
from tests.helpers.factories import ready_draft


def _file(path: Path, *drafts: RequestDraft) -> Path:
    write_file(path, [(d, None) for d in drafts])
    return path


def test_import_two_files(store: RequestStore, tmp_path: Path) -> None:
    a, b, c = ready_draft(site_name="a"), ready_draft(site_name="b"), ready_draft(site_name="c")
    report = import_files(
        store, [_file(tmp_path / "1.byok.json", a, b), _file(tmp_path / "2.byok.json", c)]
    )
    assert report.ok
    assert report.problems == []
    assert report.conflicts == report.skipped == report.copied == []
    assert len(report.imported_ids) == 3
    assert [store.get(i).draft for i in report.imported_ids] == [a, b, c]
    assert all(store.get(i).status is RequestStatus.READY for i in report.imported_ids)


def test_one_bad_file_imports_nothing(store: RequestStore, tmp_path: Path) -> None:
    store.create(ready_draft(site_name="already-here"))
    good = _file(
        tmp_path / "good.byok.json", ready_draft(site_name="a"), ready_draft(site_name="b")
    )
    bad = tmp_path / "bad.byok.json"
    document = json.loads(good.read_text("utf-8"))
    document["requests"][0]["uid"] = "other-uid-1"
    document["requests"][1]["location"] = "moon"
    bad.write_text(json.dumps(document), encoding="utf-8")

    report = import_files(store, [good, bad])
    assert not report.ok
    assert report.imported_ids == []
    assert [(p.file, p.where) for p in report.problems] == [(str(bad), "requests[1].location")]
    assert store.count() == 1


def test_unreadable_files_are_all_reported(store: RequestStore, tmp_path: Path) -> None:
    missing = tmp_path / "missing.byok.json"
    garbage = tmp_path / "garbage.byok.json"
    garbage.write_bytes(b"\x00\x01 not json")
    report = import_files(store, [missing, garbage])
    assert {p.file for p in report.problems} == {str(missing), str(garbage)}
    assert store.count() == 0


def test_same_request_in_two_files_imports_nothing(store: RequestStore, tmp_path: Path) -> None:
    draft = ready_draft()
    first = _file(tmp_path / "1.byok.json", draft)
    second = _file(tmp_path / "2.byok.json", ready_draft(site_name="x"), draft)
    report = import_files(store, [first, second])
    assert not report.ok
    (problem,) = report.problems
    assert problem.file == str(second)
    assert problem.message == f"request {draft.uid} is also in {first}."
    assert store.count() == 0


@pytest.fixture
def existing(store: RequestStore) -> int:
    return store.create(ready_draft(notes="kept")).id


def _conflicting_file(
    store: RequestStore, existing: int, tmp_path: Path
) -> tuple[Path, RequestDraft]:
    """A file with a changed copy of the existing request, and a new request."""
    ours = store.get(existing).draft
    new = ready_draft(site_name="brand-new")
    return _file(tmp_path / "in.byok.json", ours.with_changes(notes="from the file"), new), new


def test_uid_conflict_fails_by_default_and_imports_nothing(
    store: RequestStore, existing: int, tmp_path: Path
) -> None:
    before = store.get(existing)
    path, _new = _conflicting_file(store, existing, tmp_path)
    report = import_files(store, [path])
    assert not report.ok
    (conflict,) = report.conflicts
    assert conflict.file == str(path)
    assert conflict.uid == before.draft.uid
    assert conflict.existing_id == existing
    assert conflict.site_name == "acme"
    assert report.imported_ids == []
    assert store.count() == 1
    assert store.get(existing) == before


def test_uid_conflict_skip_keeps_the_existing_request(
    store: RequestStore, existing: int, tmp_path: Path
) -> None:
    before = store.get(existing)
    path, new = _conflicting_file(store, existing, tmp_path)
    report = import_files(store, [path], OnConflict.SKIP)
    assert report.ok
    assert [c.existing_id for c in report.skipped] == [existing]
    (imported,) = report.imported_ids
    assert store.get(imported).draft == new
    assert store.get(existing) == before
    assert store.count() == 2


def test_uid_conflict_copy_adds_a_new_request(
    store: RequestStore, existing: int, tmp_path: Path
) -> None:
    before = store.get(existing)
    path, new = _conflicting_file(store, existing, tmp_path)
    report = import_files(store, [path], OnConflict.COPY)
    assert report.ok
    assert [c.existing_id for c in report.copied] == [existing]
    assert len(report.imported_ids) == 2
    copy_id, new_id = report.imported_ids
    copied = store.get(copy_id).draft
    assert copied.uid not in (before.draft.uid, new.uid)
    assert copied == before.draft.with_changes(uid=copied.uid, notes="from the file")
    assert store.get(new_id).draft == new
    assert store.get(existing).draft == before.draft
    assert store.count() == 3
    # The copy names the same site as the original: both are drafts now.
    assert store.get(copy_id).status is RequestStatus.DRAFT
    assert store.get(existing).status is RequestStatus.DRAFT


def test_skip_of_everything_imports_nothing_and_is_ok(
    store: RequestStore, existing: int, tmp_path: Path
) -> None:
    path = _file(tmp_path / "same.byok.json", store.get(existing).draft)
    report = import_files(store, [path], OnConflict.SKIP)
    assert report.ok
    assert report.imported_ids == []
    assert store.count() == 1


def test_export_then_import_into_another_data_directory(
    store: RequestStore, tmp_path: Path
) -> None:
    originals = [
        store.create(ready_draft(aws_account_id="000000000042")),
        store.create(
            RequestDraft(
                aws_account_id="0000-1111-2222",
                site_name="https://Zoe-42.atlassian.net/",
                desired_users="150,001",
                location=Location.USA,
                products=frozenset(Product),
                customer_org="Zoë Ångström 山田",
                requester_name="Renée",
                requester_email="renee@example.org",
                requester_is_org_admin=True,
                notes="multi\nline\n",
            )
        ),
        store.create(RequestDraft(site_name="Not A Site", desired_users="lots")),
    ]
    path = tmp_path / "out.byok.json"
    ids = store.list_ids(sort=SortKey.UPDATED, descending=False)
    assert export_requests(store, ids, path).files == [path]
    statuses = [r["status"] for r in json.loads(path.read_text("utf-8"))["requests"]]
    assert statuses == ["ready", "ready", "draft"]

    other = open_context(resolve_paths(tmp_path / "other-data"))
    try:
        other_store = other.database.requests
        report = import_files(other_store, [path])
        assert report.ok
        imported = [other_store.get(i) for i in report.imported_ids]
        assert [r.draft for r in imported] == [o.draft for o in originals]
        assert [r.status for r in imported] == [o.status for o in originals]
        assert [r.tier_name for r in imported] == [o.tier_name for o in originals]
        # Importing the same file again is a conflict for every request.
        again = import_files(other_store, [path])
        assert len(again.conflicts) == 3
        assert other_store.count() == 3
    finally:
        other.close()
    assert store.count() == 3


def test_import_is_announced_once(context: AppContext, tmp_path: Path) -> None:
    store = context.database.requests
    calls: list[Changes] = []
    context.database.changes.subscribe(calls.append)
    import_files(
        store, [_file(tmp_path / "a.byok.json", ready_draft(), ready_draft(site_name="b"))]
    )
    assert calls == [Changes.of_requests()]
    import_files(store, [tmp_path / "missing.byok.json"])
    assert calls == [Changes.of_requests()]


@pytest.mark.parametrize("users", ["\u00b2", "99999999999999999999"])
def test_import_of_odd_user_counts_gives_drafts(
    store: RequestStore, tmp_path: Path, users: str
) -> None:
    """The reader accepts any text as desired_users; importing it must not crash."""
    path = tmp_path / "odd.byok.json"
    document = json.loads(_file(path, ready_draft()).read_text("utf-8"))
    document["requests"][0]["desired_users"] = users
    path.write_text(json.dumps(document), encoding="utf-8")
    report = import_files(store, [path])
    assert report.ok
    (imported,) = report.imported_ids
    assert store.get(imported).status is RequestStatus.DRAFT
    assert store.get(imported).draft.desired_users == users


def test_import_onto_a_byok_site_adds_a_new_product_of_its_family_only(
    store: RequestStore, tmp_path: Path
) -> None:
    """acme has BYOK for Jira Software: a file's request for Jira Service Management there
    is Ready (same family, same location); one for Jira Software again is a Draft."""
    provisioned = store.create(ready_draft(products=frozenset({Product.JIRA_SOFTWARE})))
    store.record_product("acme", Product.JIRA_SOFTWARE, Location.EU, provisioned.id)
    jsm = ready_draft(uid="import-jsm-0001", products=frozenset({Product.JIRA_SERVICE_MANAGEMENT}))
    again = ready_draft(
        uid="import-jsw-0001", site_name="acme", products=frozenset({Product.JIRA_SOFTWARE})
    )

    report = import_files(store, [_file(tmp_path / "jsm.byok.json", jsm)])
    assert report.ok
    [jsm_id] = report.imported_ids
    assert store.get(jsm_id).status is RequestStatus.READY

    store.delete([jsm_id])
    report = import_files(store, [_file(tmp_path / "again.byok.json", again)])
    [again_id] = report.imported_ids
    stored = store.get(again_id)
    assert stored.status is RequestStatus.DRAFT
    assert store.validate(stored.draft, again_id).problems() == [
        "'acme' already has BYOK for Jira Software; remove it from this request (a BYOK "
        "product stays BYOK), or choose a new site."
    ]
