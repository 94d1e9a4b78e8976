"""催办: how many times a ticket was urged and when last

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 20:00:00

"""
import sqlalchemy as sa
from alembic import op

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urge_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('urged_at', backend.core.time.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('urged_at')
        batch_op.drop_column('urge_count')
