"""resident reads: indexes that let a resident's lists start from the resident

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 10:10:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_bills_unit_period", "bills", ["unit_id", "period"])
    op.create_index("ix_tickets_resident_ticket", "tickets", ["resident_id", "id"])
    op.create_index(
        "ix_notifications_resident_created", "notifications", ["resident_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_notifications_resident_created", table_name="notifications")
    op.drop_index("ix_tickets_resident_ticket", table_name="tickets")
    op.drop_index("ix_bills_unit_period", table_name="bills")
