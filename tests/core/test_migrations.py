"""Migrations build the same schema as the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from backend import create_app
from backend.extensions import db
from tests.conftest import REAL_DATABASE_URL, STACK


def _fresh_database_url(tmp_path) -> str:
    if STACK != "real":
        return f"sqlite:///{tmp_path}/migrations.sqlite3"
    admin = sa.create_engine(
        REAL_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    # named after the test database, so that runs on different databases do not collide
    server, name = REAL_DATABASE_URL.rsplit("/", 1)
    name = f"{name}_migrations"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def _refused(conn, statement: str, **values) -> bool:
    """Whether the database refuses ``statement`` (a constraint is violated)."""
    try:
        with conn.begin_nested():
            conn.execute(sa.text(statement), values)
    except sa.exc.IntegrityError:
        return True
    return False


def _assert_org_constraints_hold(conn) -> None:
    conn.execute(
        sa.text("INSERT INTO streets (id, name, district, city) VALUES (1, 's', 'd', 'c')")
    )
    conn.execute(sa.text("INSERT INTO communities (id, street_id, name) VALUES (1, 1, 'c')"))
    conn.execute(
        sa.text(
            "INSERT INTO estates (id, community_id, street_id, name, address, management_mode)"
            " VALUES (1, 1, 1, 'e', '', 'company')"
        )
    )
    conn.execute(
        sa.text("INSERT INTO companies (id, name, credit_code, phone) VALUES (1, 'c', 'x', '')")
    )
    committee = (
        "INSERT INTO committees (estate_id, term_starts_on, term_ends_on, filing_status,"
        " created_at) VALUES (1, :starts, :ends, 'unfiled', '2026-01-01')"
    )
    assert not _refused(conn, committee, starts=date(2028, 2, 29), ends=date(2033, 2, 28))
    assert _refused(conn, committee, starts=date(2028, 2, 29), ends=date(2033, 3, 1))
    assert _refused(conn, committee, starts=date(2026, 3, 1), ends=date(2031, 3, 2))
    assert _refused(conn, committee, starts=date(2026, 3, 1), ends=date(2026, 3, 1))
    if conn.dialect.name != "postgresql":
        return  # on SQLite, sign_contract checks overlaps
    contract = (
        "INSERT INTO service_contracts (estate_id, company_id, starts_on, ends_on,"
        " service_level, fee_standard) VALUES (1, 1, :starts, :ends, '', '')"
    )
    assert not _refused(conn, contract, starts=date(2026, 1, 1), ends=date(2027, 1, 1))
    assert not _refused(conn, contract, starts=date(2027, 1, 1), ends=date(2028, 1, 1))
    assert _refused(conn, contract, starts=date(2026, 12, 31), ends=date(2027, 1, 2))


def test_migrations_upgrade_to_the_models_and_back(tmp_path, fake_wechat):
    app = create_app(
        {"DATABASE_URL": _fresh_database_url(tmp_path), "REDIS_URL": None, "TESTING": True}
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert diff == []
        with db.engine.connect() as conn:
            _assert_org_constraints_hold(conn)
            conn.rollback()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        db.engine.dispose()
