"""The transaction boundary: one commit per request or job, side effects only after it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from backend.extensions import db

_DEFERRED = "linli_deferred_jobs"
_TOKEN = "linli_transaction_token"
log = logging.getLogger(__name__)


def defer(func: Callable, *args, delay: float = 0, key: str | None = None) -> int | None:
    """Run ``func(*args)`` as a job once the current transaction commits.

    The command is written to the outbox (:mod:`backend.core.outbox`) in this transaction:
    if it rolls back there is no command (a message is never sent for a change that was
    undone); once it commits, the command runs even if Redis is away or this process dies
    right after (the outbox's sweep hands it over). ``func`` is a top-level job function
    and ``args`` JSON values. ``key`` is the command's idempotency key (default: from the
    function and its arguments): deferring a key that exists already adds nothing.
    Returns the new command's id, or ``None`` for a repeat.
    """
    from backend.core import outbox

    command_id = outbox.write(func, args, delay=delay, key=key)
    if command_id is not None:
        hand_over_after_commit(command_id, delay)
    return command_id


def hand_over_after_commit(command_id: int, delay: float = 0) -> None:
    """Have the dispatcher hand outbox command ``command_id`` over after the commit."""
    db.session.info.setdefault(_DEFERRED, []).append((command_id, delay))


def transaction_token() -> str:
    """A token for the current transaction (the same until it commits or rolls back): a
    key for commands that must run once per change, however often the change defers them
    (the board's refresh of a section)."""
    import uuid

    # bound to the transaction object too, so a commit that bypassed commit() cannot
    # leave the token to the next transaction
    transaction = db.session().get_transaction()
    found = db.session.info.get(_TOKEN)
    if found is None or found[0] is not transaction:
        found = db.session.info[_TOKEN] = (transaction, uuid.uuid4().hex)
    return found[1]


def commit() -> None:
    """Commit the session, then hand the commands deferred in the transaction over."""
    from backend.core import outbox

    pending = db.session.info.pop(_DEFERRED, [])
    db.session.info.pop(_TOKEN, None)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if pending:
        # never raises for the queue: a missed hand-over is the sweep's
        outbox.dispatch(pending)


def rollback() -> None:
    """Roll back the session and with it the commands deferred in the transaction."""
    db.session.info.pop(_DEFERRED, None)
    db.session.info.pop(_TOKEN, None)
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
#: session runs in read-only mode: on PostgreSQL it starts without a transaction
#: (autocommit), so plain SELECTs cost no BEGIN and no COMMIT or ROLLBACK round trip at the
#: end, about a third of a small read's cost (issue 8, ``GET /api/v1/me``). A statement that
#: needs a transaction switches the connection into one (see :func:`needs_transaction`),
#: so a GET that writes, locks or streams is still one transaction from there on,
#: committed or rolled back at the end.
READ_ONLY = "linli_read_only"
#: execution option: this statement needs a transaction although it is a plain SELECT (a
#: function with an effect, e.g. ``pg_advisory_xact_lock``), said explicitly with
#: ``.execution_options(**{TRANSACTION: True})``
TRANSACTION = "linli_transaction"


def _autocommit_engine(engine):
    """``engine`` in autocommit mode (same pool), made once per engine."""
    found = engine.__dict__.get("_linli_autocommit")
    if found is None:
        found = engine.execution_options(isolation_level="AUTOCOMMIT")
        from sqlalchemy import event

        event.listen(found, "before_cursor_execute", _begin_when_needed)
        engine.__dict__["_linli_autocommit"] = found
    return found


def needs_transaction(context) -> bool:
    """Whether the statement of execution ``context`` must run in a transaction.

    Decided by what SQLAlchemy compiled, never by the SQL's wording: only a compiled
    SELECT that neither locks rows (``with_for_update``), nor streams (a server-side
    cursor), nor carries a writing CTE, nor asks for one (:data:`TRANSACTION`) runs on its
    own. Everything else does need one: INSERT/UPDATE/DELETE, SAVEPOINT, DDL, ``text()``
    and driver-level SQL (whose intent no construct tells).
    """
    from sqlalchemy.sql.dml import UpdateBase
    from sqlalchemy.sql.selectable import GenerativeSelect  # a SELECT or a UNION of them

    compiled = getattr(context, "compiled", None)
    if compiled is None or not isinstance(compiled.statement, GenerativeSelect):
        return True
    options = context.execution_options
    if options.get("stream_results") or options.get(TRANSACTION):
        return True
    if compiled.statement._for_update_arg is not None:
        return True
    return any(isinstance(cte.element, UpdateBase) for cte in (compiled.ctes or {}))


def _begin_when_needed(conn, cursor, statement, parameters, context, executemany) -> None:
    """In read-only mode, BEGIN before the first statement that needs a transaction
    (the session's commit or rollback at the end of the request then ends it)."""
    from psycopg.pq import TransactionStatus

    dbapi = cursor.connection
    if dbapi.info.transaction_status != TransactionStatus.IDLE:
        return  # in a transaction already
    if needs_transaction(context):
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
