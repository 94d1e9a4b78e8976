"""Patrol routes: rounds made ahead without skipping or doubling, check-in by each point's
own signed code, missed points listed, a finding opening a ticket with its photo; a safety
hazard (from a patrol, a failed check or a resident's report by equipment) has the
shortest SLA and is on the street office's list at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.time import local_today
from backend.extensions import db
from backend.media import services as media
from backend.safety import checkin, figures, patrols, services
from backend.safety.models import PatrolRound, SafetyTask
from backend.safety.schedule import item
from backend.tickets import services as tickets
from backend.tickets import sla
from backend.tickets.models import Ticket, TicketKind, TicketSource, TicketState, Urgency
from tests.factories import ResidencyFactory
from tests.media.conftest import jpeg

POINTS = ["1幢楼梯间", "消防车通道", "地下泵房"]


def _route(world, starts_on=None, **kw):
    return patrols.add_route(
        world.admin, world.estate.id, "公共区域日常巡查", POINTS,
        starts_on or local_today() - timedelta(days=3), **kw,
    )  # fmt: skip


def _round(route, day):
    patrols.generate_rounds(day, day, [route.estate_id])
    return db.session.scalars(
        sa.select(PatrolRound).where(PatrolRound.route_id == route.id, PatrolRound.due_on == day)
    ).one()


def _code(point):
    return checkin.code_for(point.id, point.estate_id, checkin.POINT_PREFIX)


def test_rounds_neither_skip_nor_double_across_month_ends(world):
    daily = _route(world, starts_on=date(2027, 1, 30))
    monthly = patrols.add_route(
        world.admin, world.estate.id, "消防月度检查", ["泵房"], date(2027, 1, 31), None, 1
    )
    # generated in overlapping windows: each day once
    patrols.generate_rounds(date(2027, 1, 25), date(2027, 2, 3))
    patrols.generate_rounds(date(2027, 2, 1), date(2027, 4, 1))
    days = db.session.scalars(
        sa.select(PatrolRound.due_on).where(PatrolRound.route_id == daily.id)
    ).all()
    assert sorted(days) == [date(2027, 1, 30) + timedelta(days=n) for n in range(62)]
    months = db.session.scalars(
        sa.select(PatrolRound.due_on).where(PatrolRound.route_id == monthly.id)
    ).all()
    assert sorted(months) == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert daily.frequency_label == "每日" and monthly.frequency_label == "每月"


def test_a_route_needs_points_and_a_frequency(world):
    with pytest.raises(Invalid):
        patrols.add_route(world.admin, world.estate.id, "空路线", ["  "], local_today())
    with pytest.raises(Invalid):
        patrols.add_route(world.admin, world.estate.id, "无频次", POINTS, local_today(), None)
    with pytest.raises(NotFound):
        patrols.add_route(world.other_admin, world.estate.id, "越界", POINTS, local_today())


def test_only_the_points_own_code_checks_it_in_once(world):
    route = _route(world)
    patrol = _round(route, local_today())
    first, second = route.points[0], route.points[1]
    other = patrols.add_route(
        world.other_admin, world.other_estate.id, "巡查", ["大门"], local_today()
    ).points[0]
    refused = {
        "forged": first and f"LLP1.{first.id}.{first.estate_id}.AAAAAAAAAAAAAAAAAAAAAA",
        "another point": _code(second),
        "another estate": _code(other),
        "an equipment's": checkin.code_for(first.id, first.estate_id),
    }
    for what, code in refused.items():
        with pytest.raises(Invalid):
            patrols.check_point(world.tech, patrol.id, first.id, code)
        assert not patrol.checks, what

    check = patrols.check_point(world.tech, patrol.id, first.id, _code(first))

    assert check.staff_id == world.tech.id and check.ticket_id is None
    with pytest.raises(Conflict):
        patrols.check_point(world.tech, patrol.id, first.id, _code(first))


def test_missed_points_are_listed_once_the_day_has_passed(world):
    route = _route(world)
    yesterday = _round(route, local_today() - timedelta(days=1))
    today = _round(route, local_today())
    patrols.check_point(world.tech, yesterday.id, route.points[0].id, _code(route.points[0]))

    missed = db.session.execute(patrols.missed_query(world.admin)).all()

    assert [(r.id, p.name) for r, p in missed] == [
        (yesterday.id, "消防车通道"),
        (yesterday.id, "地下泵房"),
    ]
    assert today.id not in {r.id for r, _ in missed}
    assert not db.session.execute(patrols.missed_query(world.other_admin)).all()


def test_a_blocked_fire_lane_opens_a_hazard_that_goes_to_the_street_at_once(world):
    route = _route(world)
    patrol = _round(route, local_today())
    lane = route.points[1]
    photo = media.upload_photo(jpeg(), staff_id=world.tech.id)

    check = patrols.check_point(
        world.tech, patrol.id, lane.id, _code(lane),
        patrols.Finding("消防车通道被私家车堵塞", hazard=True, category="fire_lane",
                        photo_ids=(photo.id,)),
    )  # fmt: skip

    ticket = db.session.get(Ticket, check.ticket_id)
    assert (ticket.kind, ticket.source, ticket.filed_by_id) == (
        TicketKind.safety_hazard, TicketSource.safety, world.tech.id,
    )  # fmt: skip
    assert ticket.resident_id is None and ticket.urgency == Urgency.urgent
    assert ticket.state == TicketState.escalated and ticket.escalated_at is not None
    assert ticket.category == "fire_lane" and "消防车通道" in ticket.location
    assert [p.id for p in ticket.events[0].photos] == [photo.id]
    policy = sla.policy_for(ticket)
    assert policy.respond == timedelta(minutes=15) and policy.resolve == timedelta(hours=4)
    shortest = min(sla.DEFAULT_SLA.values(), key=lambda limits: limits)
    assert policy.respond == timedelta(minutes=shortest[0])
    # the street officer sees it in the queue and on the to-do
    queue = db.session.scalars(tickets.staff_queue(world.officer, tickets.QueueFilter())).all()
    assert ticket in queue
    labels = {t.label: t.count for t in tickets.todo(world.officer)}
    assert labels["待督办的安全隐患"] == 1


def test_a_finding_without_danger_opens_a_repair(world):
    route = _route(world)
    patrol = _round(route, local_today())
    stairs = route.points[0]
    check = patrols.check_point(
        world.tech, patrol.id, stairs.id, _code(stairs), patrols.Finding("楼道灯不亮")
    )
    ticket = db.session.get(Ticket, check.ticket_id)
    assert ticket.kind == TicketKind.shared_repair and ticket.escalated_at is None


def test_a_failed_check_reported_as_hazard_opens_one_with_the_task_photos(world):
    services.generate_tasks(date(2027, 1, 25), date(2027, 1, 25), [world.estate.id])
    task = db.session.scalars(
        sa.select(SafetyTask).where(SafetyTask.equipment_id == world.lift.id)
    ).first()
    lines = item(task.equipment.kind, task.item).checklist
    answers = dict.fromkeys(lines, "ok") | {lines[-1]: "fault"}
    photo = media.upload_photo(jpeg(), staff_id=world.tech.id)

    services.complete_task(
        world.tech, task.id, answers, note="门锁失效", photo_ids=[photo.id], report="hazard"
    )

    assert [p.id for p in task.photos] == [photo.id]
    ticket = db.session.get(Ticket, task.ticket_id)
    assert ticket.kind == TicketKind.safety_hazard and ticket.category == "lift_fault"
    assert lines[-1] in ticket.description and ticket.state == TicketState.escalated


def test_a_resident_reports_a_lift_by_its_code_or_from_the_list(world):
    resident = ResidencyFactory(unit__building__estate=world.estate).resident
    listed = services.resident_equipment(resident)
    assert [e.id for e in listed] == [world.lift.id]
    scanned = services.resident_equipment(
        resident, code=checkin.code_for(world.lift.id, world.estate.id)
    )
    assert [e.id for e in scanned] == [world.lift.id]
    with pytest.raises(NotFound):
        services.resident_equipment(
            resident, code=checkin.code_for(world.other_lift.id, world.other_estate.id)
        )
    with pytest.raises(NotFound):
        services.resident_equipment(resident, code="LLS1.1.1.forged")
    with pytest.raises(NotFound):
        services.report_equipment(
            resident, equipment_id=world.other_lift.id, code="", description="困人", photo_ids=[]
        )

    ticket = services.report_equipment(
        resident, equipment_id=world.lift.id, code="", description="电梯困人", photo_ids=[]
    )

    assert ticket.kind == TicketKind.safety_hazard and ticket.source == TicketSource.resident
    assert ticket.state == TicketState.escalated and "1幢1号梯" in ticket.location


def test_figures_count_on_time_work_hazards_and_certificates(world):
    today = local_today()
    route = _route(world, starts_on=today - timedelta(days=2))
    two_days_ago = _round(route, today - timedelta(days=2))
    _round(route, today - timedelta(days=1))  # nobody walked it
    for point in route.points:
        patrols.check_point(world.tech, two_days_ago.id, point.id, _code(point))
    patrols.check_point(
        world.tech, _round(route, today).id, route.points[1].id, _code(route.points[1]),
        patrols.Finding("电动车在楼道充电", hazard=True, category="ebike_indoor"),
    )  # fmt: skip

    result = figures.estate_figures(
        [world.estate.id, world.other_estate.id], today.replace(day=1), today
    )

    row = next(r for r in result.estates if r.estate_id == world.estate.id)
    counted = [
        d for d in (today - timedelta(days=2), today - timedelta(days=1)) if d.day < today.day
    ]
    assert row.points_due == 3 * len(counted)
    assert row.points_on_time == (3 if today.day > 2 else 0)
    assert (row.hazards, row.hazards_fixed) == (1, 0)
    assert [c.company for c in result.by_company()] == sorted({r.company for r in result.estates})


def test_the_evaluation_gains_a_safety_component_at_the_citys_weight(world, app):
    from decimal import Decimal

    from backend.supervision import evaluation

    services.generate_tasks(date(2027, 1, 10), date(2027, 1, 31), [world.estate.id])
    tasks = db.session.scalars(
        sa.select(SafetyTask).where(SafetyTask.estate_id == world.estate.id)
    ).all()
    task = next(t for t in tasks if t.due_on == date(2027, 1, 10))
    services.complete_task(
        world.tech, task.id, dict.fromkeys(item(task.equipment.kind, task.item).checklist, "ok")
    )
    # done ahead of its due day: on time
    assert figures.company_month(world.estate.company_id, date(2027, 1, 1)) == (1, len(tasks))
    task.done_at = task.done_at.replace(year=2027, month=1, day=12)  # two days late
    db.session.flush()
    assert figures.company_month(world.estate.company_id, date(2027, 1, 1)) == (0, len(tasks))

    score, parts = evaluation.score(evaluation.MonthFigures(safety_on_time=1, safety_due=2))
    assert score == Decimal("50.0") and parts["safety"] == {
        "label": "设施设备安全", "points": "5.0", "of": 10,
    }  # fmt: skip
    app.config["SUPERVISION_SAFETY_POINTS"] = 0
    try:
        assert evaluation.score(evaluation.MonthFigures(safety_on_time=1, safety_due=2))[0] is None
    finally:
        app.config["SUPERVISION_SAFETY_POINTS"] = 10
