"""row-level security: every table holding an organisation's data admits only the rows of the organisation
the transaction was opened for (PostgreSQL; nothing on SQLite). See docs/row-level-security.md.

Revision ID: 0011e
Revises: 0010
Create Date: 2026-11-27
"""
from migrations.row_level_security import disable, enable_for_org_column, enable_for_parent, on_postgresql

revision = "0011e"
down_revision = "0010"
branch_labels = None
depends_on = None

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


def upgrade() -> None:
    if not on_postgresql():
        return  # SQLite: the application's org_id filters are the only scoping
    for table, column in ORG_TABLES.items():
        enable_for_org_column(table, column)
    for table, (column, parent) in CHILD_TABLES.items():
        enable_for_parent(table, column, parent)


def downgrade() -> None:
    if not on_postgresql():
        return
    for table in [*CHILD_TABLES, *ORG_TABLES]:
        disable(table)
