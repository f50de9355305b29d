"""communications, attachments, waiver requests

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import models.base
from sqlalchemy.dialects import postgresql
from sqlalchemy import Text

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Lender communications, attachments (proof of submission), deficiency-waiver requests and offers.
    op.create_table('communications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('counterparty_type', sa.String(length=30), nullable=False),
    sa.Column('counterparty_name', sa.String(length=200), nullable=True),
    sa.Column('contact_person', sa.String(length=200), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('in_reply_to_id', sa.Integer(), nullable=True),
    sa.Column('qwr_treated_as', sa.String(length=30), nullable=True),
    sa.Column('application_complete', sa.Boolean(), nullable=False),
    sa.Column('decision_result', sa.String(length=30), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('documents_sent', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('documents_requested', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('complete_event_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_communications_case_id_cases')),
    sa.ForeignKeyConstraint(['complete_event_id'], ['case_events.id'], name=op.f('fk_communications_complete_event_id_case_events')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_communications_created_by_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['case_events.id'], name=op.f('fk_communications_event_id_case_events')),
    sa.ForeignKeyConstraint(['in_reply_to_id'], ['communications.id'], name=op.f('fk_communications_in_reply_to_id_communications')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_communications_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communications'))
    )
    with op.batch_alter_table('communications', schema=None) as batch_op:
        batch_op.create_index('ix_communications_case_id_occurred_at', ['case_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_communications_org_id'), ['org_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('communication_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['communication_id'], ['communications.id'], name=op.f('fk_attachments_communication_id_communications')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attachments_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_attachments_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_communication_id'), ['communication_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_org_id'), ['org_id'], unique=False)

    op.create_table('waiver_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('deficiency_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('deficiency_source', sa.String(length=20), nullable=False),
    sa.Column('ask', sa.String(length=20), nullable=False),
    sa.Column('settlement_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('follow_up_days', sa.Integer(), nullable=False),
    sa.Column('written_waiver_attachment_id', sa.Integer(), nullable=True),
    sa.Column('client_told_about_1099c', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_waiver_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_waiver_requests_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_waiver_requests_org_id_organizations')),
    sa.ForeignKeyConstraint(['written_waiver_attachment_id'], ['attachments.id'], name=op.f('fk_waiver_requests_written_waiver_attachment_id_attachments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiver_requests'))
    )
    with op.batch_alter_table('waiver_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiver_requests_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waiver_requests_org_id'), ['org_id'], unique=False)

    op.create_table('waiver_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('waiver_request_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('offered_by', sa.String(length=20), nullable=False),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('terms', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('percentage', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_waiver_offers_created_by_id_users')),
    sa.ForeignKeyConstraint(['waiver_request_id'], ['waiver_requests.id'], name=op.f('fk_waiver_offers_waiver_request_id_waiver_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiver_offers')),
    sa.UniqueConstraint('waiver_request_id', 'position', name=op.f('uq_waiver_offers_waiver_request_id_position'))
    )


def downgrade() -> None:
    op.drop_table('waiver_offers')
    with op.batch_alter_table('waiver_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waiver_requests_org_id'))
        batch_op.drop_index(batch_op.f('ix_waiver_requests_case_id'))
    op.drop_table('waiver_requests')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_org_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_communication_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_case_id'))
    op.drop_table('attachments')
    with op.batch_alter_table('communications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communications_org_id'))
        batch_op.drop_index('ix_communications_case_id_occurred_at')
    op.drop_table('communications')
