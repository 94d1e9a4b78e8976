"""fund: a photo of the hazard as evidence of an emergency use (a use's attachment is a
document or a photo)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fund_use_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.alter_column('document_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(op.f('uq_fund_use_documents_photo_id'), ['photo_id'])
        batch_op.create_foreign_key(op.f('fk_fund_use_documents_photo_id_photos'), 'photos', ['photo_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_fund_use_documents_one_file'), '(document_id IS NULL) <> (photo_id IS NULL)')


def downgrade():
    # a photo has no place in the table before: its attachments go with the column
    op.execute('DELETE FROM fund_use_documents WHERE photo_id IS NOT NULL')
    with op.batch_alter_table('fund_use_documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_fund_use_documents_one_file'), type_='check')
        batch_op.drop_constraint(op.f('fk_fund_use_documents_photo_id_photos'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_fund_use_documents_photo_id'), type_='unique')
        batch_op.alter_column('document_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('photo_id')
