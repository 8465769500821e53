"""ORM models. Sessions live per unit of work; callers get plain data, not these rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and returns them timezone-aware. SQLite keeps no offset, so
    without this a non-UTC time would be written as its local clock time and read back
    as UTC; naive values are taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


class RequestRow(Base):
    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    # Optimistic concurrency: every save must name the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20), index=True)
    problem_count: Mapped[int] = mapped_column(Integer, default=0)

    aws_account_id: Mapped[str] = mapped_column(Text, default="")
    customer_role_arn: Mapped[str] = mapped_column(Text, default="")
    site_name: Mapped[str] = mapped_column(Text, default="")
    # Canonical site label used by the uniqueness rule; "" while the name is invalid.
    site_key: Mapped[str] = mapped_column(String(63), default="", index=True)
    desired_users: Mapped[str] = mapped_column(Text, default="")
    users_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tier_name: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(10), nullable=True)
    products: Mapped[str] = mapped_column(Text, default="")
    customer_org: Mapped[str] = mapped_column(Text, default="")
    requester_name: Mapped[str] = mapped_column(Text, default="")
    requester_email: Mapped[str] = mapped_column(Text, default="")
    requester_is_org_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")


class ProductRow(Base):
    """A BYOK product on a site. Submitting a request records its products as
    Provisioning; once one is Active it is never deleted (a BYOK product cannot become a
    non-BYOK one). Status, reason and per-region key states are derived from the journal
    and the last health check, and kept here so the view filters and sorts in SQL."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_site_product", "site_key", "product", unique=True),
        # The products view sorts in SQL: one index per sort column, ending in the ties.
        Index(
            "ix_products_sort_site",
            *("site_key", "family", "product", "id", "status", "tier_name", "location"),
        ),
        *(
            Index(
                f"ix_products_sort_{column}",
                column,
                *(c for c in ("site_key", "family", "product", "id") if c != column),
            )
            for column in (
                "product",
                "location",
                "primary_state",
                "secondary_state",
                "status",
                "tier_name",
                "provisioned_at",
                "health_checked_at",
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="RESTRICT"), nullable=True
    )
    site_key: Mapped[str] = mapped_column(String(63))
    product: Mapped[str] = mapped_column(String(40))
    family: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # Key state in the location's first and second region ("" = never seen).
    primary_state: Mapped[str] = mapped_column(String(30), default="")
    secondary_state: Mapped[str] = mapped_column(String(30), default="")
    tier_name: Mapped[str] = mapped_column(Text, default="")
    provisioned_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    health_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class CredentialProfileRow(Base):
    """Everything about a profile except its secret, which lives only in the OS keyring."""

    __tablename__ = "credential_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    access_key_id: Mapped[str] = mapped_column(String(128), default="")
    cli_profile: Mapped[str] = mapped_column(String(128), default="")
    expected_account_id: Mapped[str] = mapped_column(String(12), default="")
    default_region: Mapped[str] = mapped_column(String(32))
    has_session_token: Mapped[bool] = mapped_column(Boolean, default=False)
    session_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    keyring_backend: Mapped[str] = mapped_column(String(200), default="")
    verified_account_id: Mapped[str] = mapped_column(String(12), default="")
    verified_arn: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # SSO profiles (migration 0007): the sign-in session and the role; never the token.
    sso_session_name: Mapped[str] = mapped_column(String(64), default="")
    sso_start_url: Mapped[str] = mapped_column(String(512), default="")
    sso_region: Mapped[str] = mapped_column(String(32), default="")
    sso_account_id: Mapped[str] = mapped_column(String(12), default="")
    sso_role_name: Mapped[str] = mapped_column(String(128), default="")
    # When the access key ID was last set (migration 0008): keys age from here.
    key_saved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class CustomerExternalIdRow(Base):
    """The ExternalId the app made for one customer's AWS account (not a secret: the
    customer puts it in a trust policy), kept so every rep and run uses the same one."""

    __tablename__ = "customer_external_ids"

    account_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AppMetaRow(Base):
    """Facts about the database itself, e.g. whether it belongs to the sandbox."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ChangeCounterRow(Base):
    """One counter per kind of record, raised by every write of that kind: a cheap way
    for another process or workstation to see that something changed."""

    __tablename__ = "change_counters"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class JobRow(Base):
    """A provisioning (later also revoke/restore) job; its steps are the journal."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="RESTRICT"), nullable=True
    )
    profile_uid: Mapped[str] = mapped_column(String(36), default="")
    site_key: Mapped[str] = mapped_column(String(63), index=True)
    family: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), index=True)
    steps_total: Mapped[int] = mapped_column(Integer)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    current_step: Mapped[str] = mapped_column(String(40), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(100), default="")
    error_fault: Mapped[str] = mapped_column(String(40), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class JobStepRow(Base):
    __tablename__ = "job_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    resources: Mapped[str] = mapped_column(Text, default="{}")  # JSON of resource IDs
    error_fault: Mapped[str] = mapped_column(String(40), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class FamilyKeyRow(Base):
    """The multi-Region key of one product family on one site, per region."""

    __tablename__ = "family_keys"
    __table_args__ = (
        Index("ix_family_keys_site_family_region", "site_key", "family", "region", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_key: Mapped[str] = mapped_column(String(63))
    family: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(100))
    key_arn: Mapped[str] = mapped_column(Text)
    alias: Mapped[str] = mapped_column(String(256))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # What the last health check saw in this region.
    key_state: Mapped[str] = mapped_column(String(30), default="")
    health: Mapped[str] = mapped_column(String(30), default="")
    health_detail: Mapped[str] = mapped_column(Text, default="")
    deletion_date: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class FamilyAccessRow(Base):
    """Access of the key provider to one product family's keys on one site: what the last
    check saw of the role's trust policy and the key policy, and revocation times."""

    __tablename__ = "family_access"
    __table_args__ = (Index("ix_family_access_site_family", "site_key", "family", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_key: Mapped[str] = mapped_column(String(63))
    family: Mapped[str] = mapped_column(String(20))
    trust_allowed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    key_policy_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    rotation_enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    key_policy: Mapped[str] = mapped_column(Text, default="")  # JSON as last read
    trust_policy: Mapped[str] = mapped_column(Text, default="")  # JSON as last read
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    restore_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    restored_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    check_error: Mapped[str] = mapped_column(Text, default="")


class FamilyEventRow(Base):
    """Actions and health changes on a site's product family, for the product timeline."""

    __tablename__ = "family_events"
    __table_args__ = (Index("ix_family_events_site_family", "site_key", "family"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_key: Mapped[str] = mapped_column(String(63))
    family: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
