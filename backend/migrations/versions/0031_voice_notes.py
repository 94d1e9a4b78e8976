"""voice notes: a resident's short voice note on a report (issue 24)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 16:40:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('voice_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.Column('attached_at', backend.core.time.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_voice_notes_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_notes'))
    )
    with op.batch_alter_table('voice_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_notes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_voice_notes_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voice_notes_sha256'), ['sha256'], unique=False)

    op.create_table('ticket_event_voice_notes',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('voice_note_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['ticket_events.id'], name=op.f('fk_ticket_event_voice_notes_event_id_ticket_events')),
    sa.ForeignKeyConstraint(['voice_note_id'], ['voice_notes.id'], name=op.f('fk_ticket_event_voice_notes_voice_note_id_voice_notes')),
    sa.PrimaryKeyConstraint('event_id', 'voice_note_id', name=op.f('pk_ticket_event_voice_notes')),
    sa.UniqueConstraint('event_id', name=op.f('uq_ticket_event_voice_notes_event_id')),
    sa.UniqueConstraint('voice_note_id', name=op.f('uq_ticket_event_voice_notes_voice_note_id'))
    )


def downgrade():
    op.drop_table('ticket_event_voice_notes')
    with op.batch_alter_table('voice_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_notes_sha256'))
        batch_op.drop_index(batch_op.f('ix_voice_notes_resident_id'))
        batch_op.drop_index(batch_op.f('ix_voice_notes_created_at'))
    op.drop_table('voice_notes')
