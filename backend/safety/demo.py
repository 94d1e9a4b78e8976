"""Demo safety (设施设备演示数据) for 嘉绿景苑: four lifts (one certificate expiring in 20
days), fire systems, and a month of tasks done by the technician with check-ins, except
two days of the fire-control room's daily check that were missed (overdue); a daily
common-area patrol walked for a month with two points missed, and one open safety hazard
(a blocked fire lane found on today's walk, on the street office's list)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from backend.core.time import SHANGHAI
from backend.extensions import db
from backend.safety.models import Equipment, EquipmentKind, SafetyTask, TaskState
from backend.safety.schedule import item
from backend.safety.services import generate_tasks

ESTATE = "嘉绿景苑"
TECHNICIAN = "jiahe.weixiu"
#: days of history
DAYS = 30
#: the daily checks missed, as days before today
MISSED_DAYS = (9, 4)


def seed(demo) -> None:
    estate = demo.estates.get(ESTATE)
    if demo.existing or estate is None:
        return
    start = demo.today - timedelta(days=DAYS)
    for n in range(1, 5):
        expires = demo.today + timedelta(days=20 if n == 2 else 200 + 30 * n)
        db.session.add(
            Equipment(
                estate_id=estate.id,
                kind=EquipmentKind.lift,
                name=f"{n}幢1号梯",
                location=f"{n}幢",
                registration_code=f"3110330100201909{n:04d}",
                maintenance_company="杭州奥菱电梯工程有限公司",
                maintenance_phone="0571-86650000",
                maintenance_contract="WB-2026-018",
                certificate_no=f"TS7133-2026-{n:03d}",
                certificate_expires_on=expires,
                schedule_start=start + timedelta(days=n),
            )
        )
    for kind, name, location in (
        (EquipmentKind.fire_pump, "消防喷淋泵", "地下泵房"),
        (EquipmentKind.alarm_panel, "火灾报警控制器", "消防控制室"),
        (EquipmentKind.hydrant, "1幢1层消火栓", "1幢1层"),
        (EquipmentKind.micro_station, "微型消防站", "南门岗亭"),
        (EquipmentKind.water_pump, "二次供水泵", "地下泵房"),
    ):
        db.session.add(
            Equipment(
                estate_id=estate.id, kind=kind, name=name, location=location, schedule_start=start
            )
        )
    db.session.flush()
    generate_tasks(start, demo.today, [estate.id])
    technician = demo.staff.get(TECHNICIAN)
    missed = {demo.today - timedelta(days=d) for d in MISSED_DAYS}
    tasks = db.session.scalars(
        sa.select(SafetyTask).where(
            SafetyTask.estate_id == estate.id, SafetyTask.due_on < demo.today
        )
    ).all()
    for task in tasks:
        if task.due_on in missed and task.equipment.kind == EquipmentKind.alarm_panel:
            continue
        entry = item(task.equipment.kind, task.item)
        task.state = TaskState.done
        task.done_at = datetime.combine(task.due_on, time(10, 30), SHANGHAI)
        task.done_by_id = technician.id if technician else None
        task.checked_in = True
        task.checklist = dict.fromkeys(entry.checklist if entry else (), "ok")

    _patrols(demo, estate, start, technician)


#: the daily patrol's points, in walking order
POINTS = ("1幢楼梯间", "消防车通道", "地下泵房", "电动车棚")
#: (days before today, point) missed
MISSED_POINTS = ((12, "电动车棚"), (5, "地下泵房"))


def _patrols(demo, estate, start, technician) -> None:
    from backend.safety.models import PatrolCheck, PatrolPoint, PatrolRound, PatrolRoute
    from backend.safety.patrols import generate_rounds
    from backend.tickets import services as tickets
    from backend.tickets.models import TicketKind, TicketSource

    route = PatrolRoute(estate_id=estate.id, name="公共区域日常巡查", every_days=1, starts_on=start)
    db.session.add(route)
    db.session.flush()
    points = []
    for position, name in enumerate(POINTS, 1):
        point = PatrolPoint(route_id=route.id, estate_id=estate.id, position=position, name=name)
        db.session.add(point)
        points.append(point)
    db.session.flush()
    generate_rounds(start, demo.today, [estate.id])
    missed = {(demo.today - timedelta(days=d), name) for d, name in MISSED_POINTS}
    rounds = db.session.scalars(
        sa.select(PatrolRound).where(
            PatrolRound.route_id == route.id, PatrolRound.due_on < demo.today
        )
    ).all()
    if technician is None:
        return
    for patrol in rounds:
        for point in points:
            if (patrol.due_on, point.name) in missed:
                continue
            at = datetime.combine(patrol.due_on, time(8, 10 + 5 * point.position), SHANGHAI)
            db.session.add(
                PatrolCheck(
                    round_id=patrol.id,
                    point_id=point.id,
                    estate_id=estate.id,
                    staff_id=technician.id,
                    at=at,
                )
            )
    db.session.flush()
    # today's walk: the fire lane is blocked (an open hazard, escalated at once)
    today = db.session.scalars(
        sa.select(PatrolRound).where(
            PatrolRound.route_id == route.id, PatrolRound.due_on == demo.today
        )
    ).first()
    now = datetime.combine(demo.today, time(8, 15), SHANGHAI)
    ticket, _ = tickets.file_ticket(
        TicketSource.safety,
        estate_id=estate.id,
        kind=TicketKind.safety_hazard,
        description="消防车通道被两辆私家车堵塞，已联系车主挪车",
        staff=technician,
        location="消防车通道（公共区域日常巡查）",
        category="fire_lane",
        now=now,
    )
    db.session.add(
        PatrolCheck(
            round_id=today.id,
            point_id=points[0].id,
            estate_id=estate.id,
            staff_id=technician.id,
            at=now,
        )
    )
    db.session.add(
        PatrolCheck(
            round_id=today.id,
            point_id=points[1].id,
            estate_id=estate.id,
            staff_id=technician.id,
            at=now,
            finding=ticket.description,
            ticket_id=ticket.id,
        )
    )
    db.session.flush()
