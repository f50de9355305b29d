"""scheduler runs: periodic jobs are safe when two Celery beats run at once

Revision ID: 0011h
Revises: 0010
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0011h'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_runs',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=32), nullable=True),
    sa.Column('leased_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_period', sa.String(length=32), nullable=True),
    sa.Column('done_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_runs'))
    )


def downgrade() -> None:
    op.drop_table('scheduler_runs')
