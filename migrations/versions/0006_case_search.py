"""case search and sort: client_sort_name, updated_at index, trigram index for q (PostgreSQL)

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_sort_name", sa.String(length=401), nullable=False, server_default=""))
    # Existing cases: "last first" of the client (position 0), lower-cased, as the service writes it.
    op.execute("""
        UPDATE cases SET client_sort_name = COALESCE((
            SELECT lower(b.last_name || ' ' || b.first_name) FROM borrowers b
            WHERE b.case_id = cases.id AND b.position = 0), '')
    """)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("client_sort_name", server_default=None)
        batch_op.create_index("ix_cases_org_id_updated_at", ["org_id", "updated_at"], unique=False)
        batch_op.create_index("ix_cases_org_id_client_sort_name", ["org_id", "client_sort_name"], unique=False)
        batch_op.create_index("ix_cases_org_id_assigned_to_id_client_sort_name",
                              ["org_id", "assigned_to_id", "client_sort_name", "id"], unique=False,
                              postgresql_where=sa.text("deleted_at IS NULL"), sqlite_where=sa.text("deleted_at IS NULL"))
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_cases_search_text_trgm", "cases", ["search_text"], unique=False,
                        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    else:
        op.create_index("ix_cases_search_text_trgm", "cases", ["search_text"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_search_text_trgm", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_org_id_assigned_to_id_client_sort_name")
        batch_op.drop_index("ix_cases_org_id_client_sort_name")
        batch_op.drop_index("ix_cases_org_id_updated_at")
        batch_op.drop_column("client_sort_name")
