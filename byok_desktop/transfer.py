"""Export and import of request files, shared by the GUI and the headless commands."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from byok_desktop.request import RequestDraft, new_uid
from byok_desktop.request_file import FileProblem, RequestFileError, read_file, write_file
from byok_desktop.store.requests import RequestStore

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


def import_files(
    store: RequestStore, paths: Sequence[Path], on_conflict: OnConflict = OnConflict.FAIL
) -> ImportReport:
    """Import every request of every file in one transaction, or none of them."""
    report = ImportReport()
    drafts, report.problems = read_all(paths)
    first_file: dict[str, str] = {}
    for file, draft in drafts:
        if draft.uid in first_file:
            report.problems.append(
                FileProblem(file, "uid", f"request {draft.uid} is also in {first_file[draft.uid]}.")
            )
        first_file.setdefault(draft.uid, file)
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
        report.imported_ids = store.create_many(to_create)
    log.info(
        "Import of %d file(s): %d imported, %d skipped, %d copied",
        len(paths),
        len(report.imported_ids),
        len(report.skipped),
        len(report.copied),
    )
    return report


def export_requests(store: RequestStore, request_ids: Sequence[int], path: Path) -> int:
    requests = [store.get(rid) for rid in request_ids]
    write_file(path, [(r.draft, r.status.value) for r in requests])
    log.info("Exported %d request(s) to %s", len(requests), path)
    return len(requests)
