"""One ExternalId per customer AWS account, made once and kept in the database.

It is not a secret (the customer writes it into a trust policy) but must not be
guessable, so it comes from ``secrets.token_urlsafe``. Every workstation sharing the
database uses the same one for a customer.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from byok_desktop.store.boundary import store_boundary
from byok_desktop.store.engine import session_factory
from byok_desktop.store.models import CustomerExternalIdRow

# 24 random bytes: 32 URL-safe characters, within STS's 2-1224 and [\w+=,.@:/-].
_TOKEN_BYTES = 24


def new_external_id() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


@store_boundary
class ExternalIdStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = session_factory(engine)

    def find(self, account_id: str) -> str | None:
        with self._sessions() as session:
            row = session.get(CustomerExternalIdRow, account_id)
            return row.external_id if row is not None else None

    def for_account(self, account_id: str) -> str:
        """The account's ExternalId, made on first use. Two workstations asking at once
        both end up with the one written first."""
        found = self.find(account_id)
        if found is not None:
            return found
        try:
            with self._sessions.begin() as session:
                session.add(
                    CustomerExternalIdRow(
                        account_id=account_id,
                        external_id=new_external_id(),
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            pass  # another process made it between our read and write: use theirs
        found = self.find(account_id)
        assert found is not None
        return found
