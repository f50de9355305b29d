"""client messages: when an SMS was first handed to the provider without a known outcome

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa
import models.base


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("client_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_started_at", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("client_messages", schema=None) as batch_op:
        batch_op.drop_column("send_started_at")
