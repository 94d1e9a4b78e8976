"""Dependency outages: PostgreSQL or Redis refusing, hanging or gone is a 503 with
``Retry-After`` and the Chinese error body, never a 500 or a stall.

The bounded wait comes from the settings (``DATABASE_CONNECT_TIMEOUT``,
``DATABASE_STATEMENT_TIMEOUT``, ``REDIS_CONNECT_TIMEOUT``, ``REDIS_SOCKET_TIMEOUT``, see
``backend/config.py``); this module turns the resulting errors into answers, bounds a
database call on a connection that stopped answering (:class:`StatementWatchdog`), and
serves ``/readyz`` for load balancers.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time

import redis
import sqlalchemy as sa
from flask import Flask, Response, current_app

log = logging.getLogger(__name__)

#: errors that mean a dependency is down or not answering, not that the code is wrong
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.TimeoutError,
    sa.exc.DisconnectionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
OUTAGE_MESSAGE = "服务暂时不可用，请稍后重试"


def is_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a dependency that is down or not answering."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def outage_response(exc: BaseException | None = None) -> Response:
    """503 with ``Retry-After``: JSON under ``/api``, plain text elsewhere (the panel's page
    templates may need the database that is down)."""
    from flask import request

    from backend.core.api import error_payload, wants_json

    log.warning(
        "dependency outage on %s %s: %s",
        request.method,
        request.path,
        exc.__class__.__name__ if exc else "-",
    )
    if wants_json():
        response = current_app.json.response(error_payload(503, OUTAGE_MESSAGE))
    else:
        response = Response(OUTAGE_MESSAGE, mimetype="text/plain")
    response.status_code = 503
    response.headers["Retry-After"] = str(current_app.config["OUTAGE_RETRY_AFTER"])
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Answer every outage error a view, a ``before_request`` or the commit raises with 503."""
    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, outage_response)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from backend.extensions import db

        with app.app_context():
            StatementWatchdog.watch_engine(db.engine, app.config["DATABASE_CALL_LIMIT"])


# --- a bound on calls to a database that stopped answering -----------------------------------


class StatementWatchdog:
    """Cut the connection of a database call (a statement, the pool's ping, a commit or a
    rollback) that runs longer than ``limit`` seconds.

    PostgreSQL's ``statement_timeout`` ends a slow statement on the server, but a server or
    network that stopped answering never sends that error, and psycopg waits on the socket
    without a bound: a hung database would hold every web worker until gunicorn kills it.
    One thread per process keeps the deadlines; a call past its deadline has its socket shut
    down, so psycopg raises ``OperationalError`` (a 503) and the pool drops the connection.
    A commit cut this way has an unknown outcome (the server may have committed before the
    answer was lost): the client retries, and every write that matters is idempotent or
    refused the second time (a ballot's 409, a payment's notification, Idempotency-Key).
    """

    def __init__(self, limit: float):
        self.limit = limit
        self._lock = threading.Lock()
        self._deadlines: list[tuple[float, int, object]] = []
        self._active: dict[int, int] = {}  # id(dbapi connection) -> ticket
        self._tickets = itertools.count()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    @classmethod
    def watch_engine(cls, engine: sa.Engine, limit: float) -> StatementWatchdog | None:
        """Bound every statement and pre-ping of ``engine`` (idempotent per engine)."""
        if not limit or engine.__dict__.get("_linli_watchdog"):
            return None
        watchdog = cls(limit)
        engine.__dict__["_linli_watchdog"] = watchdog

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _start(conn, cursor, statement, parameters, context, executemany):
            watchdog.start(cursor.connection)

        @sa.event.listens_for(engine, "after_cursor_execute")
        def _stop(conn, cursor, statement, parameters, context, executemany):
            watchdog.stop(cursor.connection)

        @sa.event.listens_for(engine, "handle_error")
        def _failed(context):
            cursor = getattr(context.execution_context, "cursor", None)
            if cursor is not None:
                watchdog.stop(cursor.connection)

        # the pool's ping, and a transaction's end: COMMIT and ROLLBACK are no cursor
        # statements, and a commit sent to a server that stopped answering waits forever
        dialect = engine.dialect
        for name in ("do_ping", "do_commit", "do_rollback"):
            setattr(dialect, name, watchdog.watched(getattr(dialect, name)))
        return watchdog

    def watched(self, call):
        """``call(dbapi_connection)`` bounded like a statement."""

        def bounded(dbapi_connection):
            self.start(dbapi_connection)
            try:
                return call(dbapi_connection)
            finally:
                self.stop(dbapi_connection)

        return bounded

    def start(self, dbapi_connection) -> None:
        self._ensure_thread()
        with self._lock:
            ticket = next(self._tickets)
            self._active[id(dbapi_connection)] = ticket
            heapq.heappush(
                self._deadlines, (time.monotonic() + self.limit, ticket, dbapi_connection)
            )

    def stop(self, dbapi_connection) -> None:
        with self._lock:
            self._active.pop(id(dbapi_connection), None)

    def _ensure_thread(self) -> None:
        # gunicorn forks after the app is made: each worker process needs its own thread
        if self._thread is None or self._pid != os.getpid():
            with self._lock:
                if self._thread is None or self._pid != os.getpid():
                    self._deadlines.clear()
                    self._active.clear()
                    self._pid = os.getpid()
                    self._thread = threading.Thread(
                        target=self._run, name="linli-db-watchdog", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(0.2)
            now = time.monotonic()
            overdue = []
            with self._lock:
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, ticket, connection = heapq.heappop(self._deadlines)
                    if self._active.get(id(connection)) == ticket:
                        self._active.pop(id(connection), None)
                        overdue.append(connection)
            for connection in overdue:
                _cut(connection)


def _cut(dbapi_connection) -> None:
    """Shut the socket of a psycopg connection down (the blocked call then fails)."""
    try:
        fd = dbapi_connection.pgconn.socket
        sock = socket.socket(fileno=os.dup(fd))
    except Exception:  # closed meanwhile
        return
    try:
        log.warning("database call over its time limit: connection cut")
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


# --- readiness ------------------------------------------------------------------------------


def readiness() -> tuple[dict, int]:
    """``/readyz``: PostgreSQL and Redis each answer a trivial call within their bound."""
    from backend.extensions import db, redis_store

    checks = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readiness: database %s", exc.__class__.__name__)
        checks["database"] = "unavailable"
    try:
        redis_store.client.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        log.warning("readiness: redis %s", exc.__class__.__name__)
        checks["redis"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if not ready:
        body["message"] = OUTAGE_MESSAGE
    return body, 200 if ready else 503
