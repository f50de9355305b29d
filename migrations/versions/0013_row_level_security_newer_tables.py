"""row-level security on the tables that came beside it (saved import mappings, the client's own messages);
PostgreSQL only

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""
from migrations.row_level_security import disable, enable_for_org_column, enable_for_parent, on_postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ORG_TABLES = ("import_mappings", "appointments", "client_message_settings", "client_messages", "consents")
# A client's SMS pace has no org_id: visible when its party is.
CHILD_TABLES = {"client_sms_pace": ("party_id", "parties")}


def upgrade() -> None:
    if on_postgresql():
        for table in ORG_TABLES:
            enable_for_org_column(table)
        for table, (column, parent) in CHILD_TABLES.items():
            enable_for_parent(table, column, parent)


def downgrade() -> None:
    if on_postgresql():
        for table in [*CHILD_TABLES, *ORG_TABLES]:
            disable(table)
