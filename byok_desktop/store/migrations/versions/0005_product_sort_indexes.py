"""One index per sortable column of the products view, ending in the tie-breakers the
view orders by (site, family, product, id): a sort over 100,000 products then reads an
index in order instead of sorting in a temporary B-tree.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIES = ["site_key", "family", "product", "id"]
SORTED = ["product", "location", "primary_state", "secondary_state", "status", "tier_name"]
SORTED_TIMES = ["provisioned_at", "health_checked_at"]
SEARCHED = ["status", "tier_name", "location"]
REPLACED = ["status", "location", "product", "provisioned_at", "health_checked_at"]


def upgrade() -> None:
    for column in REPLACED:
        op.drop_index(f"ix_products_{column}", "products")
    # The default order also covers what search looks at, so typing in the search box
    # scans this index alone, in order, without visiting the table.
    op.create_index("ix_products_sort_site", "products", [*TIES, *SEARCHED])
    for column in SORTED + SORTED_TIMES:
        ties = [t for t in TIES if t != column]
        op.create_index(f"ix_products_sort_{column}", "products", [column, *ties])


def downgrade() -> None:
    for column in SORTED + SORTED_TIMES:
        op.drop_index(f"ix_products_sort_{column}", "products")
    op.drop_index("ix_products_sort_site", "products")
    for column in REPLACED:
        op.create_index(f"ix_products_{column}", "products", [column])
