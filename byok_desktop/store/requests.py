"""Requests in the database: save with a version check, list, search, sort.

Every public method is one unit of work with its own session, so the store can be used
from any thread; it returns plain dataclasses, never ORM rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Table,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from byok_desktop.changes import ChangeBus, Changes
from byok_desktop.job_records import JobStatus
from byok_desktop.locations import Location
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import (
    Product,
    decode_products,
    encode_products,
)
from byok_desktop.request import RequestDraft, RequestStatus
from byok_desktop.request_fields import FIELDS, LISTED, Field, InputKind
from byok_desktop.request_records import (
    CannotWithdraw,
    RequestListRow,
    RequestLocked,
    RequestNotFound,
    RequestProvisioned,
    SortKey,
    StatusChange,
    StoredRequest,
    SubmittedElsewhere,
    VersionConflict,
)
from byok_desktop.store.boundary import store_boundary
from byok_desktop.store.change_counters import ChangeLog
from byok_desktop.store.engine import session_factory
from byok_desktop.store.models import JobRow, ProductRow, RequestRow
from byok_desktop.store.site_claims import BatchClaims, load_sites
from byok_desktop.tiers import TierTable
from byok_desktop.validation import (
    USERS_MAX,
    SiteClaim,
    Validation,
    normalise_account_id,
    normalised,
    parse_users,
    site_key,
    validate,
)

log = logging.getLogger("byok_desktop.db")

_REQUESTS = cast(Table, RequestRow.__table__)
_LOCKED_STATUSES = [s.value for s in RequestStatus if s.locked]


# The list's columns sort by the field's stored column, but for these.
_SORT_COLUMNS = {
    SortKey.STATUS: RequestRow.status,
    **{
        SortKey(spec.column.sort): getattr(RequestRow, spec.name)
        for spec in LISTED
        if spec.column is not None
    },
    SortKey.USERS: RequestRow.users_count,
    SortKey.UPDATED: RequestRow.updated_at,
}
# Text columns sort without regard to case.
_TEXT_SORTS = frozenset(
    SortKey(spec.column.sort)
    for spec in LISTED
    if spec.column is not None
    and spec.kind is InputKind.LINE
    and spec.field is not Field.DESIRED_USERS
)
# Columns stored as typed: text and yes/no.
_AS_TYPED = tuple(spec.name for spec in FIELDS if spec.is_text or spec.kind is InputKind.CHECK)
# The list's search looks in these.
_SEARCHED = (
    *(getattr(RequestRow, spec.name) for spec in FIELDS if spec.searched),
    RequestRow.status,
)
# The list's row holds the text columns it shows as they are stored.
_LISTED_TEXT = tuple(spec.name for spec in LISTED if spec.is_text)


def _draft_of(row: RequestRow) -> RequestDraft:
    return RequestDraft(
        uid=row.uid,
        location=Location(row.location) if row.location else None,
        products=decode_products(row.products),
        **{name: getattr(row, name) for name in _AS_TYPED},
    )


def _stored(row: RequestRow) -> StoredRequest:
    return StoredRequest(
        id=row.id,
        version=row.version,
        status=RequestStatus(row.status),
        problem_count=row.problem_count,
        tier_name=row.tier_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        draft=_draft_of(row),
    )


def _columns(draft: RequestDraft, key: str, result: Validation) -> dict[str, object]:
    """The stored columns of a normalised draft (all but id, version and times)."""
    users = parse_users(draft.desired_users)
    return {
        **{name: getattr(draft, name) for name in _AS_TYPED},
        "uid": draft.uid,
        "site_key": key,
        "users_count": users if users is not None and users <= USERS_MAX else None,
        "tier_name": result.tier.name if result.tier else "",
        "location": draft.location.value if draft.location else None,
        "products": _encoded(draft.products),
        "status": result.status.value,
        "problem_count": result.problem_count,
    }


@cache
def _encoded(products: frozenset[Product]) -> str:
    """encode_products, once per set of products (there are eight)."""
    return encode_products(products)


def _revalidate(row: RequestRow, result: Validation) -> None:
    if row.status != result.status.value or row.problem_count != result.problem_count:
        row.status = result.status.value
        row.problem_count = result.problem_count


def _insert(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """One bulk INSERT (batched by SQLAlchemy); the new ids in the order of ``rows``.

    Ids are matched back by uid, which is unique: asking for RETURNING in parameter order
    instead makes SQLite insert the rows one statement at a time.
    """
    if not rows:
        return []
    returned = session.execute(insert(_REQUESTS).returning(_REQUESTS.c.uid, _REQUESTS.c.id), rows)
    ids: dict[str, int] = {uid: rid for uid, rid in returned}
    return [ids[str(row["uid"])] for row in rows]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@store_boundary
class RequestStore:
    def __init__(self, engine: Engine, tiers: TierTable, changes: ChangeLog | None = None) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)
        self.tiers = tiers
        # Every committed write is announced on changes.bus (see byok_desktop.changes).
        self._changes = changes or ChangeLog(engine, ChangeBus())

    # --- validation ------------------------------------------------------------

    def site_claims(self, site_name: str, exclude_request_id: int | None) -> list[SiteClaim]:
        with self._sessions() as session:
            return self._site_claims(session, site_key(site_name), exclude_request_id)

    def _site_claims(
        self, session: Session, key: str, exclude_request_id: int | None
    ) -> list[SiteClaim]:
        site = load_sites(session, [key]).get(key)
        return site.claims(exclude_request_id) if site else []

    def validate(self, draft: RequestDraft, request_id: int | None) -> Validation:
        return validate(draft, self.tiers, self.site_claims(draft.site_name, request_id))

    def _apply(self, session: Session, row: RequestRow, draft: RequestDraft) -> None:
        draft = normalised(draft)
        key = site_key(draft.site_name)
        claims = self._site_claims(session, key, row.id)
        result = validate(draft, self.tiers, claims, with_notes=False)
        for column, value in _columns(draft, key, result).items():
            setattr(row, column, value)

    def _revalidate_site(self, session: Session, keys: Iterable[str], skip: int) -> list[int]:
        """Other requests on a site may change status when one of them changes; returns
        the ids looked at (their rows may have changed)."""
        wanted = [k for k in set(keys) if k]
        if not wanted:
            return []
        session.flush()
        touched: list[int] = []
        for row in session.scalars(
            select(RequestRow).where(RequestRow.site_key.in_(wanted), RequestRow.id != skip)
        ):
            if RequestStatus(row.status).locked:
                continue  # submitted requests keep the status they were submitted with
            claims = self._site_claims(session, row.site_key, row.id)
            _revalidate(row, validate(_draft_of(row), self.tiers, claims, with_notes=False))
            touched.append(row.id)
        return touched

    # --- create, save, delete ------------------------------------------------------

    def create(self, draft: RequestDraft | None = None) -> StoredRequest:
        draft = draft or RequestDraft()
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            row = RequestRow(version=1, created_at=now, updated_at=now)
            self._apply(session, row, draft)
            session.add(row)
            session.flush()
            touched = self._revalidate_site(session, [row.site_key], row.id)
            stored = _stored(row)
            self._changes.wrote(session, Changes.of_requests([row.id, *touched]))
        log.info("Created request %s", stored.id)
        return stored

    def get(self, request_id: int) -> StoredRequest:
        with self._sessions() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            return _stored(row)

    def save(self, request_id: int, draft: RequestDraft, expected_version: int) -> StoredRequest:
        """Write the draft if nobody saved since ``expected_version`` was read."""
        with self._sessions.begin() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            if row.version != expected_version:
                raise VersionConflict(request_id, expected_version, row.version)
            if RequestStatus(row.status).locked:
                raise RequestLocked(request_id, RequestStatus(row.status))
            old_key = row.site_key
            self._apply(session, row, draft)
            row.version += 1
            row.updated_at = datetime.now(UTC)
            touched = self._revalidate_site(session, [old_key, row.site_key], row.id)
            stored = _stored(row)
            self._changes.wrote(session, Changes.of_requests([row.id, *touched]))
        return stored

    def delete(self, request_ids: Sequence[int]) -> int:
        with self._sessions.begin() as session:
            provisioned = {
                rid
                for rid in session.scalars(
                    select(ProductRow.request_id).where(ProductRow.request_id.in_(request_ids))
                )
                if rid is not None
            }
            # A request with jobs is the record of what they did in AWS: keep it.
            provisioned |= {
                rid
                for rid in session.scalars(
                    select(JobRow.request_id).where(JobRow.request_id.in_(request_ids))
                )
                if rid is not None
            }
            if provisioned:
                raise RequestProvisioned(sorted(provisioned))
            keys = list(
                session.scalars(select(RequestRow.site_key).where(RequestRow.id.in_(request_ids)))
            )
            deleted = session.execute(delete(RequestRow).where(RequestRow.id.in_(request_ids)))
            touched = self._revalidate_site(session, keys, -1)
            count = int(deleted.rowcount or 0)  # type: ignore[attr-defined]
            self._changes.wrote(session, Changes.of_requests([*request_ids, *touched]))
        log.info("Deleted %d request(s)", count)
        return count

    def duplicate(self, request_id: int) -> StoredRequest:
        """A new request with the same fields (and so, until renamed, the same site)."""
        source = self.get(request_id)
        from byok_desktop.request import new_uid

        return self.create(source.draft.with_changes(uid=new_uid()))

    # --- listing ----------------------------------------------------------------

    def _filtered(self, query: Select[int], search: str) -> Select[int]:
        for term in search.replace("\x00", "").split():  # LIKE stops at a NUL
            pattern = _like_pattern(term.casefold())
            digits = normalise_account_id(term)
            conditions = [func.casefold(column).like(pattern, escape="\\") for column in _SEARCHED]
            if digits and digits != term:
                conditions.append(RequestRow.aws_account_id.like(_like_pattern(digits), "\\"))
            query = query.where(or_(*conditions))
        return query

    def list_ids(
        self, search: str = "", sort: SortKey = SortKey.UPDATED, descending: bool = True
    ) -> list[int]:
        with self._sessions() as session:
            return list(session.scalars(self._ids_query(search, sort, descending)))

    def list_page(
        self,
        search: str = "",
        sort: SortKey = SortKey.UPDATED,
        descending: bool = True,
        first_rows: int = 0,
    ) -> tuple[list[int], int, dict[int, RequestListRow]]:
        """The list's IDs, the number of requests, and the rows of the first ``first_rows``
        IDs, in one session: on a team database over a VPN each session costs round
        trips of its own (BEGIN, ROLLBACK), so the list opens in one instead of three."""
        with self._sessions() as session:
            ids = list(session.scalars(self._ids_query(search, sort, descending)))
            total = int(session.scalar(select(func.count(RequestRow.id))) or 0)
            return ids, total, self._rows(session, ids[:first_rows]) if first_rows else {}

    def _ids_query(self, search: str, sort: SortKey, descending: bool) -> Select[int]:
        column = _SORT_COLUMNS[sort]
        # Empty values sort last in either direction; id breaks ties stably.
        empty: ColumnElement[bool] = column.is_(None)
        if column.type.python_type is str:
            empty = or_(empty, column == "")
        empty_last = case((empty, 1), else_=0)
        key = func.casefold(column) if sort in _TEXT_SORTS else column
        order = key.desc() if descending else key.asc()
        return self._filtered(select(RequestRow.id), search).order_by(
            empty_last, order, RequestRow.id.desc() if descending else RequestRow.id.asc()
        )

    def rows(self, request_ids: Sequence[int]) -> dict[int, RequestListRow]:
        with self._sessions() as session:
            return self._rows(session, request_ids)

    @staticmethod
    def _rows(session: Session, request_ids: Sequence[int]) -> dict[int, RequestListRow]:
        found = session.scalars(select(RequestRow).where(RequestRow.id.in_(request_ids)))
        return {
            row.id: RequestListRow(
                id=row.id,
                status=RequestStatus(row.status),
                problem_count=row.problem_count,
                products=decode_products(row.products),
                location=Location(row.location) if row.location else None,
                tier_name=row.tier_name,
                updated_at=row.updated_at,
                **{name: getattr(row, name) for name in _LISTED_TEXT},
            )
            for row in found
        }

    def count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count(RequestRow.id))) or 0)

    def ids_by_uid(self, uids: Iterable[str]) -> dict[str, int]:
        wanted = list(set(uids))
        with self._sessions() as session:
            result = session.execute(
                select(RequestRow.uid, RequestRow.id).where(RequestRow.uid.in_(wanted))
            )
            return {uid: rid for uid, rid in result}

    def create_many(
        self, drafts: Sequence[RequestDraft], changed: list[StatusChange] | None = None
    ) -> list[int]:
        """Insert all drafts in one transaction: all of them or, on any error, none.
        ``changed`` receives the requests already stored whose status the batch changed.

        Stores what creating them one by one would: each request is checked against its
        site's records and the batch's other requests on the site, and the unlocked
        requests already on those sites are checked again. The sites are read in a few
        queries and the rows written in one bulk INSERT.
        """
        now = datetime.now(UTC)
        batch = [normalised(d) for d in drafts]
        keys = [site_key(d.site_name) for d in batch]
        with self._sessions.begin() as session:
            sites = load_sites(session, keys)
            claims = BatchClaims(sites, batch, keys)
            new = {"version": 1, "created_at": now, "updated_at": now}
            rows: list[dict[str, object]] = []
            for index, (draft, key) in enumerate(zip(batch, keys, strict=True)):
                result = validate(draft, self.tiers, claims.of_new(index, key), with_notes=False)
                rows.append(_columns(draft, key, result) | new)
            ids = _insert(session, rows)
            for site in sites.values():
                for row, _ in site.requests:
                    if RequestStatus(row.status).locked:
                        continue  # submitted requests keep the status they were submitted with
                    seen = claims.of_recorded(row)
                    before = RequestStatus(row.status)
                    result = validate(_draft_of(row), self.tiers, seen, with_notes=False)
                    _revalidate(row, result)
                    if changed is not None and result.status is not before:
                        reason = next(iter(result.problems()), "")
                        changed.append(
                            StatusChange(row.id, row.site_name, before, result.status, reason)
                        )
            self._changes.wrote(session, Changes.of_requests())  # many: reload them all
        log.info("Imported %d request(s)", len(ids))
        return ids

    def site_location(self, key: str) -> Location | None:
        """The location a site is pinned to by its BYOK products, if it has any."""
        with self._sessions() as session:
            found = session.scalar(
                select(ProductRow.location).where(ProductRow.site_key == key).limit(1)
            )
            return Location(found) if found else None

    def products_on_site(self, site_name: str) -> set[Product]:
        key = site_key(site_name)
        with self._sessions() as session:
            found = session.scalars(select(ProductRow.product).where(ProductRow.site_key == key))
            return {Product(p) for p in found}

    def record_product(
        self,
        site_name: str,
        product: Product,
        location: Location,
        request_id: int | None,
        status: ProductStatus = ProductStatus.ACTIVE,
    ) -> None:
        """Record a BYOK-enabled product (provisioning does this when a job succeeds)."""
        key = site_key(site_name)
        if not key:
            raise ValueError(f"invalid site name {site_name!r}")
        with self._sessions.begin() as session:
            session.add(
                ProductRow(
                    request_id=request_id,
                    site_key=key,
                    product=product.value,
                    family=product.family.value,
                    location=location.value,
                    status=status.value,
                    created_at=datetime.now(UTC),
                    provisioned_at=datetime.now(UTC) if status.provisioned else None,
                )
            )
            session.flush()
            touched = self._revalidate_site(session, [key], -1)
            self._changes.wrote(
                session,
                Changes.of_requests(touched) | Changes.of_families([(key, product.family.value)]),
            )

    # --- submission lifecycle ---------------------------------------------------------

    def submit(self, request_id: int, expected_version: int, jobs: Sequence[JobRow]) -> list[int]:
        """In one transaction: add the request's jobs, record its products as
        Provisioning (they claim the site from now on) and lock the request.

        Two processes (or workstations) submitting one request at once: the request is
        locked first by a guarded UPDATE (its version and an unlocked status), so the
        second writer waits for the first's commit, then matches no row and is refused
        with :class:`SubmittedElsewhere` before it writes anything."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            if row.version != expected_version:
                raise VersionConflict(request_id, expected_version, row.version)
            if RequestStatus(row.status).locked:
                raise RequestLocked(request_id, RequestStatus(row.status))
            locked = session.execute(
                update(RequestRow)
                .where(
                    RequestRow.id == request_id,
                    RequestRow.version == expected_version,
                    RequestRow.status.notin_(_LOCKED_STATUSES),
                )
                .values(
                    status=RequestStatus.SUBMITTED.value,
                    version=expected_version + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], locked).rowcount != 1:
                raise SubmittedElsewhere(request_id)
            session.refresh(row)
            draft = _draft_of(row)
            assert draft.location is not None, "only Ready requests are submitted"
            existing = set(
                session.scalars(
                    select(ProductRow.product).where(ProductRow.site_key == row.site_key)
                )
            )
            for product in sorted(draft.products, key=lambda p: p.value):
                if product.value in existing:
                    continue
                session.add(
                    ProductRow(
                        request_id=request_id,
                        site_key=row.site_key,
                        product=product.value,
                        family=product.family.value,
                        location=draft.location.value,
                        status=ProductStatus.PROVISIONING.value,
                        status_reason="Waiting for its provisioning job",
                        tier_name=row.tier_name,
                        created_at=now,
                    )
                )
            session.add_all(jobs)
            try:
                session.flush()
            except IntegrityError as exc:
                # Another request claimed one of these products on the site meanwhile.
                raise SubmittedElsewhere(request_id) from exc
            ids = [job.id for job in jobs]
            families = [(row.site_key, p.family.value) for p in draft.products]
            self._changes.wrote(
                session,
                Changes.of_requests([request_id])
                | Changes.of_families(families)
                | Changes.of_jobs(ids),
            )
        log.info("Submitted request %s as job(s) %s", request_id, ids)
        return ids

    def withdraw(self, request_id: int) -> StoredRequest:
        """Take a submitted request back for editing when nothing of it was provisioned:
        its unfinished jobs become Withdrawn (never resumed) and its products are released."""
        with self._sessions.begin() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            if row.status != RequestStatus.SUBMITTED.value:
                raise CannotWithdraw(
                    f"Request #{request_id} is {RequestStatus(row.status).display_name}; only a "
                    "Submitted request can be withdrawn."
                )
            jobs = list(session.scalars(select(JobRow).where(JobRow.request_id == request_id)))
            busy = [
                j.id for j in jobs if j.status in (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
            ]
            if busy:
                raise CannotWithdraw(
                    f"Job(s) {', '.join(f'#{i}' for i in busy)} of request #{request_id} are "
                    "queued or running; cancel them on the Jobs screen first."
                )
            products = list(
                session.scalars(select(ProductRow).where(ProductRow.request_id == request_id))
            )
            done = [p for p in products if ProductStatus(p.status).provisioned]
            if done:
                raise CannotWithdraw(
                    f"Part of request #{request_id} is already BYOK-enabled "
                    f"({', '.join(Product(p.product).display_name for p in done)}); a BYOK "
                    "product can never be undone. Retry the remaining job instead."
                )
            now = datetime.now(UTC)
            for job in jobs:
                if job.status != JobStatus.SUCCEEDED.value:
                    job.status = JobStatus.WITHDRAWN.value
                    job.finished_at = now
                    job.error_message = "Withdrawn: the request was taken back for editing."
            for product in products:
                session.delete(product)
            session.flush()
            self._apply(session, row, _draft_of(row))
            row.version += 1
            row.updated_at = now
            touched = self._revalidate_site(session, [row.site_key], row.id)
            stored = _stored(row)
            self._changes.wrote(
                session,
                Changes.of_requests([request_id, *touched])
                | Changes.of_families({(p.site_key, p.family) for p in products})
                | Changes.of_jobs(j.id for j in jobs),
            )
        log.info("Withdrew request %s", request_id)
        return stored

    def update_lifecycle(self, request_id: int) -> RequestStatus:
        """A submitted request becomes Provisioned once all its products are."""
        with self._sessions.begin() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            statuses = [
                ProductStatus(s)
                for s in session.scalars(
                    select(ProductRow.status).where(ProductRow.request_id == request_id)
                )
            ]
            if (
                row.status == RequestStatus.SUBMITTED.value
                and statuses
                and all(s.provisioned for s in statuses)
            ):
                row.status = RequestStatus.PROVISIONED.value
                row.updated_at = datetime.now(UTC)
                row.version += 1
                self._changes.wrote(session, Changes.of_requests([request_id]))
            status = RequestStatus(row.status)
        return status
