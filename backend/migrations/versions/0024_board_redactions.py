"""board redactions: a version's personal data removed, the fact kept (append-only);
a version's declared service phone

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-07 13:30:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.time
from backend.board.models import (
    APPEND_ONLY_TRIGGERS,
    REDACTION_GUARD_FUNCTION,
    REDACTION_GUARD_TRIGGERS,
    REDACTIONS_APPEND_ONLY,
)


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('board_post_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_phone', sa.String(length=20), server_default='', nullable=False))

    op.create_table('board_redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.core.time.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['board_posts.id'], name=op.f('fk_board_redactions_post_id_board_posts')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_board_redactions_staff_id_staff')),
    sa.ForeignKeyConstraint(['version_id'], ['board_post_versions.id'], name=op.f('fk_board_redactions_version_id_board_post_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_redactions')),
    sa.UniqueConstraint('version_id', name=op.f('uq_board_redactions_version_id'))
    )
    with op.batch_alter_table('board_redactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_redactions_post_id'), ['post_id'], unique=False)

    # versions may be blanked once redacted (and a redacted version's attachments removed);
    # redactions themselves are never changed (PostgreSQL guards)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REDACTION_GUARD_FUNCTION)
        for statement in REDACTION_GUARD_TRIGGERS:
            op.execute(statement)
        op.execute(REDACTIONS_APPEND_ONLY)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS board_redactions_append_only ON board_redactions")
        # back to the plain append-only guards of 0012
        for table in ("board_post_versions", "board_attachments"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        for statement in APPEND_ONLY_TRIGGERS:
            if "board_posts_no_delete" not in statement:
                op.execute(statement)
        op.execute("DROP FUNCTION IF EXISTS board_versions_guard()")
    with op.batch_alter_table('board_redactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_redactions_post_id'))

    op.drop_table('board_redactions')
    with op.batch_alter_table('board_post_versions', schema=None) as batch_op:
        batch_op.drop_column('service_phone')
