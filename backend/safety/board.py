"""The disclosure board's generated section ``equipment`` (设施设备): each lift with its
maintenance company and phone (a lift in use shows them, 特种设备安全法 Art. 39 and TSG
T5002-2017), its certificate's expiry, the last maintenance and the next due date. An
expired certificate is said in words (``【检验合格证已过期】``), not by colour only."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.feature import BoardItem
from backend.core.time import local_today
from backend.extensions import db
from backend.safety.models import Equipment, EquipmentKind, SafetyTask, TaskState
from backend.safety.schedule import item

SECTION = "equipment"
EXPIRED = "【检验合格证已过期】"
#: the routine item whose dates the board shows
ROUTINE = "half_month"


def items(estate_id: int) -> list[BoardItem]:
    """One post per lift of the estate (company names and phones of the maintainer are
    public by rule; nothing personal)."""
    today = local_today()
    lifts = db.session.scalars(
        sa.select(Equipment)
        .where(Equipment.estate_id == estate_id, Equipment.kind == EquipmentKind.lift)
        .order_by(Equipment.name)
    ).all()
    if not lifts:
        return []
    ids = [lift.id for lift in lifts]
    last = dict(
        db.session.execute(
            sa.select(SafetyTask.equipment_id, sa.func.max(SafetyTask.due_on))
            .where(
                SafetyTask.equipment_id.in_(ids),
                SafetyTask.item == ROUTINE,
                SafetyTask.state == TaskState.done,
            )
            .group_by(SafetyTask.equipment_id)
        ).all()
    )
    posts = []
    for lift in lifts:
        routine = item(lift.kind, ROUTINE)
        upcoming = routine.due_dates(lift.schedule_start, today, today.replace(year=today.year + 1))
        expired = lift.certificate_expires_on is not None and lift.certificate_expires_on < today
        dash = "—"
        certificate = f"检验合格证：{lift.certificate_no or dash}，"
        certificate += f"有效期至 {lift.certificate_expires_on or dash}"
        if expired:
            certificate += f" {EXPIRED}请勿使用，物业已申请检验"
        next_due = upcoming[0] if upcoming else dash
        lines = [
            f"位置：{lift.location or dash}；注册代码：{lift.registration_code or dash}",
            f"维保单位：{lift.maintenance_company or dash}；"
            f"维保电话：{lift.maintenance_phone or dash}",
            certificate,
            f"最近维护保养：{last.get(lift.id) or '暂无记录'}；下次应保养：{next_due}",
        ]
        posts.append(
            BoardItem(
                key=f"lift-{lift.id}",
                title=(EXPIRED if expired else "") + f"电梯 {lift.name}",
                body="\n".join(lines),
                must_read=expired,
            )
        )
    return posts
