"""refunds follow WeChat Pay: state, tries, next try, last error, accepted and finished times

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        # refunds before this revision were made synchronously: they succeeded
        batch_op.add_column(sa.Column('state', sa.Enum('requested', 'processing', 'succeeded', 'failed', name='refundstate', native_enum=False, length=20), nullable=False, server_default='succeeded'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('next_try_at', backend.core.time.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('accepted_at', backend.core.time.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('finished_at', backend.core.time.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_refunds_state'), ['state'], unique=False)
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.alter_column('state', server_default=None)
        batch_op.alter_column('attempts', server_default=None)
        batch_op.alter_column('last_error', server_default=None)


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_state'))
        batch_op.drop_column('finished_at')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('next_try_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('state')
