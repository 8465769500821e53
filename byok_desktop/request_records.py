"""Requests as the store keeps them: the stored request, a row of the requests list,
the list's sort keys, and the reasons the store refuses a change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft, RequestStatus


class RequestNotFound(LookupError):
    def __init__(self, request_id: int) -> None:
        super().__init__(f"Request {request_id} no longer exists; it may have been deleted.")
        self.request_id = request_id


class RequestProvisioned(RuntimeError):
    """A request whose products exist is history: it cannot be deleted."""

    def __init__(self, request_ids: Sequence[int]) -> None:
        listed = ", ".join(f"#{i}" for i in request_ids)
        super().__init__(
            f"Request {listed} has provisioning jobs or BYOK products and is kept as their "
            "record; it cannot be deleted (a BYOK product can never be turned back into a "
            "non-BYOK one)."
        )
        self.request_ids = list(request_ids)


class RequestLocked(RuntimeError):
    """Submitted requests are the record of what was provisioned: they are not edited."""

    def __init__(self, request_id: int, status: RequestStatus) -> None:
        hint = (
            "Withdraw it first if nothing was provisioned yet, or duplicate it to start a new one."
            if status is RequestStatus.SUBMITTED
            else "Duplicate it to start a new request."
        )
        super().__init__(f"Request #{request_id} is {status.display_name} and read-only. {hint}")
        self.request_id = request_id
        self.status = status


class SubmittedElsewhere(RequestLocked):
    """Another process or workstation submitted the request (or claimed its products on
    the site) in the same moment: this submission wrote nothing."""

    def __init__(self, request_id: int) -> None:
        RuntimeError.__init__(
            self,
            f"Request #{request_id} was submitted by another workstation at the same time; "
            "nothing was run twice.",
        )
        self.request_id = request_id
        self.status = RequestStatus.SUBMITTED


class CannotWithdraw(RuntimeError):
    pass


class VersionConflict(RuntimeError):
    """Someone else saved the request since it was read."""

    def __init__(self, request_id: int, expected: int, actual: int) -> None:
        super().__init__(
            f"Request {request_id} was changed elsewhere (version {actual}, you edited "
            f"version {expected}). Reload it to see the other change; your text is kept."
        )
        self.request_id = request_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True, slots=True)
class StoredRequest:
    id: int
    version: int
    status: RequestStatus
    problem_count: int
    tier_name: str
    created_at: datetime
    updated_at: datetime
    draft: RequestDraft


@dataclass(frozen=True, slots=True)
class RequestListRow:
    """What the requests list shows for one request."""

    id: int
    status: RequestStatus
    problem_count: int
    site_name: str
    aws_account_id: str
    customer_org: str
    products: frozenset[Product]
    location: Location | None
    desired_users: str
    tier_name: str
    updated_at: datetime


class SortKey(Enum):
    STATUS = "status"
    SITE = "site"
    ACCOUNT = "account"
    CUSTOMER = "customer"
    PRODUCTS = "products"
    LOCATION = "location"
    USERS = "users"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A request already stored whose status changed because of another write (an
    import naming its site): what it was, what it is, and the first problem why."""

    request_id: int
    site_name: str
    before: RequestStatus
    after: RequestStatus
    reason: str
