"""Demo safety (设施设备演示数据) for 嘉绿景苑: four lifts (one certificate expiring in 20
days), fire systems, and a month of tasks done by the technician with check-ins, except
two days of the fire-control room's daily check that were missed (overdue)."""

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
