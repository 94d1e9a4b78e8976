"""The transactional outbox: side effects written in the transaction that causes them.

:func:`backend.core.db.defer` writes an :class:`OutboxCommand` row (a job function's import
path and its JSON arguments) in the caller's transaction, so a change and the commands it
causes are saved together or not at all. After the commit the dispatcher hands the new rows
to the queue (the fast path); the periodic sweep (:func:`sweep_job`, run by the clock)
hands over whatever the fast path missed: Redis down at commit, a process killed between
the commit and the enqueue, a queue emptied by a Redis restart.

A command runs through :func:`run_command`: it is claimed first (one conditional UPDATE
``pending`` → ``running``, committed), so two dispatchers or workers never run it at once;
then its function runs (a job's body in the run's own session, whose last transaction
also records the command ``done``); then it is ``done``.
A failure is retried after a backoff (``OUTBOX_BACKOFF`` doubled each try, capped at
``OUTBOX_BACKOFF_MAX``) up to ``OUTBOX_MAX_ATTEMPTS`` tries, then ``failed``. A command whose
worker died while running it (``running`` for ``OUTBOX_STALE_AFTER``) is tried again.

Guarantees: a committed command is run at least once (and at most once at a time); an
uncommitted one never. Delivery is *at least once*: a process killed after the function's
commit and before ``done`` runs it again, so every job function must be safe to run twice
(they are: each claims its own work by a conditional update). A command is unique by its
idempotency key: deferring the same key again adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from rq import Queue
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.utils import import_string

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db

log = logging.getLogger(__name__)


class CommandState(LabeledEnum):
    """Where an outbox command is."""

    #: waiting to run (first try, or a retry after its backoff)
    pending = "pending", "待执行"
    #: claimed by a worker (or by ``outbox drain``), running now
    running = "running", "执行中"
    done = "done", "已完成"
    #: failed ``OUTBOX_MAX_ATTEMPTS`` times; waits for an operator's retry
    failed = "failed", "失败"


class OutboxCommand(db.Model):
    """A side effect to run after its transaction committed (发件箱中的一条命令)."""

    __tablename__ = "outbox_commands"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    #: import path of a top-level job function, ``"backend.notify.jobs:deliver_notification"``
    command: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[list] = mapped_column(sa.JSON)
    #: the idempotency key: one row per key, ever
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    state: Mapped[CommandState] = mapped_column(
        sa.Enum(CommandState, native_enum=False, length=20), default=CommandState.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when it was last handed to the queue (the sweep hands over only what waits too long)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_outbox_commands_state_next_try_at", "state", "next_try_at"),)

    def __str__(self) -> str:
        return f"{self.command}{tuple(self.args)!r}"


# --- writing: in the caller's transaction ---------------------------------------------------------


def command_path(func) -> str:
    """The import path of a top-level job function (what a row stores)."""
    path = f"{func.__module__}:{func.__qualname__}"
    if "<" in func.__qualname__ or "." in func.__qualname__:
        raise ValueError(f"{path} is not a top-level function: the outbox cannot name it")
    return path


def default_key(command: str, args: list) -> str:
    """The idempotency key of ``command(*args)`` when the caller gives none."""
    payload = json.dumps([command, args], sort_keys=True, ensure_ascii=False, default=str)
    return f"{command}:{hashlib.sha256(payload.encode()).hexdigest()[:32]}"


def write(func, args: tuple, *, delay: float = 0, key: str | None = None) -> int | None:
    """Add the command ``func(*args)`` to the outbox in the current transaction.

    Returns the new row's id, or ``None`` when a command with the same key exists already
    (then nothing is added: a repeat does nothing twice).
    """
    command = command_path(func)
    arguments = json.loads(json.dumps(list(args), default=str))
    now = utcnow()
    values = {
        "command": command,
        "args": arguments,
        "key": key or default_key(command, arguments),
        "state": CommandState.pending,
        "attempts": 0,
        "next_try_at": now + timedelta(seconds=delay),
        # the fast path is about to hand it over: the sweep waits OUTBOX_REDISPATCH_AFTER
        "dispatched_at": now,
        "last_error": "",
        "created_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(OutboxCommand)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxCommand.id)
    )
    return db.session.execute(stmt).scalar()


# --- handing over: after commit ------------------------------------------------------------------


def _inline() -> bool:
    return bool(current_app.config["JOBS_INLINE"])


#: commands handed to Redis in one round trip
ENQUEUE_BATCH = 500


def _enqueue(command_ids: list[int], delay: float = 0) -> None:
    """Put ``run_command(id)`` on the queue for each id (raises when Redis is away): due
    ones in pipelined batches; a delayed one goes to RQ's scheduler. The job keeps no
    result: the outbox row is the record."""
    from backend.jobs import get_queue

    queue = get_queue()
    if delay > 0:
        for command_id in command_ids:
            queue.enqueue_in(timedelta(seconds=delay), run_command, command_id, result_ttl=0)
        return
    queue.enqueue_many(
        [Queue.prepare_data(run_command, (command_id,), result_ttl=0) for command_id in command_ids]
    )


def dispatch(commands: list[tuple[int, float]]) -> None:
    """The fast path: hand the just-committed commands ``(id, delay)`` over.

    Inline (embedded stack) they run at once, delays not waited for. Otherwise they go to
    the queue; a command that cannot be enqueued (Redis away) is left ``pending`` for the
    sweep, marked so that the next sweep takes it without waiting.
    """
    if _inline():
        for command_id, _delay in commands:
            try:
                run_command(command_id, due_only=False)
            except Exception:  # the change is committed; the sweep tries it again
                log.exception("inline outbox command %s could not run", command_id)
        return
    due = [command_id for command_id, delay in commands if delay <= 0]
    batches = [(due[n : n + ENQUEUE_BATCH], 0.0) for n in range(0, len(due), ENQUEUE_BATCH)]
    batches += [([command_id], delay) for command_id, delay in commands if delay > 0]
    missed = []
    for ids, delay in batches:
        try:
            _enqueue(ids, delay)
        except Exception:
            log.exception("could not enqueue outbox commands %s: the sweep will", ids[:10])
            missed.extend(ids)
    if missed:
        try:
            with db.engine.begin() as conn:
                conn.execute(
                    sa.update(OutboxCommand)
                    .where(OutboxCommand.id.in_(missed))
                    .values(dispatched_at=None)
                )
        except Exception:  # the sweep still takes them, OUTBOX_REDISPATCH_AFTER later
            log.exception("could not mark %s outbox commands as not handed over", len(missed))


def _due_clause(now: datetime):
    config = current_app.config
    return sa.or_(
        sa.and_(
            OutboxCommand.state == CommandState.pending,
            OutboxCommand.next_try_at <= now,
            sa.or_(
                OutboxCommand.dispatched_at.is_(None),
                OutboxCommand.dispatched_at <= now - config["OUTBOX_REDISPATCH_AFTER"],
            ),
        ),
        sa.and_(
            OutboxCommand.state == CommandState.running,
            OutboxCommand.claimed_at <= now - config["OUTBOX_STALE_AFTER"],
        ),
    )


def _release_stale(now: datetime) -> int:
    """Commands whose worker died while running them become pending again (one try spent)."""
    stale = current_app.config["OUTBOX_STALE_AFTER"]
    result = db.session.execute(
        sa.update(OutboxCommand)
        .where(
            OutboxCommand.state == CommandState.running,
            OutboxCommand.claimed_at <= now - stale,
        )
        .values(
            state=CommandState.pending,
            next_try_at=now,
            dispatched_at=None,
            last_error="执行中断（进程退出），重新执行",
        )
    )
    return result.rowcount


def sweep(limit: int = 1000) -> int:
    """Hand over every due command the fast path missed; returns how many.

    Run by the clock (:func:`sweep_job`). Inline it runs them here instead.
    """
    now = utcnow()
    _release_stale(now)
    ids = db.session.scalars(
        sa.select(OutboxCommand.id)
        .where(_due_clause(now), OutboxCommand.state == CommandState.pending)
        .order_by(OutboxCommand.next_try_at)
        .limit(limit)
    ).all()
    if ids:
        db.session.execute(
            sa.update(OutboxCommand).where(OutboxCommand.id.in_(ids)).values(dispatched_at=now)
        )
    db.session.commit()
    if not ids:
        return 0
    log.warning("outbox sweep hands over %s commands", len(ids))
    dispatch([(command_id, 0) for command_id in ids])
    return len(ids)


def sweep_job() -> int:
    """The clock's sweep (every minute): :func:`sweep` in the worker's app."""
    from backend.jobs import _app

    with _app().app_context():
        return sweep()


# --- running --------------------------------------------------------------------------------------


def _relaxed_commit() -> None:
    """Commit the outbox's own bookkeeping without waiting for the disk on PostgreSQL.

    A claim or a ``done`` lost in a crash costs nothing but a second run, which every
    command tolerates (at least once): a lost claim leaves the command ``pending``, a lost
    ``done`` leaves it ``running`` until the sweep runs it again. The commands' own work
    is committed as usual, durably.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit = off"))
    db.session.commit()


