"""client messages: consents, appointments, the client outbox, org settings, SMS pace

Revision ID: 0011c
Revises: 0010
Create Date: 2026-11-27 17:22:16.293167
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0011c'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_appointments_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_appointments_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_appointments_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_org_id'), ['org_id'], unique=False)

    op.create_table('client_message_scan_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('planned_through', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_message_scan_state'))
    )
    op.create_table('client_message_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_client_message_settings_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_message_settings')),
    sa.UniqueConstraint('org_id', name=op.f('uq_client_message_settings_org_id'))
    )
    with op.batch_alter_table('client_message_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_message_settings_org_id'), ['org_id'], unique=False)

    op.create_table('client_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_key', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=True),
    sa.Column('deadline_sequence', sa.Integer(), nullable=True),
    sa.Column('offset_days', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('appointment_sequence', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=True),
    sa.Column('delivered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('send_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempt_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_client_messages_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_client_messages_case_id_cases')),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'], name=op.f('fk_client_messages_deadline_id_deadlines')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_client_messages_org_id_organizations')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_client_messages_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_client_messages_message_id')),
    sa.UniqueConstraint('plan_key', name=op.f('uq_client_messages_plan_key')),
    sa.UniqueConstraint('provider_id', name=op.f('uq_client_messages_provider_id'))
    )
    with op.batch_alter_table('client_messages', schema=None) as batch_op:
        batch_op.create_index('ix_client_messages_case_id', ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_messages_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_messages_party_id'), ['party_id'], unique=False)
        batch_op.create_index('ix_client_messages_state_attempt_at', ['state', 'attempt_at'], unique=False)

    op.create_table('client_sms_pace',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('next_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_client_sms_pace_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_sms_pace')),
    sa.UniqueConstraint('party_id', name=op.f('uq_client_sms_pace_party_id'))
    )
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consents_case_id_cases')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_consents_org_id_organizations')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_consents_party_id_parties')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consents_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_consents_party_id_channel', ['party_id', 'channel'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index('ix_consents_party_id_channel')
        batch_op.drop_index(batch_op.f('ix_consents_org_id'))
        batch_op.drop_index(batch_op.f('ix_consents_case_id'))

    op.drop_table('consents')
    op.drop_table('client_sms_pace')
    with op.batch_alter_table('client_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_client_messages_state_attempt_at')
        batch_op.drop_index(batch_op.f('ix_client_messages_party_id'))
        batch_op.drop_index(batch_op.f('ix_client_messages_org_id'))
        batch_op.drop_index('ix_client_messages_case_id')

    op.drop_table('client_messages')
    with op.batch_alter_table('client_message_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_message_settings_org_id'))

    op.drop_table('client_message_settings')
    op.drop_table('client_message_scan_state')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_org_id'))
        batch_op.drop_index(batch_op.f('ix_appointments_case_id'))

    op.drop_table('appointments')
