"""Initial schema: requests and BYOK products.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("aws_account_id", sa.Text(), nullable=False),
        sa.Column("site_name", sa.Text(), nullable=False),
        sa.Column("site_key", sa.String(63), nullable=False),
        sa.Column("desired_users", sa.Text(), nullable=False),
        sa.Column("users_count", sa.Integer(), nullable=True),
        sa.Column("tier_name", sa.Text(), nullable=False),
        sa.Column("location", sa.String(10), nullable=True),
        sa.Column("products", sa.Text(), nullable=False),
        sa.Column("customer_org", sa.Text(), nullable=False),
        sa.Column("requester_name", sa.Text(), nullable=False),
        sa.Column("requester_email", sa.Text(), nullable=False),
        sa.Column("requester_is_org_admin", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
    )
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_index("ix_requests_site_key", "requests", ["site_key"])
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("site_key", sa.String(63), nullable=False),
        sa.Column("product", sa.String(40), nullable=False),
        sa.Column("family", sa.String(20), nullable=False),
        sa.Column("location", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_products_site_product", "products", ["site_key", "product"], unique=True)


def downgrade() -> None:
    op.drop_table("products")
    op.drop_table("requests")
