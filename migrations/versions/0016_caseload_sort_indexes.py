"""caseload sorts: (org_id, column, id) of live cases, in the order the list asks for

The caseload lists an organisation's live cases (deleted_at IS NULL) by updated_at, created_at or the
client's name, then by id (a stable order across pages). The indexes were (org_id, column) of every case:
without the id and the live-cases condition PostgreSQL sorted all of an organisation's cases for each page
(23 ms for 90,000 cases; 0.2 ms reading the partial index backwards). These replace them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")
SORTED_BY = ("updated_at", "created_at", "client_sort_name")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for column in SORTED_BY:
            batch_op.drop_index(f"ix_cases_org_id_{column}")
            batch_op.create_index(
                f"ix_cases_live_org_id_{column}_id",
                ["org_id", column, "id"],
                unique=False,
                postgresql_where=LIVE,
                sqlite_where=LIVE,
            )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for column in SORTED_BY:
            batch_op.drop_index(f"ix_cases_live_org_id_{column}_id")
            batch_op.create_index(f"ix_cases_org_id_{column}", ["org_id", column], unique=False)