def _claim(command_id: int, now: datetime, due_only: bool) -> tuple[str, list, int] | None:
    """Take command ``command_id`` to run it: one conditional UPDATE, committed. Returns
    its function's path, its arguments and its tries so far (this one included).

    ``None`` when someone else has it, it is no longer pending, or (``due_only``) its time
    has not come.
    """
    conditions = [OutboxCommand.id == command_id, OutboxCommand.state == CommandState.pending]
    if due_only:
        # a delayed enqueue may fire a moment early
        conditions.append(OutboxCommand.next_try_at <= now + timedelta(seconds=2))
    row = db.session.execute(
        sa.update(OutboxCommand)
        .where(*conditions)
        .values(
            state=CommandState.running,
            claimed_at=now,
            attempts=OutboxCommand.attempts + 1,
        )
        .returning(OutboxCommand.command, OutboxCommand.args, OutboxCommand.attempts)
        .execution_options(synchronize_session=False)
    ).first()
    _relaxed_commit()
    return None if row is None else (row[0], list(row[1]), row[2])


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try (doubling, capped)."""
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX"]))


def _finish(
    command_id: int, attempts: int, error: str | None, *, relaxed: bool = True
) -> tuple[CommandState, float]:
    """Record a try's outcome (one UPDATE); returns the new state and the delay before a
    retry. ``relaxed``: committed at once without waiting for the disk; otherwise the
    caller commits it with the command's own work."""
    now = utcnow()
    delay = 0.0
    if error is None:
        values = {"state": CommandState.done, "finished_at": now, "last_error": ""}
    elif attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        values = {"state": CommandState.failed, "finished_at": now, "last_error": error}
        log.error("outbox command %s failed for good: %s", command_id, error)
    else:
        wait = backoff(attempts)
        delay = wait.total_seconds()
        values = {
            "state": CommandState.pending,
            "next_try_at": now + wait,
            "dispatched_at": now,
            "last_error": error,
        }
        log.warning("outbox command %s failed (try %s): %s", command_id, attempts, error)
    db.session.execute(
        sa.update(OutboxCommand)
        .where(OutboxCommand.id == command_id, OutboxCommand.state == CommandState.running)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if relaxed:
        _relaxed_commit()
    return values["state"], delay


#: ``Connection.info`` key: the connection's transaction has written (or may have)
_WROTE = "linli_outbox_wrote"
_READS = ("SELECT", "SET", "SHOW")


def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    if not statement.lstrip()[:6].upper().startswith(_READS):
        conn.info[_WROTE] = True


def _forget_writes(conn) -> None:
    conn.info.pop(_WROTE, None)


def _watch_writes(engine) -> None:
    """Have ``engine``'s connections remember whether their transaction wrote (once)."""
    if engine.__dict__.get("_linli_watch_writes"):
        return
    sa.event.listen(engine, "before_cursor_execute", _note_write)
    sa.event.listen(engine, "commit", _forget_writes)
    sa.event.listen(engine, "rollback", _forget_writes)
    engine.__dict__["_linli_watch_writes"] = True


def _wrote() -> bool:
    """Whether the session's open transaction wrote or has ORM changes to flush."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    return bool(session.connection().info.get(_WROTE))


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def execute(command_id: int, *, due_only: bool = True, hand_over: bool = True):
    """Claim and run one command in the current app context; ``None`` if not claimed,
    else its new state. A retry is handed to the queue (``hand_over``, not inline); inline,
    the sweep or ``outbox drain`` runs it once due.

    A job function (:func:`backend.jobs.job`) runs here, in this session: its last
    transaction records the command ``done`` as it commits, so the work and its record are
    saved together (one transaction fewer per command, and no second run after a crash
    between them). Anything else runs as it is.
    """
    from backend.core.db import commit, rollback

    _watch_writes(db.engine)
    claimed = _claim(command_id, utcnow(), due_only)
    if claimed is None:
        return None
    path, args, attempts = claimed
    error = None
    state = None
    try:
        func = import_string(path)
        body = getattr(func, "job_body", None)
        if body is None:
            func(*args)
        else:
            body(*args)
            if _wrote():
                # the work must reach the disk: its record goes with it
                state, delay = _finish(command_id, attempts, None, relaxed=False)
                commit()
            else:  # nothing to save durably (a no-op, a read): the record is relaxed
                commit()
    except Exception as exc:
        rollback()
        log.exception("outbox command %s (%s) raised", command_id, path)
        error = _error(exc)
    if state is None:
        state, delay = _finish(command_id, attempts, error)
    if state == CommandState.pending and hand_over and not _inline():
        dispatch([(command_id, delay)])
    return state


def run_command(command_id: int, *, due_only: bool = True, hand_over: bool = True):
    """The queue's job: run outbox command ``command_id`` (safe to enqueue twice: the
    claim lets one run). Runs in an app context of its own, away from the caller's session."""
    from backend.jobs import _app

    with _app().app_context():
        try:
            return execute(command_id, due_only=due_only, hand_over=hand_over)
        finally:
            db.session.remove()


