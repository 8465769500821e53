"""Change counters: one row per kind of record, raised by each write of that kind, so
another process or workstation on the same database notices changes with one query.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KINDS = ("requests", "products", "jobs", "profiles", "settings")


def upgrade() -> None:
    table = op.create_table(
        "change_counters",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False, server_default="0"),
    )
    op.bulk_insert(table, [{"kind": kind, "value": 0} for kind in KINDS])


def downgrade() -> None:
    op.drop_table("change_counters")
