"""row-level security: every table holding an organisation's data admits only the rows of the organisation
the transaction was opened for (PostgreSQL; nothing on SQLite). See docs/row-level-security.md.

Revision ID: 0011e
Revises: 0010
Create Date: 2026-11-27
"""
from alembic import op

revision = "0011e"
down_revision = "0010"
branch_labels = None
depends_on = None

# The organisation the transaction works for (service/db.py sets it at every begin). nullif: once a
# set_config(..., true) has ended, PostgreSQL reads the setting back as '' rather than NULL, and ''::integer
# is an error; NULL compares with nothing, so an unset organisation sees no row.
CURRENT_ORG = "nullif(current_setting('app.org_id', true), '')::integer"
# The documented lookups and scans that work across organisations (service/db.py across_orgs).
ACROSS_ORGS = "current_setting('app.across_orgs', true) = 'on'"

# Tables with their own org_id column (organizations: the row's own id).
ORG_TABLES = {
    "organizations": "id",
    "users": "org_id",
    "account_links": "org_id",
    "audit_entries": "org_id",
    "calendar_tokens": "org_id",
    "cases": "org_id",
    "case_events": "org_id",
    "case_conflicts": "org_id",
    "communications": "org_id",
    "attachments": "org_id",
    "conflict_checks": "org_id",
    "counseling_outcomes": "org_id",
    "counseling_sessions": "org_id",
    "deadlines": "org_id",
    "funding_allocations": "org_id",
    "households": "org_id",
    "imports": "org_id",
    "import_rows": "org_id",
    "income_limits": "org_id",
    "intake_settings": "org_id",
    "notices": "org_id",
    "notice_digests": "org_id",
    "notice_daily_runs": "org_id",
    "org_notification_settings": "org_id",
    "parties": "org_id",
    "reports": "org_id",
    "servicer_aliases": "org_id",
    "user_notification_preferences": "org_id",
    "waiver_requests": "org_id",
}
# Child tables without org_id: a row is visible when its parent row is (the parent's own policy applies
# inside the EXISTS), found by the parent's primary key.
CHILD_TABLES = {
    "api_tokens": ("user_id", "users"),
    "recovery_codes": ("user_id", "users"),
    "borrowers": ("case_id", "cases"),
    "waiver_offers": ("waiver_request_id", "waiver_requests"),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return  # SQLite: the application's org_id filters are the only scoping
    for table, column in ORG_TABLES.items():
        tenant = f"{column} = {CURRENT_ORG}"
        _enable(table, tenant)
    for table, (column, parent) in CHILD_TABLES.items():
        _enable(table, f"EXISTS (SELECT 1 FROM {parent} WHERE {parent}.id = {table}.{column})")


def _enable(table: str, tenant: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")  # the table's owner too
    op.execute(f"CREATE POLICY tenant ON {table} USING ({tenant}) WITH CHECK ({tenant})")
    op.execute(f"CREATE POLICY across_orgs ON {table} USING ({ACROSS_ORGS}) WITH CHECK ({ACROSS_ORGS})")


def downgrade() -> None:
    if not _postgresql():
        return
    for table in [*CHILD_TABLES, *ORG_TABLES]:
        op.execute(f"DROP POLICY IF EXISTS across_orgs ON {table}")
        op.execute(f"DROP POLICY IF EXISTS tenant ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
