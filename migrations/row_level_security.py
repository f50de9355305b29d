"""The row-level security policies, shared by the migrations that put tables behind them (PostgreSQL only).
See docs/row-level-security.md."""

from __future__ import annotations

from alembic import op

# The organisation the transaction works for (service/db.py sets it at every begin). nullif: once a
# set_config(..., true) has ended, PostgreSQL reads the setting back as '' rather than NULL, and ''::integer
# is an error; NULL compares with nothing, so an unset organisation sees no row.
CURRENT_ORG = "nullif(current_setting('app.org_id', true), '')::integer"
# The documented lookups and scans that work across organisations (service/db.py across_orgs).
ACROSS_ORGS = "current_setting('app.across_orgs', true) = 'on'"


def on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable(table: str, tenant: str) -> None:
    """Only the rows `tenant` admits (or every row for a documented cross-organisation job)."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")  # the table's owner too
    op.execute(f"CREATE POLICY tenant ON {table} USING ({tenant}) WITH CHECK ({tenant})")
    op.execute(f"CREATE POLICY across_orgs ON {table} USING ({ACROSS_ORGS}) WITH CHECK ({ACROSS_ORGS})")


def enable_for_org_column(table: str, column: str = "org_id") -> None:
    enable(table, f"{column} = {CURRENT_ORG}")


def enable_for_parent(table: str, column: str, parent: str) -> None:
    """A child table without org_id: a row is visible when its parent row is (the parent's policy applies)."""
    enable(table, f"EXISTS (SELECT 1 FROM {parent} WHERE {parent}.id = {table}.{column})")


def disable(table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS across_orgs ON {table}")
    op.execute(f"DROP POLICY IF EXISTS tenant ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
