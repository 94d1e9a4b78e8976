"""督办 review: the officer accepts an answer or sends it back with a reason

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-07 10:20:00

The two new statuses (accepted, returned) need no DDL: the status column is a VARCHAR(20)
without a CHECK constraint (``native_enum=False``).
"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reviewed_at', backend.core.time.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_supervision_orders_reviewed_by_id_staff'), 'staff', ['reviewed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_supervision_orders_reviewed_by_id_staff'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('review_note')
