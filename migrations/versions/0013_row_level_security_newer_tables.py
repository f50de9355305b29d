"""row-level security on the tables that came after it (saved import mappings); PostgreSQL only

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""
from migrations.row_level_security import disable, enable_for_org_column, on_postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ORG_TABLES = ("import_mappings",)


def upgrade() -> None:
    if on_postgresql():
        for table in ORG_TABLES:
            enable_for_org_column(table)


def downgrade() -> None:
    if on_postgresql():
        for table in ORG_TABLES:
            disable(table)
