"""Models of safety: the equipment register of an estate and the tasks its schedules make."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class EquipmentKind(LabeledEnum):
    """What a register entry is (特种设备: lifts; 消防设施: the fire systems)."""

    lift = "lift", "电梯"
    fire_pump = "fire_pump", "消防水泵"
    hydrant = "hydrant", "消火栓"
    alarm_panel = "alarm_panel", "火灾报警控制器"
    sprinkler = "sprinkler", "自动喷水灭火系统"
    extinguisher = "extinguisher", "灭火器配置点"
    micro_station = "micro_station", "微型消防站"
    water_pump = "water_pump", "二次供水泵"


class TaskState(LabeledEnum):
    due = "due", "待完成"
    done = "done", "已完成"


class Equipment(db.Model):
    """One piece of equipment of an estate's register (lift, fire system, water pump)."""

    __tablename__ = "safety_equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    kind: Mapped[EquipmentKind] = mapped_column(
        sa.Enum(EquipmentKind, native_enum=False, length=20)
    )
    #: how people name it on site: "3幢1号梯", "地下泵房1号喷淋泵"
    name: Mapped[str] = mapped_column(sa.String(60))
    location: Mapped[str] = mapped_column(sa.String(100), default="")
    #: lifts: 使用登记证编号 / 注册代码
    registration_code: Mapped[str] = mapped_column(sa.String(40), default="")
    maintenance_company: Mapped[str] = mapped_column(sa.String(100), default="")
    maintenance_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    maintenance_contract: Mapped[str] = mapped_column(sa.String(60), default="")
    #: lifts: the periodic inspection certificate (定期检验合格证) and its expiry
    certificate_no: Mapped[str] = mapped_column(sa.String(40), default="")
    certificate_expires_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: the first due date of its schedules (the cycle is counted from it)
    schedule_start: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    estate = relationship("Estate")

    __table_args__ = (sa.UniqueConstraint("estate_id", "name"),)

    def __str__(self) -> str:
        return f"{self.kind.label} {self.name}"


class SafetyTask(db.Model):
    """One due occurrence of a schedule item for one piece of equipment.

    The unique constraint makes generation idempotent: running it twice, or two clocks at
    once, makes each (equipment, item, due date) once.
    """

    __tablename__ = "safety_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    equipment_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_equipment.id"), index=True)
    #: the schedule item's code (schedules.toml), e.g. "half_month"
    item: Mapped[str] = mapped_column(sa.String(40))
    due_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[TaskState] = mapped_column(
        sa.Enum(TaskState, native_enum=False, length=10), default=TaskState.due
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    #: the worker scanned the code posted at the equipment (presence proven)
    checked_in: Mapped[bool] = mapped_column(default=False)
    #: checklist line → "ok" / "fault"
    checklist: Mapped[dict | None] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    equipment: Mapped[Equipment] = relationship()
    done_by = relationship("Staff")

    __table_args__ = (
        sa.UniqueConstraint("equipment_id", "item", "due_on"),
        sa.Index("ix_safety_tasks_open_due", "state", "due_on"),
    )

    def __str__(self) -> str:
        return f"{self.equipment} {self.due_on}"
