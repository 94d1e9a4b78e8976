"""fees extra: one bill notice per resident and period; automatic refunds of late payments

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 22:30:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bill_notices',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_bill_notices_estate_id_estates')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_bill_notices_resident_id_residents')),
    sa.PrimaryKeyConstraint('resident_id', 'estate_id', 'period', name=op.f('pk_bill_notices'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.alter_column('approved_by_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.alter_column('approved_by_id', existing_type=sa.Integer(), nullable=False)
    op.drop_table('bill_notices')
