"""surveys: the households a survey asks, frozen when it opens (survey_units); answers
reference them, so the response rate never passes 100 %

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_units',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_survey_units_estate_id_estates')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_units_survey_id_surveys')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_survey_units_unit_id_units')),
    sa.PrimaryKeyConstraint('survey_id', 'unit_id', name=op.f('pk_survey_units'))
    )
    with op.batch_alter_table('survey_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_units_unit_id'), ['unit_id'], unique=False)

    # surveys already open or closed: the units of their estates now, and every unit that
    # answered (wherever it is now); the frozen counts follow the rows
    op.execute(
        "INSERT INTO survey_units (survey_id, unit_id, estate_id) "
        "SELECT se.survey_id, u.id, u.estate_id FROM survey_estates se "
        "JOIN surveys s ON s.id = se.survey_id JOIN units u ON u.estate_id = se.estate_id "
        "WHERE s.state <> 'draft'"
    )
    op.execute(
        "INSERT INTO survey_units (survey_id, unit_id, estate_id) "
        "SELECT a.survey_id, a.unit_id, a.estate_id FROM survey_answers a "
        "WHERE NOT EXISTS (SELECT 1 FROM survey_units su "
        "WHERE su.survey_id = a.survey_id AND su.unit_id = a.unit_id)"
    )
    op.execute(
        "UPDATE survey_estates SET households = (SELECT count(*) FROM survey_units su "
        "WHERE su.survey_id = survey_estates.survey_id "
        "AND su.estate_id = survey_estates.estate_id) "
        "WHERE survey_id IN (SELECT id FROM surveys WHERE state <> 'draft')"
    )

    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_survey_answers_survey_id_survey_units'), 'survey_units', ['survey_id', 'unit_id'], ['survey_id', 'unit_id'])


def downgrade():
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_survey_answers_survey_id_survey_units'), type_='foreignkey')

    with op.batch_alter_table('survey_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_units_unit_id'))

    op.drop_table('survey_units')
