"""fund: photos as evidence of an emergency use (the hazard as seen on site)

Revision ID: 0036
Revises: 0034
Create Date: 2026-12-07 20:10:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0034'
branch_labels = None
depends_on = None

KINDS = ('quote', 'contract', 'evidence', 'invoice', 'acceptance', 'final_account')


def upgrade():
    op.create_table('fund_use_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='documentkind', native_enum=False, length=20), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['staff.id'], name=op.f('fk_fund_use_photos_added_by_id_staff')),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_fund_use_photos_photo_id_photos')),
    sa.ForeignKeyConstraint(['use_id'], ['fund_uses.id'], name=op.f('fk_fund_use_photos_use_id_fund_uses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_use_photos')),
    sa.UniqueConstraint('photo_id', name=op.f('uq_fund_use_photos_photo_id'))
    )
    with op.batch_alter_table('fund_use_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_use_photos_use_id'), ['use_id'], unique=False)


def downgrade():
    with op.batch_alter_table('fund_use_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_use_photos_use_id'))
    op.drop_table('fund_use_photos')
