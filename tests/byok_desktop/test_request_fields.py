"""The field declarations drive the request file, the checks and the store's columns:
every declared field reaches each of them."""

from __future__ import annotations

import json

from byok_desktop import validation
from byok_desktop.request import RequestDraft
from byok_desktop.request_fields import FIELDS, FORM, LISTED, SPECS, Field, InputKind
from byok_desktop.request_file import dumps, parse
from byok_desktop.request_records import RequestListRow, SortKey
from byok_desktop.store.models import RequestRow
from tests.helpers.factories import ready_draft


def test_one_entry_per_field_in_field_order() -> None:
    assert tuple(SPECS) == tuple(Field)
    assert [spec.field for spec in FIELDS] == list(Field)
    for spec in FIELDS:
        assert spec.label
        assert spec.caption
        assert spec.file_key
        assert hasattr(RequestDraft(), spec.name)


def test_the_form_shows_every_field_once() -> None:
    shown = [field for _title, fields in FORM for field in fields]
    assert sorted(shown, key=list(Field).index) == list(Field)


def test_every_field_is_checked() -> None:
    for spec in FIELDS:
        assert (spec.check is not None) != (spec.field in validation._RULED_HERE), spec.field


def test_every_field_is_written_to_the_request_file_and_read_back() -> None:
    draft = ready_draft(notes="a note")
    entry = json.loads(dumps([(draft, None)]))["requests"][0]
    for spec in FIELDS:
        where: object = entry
        for part in spec.file_key.split("."):
            assert isinstance(where, dict), spec.file_key
            assert part in where, spec.file_key
            where = where[part]
    assert parse(dumps([(draft, None)]).encode(), "x.byok.json") == [draft]


def test_every_field_has_a_stored_column() -> None:
    for spec in FIELDS:
        assert hasattr(RequestRow, spec.name), spec.name


def test_listed_fields_are_sortable_list_columns() -> None:
    sorts = {SortKey(spec.column.sort) for spec in LISTED if spec.column}
    assert len(sorts) == len(LISTED)
    assert sorts | {SortKey.STATUS, SortKey.UPDATED} == set(SortKey)
    for spec in LISTED:
        if spec.is_text:  # the list's row holds it as stored
            assert spec.name in RequestListRow.__slots__


def test_kinds_are_the_draft_types() -> None:
    draft = RequestDraft()
    for spec in FIELDS:
        value = getattr(draft, spec.name)
        if spec.is_text:
            assert isinstance(value, str)
        elif spec.kind is InputKind.CHECK:
            assert isinstance(value, bool)
