"""Credential profiles (no secrets: those stay in the OS keyring) and database facts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("access_key_id", sa.String(128), nullable=False),
        sa.Column("cli_profile", sa.String(128), nullable=False),
        sa.Column("expected_account_id", sa.String(12), nullable=False),
        sa.Column("default_region", sa.String(32), nullable=False),
        sa.Column("has_session_token", sa.Boolean(), nullable=False),
        sa.Column("session_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("keyring_backend", sa.String(200), nullable=False),
        sa.Column("verified_account_id", sa.String(12), nullable=False),
        sa.Column("verified_arn", sa.Text(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_meta")
    op.drop_table("credential_profiles")
