"""ticket sources (tickets not reported by a resident) and safety patrols

Revision ID: 0027
Revises: 0022
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0022'
branch_labels = None
depends_on = None

SOURCES = ('resident', 'staff', 'safety', 'open311', 'hotline', 'grid')


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum(*SOURCES, name='ticketsource', native_enum=False, length=20), nullable=False, server_default='resident'))
        batch_op.add_column(sa.Column('source_ref', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('filed_by_id', sa.Integer(), nullable=True))
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_tickets_filed_by_id_staff'), 'staff', ['filed_by_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_tickets_source_source_ref'), ['source', 'source_ref'])
        batch_op.create_check_constraint(op.f('ck_tickets_source'), "source IN ('resident', 'staff', 'safety', 'open311', 'hotline', 'grid')")
        batch_op.create_check_constraint(op.f('ck_tickets_resident'), "(source = 'resident' AND resident_id IS NOT NULL) OR (source <> 'resident' AND resident_id IS NULL)")
        batch_op.create_check_constraint(op.f('ck_tickets_rated_by_resident'), "rating IS NULL OR source = 'resident'")
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('source', server_default=None)


def downgrade():
    # refused (NOT NULL) while tickets not reported by a resident exist: they are records
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tickets_rated_by_resident'), type_='check')
        batch_op.drop_constraint(op.f('ck_tickets_resident'), type_='check')
        batch_op.drop_constraint(op.f('ck_tickets_source'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_tickets_source_source_ref'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_tickets_filed_by_id_staff'), type_='foreignkey')
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('filed_by_id')
        batch_op.drop_column('source_ref')
        batch_op.drop_column('source')
