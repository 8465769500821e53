"""Product status and key health for the BYOK encryption view; revocation state per family.

The products table carries the derived status and the per-region key states so that the
view can filter and sort 100,000 products in SQL without joins.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("status_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("primary_state", sa.String(30), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("secondary_state", sa.String(30), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("tier_name", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("provisioned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("health_checked_at", sa.DateTime(timezone=True), nullable=True))
    # Products recorded before this revision were provisioned when they were recorded.
    op.execute("UPDATE products SET provisioned_at = created_at WHERE status = 'active'")
    op.execute(
        "UPDATE products SET tier_name = COALESCE((SELECT tier_name FROM requests "
        "WHERE requests.id = products.request_id), '')"
    )
    for column in ("status", "location", "product", "provisioned_at", "health_checked_at"):
        op.create_index(f"ix_products_{column}", "products", [column])

    with op.batch_alter_table("family_keys") as batch:
        batch.add_column(sa.Column("key_state", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("health", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("health_detail", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("deletion_date", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "family_access",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_key", sa.String(63), nullable=False),
        sa.Column("family", sa.String(20), nullable=False),
        sa.Column("trust_allowed", sa.Boolean(), nullable=True),
        sa.Column("key_policy_ok", sa.Boolean(), nullable=True),
        sa.Column("rotation_enabled", sa.Boolean(), nullable=True),
        sa.Column("key_policy", sa.Text(), nullable=False),
        sa.Column("trust_policy", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restore_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_error", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_family_access_site_family", "family_access", ["site_key", "family"], unique=True
    )
    op.create_table(
        "family_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_key", sa.String(63), nullable=False),
        sa.Column("family", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_family_events_site_family", "family_events", ["site_key", "family"])


def downgrade() -> None:
    op.drop_table("family_events")
    op.drop_table("family_access")
    with op.batch_alter_table("family_keys") as batch:
        for column in ("seen_at", "checked_at", "deletion_date", "health_detail", "health"):
            batch.drop_column(column)
        batch.drop_column("key_state")
    for column in ("status", "location", "product", "provisioned_at", "health_checked_at"):
        op.drop_index(f"ix_products_{column}", "products")
    with op.batch_alter_table("products") as batch:
        for column in ("health_checked_at", "provisioned_at", "tier_name", "secondary_state"):
            batch.drop_column(column)
        batch.drop_column("primary_state")
        batch.drop_column("status_reason")
