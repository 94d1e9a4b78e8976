"""surveys: questionnaires, their estates, one answer per unit, tallies, city templates

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 13:01:39.524297

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_survey_templates_updated_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_templates')),
    sa.UniqueConstraint('city', 'code', name=op.f('uq_survey_templates_city_code'))
    )
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('template_code', sa.String(length=40), nullable=True),
    sa.Column('runner', sa.Enum('street', 'bureau', 'committee', 'company', name='runner', native_enum=False, length=20), nullable=False),
    sa.Column('respondents', sa.Enum('owners', 'residents', name='respondents', native_enum=False, length=20), nullable=False),
    sa.Column('min_answers', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'open', 'closed', name='surveystate', native_enum=False, length=20), nullable=False),
    sa.Column('opens_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.Column('closes_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.Column('opened_at', backend.core.time.UTCDateTime(), nullable=True),
    sa.Column('closed_at', backend.core.time.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', backend.core.time.UTCDateTime(), nullable=True),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_surveys_window')),
    sa.CheckConstraint('min_answers >= 1', name=op.f('ck_surveys_min_answers')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_surveys_created_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_state'), ['state'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('online', 'paper', name='answerchannel', native_enum=False, length=10), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.Column('updated_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['staff.id'], name=op.f('fk_survey_answers_entered_by_id_staff')),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_survey_answers_estate_id_estates')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_survey_answers_resident_id_residents')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_answers_survey_id_surveys')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_survey_answers_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('survey_id', 'unit_id', name=op.f('uq_survey_answers_survey_id_unit_id'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('ix_survey_answers_survey_estate', ['survey_id', 'estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_unit_id'), ['unit_id'], unique=False)

    op.create_table('survey_estates',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_survey_estates_company_id_companies')),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_survey_estates_estate_id_estates')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_estates_survey_id_surveys')),
    sa.PrimaryKeyConstraint('survey_id', 'estate_id', name=op.f('pk_survey_estates'))
    )
    with op.batch_alter_table('survey_estates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_estates_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_estates_estate_id'), ['estate_id'], unique=False)

    op.create_table('survey_tallies',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_survey_tallies_estate_id_estates')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_tallies_survey_id_surveys')),
    sa.PrimaryKeyConstraint('survey_id', 'estate_id', 'question', 'value', name=op.f('pk_survey_tallies'))
    )


def downgrade():
    op.drop_table('survey_tallies')
    with op.batch_alter_table('survey_estates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_estates_estate_id'))
        batch_op.drop_index(batch_op.f('ix_survey_estates_company_id'))

    op.drop_table('survey_estates')
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_unit_id'))
        batch_op.drop_index('ix_survey_answers_survey_estate')
        batch_op.drop_index(batch_op.f('ix_survey_answers_resident_id'))

    op.drop_table('survey_answers')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_state'))

    op.drop_table('surveys')
    op.drop_table('survey_templates')
