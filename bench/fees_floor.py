"""The floor of bench/fees.py: plain Flask + SQLAlchemy Core answering for the same rows as
``GET /api/v1/me/bills`` and ``GET /api/v1/me`` with the best plan PostgreSQL offers (the
join from the resident's residencies first, written by hand, not the app's SQL), with no
authentication, no schema and no ORM. Served by gunicorn like the app:
``gunicorn --chdir bench 'fees_floor:create_app()'``.
The resident is named in the query string (``?r=<id>``).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, request

#: the resident's current residencies: the handful of rows every plan below starts from
MINE = """
    SELECT r.unit_id, r.role FROM residencies r
    WHERE r.resident_id = :r AND r.status = 'active'
      AND (r.ends_on IS NULL OR r.ends_on > CURRENT_DATE)
"""
BILLS = sa.text(
    f"""
    WITH mine AS MATERIALIZED ({MINE})
    SELECT b.id, b.unit_id, b.period, b.quantity, b.price_yuan, b.amount_fen, b.waived_fen,
           b.status, b.order_id, b.payment_id, b.paid_at, f.name AS fee_item, f.basis,
           u.number, bu.name AS building, e.name AS estate
    FROM mine m
    JOIN bills b ON b.unit_id = m.unit_id
    JOIN fee_items f ON f.id = b.fee_item_id
    JOIN units u ON u.id = b.unit_id
    JOIN buildings bu ON bu.id = u.building_id
    JOIN estates e ON e.id = b.estate_id
    WHERE m.role != 'tenant' OR f.tenant_pays
    ORDER BY b.period DESC, b.id DESC
    LIMIT 20
    """
)
BILLS_COUNT = sa.text(
    f"""
    WITH mine AS MATERIALIZED ({MINE})
    SELECT count(*) FROM mine m
    JOIN bills b ON b.unit_id = m.unit_id
    JOIN fee_items f ON f.id = b.fee_item_id
    WHERE m.role != 'tenant' OR f.tenant_pays
    """
)
ME = sa.text(
    """
    SELECT p.id, p.nickname, p.name, p.phone, p.created_at, r.id AS residency_id, r.role,
           r.status, r.ends_on, r.created_at AS residency_created_at, u.number, u.area,
           bu.name AS building, e.name AS estate
    FROM residents p
    LEFT JOIN residencies r ON r.resident_id = p.id
    LEFT JOIN units u ON u.id = r.unit_id
    LEFT JOIN buildings bu ON bu.id = u.building_id
    LEFT JOIN estates e ON e.id = u.estate_id
    WHERE p.id = :r ORDER BY r.id
    """
)


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    engine = sa.create_engine(url, pool_size=5)

    def rows(statement, **params) -> list[dict]:
        with engine.connect() as conn:
            return [
                {k: (str(v) if v is not None else None) for k, v in row._mapping.items()}
                for row in conn.execute(statement, params)
            ]

    @app.get("/floor/bills")
    def bills():
        resident = int(request.args["r"])
        with engine.connect() as conn:
            total = conn.execute(BILLS_COUNT, {"r": resident}).scalar()
            found = [
                {k: (str(v) if v is not None else None) for k, v in row._mapping.items()}
                for row in conn.execute(BILLS, {"r": resident})
            ]
        response = jsonify(found)
        response.headers["X-Pagination"] = f'{{"total": {total}}}'
        return response

    @app.get("/floor/me")
    def me():
        return jsonify(rows(ME, r=int(request.args["r"])))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
