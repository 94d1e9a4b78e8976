"""fund: documents of a use (quotes, contracts, acceptance reports); the 列支范围 indexed by
unit (an owner's uses are found from their units)

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-07 13:10:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0024'
branch_labels = None
depends_on = None

KINDS = ('quote', 'contract', 'evidence', 'invoice', 'acceptance', 'final_account')


def upgrade():
    op.create_table('fund_use_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='documentkind', native_enum=False, length=20), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['staff.id'], name=op.f('fk_fund_use_documents_added_by_id_staff')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_fund_use_documents_document_id_documents')),
    sa.ForeignKeyConstraint(['use_id'], ['fund_uses.id'], name=op.f('fk_fund_use_documents_use_id_fund_uses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_use_documents')),
    sa.UniqueConstraint('document_id', name=op.f('uq_fund_use_documents_document_id'))
    )
    with op.batch_alter_table('fund_use_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_use_documents_use_id'), ['use_id'], unique=False)
    with op.batch_alter_table('fund_use_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_use_units_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('fund_use_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_use_units_unit_id'))
    with op.batch_alter_table('fund_use_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_use_documents_use_id'))
    op.drop_table('fund_use_documents')
