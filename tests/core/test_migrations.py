"""Migrations build the same schema as the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

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
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS linli_migrations_test"))
        conn.execute(sa.text("CREATE DATABASE linli_migrations_test"))
    admin.dispose()
    return REAL_DATABASE_URL.rsplit("/", 1)[0] + "/linli_migrations_test"


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
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        db.engine.dispose()
