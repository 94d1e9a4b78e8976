"""contracts of an estate may not overlap; a committee's term is at most five years

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 19:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: as in backend/org/models.py at this revision (a migration keeps its own copy)
TERM_LIMIT_SQL = {
    "postgresql": "term_ends_on <= term_starts_on + interval '5 years'",
    "sqlite": (
        "term_ends_on <= date(term_starts_on, '+5 years', "
        "CASE WHEN strftime('%m-%d', term_starts_on) = '02-29' THEN '-1 day' ELSE '+0 days' END)"
    ),
}


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # the exclusion constraint compares estate ids (=) in a GiST index
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.create_exclude_constraint(
            "ex_service_contracts_no_overlap",
            "service_contracts",
            (sa.column("estate_id"), "="),
            (sa.func.daterange(sa.column("starts_on"), sa.column("ends_on")), "&&"),
            using="gist",
        )
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_committees_term_years"), TERM_LIMIT_SQL[dialect])


def downgrade():
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_committees_term_years"), type_="check")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ex_service_contracts_no_overlap", "service_contracts")
