"""case facts the jurisdiction rules select on; deadline alternatives and expiry

Adds to cases the optional facts some rules select on (homestead exemption claimed, agricultural use,
original principal, amount claimed in the notice of sale, date the mortgage was executed, deficiency
waived by the lender), and to deadlines the other candidate dates (alternatives) and the day the right
actually expires (expires_on).

Revision ID: 0008c
Revises: 0007
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0008c"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("property_homestead_claimed", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("property_agricultural_use", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("loan_original_principal", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("loan_amount_claimed_at_sale", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("loan_executed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("loan_deficiency_waived_by_lender", sa.Boolean(), nullable=True))
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alternatives", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                                      nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_column("expires_on")
        batch_op.drop_column("alternatives")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("loan_deficiency_waived_by_lender")
        batch_op.drop_column("loan_executed_on")
        batch_op.drop_column("loan_amount_claimed_at_sale")
        batch_op.drop_column("loan_original_principal")
        batch_op.drop_column("property_agricultural_use")
        batch_op.drop_column("property_homestead_claimed")
