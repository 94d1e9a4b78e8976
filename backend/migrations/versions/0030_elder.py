"""elder: resident display settings (长辈版) and help requests (请家人帮忙)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 13:10:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resident_settings',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('elder_mode', sa.Boolean(), nullable=False),
    sa.Column('updated_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_resident_settings_resident_id_residents')),
    sa.PrimaryKeyConstraint('resident_id', name=op.f('pk_resident_settings'))
    )
    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(bill_id IS NULL) <> (ticket_id IS NULL)', name=op.f('ck_help_requests_bill_or_ticket')),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_help_requests_bill_id_bills')),
    sa.ForeignKeyConstraint(['requester_id'], ['residents.id'], name=op.f('fk_help_requests_requester_id_residents')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_help_requests_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_help_requests_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_requests')),
    sa.UniqueConstraint('requester_id', 'bill_id', name=op.f('uq_help_requests_requester_id_bill_id')),
    sa.UniqueConstraint('requester_id', 'ticket_id', name=op.f('uq_help_requests_requester_id_ticket_id'))
    )
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_requests_requester_id'), ['requester_id'], unique=False)


def downgrade():
    op.drop_table('help_requests')
    op.drop_table('resident_settings')
