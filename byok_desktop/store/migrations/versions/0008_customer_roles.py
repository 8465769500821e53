"""A role in the customer's account: the request names it, the app keeps one ExternalId
per customer account, and a keys profile remembers when its access key was set (keys
older than 90 days are flagged).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(
            sa.Column("customer_role_arn", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("credential_profiles") as batch:
        batch.add_column(sa.Column("key_saved_at", sa.DateTime(timezone=True), nullable=True))
    # Keys saved before this revision are dated from their profile's creation.
    op.execute("UPDATE credential_profiles SET key_saved_at = created_at WHERE kind = 'keys'")
    op.create_table(
        "customer_external_ids",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("customer_external_ids")
    with op.batch_alter_table("credential_profiles") as batch:
        batch.drop_column("key_saved_at")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("customer_role_arn")
