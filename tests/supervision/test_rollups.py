"""Rollups follow every ticket event in the same transaction and equal a recomputation
from the raw events, whatever happened to the tickets."""

from __future__ import annotations

from datetime import timedelta

from backend.supervision import rollups
from backend.supervision.models import BUCKETS, TicketFact
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency
from backend.tickets.services import Actor
from tests.supervision.conftest import T0

H = timedelta(hours=1)
M = timedelta(minutes=1)


def _mix(world, other, clock):
    """Tickets through accept, assign, resolve, close, reject, reopen, escalation by the
    sweep, a resident's supervision request, ratings, notes, 督办 orders answered and
    missed — over two months."""
    desk, tech = Actor(staff=world.desk), Actor(staff=world.tech)
    resident = Actor(resident=world.resident)

    plain = world.ticket(now=T0)
    services.apply(desk, plain, "accept", now=T0 + 10 * M)
    services.apply(desk, plain, "assign", assignee_id=world.tech.id, now=T0 + H)
    services.apply(tech, plain, "resolve", now=T0 + 5 * H)
    clock.now = T0 + 6 * H
    services.rate(world.resident, plain, 4, "还行")

    reopened = world.ticket(now=T0 + 2 * H)
    services.apply(desk, reopened, "accept", now=T0 + 3 * H)
    services.apply(tech, reopened, "take", now=T0 + 4 * H)
    services.apply(tech, reopened, "resolve", now=T0 + 8 * H)
    services.apply(resident, reopened, "reopen", note="还是漏", now=T0 + 20 * H)
    services.apply(desk, reopened, "accept", now=T0 + 21 * H)
    services.apply(desk, reopened, "assign", assignee_id=world.tech.id, now=T0 + 22 * H)
    services.apply(tech, reopened, "resolve", now=T0 + 30 * H)
    services.apply(resident, reopened, "close", now=T0 + 31 * H)

    late = world.ticket(urgency=Urgency.urgent, now=T0 + 24 * H)
    services.flag_overdue(T0 + 24 * H + 40 * M, notify=False)  # response overdue
    services.apply(desk, late, "accept", now=T0 + 26 * H)
    services.flag_overdue(T0 + 72 * H, notify=False)  # resolution overdue: escalated
    services.apply(desk, late, "assign", assignee_id=world.tech.id, now=T0 + 73 * H)

    complaint = world.ticket(kind=TicketKind.complaint, now=T0 + 40 * 24 * H)
    services.apply(resident, complaint, "supervise", note="请街道督办", now=T0 + 41 * 24 * H)
    services.add_note(world.desk, complaint, "已联系业主")
    from backend.supervision import orders

    day = T0 + 41 * 24 * H
    answered = orders.issue_order(world.street, complaint.id, "限期答复", day + 24 * H, now=day)
    orders.answer_order(world.desk, answered.id, "已答复业主", now=day + H)
    orders.issue_order(world.street, late.id, "尽快修复", day + 2 * H, now=day)
    orders.mark_missed(day + 3 * H)

    rejected = world.ticket(kind=TicketKind.report, now=T0 + 3 * 24 * H)
    services.apply(desk, rejected, "reject", note="重复", now=T0 + 3 * 24 * H + H)

    theirs = other.ticket(at=T0 + 5 * H)
    services.apply(Actor(staff=other.desk), theirs, "accept", now=T0 + 7 * H)
    return plain, reopened, late, complaint, rejected, theirs


def test_rollups_equal_a_recomputation_after_a_mix_of_changes(world, other, clock):
    _mix(world, other, clock)

    stored = rollups.stored()
    assert stored == rollups.recompute()
    assert len({key[0] for key in stored}) == 3  # day, week and month rows
    rollups.rebuild()
    assert rollups.stored() == stored


def test_a_reopening_moves_the_resolution_time_of_the_tickets_day(world, other, clock):
    _, reopened, *_ = _mix(world, other, clock)
    month = ("month", T0.date().replace(day=1), world.estate.id, world.estate.company_id)
    row = rollups.stored()[(*month, "home_repair")]
    # plain: 5 h; reopened: resolved again 30 h after submission
    assert row["resolved"] == 2
    assert row["resolution_minutes_sum"] == 5 * 60 + 28 * 60
    assert row["reopened"] == 1
    assert row["submitted"] == 3
    assert row["overdue"] == 1 and row["escalated"] == 1
    assert row["rated"] == 1 and row["satisfaction_sum"] == 4
    fact = services.db.session.get(TicketFact, reopened.id)
    assert fact.resolution_minutes == 28 * 60


def test_rebuild_restores_lost_rollups(world, other, clock):
    _mix(world, other, clock)
    expected = rollups.stored()
    services.db.session.execute(rollups.rollup_table.delete())
    services.db.session.execute(TicketFact.__table__.delete())

    rollups.rebuild()

    assert rollups.stored() == expected


def test_an_officers_order_is_not_the_companys_response(world, clock):
    from backend.supervision import orders

    ticket = world.ticket(kind=TicketKind.complaint, now=T0)
    orders.issue_order(world.street, ticket.id, "请尽快处理", T0 + 48 * H, now=T0 + H)
    fact = services.db.session.get(TicketFact, ticket.id)
    assert not fact.responded and fact.supervised


def test_buckets_are_increasing_from_zero():
    assert BUCKETS[0] == 0
    assert list(BUCKETS) == sorted(set(BUCKETS))
    assert rollups.bucket_of(0) == 0
    assert rollups.bucket_of(4) == 0 and rollups.bucket_of(5) == 1
    assert rollups.bucket_of(10**6) == len(BUCKETS) - 1


def test_rebuild_rollups_command(app, world, clock):
    world.ticket(now=T0)
    services.db.session.execute(rollups.rollup_table.delete())
    from backend.core.db import commit

    commit()
    result = app.test_cli_runner().invoke(args=["rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "已重建统计汇总：3 行" in result.output
    assert rollups.stored() == rollups.recompute()


def test_a_savepoint_rolled_back_keeps_the_changes_before_it(world, clock):
    from backend.core.db import commit, rollback

    ticket = world.ticket(now=T0)
    services.apply(Actor(staff=world.desk), ticket, "accept", now=T0 + 5 * M)
    try:
        with services.db.session.begin_nested():
            raise ValueError("a lost race")
    except ValueError:
        pass
    commit()
    assert rollups.stored() == rollups.recompute()
    assert rollups.stored()[next(iter(rollups.stored()))]["responded"] == 1

    # a whole transaction rolled back forgets its pending changes
    services.apply(Actor(staff=world.desk), ticket, "reject", note="重复", now=T0 + 9 * M)
    rollback()
    assert rollups.stored() == rollups.recompute()
