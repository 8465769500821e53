"""Credential profiles in the database: names, key IDs, verification; never secrets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from byok_desktop.changes import ChangeBus, Changes, Kind
from byok_desktop.credential_profiles import (
    Profile,
    ProfileInput,
    ProfileKind,
    ProfileNameTaken,
    ProfileNotFound,
    SsoSession,
    Verification,
)
from byok_desktop.store.boundary import store_boundary
from byok_desktop.store.change_counters import ChangeLog
from byok_desktop.store.engine import session_factory
from byok_desktop.store.models import CredentialProfileRow
from byok_desktop.validation import normalise_account_id


def _profile(row: CredentialProfileRow) -> Profile:
    verified_at = row.verified_at
    return Profile(
        id=row.id,
        uid=row.uid,
        version=row.version,
        name=row.name,
        kind=ProfileKind(row.kind),
        access_key_id=row.access_key_id,
        cli_profile=row.cli_profile,
        expected_account_id=row.expected_account_id,
        default_region=row.default_region,
        has_session_token=row.has_session_token,
        session_expires_at=row.session_expires_at,
        keyring_backend=row.keyring_backend,
        verification=Verification(row.verified_account_id, row.verified_arn, verified_at)
        if verified_at is not None
        else None,
        sso_session=SsoSession(row.sso_session_name, row.sso_start_url, row.sso_region)
        if row.sso_start_url
        else None,
        sso_account_id=row.sso_account_id,
        sso_role_name=row.sso_role_name,
        key_saved_at=row.key_saved_at,
    )


@store_boundary
class ProfileStore:
    def __init__(self, engine: Engine, changes: ChangeLog | None = None) -> None:
        self._sessions = session_factory(engine)
        self._changes = changes or ChangeLog(engine, ChangeBus())  # writes announced

    def _wrote(self, session: Session) -> None:
        self._changes.wrote(session, Changes.of(Kind.PROFILES))

    def list(self) -> list[Profile]:
        with self._sessions() as session:
            rows = session.scalars(select(CredentialProfileRow).order_by(CredentialProfileRow.name))
            return [_profile(r) for r in rows]

    def get(self, uid: str) -> Profile:
        with self._sessions() as session:
            row = session.scalar(
                select(CredentialProfileRow).where(CredentialProfileRow.uid == uid)
            )
            if row is None:
                raise ProfileNotFound(uid)
            return _profile(row)

    def new_uid(self) -> str:
        return str(uuid.uuid4())

    def upsert(
        self,
        uid: str,
        entry: ProfileInput,
        *,
        keyring_backend: str | None,
        has_session_token: bool | None,
    ) -> Profile:
        """Create or update the profile ``uid``. ``None`` keeps a stored value.

        Changing the access key, account or CLI profile clears the verification: it
        was about other credentials.
        """
        now = datetime.now(UTC)
        sso = entry.sso_session
        with self._sessions.begin() as session:
            row = session.scalar(
                select(CredentialProfileRow).where(CredentialProfileRow.uid == uid)
            )
            if row is None:
                row = CredentialProfileRow(
                    uid=uid,
                    version=0,
                    created_at=now,
                    keyring_backend="",
                    has_session_token=False,
                    verified_account_id="",
                    verified_arn="",
                )
                session.add(row)
            identity_changed = (
                row.access_key_id != entry.access_key_id.strip()
                or row.cli_profile != entry.cli_profile.strip()
                or row.expected_account_id != normalise_account_id(entry.expected_account_id)
                or row.kind != entry.kind.value
                or keyring_backend is not None
                or row.sso_start_url != (sso.start_url.strip() if sso else "")
                or row.sso_account_id != entry.sso_account_id.strip()
                or row.sso_role_name != entry.sso_role_name.strip()
            )
            if entry.kind.value == "keys" and (
                row.key_saved_at is None or row.access_key_id != entry.access_key_id.strip()
            ):
                row.key_saved_at = now  # a new access key starts its 90 days
            elif entry.kind.value != "keys":
                row.key_saved_at = None
            row.name = entry.name.strip()
            row.kind = entry.kind.value
            row.access_key_id = entry.access_key_id.strip()
            row.cli_profile = entry.cli_profile.strip()
            row.expected_account_id = normalise_account_id(entry.expected_account_id)
            row.default_region = entry.default_region.strip()
            row.session_expires_at = entry.session_expires_at
            row.sso_session_name = sso.name.strip() if sso else ""
            row.sso_start_url = sso.start_url.strip() if sso else ""
            row.sso_region = sso.region.strip() if sso else ""
            row.sso_account_id = entry.sso_account_id.strip()
            row.sso_role_name = entry.sso_role_name.strip()
            if keyring_backend is not None:
                row.keyring_backend = keyring_backend
            if has_session_token is not None:
                row.has_session_token = has_session_token
            if identity_changed:
                row.verified_account_id = ""
                row.verified_arn = ""
                row.verified_at = None
            row.version += 1
            row.updated_at = now
            try:
                session.flush()
            except IntegrityError as exc:
                raise ProfileNameTaken(entry.name.strip()) from exc
            self._wrote(session)
            return _profile(row)

    def record_verification(self, uid: str, account_id: str, arn: str) -> Profile:
        with self._sessions.begin() as session:
            row = session.scalar(
                select(CredentialProfileRow).where(CredentialProfileRow.uid == uid)
            )
            if row is None:
                raise ProfileNotFound(uid)
            row.verified_account_id = account_id
            row.verified_arn = arn
            row.verified_at = datetime.now(UTC)
            session.flush()
            self._wrote(session)
            return _profile(row)

    def delete(self, uid: str) -> None:
        with self._sessions.begin() as session:
            row = session.scalar(
                select(CredentialProfileRow).where(CredentialProfileRow.uid == uid)
            )
            if row is not None:
                session.delete(row)
                self._wrote(session)
