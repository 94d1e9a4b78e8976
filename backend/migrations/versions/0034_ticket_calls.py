"""tickets taken by the desk for a resident (phone, counter); help requests found by ticket

Revision ID: 0034
Revises: 0032
Create Date: 2026-12-07 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0032'
branch_labels = None
depends_on = None

#: sources whose ticket has its resident: reported in the mini-app, or taken by the desk
#: for a resident who phoned or came to the counter (代客报修)
FOR_RESIDENT = "('resident', 'phone', 'counter')"


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tickets_rated_by_resident'), type_='check')
        batch_op.drop_constraint(op.f('ck_tickets_resident'), type_='check')
        batch_op.drop_constraint(op.f('ck_tickets_source'), type_='check')
        batch_op.create_check_constraint(op.f('ck_tickets_source'), "source IN ('resident', 'staff', 'safety', 'open311', 'hotline', 'grid', 'phone', 'counter')")
        batch_op.create_check_constraint(op.f('ck_tickets_resident'), f"(source IN {FOR_RESIDENT} AND resident_id IS NOT NULL) OR (source NOT IN {FOR_RESIDENT} AND resident_id IS NULL)")
        batch_op.create_check_constraint(op.f('ck_tickets_rated_by_resident'), "rating IS NULL OR resident_id IS NOT NULL")
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_requests_ticket_id'), ['ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_requests_ticket_id'))
    # refused while tickets taken by the desk exist: they are records
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tickets_rated_by_resident'), type_='check')
        batch_op.drop_constraint(op.f('ck_tickets_resident'), type_='check')
        batch_op.drop_constraint(op.f('ck_tickets_source'), type_='check')
        batch_op.create_check_constraint(op.f('ck_tickets_source'), "source IN ('resident', 'staff', 'safety', 'open311', 'hotline', 'grid')")
        batch_op.create_check_constraint(op.f('ck_tickets_resident'), "(source = 'resident' AND resident_id IS NOT NULL) OR (source <> 'resident' AND resident_id IS NULL)")
        batch_op.create_check_constraint(op.f('ck_tickets_rated_by_resident'), "rating IS NULL OR source = 'resident'")