# --- operators --------------------------------------------------------------------------------


def counts() -> dict[str, Any]:
    """Commands by state, and how many pending ones are due now (``outbox status``)."""
    found = dict(
        db.session.execute(
            sa.select(OutboxCommand.state, sa.func.count()).group_by(OutboxCommand.state)
        ).all()
    )
    result: dict[str, Any] = {state.value: found.get(state, 0) for state in CommandState}
    now = utcnow()
    result["due"] = db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxCommand.state == CommandState.pending, OutboxCommand.next_try_at <= now
        )
    )
    oldest = db.session.scalar(
        sa.select(sa.func.min(OutboxCommand.created_at)).where(
            OutboxCommand.state == CommandState.pending
        )
    )
    result["oldest_pending_s"] = int((now - oldest).total_seconds()) if oldest else 0
    return result


def drain(limit: int | None = None) -> int:
    """Run every due command now, in this process (after an outage); returns how many ran.

    Commands they defer run too when due; a failed try waits for its backoff, so it is
    not run again here.
    """
    ran = 0
    tried: set[int] = set()
    while limit is None or ran < limit:
        now = utcnow()
        _release_stale(now)
        db.session.commit()
        ids = [
            command_id
            for command_id in db.session.scalars(
                sa.select(OutboxCommand.id)
                .where(
                    OutboxCommand.state == CommandState.pending,
                    OutboxCommand.next_try_at <= now,
                )
                .order_by(OutboxCommand.id)
                .limit(500)
            )
            if command_id not in tried
        ]
        db.session.rollback()  # end the read before the commands write (SQLite's snapshot)
        if not ids:
            break
        for command_id in ids:
            tried.add(command_id)
            if run_command(command_id, hand_over=False) is not None:
                ran += 1
    return ran


def retry(command_id: int) -> bool:
    """An operator's retry of a failed or stuck command: pending again, due now, tries
    counted afresh. Returns whether it was in a state to retry (the caller commits)."""
    now = utcnow()
    stuck_before = now - current_app.config["OUTBOX_REDISPATCH_AFTER"]
    result = db.session.execute(
        sa.update(OutboxCommand)
        .where(
            OutboxCommand.id == command_id,
            sa.or_(
                OutboxCommand.state == CommandState.failed,
                sa.and_(
                    OutboxCommand.state == CommandState.pending,
                    OutboxCommand.created_at <= stuck_before,
                ),
                sa.and_(
                    OutboxCommand.state == CommandState.running,
                    OutboxCommand.claimed_at <= now - current_app.config["OUTBOX_STALE_AFTER"],
                ),
            ),
        )
        .values(
            state=CommandState.pending,
            attempts=0,
            next_try_at=now,
            dispatched_at=None,
            finished_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    from backend.core.db import hand_over_after_commit

    hand_over_after_commit(command_id)
    return True
