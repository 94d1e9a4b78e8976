"""The transactional outbox: a side effect is saved with its change, handed over after the
commit, picked up by the sweep when the hand-over failed, run by one worker at a time,
retried with backoff up to a cap, and never twice for one key."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.core import outbox
from backend.core.db import commit, defer, rollback
from backend.core.outbox import CommandState, OutboxCommand
from backend.core.time import utcnow
from tests.conftest import STACK
from tests.core import outbox_jobs
from tests.core.outbox_jobs import always_fail, count, count_slowly, runs


def _commands() -> list[OutboxCommand]:
    outbox_jobs  # noqa: B018 (the jobs' module is imported for its paths)
    from backend.extensions import db

    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxCommand).order_by(OutboxCommand.id)))


def _make_due(**values) -> None:
    from backend.extensions import db

    db.session.execute(sa.update(OutboxCommand).values(next_try_at=utcnow(), **values))
    db.session.commit()


def test_a_command_is_written_in_the_callers_transaction_and_rolled_back_with_it(db):
    defer(count, "undone")
    assert db.session.scalar(sa.select(sa.func.count(OutboxCommand.id))) == 1  # same txn
    rollback()

    assert _commands() == []
    assert runs("undone") == 0


def test_after_commit_the_fast_path_runs_the_command(db):
    defer(count, "fast")
    commit()

    [command] = _commands()
    assert command.command == "tests.core.outbox_jobs:count"
    assert command.args == ["fast"]
    assert (command.state, command.attempts) == (CommandState.done, 1)
    assert command.finished_at is not None
    assert runs("fast") == 1


def test_a_repeated_key_adds_nothing_and_runs_nothing_twice(db):
    assert defer(count, "once") is not None
    commit()
    assert defer(count, "once") is None  # the same function and arguments: the same key
    commit()
    assert defer(count, "twice", key="custom") is not None
    assert defer(count, "other args", key="custom") is None
    commit()

    assert len(_commands()) == 2
    assert runs("once") == 1
    assert runs("twice") == 1 and runs("other args") == 0


def test_a_nested_or_lambda_function_is_refused(db):
    with pytest.raises(ValueError, match="top-level"):
        defer(lambda: None)


def test_the_sweep_hands_over_a_command_whose_enqueue_failed(db, app, monkeypatch):
    """Redis is down at commit: the change and its command are saved; the sweep runs it."""

    def redis_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    with monkeypatch.context() as m:
        m.setitem(app.config, "JOBS_INLINE", False)
        m.setattr(outbox, "_enqueue", redis_down)
        defer(count, "missed")
        commit()  # does not raise: the hand-over is the sweep's now

    [command] = _commands()
    assert command.state == CommandState.pending
    assert command.dispatched_at is None  # known not handed over: the next sweep takes it
    assert runs("missed") == 0

    assert outbox.sweep() == 1  # inline here: the sweep runs it
    [command] = _commands()
    assert command.state == CommandState.done
    assert runs("missed") == 1
    assert outbox.sweep() == 0


def test_the_sweep_waits_for_a_handed_over_command_then_takes_it(db, app, monkeypatch):
    """A process killed between commit and enqueue: the sweep takes the command once it
    has waited ``OUTBOX_REDISPATCH_AFTER``."""
    with monkeypatch.context() as m:
        m.setattr(outbox, "dispatch", lambda commands: None)
        defer(count, "killed")
        commit()

    assert outbox.sweep() == 0
    _make_due(dispatched_at=utcnow() - app.config["OUTBOX_REDISPATCH_AFTER"])
    assert outbox.sweep() == 1
    assert runs("killed") == 1


def test_a_command_whose_worker_died_while_running_is_run_again(db, app, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(outbox, "dispatch", lambda commands: None)
        defer(count, "orphan")
        commit()
    claimed = utcnow() - app.config["OUTBOX_STALE_AFTER"] - timedelta(seconds=1)
    _make_due(state=CommandState.running, attempts=1, claimed_at=claimed)

    assert outbox.sweep() == 1
    [command] = _commands()
    assert (command.state, command.attempts) == (CommandState.done, 2)
    assert runs("orphan") == 1


def test_failures_back_off_doubling_then_fail_at_the_cap(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    monkeypatch.setitem(app.config, "OUTBOX_BACKOFF", 10)
    defer(always_fail, "flaky")
    before = utcnow()
    commit()

    [command] = _commands()
    assert (command.state, command.attempts) == (CommandState.pending, 1)
    assert "RuntimeError: WeChat says no" in command.last_error
    waited = (command.next_try_at - before).total_seconds()
    assert 10 <= waited < 12
    assert outbox.drain() == 0  # not due yet: the backoff is respected

    _make_due()
    assert outbox.drain() == 1
    [command] = _commands()
    assert (command.state, command.attempts) == (CommandState.pending, 2)
    assert 19 <= (command.next_try_at - utcnow()).total_seconds() <= 20  # doubled

    _make_due()
    assert outbox.drain() == 1
    [command] = _commands()
    assert (command.state, command.attempts) == (CommandState.failed, 3)
    assert command.finished_at is not None
    _make_due()
    assert outbox.drain() == 0  # failed stays failed until an operator retries
    assert runs("flaky") == 3


def test_the_backoff_is_capped(app):
    with app.app_context():
        app.config["OUTBOX_BACKOFF_MAX"], cap = 60, app.config["OUTBOX_BACKOFF_MAX"]
        try:
            assert outbox.backoff(1) == timedelta(seconds=10)
            assert outbox.backoff(3) == timedelta(seconds=40)
            assert outbox.backoff(4) == timedelta(seconds=60)
            assert outbox.backoff(30) == timedelta(seconds=60)
        finally:
            app.config["OUTBOX_BACKOFF_MAX"] = cap


def test_a_claimed_command_is_not_run_by_a_second_runner(db):
    with pytest.MonkeyPatch.context() as m:
        m.setattr(outbox, "dispatch", lambda commands: None)
        defer(count, "claimed")
        commit()
    [command] = _commands()
    assert outbox.run_command(command.id) == CommandState.done
    assert outbox.run_command(command.id) is None  # done: nothing to claim
    assert runs("claimed") == 1


@pytest.mark.realstack
@pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL")
def test_two_workers_claiming_one_command_at_once_run_it_once(db, app, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(outbox, "dispatch", lambda commands: None)
        defer(count_slowly, "race")
        commit()
    [command] = _commands()
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        with app.app_context():
            start.wait()
            outcomes.append(outbox.run_command(command.id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(outcomes, key=str) == sorted([CommandState.done, None], key=str)
    assert runs("race") == 1


def test_an_operator_retry_of_a_failed_command_runs_it_after_commit(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    defer(always_fail, "retried")
    commit()
    [command] = _commands()
    assert command.state == CommandState.failed

    assert outbox.retry(command.id)
    commit()  # the retry runs after the commit (and fails again here)
    [command] = _commands()
    assert (command.state, command.attempts) == (CommandState.failed, 1)
    assert runs("retried") == 2
    assert not outbox.retry(2**31 - 1)


# --- the operators' commands ------------------------------------------------------------------


def test_outbox_status_counts_by_state_as_one_json_object(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    defer(count, "status done")
    defer(always_fail, "status failed")
    commit()
    with monkeypatch.context() as m:
        m.setattr(outbox, "dispatch", lambda commands: None)
        defer(count, "status pending")
        commit()

    result = app.test_cli_runner().invoke(args=["outbox", "status", "--json"])
    assert result.exit_code == 0
    [line] = result.output.strip().splitlines()
    found = json.loads(line)
    assert (found["pending"], found["failed"], found["done"], found["running"]) == (1, 1, 1, 0)
    assert found["due"] == 1

    text = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert text.exit_code == 0 and "待执行 1" in text.output and "失败 1" in text.output


def test_outbox_drain_runs_what_is_due_and_exits_0_when_nothing_is_left(db, app, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(outbox, "dispatch", lambda commands: None)
        for tag in ("a", "b", "c"):
            defer(count, f"drain {tag}")
        commit()

    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert "已执行 3 个任务" in result.output
    assert [runs(f"drain {tag}") for tag in "abc"] == [1, 1, 1]
    assert {c.state for c in _commands()} == {CommandState.done}

    again = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert again.exit_code == 0 and "已执行 0 个任务" in again.output


def test_outbox_drain_exits_1_while_a_command_waits_for_its_retry(db, app):
    defer(always_fail, "drain fails")
    commit()  # failed once, waits for its backoff

    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 1
    assert "剩余待执行 1" in result.output
