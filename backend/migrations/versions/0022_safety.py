"""safety: equipment register and scheduled tasks

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:30:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

KINDS = ('lift', 'fire_pump', 'hydrant', 'alarm_panel', 'sprinkler', 'extinguisher', 'micro_station', 'water_pump')


def upgrade():
    op.create_table('safety_equipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='equipmentkind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('registration_code', sa.String(length=40), nullable=False),
    sa.Column('maintenance_company', sa.String(length=100), nullable=False),
    sa.Column('maintenance_phone', sa.String(length=20), nullable=False),
    sa.Column('maintenance_contract', sa.String(length=60), nullable=False),
    sa.Column('certificate_no', sa.String(length=40), nullable=False),
    sa.Column('certificate_expires_on', sa.Date(), nullable=True),
    sa.Column('schedule_start', sa.Date(), nullable=False),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_safety_equipment_estate_id_estates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_equipment')),
    sa.UniqueConstraint('estate_id', 'name', name=op.f('uq_safety_equipment_estate_id_name'))
    )
    with op.batch_alter_table('safety_equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_equipment_certificate_expires_on'), ['certificate_expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_equipment_estate_id'), ['estate_id'], unique=False)

    op.create_table('safety_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('due', 'done', name='taskstate', native_enum=False, length=10), nullable=False),
    sa.Column('done_at', backend.core.time.UTCDateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_in', sa.Boolean(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['staff.id'], name=op.f('fk_safety_tasks_done_by_id_staff')),
    sa.ForeignKeyConstraint(['equipment_id'], ['safety_equipment.id'], name=op.f('fk_safety_tasks_equipment_id_safety_equipment')),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_safety_tasks_estate_id_estates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_tasks')),
    sa.UniqueConstraint('equipment_id', 'item', 'due_on', name=op.f('uq_safety_tasks_equipment_id_item_due_on'))
    )
    with op.batch_alter_table('safety_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_safety_tasks_open_due', ['state', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_tasks_equipment_id'), ['equipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_tasks_estate_id'), ['estate_id'], unique=False)


def downgrade():
    op.drop_table('safety_tasks')
    op.drop_table('safety_equipment')
