"""What the database holds on a site, as the site rule sees it (its claims).

Saving one request and importing thousands read the same records and turn them into
claims the same way; an import reads every site of the batch in a few queries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from byok_desktop.locations import Location
from byok_desktop.products import Product, ProductFamily
from byok_desktop.request import RequestDraft, RequestStatus
from byok_desktop.store.models import ProductRow, RequestRow
from byok_desktop.validation import SiteClaim

# Site keys per query: each is a bound parameter, and SQLite (since 3.32) takes 32,766 of
# them, PostgreSQL 65,535; bigger chunks mean fewer round trips.
CHUNK = 2000


@dataclass(slots=True)
class SiteRecords:
    """The BYOK products and the requests that name one site."""

    products: list[tuple[int | None, SiteClaim]] = field(default_factory=list)  # request id
    requests: list[tuple[RequestRow, SiteClaim]] = field(default_factory=list)

    def claims(self, exclude_request_id: int | None) -> list[SiteClaim]:
        """The claims of every record but request ``exclude_request_id`` and its products;
        a request whose products exist is represented by its products."""
        found: list[SiteClaim] = []
        provisioned: set[int] = set()
        for request_id, claim in self.products:
            if request_id is None or request_id != exclude_request_id:
                found.append(claim)
                if request_id is not None:
                    provisioned.add(request_id)
        for row, claim in self.requests:
            if row.id != exclude_request_id and row.id not in provisioned:
                found.append(claim)
        return found


def _request_claim(row: RequestRow) -> SiteClaim:
    who = row.customer_org.strip() or "no customer yet"
    return SiteClaim(
        kind="request",
        family=None,
        location=Location(row.location) if row.location else None,
        label=f"request #{row.id} ({who}, {RequestStatus(row.status).display_name})",
    )


def load_sites(session: Session, keys: Iterable[str]) -> dict[str, SiteRecords]:
    """The records on those of the site ``keys`` that have any, requests as ORM rows of
    ``session`` so that a caller can update them."""
    wanted = sorted({k for k in keys if k})
    sites: defaultdict[str, SiteRecords] = defaultdict(SiteRecords)
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        products = select(
            ProductRow.site_key,
            ProductRow.request_id,
            ProductRow.family,
            ProductRow.location,
            ProductRow.product,
        ).where(ProductRow.site_key.in_(chunk))
        for key, request_id, family, location, product in session.execute(
            products.order_by(ProductRow.id)
        ):
            claim = SiteClaim(
                kind="product",
                family=ProductFamily(family),
                location=Location(location),
                label=f"BYOK product {Product(product).display_name}",
                product=Product(product),
            )
            sites[key].products.append((request_id, claim))
        requests = select(RequestRow).where(RequestRow.site_key.in_(chunk))
        for row in session.scalars(requests.order_by(RequestRow.id)):
            sites[row.site_key].requests.append((row, _request_claim(row)))
    return dict(sites)


class BatchClaims:
    """The claims on the sites of a batch of new requests: the database's records, and
    the batch's other requests on the same site. Requests alone on a new site (most of
    an import) make no claim and cost nothing here."""

    def __init__(
        self, sites: dict[str, SiteRecords], drafts: Sequence[RequestDraft], keys: Sequence[str]
    ) -> None:
        self._sites = sites
        self._recorded = {key: site.claims(None) for key, site in sites.items()}
        counts = Counter(keys)
        self._batch: dict[str, list[tuple[int, SiteClaim]]] = {}
        for index, (draft, key) in enumerate(zip(drafts, keys, strict=True)):
            if key and (counts[key] > 1 or key in sites):
                self._batch.setdefault(key, []).append((index, _pending_claim(draft)))

    def of_new(self, index: int, key: str) -> list[SiteClaim]:
        """The claims that the batch's request ``index`` on site ``key`` sees."""
        recorded = self._recorded.get(key, [])
        batch = self._batch.get(key)
        if not batch:
            return recorded
        return recorded + [claim for i, claim in batch if i != index]

    def of_recorded(self, row: RequestRow) -> list[SiteClaim]:
        """The claims that a request already in the database sees once the batch is in."""
        batch = self._batch.get(row.site_key, [])
        return self._sites[row.site_key].claims(row.id) + [c for _, c in batch]


def _pending_claim(draft: RequestDraft) -> SiteClaim:
    # Not inserted yet, so no id; the label only ever appears in a message.
    who = draft.customer_org.strip() or "no customer yet"
    return SiteClaim("request", None, draft.location, f"a request being imported ({who})")
