"""SSO profiles: the IAM Identity Center sign-in session (name, start URL, region) and the
role a profile opens. The token is never stored here: it lives in the OS keyring.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("sso_session_name", 64),
    ("sso_start_url", 512),
    ("sso_region", 32),
    ("sso_account_id", 12),
    ("sso_role_name", 128),
)


def upgrade() -> None:
    with op.batch_alter_table("credential_profiles") as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("credential_profiles") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
