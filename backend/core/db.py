"""The transaction boundary: one commit per request or job, side effects only after it."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from backend.extensions import db

_DEFERRED = "linli_deferred_jobs"
log = logging.getLogger(__name__)


def defer(func: Callable, *args, delay: float = 0) -> None:
    """Enqueue ``func(*args)`` as a job once the current transaction commits.

    Nothing is enqueued if the transaction rolls back, so a job never sees a row
    that was not saved (and a message is never sent for a change that was undone).
    """
    db.session.info.setdefault(_DEFERRED, []).append((func, args, delay))


def commit() -> None:
    """Commit the session, then enqueue the jobs deferred during the transaction."""
    from backend import jobs

    pending = db.session.info.pop(_DEFERRED, [])
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for func, args, delay in pending:
        try:
            jobs.enqueue(func, *args, delay=delay)
        except Exception:
            # the change is committed; a lost job is found again by the periodic sweeps
            # (e.g. backend.notify.jobs.resend_stale_notifications), never by failing here
            log.exception("could not enqueue %s%r after commit", func.__name__, args)


def rollback() -> None:
    """Roll back the session and forget its deferred jobs."""
    db.session.info.pop(_DEFERRED, None)
    db.session.rollback()


def transition(model, ident, column, expected, **values) -> bool:
    """Set ``values`` on row ``ident`` only if ``column`` still equals ``expected``.

    One conditional UPDATE, so two people acting at once cannot both succeed: the loser
    gets ``False`` and the row is unchanged.
    """
    import sqlalchemy as sa

    stmt = (
        sa.update(model)
        .where(model.id == ident, column == expected)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return db.session.execute(stmt).rowcount == 1


def configure_sqlite(engine) -> None:
    """Make SQLite behave like a real transactional database.

    pysqlite starts transactions lazily and lets a SAVEPOINT released before any write
    commit for good; SQLAlchemy's documented recipe takes the BEGIN into our hands. WAL lets
    readers and a writer work at once (the demo server is threaded), and foreign keys are
    off by default in SQLite.
    """
    import sqlalchemy as sa

    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")


# --- the read-only path -------------------------------------------------------------------------

#: ``session.info`` key: this request is a GET or HEAD, which mostly only reads, so its
#: session starts without a transaction (PostgreSQL's autocommit): plain SELECTs cost no
#: BEGIN and no COMMIT or ROLLBACK round trip at the end, about a third of a small read's
#: cost (issue 8, ``GET /api/v1/me``). The transaction begins, lazily, at the first
#: statement that needs one (see :func:`_begin_when_needed`), so a GET that writes, locks or
#: streams is still one transaction from there on, committed or rolled back at the end.
READ_ONLY = "linli_read_only"
#: a SELECT that locks rows needs a transaction to hold the locks
_LOCKING = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I)


def _autocommit_engine(engine):
    """``engine`` in autocommit mode (same pool), made once per engine."""
    found = engine.__dict__.get("_linli_autocommit")
    if found is None:
        found = engine.execution_options(isolation_level="AUTOCOMMIT")
        from sqlalchemy import event

        event.listen(found, "before_cursor_execute", _begin_when_needed)
        engine.__dict__["_linli_autocommit"] = found
    return found


def needs_transaction(statement: str, streamed: bool = False) -> bool:
    """Whether ``statement`` must run in a transaction: anything but a plain SELECT (a
    write, a savepoint), a locking SELECT, or a streamed one (a server-side cursor)."""
    head = statement.lstrip()[:6].upper()
    return head != "SELECT" or streamed or bool(_LOCKING.search(statement))


def _begin_when_needed(conn, cursor, statement, parameters, context, executemany) -> None:
    """On the read-only path, BEGIN before the first statement that needs a transaction
    (the session's commit or rollback at the end of the request then ends it)."""
    from psycopg.pq import TransactionStatus

    dbapi = cursor.connection
    if dbapi.info.transaction_status != TransactionStatus.IDLE:
        return  # in a transaction already
    streamed = bool(context is not None and context.execution_options.get("stream_results"))
    if needs_transaction(statement, streamed):
        dbapi.execute("BEGIN")


def read_only_bind(session, bind):
    """The bind a session uses: the autocommit engine while the request only reads (on
    PostgreSQL; SQLite's transactions are begun by hand, see :func:`configure_sqlite`)."""
    from sqlalchemy.engine import Engine

    if (
        session.info.get(READ_ONLY)
        and isinstance(bind, Engine)
        and bind.dialect.name == "postgresql"
    ):
        return _autocommit_engine(bind)
    return bind


def insert(table, session=None):
    """An INSERT of ``table`` in the dialect of the session's database (PostgreSQL or
    SQLite), so that ``on_conflict_do_nothing``/``on_conflict_do_update`` let a unique
    constraint decide on both stacks."""
    session = session or db.session
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)
