"""ticket sources (tickets not reported by a resident) and safety patrols

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
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

    with op.batch_alter_table('safety_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_safety_tasks_ticket_id_tickets'), 'tickets', ['ticket_id'], ['id'])
    op.create_table('safety_task_photos',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_safety_task_photos_photo_id_photos')),
    sa.ForeignKeyConstraint(['task_id'], ['safety_tasks.id'], name=op.f('fk_safety_task_photos_task_id_safety_tasks')),
    sa.PrimaryKeyConstraint('task_id', 'photo_id', name=op.f('pk_safety_task_photos')),
    sa.UniqueConstraint('photo_id', name=op.f('uq_safety_task_photos_photo_id'))
    )
    op.create_table('safety_patrol_routes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=True),
    sa.Column('every_months', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(every_days IS NULL) <> (every_months IS NULL) AND COALESCE(every_days, every_months) >= 1', name=op.f('ck_safety_patrol_routes_frequency')),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_safety_patrol_routes_estate_id_estates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_patrol_routes')),
    sa.UniqueConstraint('estate_id', 'name', name=op.f('uq_safety_patrol_routes_estate_id_name'))
    )
    op.create_index(op.f('ix_safety_patrol_routes_estate_id'), 'safety_patrol_routes', ['estate_id'], unique=False)
    op.create_table('safety_patrol_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_safety_patrol_points_estate_id_estates')),
    sa.ForeignKeyConstraint(['route_id'], ['safety_patrol_routes.id'], name=op.f('fk_safety_patrol_points_route_id_safety_patrol_routes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_patrol_points')),
    sa.UniqueConstraint('route_id', 'position', name=op.f('uq_safety_patrol_points_route_id_position'))
    )
    op.create_index(op.f('ix_safety_patrol_points_estate_id'), 'safety_patrol_points', ['estate_id'], unique=False)
    op.create_index(op.f('ix_safety_patrol_points_route_id'), 'safety_patrol_points', ['route_id'], unique=False)
    op.create_table('safety_patrol_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_safety_patrol_rounds_estate_id_estates')),
    sa.ForeignKeyConstraint(['route_id'], ['safety_patrol_routes.id'], name=op.f('fk_safety_patrol_rounds_route_id_safety_patrol_routes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_patrol_rounds')),
    sa.UniqueConstraint('route_id', 'due_on', name=op.f('uq_safety_patrol_rounds_route_id_due_on'))
    )
    op.create_index(op.f('ix_safety_patrol_rounds_due_on'), 'safety_patrol_rounds', ['due_on'], unique=False)
    op.create_index(op.f('ix_safety_patrol_rounds_estate_id'), 'safety_patrol_rounds', ['estate_id'], unique=False)
    op.create_index(op.f('ix_safety_patrol_rounds_route_id'), 'safety_patrol_rounds', ['route_id'], unique=False)
    op.create_table('safety_patrol_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('at', backend.core.time.UTCDateTime(), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_safety_patrol_checks_estate_id_estates')),
    sa.ForeignKeyConstraint(['point_id'], ['safety_patrol_points.id'], name=op.f('fk_safety_patrol_checks_point_id_safety_patrol_points')),
    sa.ForeignKeyConstraint(['round_id'], ['safety_patrol_rounds.id'], name=op.f('fk_safety_patrol_checks_round_id_safety_patrol_rounds')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_safety_patrol_checks_staff_id_staff')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_safety_patrol_checks_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_patrol_checks')),
    sa.UniqueConstraint('round_id', 'point_id', name=op.f('uq_safety_patrol_checks_round_id_point_id'))
    )
    op.create_index(op.f('ix_safety_patrol_checks_estate_id'), 'safety_patrol_checks', ['estate_id'], unique=False)
    op.create_index(op.f('ix_safety_patrol_checks_point_id'), 'safety_patrol_checks', ['point_id'], unique=False)


def downgrade():
    op.drop_table('safety_patrol_checks')
    op.drop_table('safety_patrol_rounds')
    op.drop_table('safety_patrol_points')
    op.drop_table('safety_patrol_routes')
    op.drop_table('safety_task_photos')
    with op.batch_alter_table('safety_tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_safety_tasks_ticket_id_tickets'), type_='foreignkey')
        batch_op.drop_column('ticket_id')
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
