"""Jobs and their step journal; the keys each site's product family got.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("profile_uid", sa.String(36), nullable=False),
        sa.Column("site_key", sa.String(63), nullable=False),
        sa.Column("family", sa.String(20), nullable=False),
        sa.Column("location", sa.String(10), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("steps_total", sa.Integer(), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("current_step", sa.String(40), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("error_fault", sa.String(40), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_jobs_site_key", "jobs", ["site_key"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "job_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "job_id", sa.Integer(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("error_fault", sa.String(40), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_job_steps_job_id", "job_steps", ["job_id"])
    op.create_table(
        "family_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_key", sa.String(63), nullable=False),
        sa.Column("family", sa.String(20), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(100), nullable=False),
        sa.Column("key_arn", sa.Text(), nullable=False),
        sa.Column("alias", sa.String(256), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_family_keys_site_family_region",
        "family_keys",
        ["site_key", "family", "region"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("family_keys")
    op.drop_table("job_steps")
    op.drop_table("jobs")
