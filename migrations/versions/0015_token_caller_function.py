"""forestall_token_caller(): authentication's lookup of a token by its digest, with the row-level security
scope set around it in the same statement (PostgreSQL only; see docs/row-level-security.md).

The lookup must read across organisations (the token names the organisation), and the request must then
work for the token's organisation only. Done as three statements (scope across, lookup, scope to the
organisation) that is three round trips on every API request; this function runs them in order on the
server, in one. Invoker's rights: the policies apply to the lookup as to any query of the application.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""
from alembic import op

from migrations.row_level_security import on_postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# is_local: true inside a transaction (the setting ends with it), false for the read-only pool's
# autocommit connections (service/db.py _APPLY_FOR_CONNECTION): then every setting is overwritten here.
# The organisation is set only for a token the lookup admits: not revoked, not expired at `now_at`, of an
# active user (authenticate checks the same in Python, with the same time); otherwise no organisation.
CREATE = """
CREATE FUNCTION forestall_token_caller(digest text, now_at timestamptz, is_local boolean)
RETURNS TABLE (
    token_sha256 text, revoked_at timestamptz, expires_at timestamptz, user_id integer, org_id integer,
    role text, email text, is_active boolean, timezone text, scope_org text
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('app.org_id', '', is_local), set_config('app.across_orgs', 'on', is_local);
    RETURN QUERY
        SELECT t.token_sha256::text, t.revoked_at, t.expires_at, u.id, u.org_id, u.role::text, u.email::text,
               u.is_active, o.timezone::text,
               set_config(
                   'app.org_id',
                   CASE WHEN t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now_at) AND u.is_active
                        THEN u.org_id::text ELSE '' END,
                   is_local
               )
        FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organizations o ON o.id = u.org_id
        WHERE t.token_sha256 = digest;
    PERFORM set_config('app.across_orgs', '', is_local);
END
$$
"""


def upgrade() -> None:
    if on_postgresql():
        op.execute(CREATE)


def downgrade() -> None:
    if on_postgresql():
        op.execute("DROP FUNCTION IF EXISTS forestall_token_caller(text, timestamptz, boolean)")
