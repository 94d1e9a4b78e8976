"""The floor of bench/board.py: plain Flask returning stored JSON bytes from Redis, with
nothing else (no app factory, no security headers, no transaction, no ETag).

Served by gunicorn like the app: ``gunicorn --chdir bench 'board_floor:create_app()'``.
``GET /floor/board/<estate id>`` answers the bytes stored under ``bench:board:<id>``.
"""

from __future__ import annotations

import os

import redis
from flask import Flask, Response


def create_app() -> Flask:
    app = Flask(__name__)
    client = redis.Redis.from_url(os.environ["REDIS_URL"])

    @app.get("/floor/board/<int:estate_id>")
    def board(estate_id: int):
        body = client.get(f"bench:board:{estate_id}")
        if body is None:
            return Response(status=404)
        return Response(body, mimetype="application/json")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
