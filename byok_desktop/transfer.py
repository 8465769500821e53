"""Export and import of request files, shared by the GUI and the headless commands."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from byok_desktop.request import RequestDraft, new_uid
from byok_desktop.request_file import (
    FILE_SUFFIX,
    MAX_FILE_BYTES,
    MAX_REQUESTS,
    FileProblem,
    RequestFileError,
    draft_to_json,
    dumps,
    read_file,
    write_file,
)
from byok_desktop.request_records import StatusChange
from byok_desktop.store.requests import RequestStore
from byok_desktop.store.site_claims import BatchClaims
from byok_desktop.tiers import TierTable
from byok_desktop.validation import Validation, normalised, site_key, validate

log = logging.getLogger("byok_desktop.transfer")


class OnConflict(Enum):
    """What to do with a request whose uid is already in the database."""

    FAIL = "fail"  # import nothing, report the conflicts
    SKIP = "skip"  # keep the existing request, leave the file's copy out
    COPY = "copy"  # import the file's request as a new request beside the existing one


@dataclass(frozen=True, slots=True)
class Conflict:
    file: str
    uid: str
    existing_id: int
    site_name: str


@dataclass
class ImportReport:
    imported_ids: list[int] = field(default_factory=list)
    skipped: list[Conflict] = field(default_factory=list)
    copied: list[Conflict] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)  # set when nothing was imported
    problems: list[FileProblem] = field(default_factory=list)  # set when nothing was imported
    # Requests already here whose status the import changed (their site is now named twice)
    status_changes: list[StatusChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.conflicts


def read_all(paths: Sequence[Path]) -> tuple[list[tuple[str, RequestDraft]], list[FileProblem]]:
    drafts: list[tuple[str, RequestDraft]] = []
    problems: list[FileProblem] = []
    for path in paths:
        try:
            drafts.extend((str(path), d) for d in read_file(path))
        except RequestFileError as exc:
            problems.extend(exc.problems)
    return drafts, problems


def duplicate_uids(drafts: Sequence[tuple[str, RequestDraft]]) -> list[FileProblem]:
    """A uid in two files: importing them together would make one request of two."""
    problems: list[FileProblem] = []
    first_file: dict[str, str] = {}
    for file, draft in drafts:
        if draft.uid in first_file:
            problems.append(
                FileProblem(file, "uid", f"request {draft.uid} is also in {first_file[draft.uid]}.")
            )
        first_file.setdefault(draft.uid, file)
    return problems


def verdicts(drafts: Sequence[RequestDraft], tiers: TierTable) -> list[Validation]:
    """What an import of ``drafts`` together makes of each on an empty database: the
    rules of every field, and the site rule among the drafts themselves (two requests
    for one site are both Drafts). ``check`` says this, so it agrees with ``import``."""
    batch = [normalised(d) for d in drafts]
    keys = [site_key(d.site_name) for d in batch]
    claims = BatchClaims({}, batch, keys)
    return [
        validate(draft, tiers, claims.of_new(index, key))
        for index, (draft, key) in enumerate(zip(batch, keys, strict=True))
    ]


def import_files(
    store: RequestStore, paths: Sequence[Path], on_conflict: OnConflict = OnConflict.FAIL
) -> ImportReport:
    """Import every request of every file in one transaction, or none of them."""
    report = ImportReport()
    drafts, report.problems = read_all(paths)
    report.problems.extend(duplicate_uids(drafts))
    if report.problems:
        return report

    existing = store.ids_by_uid(d.uid for _, d in drafts)
    to_create: list[RequestDraft] = []
    for file, draft in drafts:
        if draft.uid not in existing:
            to_create.append(draft)
            continue
        conflict = Conflict(file, draft.uid, existing[draft.uid], draft.site_name)
        if on_conflict is OnConflict.FAIL:
            report.conflicts.append(conflict)
        elif on_conflict is OnConflict.SKIP:
            report.skipped.append(conflict)
        else:
            report.copied.append(conflict)
            to_create.append(draft.with_changes(uid=new_uid()))
    if report.conflicts:
        return report
    if to_create:
        report.imported_ids = store.create_many(to_create, report.status_changes)
    log.info(
        "Import of %d file(s): %d imported, %d skipped, %d copied",
        len(paths),
        len(report.imported_ids),
        len(report.skipped),
        len(report.copied),
    )
    return report


Entry = tuple[RequestDraft, str | None]  # a request and its status, as a file holds it


class ExportTooLarge(ValueError):
    """One request alone is more than a request file may hold."""


@dataclass(frozen=True, slots=True)
class Exported:
    count: int
    files: list[Path]  # one file, or numbered parts when one would exceed import's limits


def export_requests(
    store: RequestStore,
    request_ids: Sequence[int],
    path: Path,
    max_bytes: int = MAX_FILE_BYTES,
    max_requests: int = MAX_REQUESTS,
) -> Exported:
    """Write the requests to ``path``; when one file would be more than import reads
    (bytes or requests), to numbered files beside it (``NAME-001.byok.json``…), each of
    which imports on its own. Never writes a file that import refuses."""
    requests = [store.get(rid) for rid in request_ids]
    entries: list[Entry] = [(r.draft, r.status.value) for r in requests]
    parts = _split(entries, [r.id for r in requests], max_bytes, max_requests)
    if len(parts) == 1:
        files = [path]
    else:
        files = [_numbered(path, n, len(parts)) for n in range(1, len(parts) + 1)]
    for part, file in zip(parts, files, strict=True):
        write_file(file, part)
    log.info("Exported %d request(s) to %s", len(requests), ", ".join(map(str, files)))
    return Exported(len(requests), files)


def _split(
    entries: list[Entry], ids: list[int], max_bytes: int, max_requests: int
) -> list[list[Entry]]:
    """Consecutive parts, each within the limits once written."""
    envelope = len(dumps([]).encode("utf-8")) + 64  # the header, and room for its dates
    parts: list[list[Entry]] = [[]]
    used = envelope
    for entry, request_id in zip(entries, ids, strict=True):
        # Each request as the file indents it (two levels deeper), with its comma.
        text = json.dumps(draft_to_json(*entry), indent=2, ensure_ascii=False)
        size = len(text.encode("utf-8")) + text.count("\n") * 4 + 8
        if envelope + size > max_bytes:
            raise ExportTooLarge(
                f"Request #{request_id} ({entry[0].site_name or 'no site'}) alone is "
                f"{size / 1_048_576:.1f} MB, more than the {max_bytes // 1_048_576} MB a "
                "request file may hold; shorten its longest field and export again."
            )
        if parts[-1] and (used + size > max_bytes or len(parts[-1]) >= max_requests):
            parts.append([])
            used = envelope
        parts[-1].append(entry)
        used += size
    return parts


def _numbered(path: Path, number: int, total: int) -> Path:
    name = path.name
    base, suffix = (
        (name[: -len(FILE_SUFFIX)], FILE_SUFFIX)
        if name.endswith(FILE_SUFFIX)
        else (path.stem, path.suffix)
    )
    width = max(3, len(str(total)))
    return path.with_name(f"{base}-{number:0{width}d}{suffix}")
