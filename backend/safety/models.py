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
    #: the ticket a fault found in the check opened (a repair or a safety hazard)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))

    equipment: Mapped[Equipment] = relationship()
    done_by = relationship("Staff")
    photos = relationship(
        "Photo", secondary="safety_task_photos", order_by="SafetyTaskPhoto.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("equipment_id", "item", "due_on"),
        sa.Index("ix_safety_tasks_open_due", "state", "due_on"),
    )

    def __str__(self) -> str:
        return f"{self.equipment} {self.due_on}"


class SafetyTaskPhoto(db.Model):
    """A photo of a task done (the worker's, through ``backend.media``)."""

    __tablename__ = "safety_task_photos"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_tasks.id"), primary_key=True)
    photo_id: Mapped[int] = mapped_column(sa.ForeignKey("photos.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("photo_id"),)


class PatrolRoute(db.Model):
    """An ordered walk of an estate's patrol points (stairwells, fire lanes, pump room,
    e-bike shed), due every ``every_days`` days or ``every_months`` months from
    ``starts_on`` (the daily common-area patrol, the monthly fire check)."""

    __tablename__ = "safety_patrol_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    every_days: Mapped[int | None] = mapped_column()
    every_months: Mapped[int | None] = mapped_column()
    starts_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    estate = relationship("Estate")
    points: Mapped[list[PatrolPoint]] = relationship(
        back_populates="route", order_by="PatrolPoint.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("estate_id", "name"),
        sa.CheckConstraint(
            "(every_days IS NULL) <> (every_months IS NULL)"
            " AND COALESCE(every_days, every_months) >= 1",
            name="frequency",
        ),
    )

    def __str__(self) -> str:
        return f"巡查路线 {self.name}"

    @property
    def frequency_label(self) -> str:
        if self.every_days == 1:
            return "每日"
        if self.every_days:
            return f"每 {self.every_days} 日"
        return "每月" if self.every_months == 1 else f"每 {self.every_months} 个月"


class PatrolPoint(db.Model):
    """One point of a route, with its own signed check-in code posted there."""

    __tablename__ = "safety_patrol_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_patrol_routes.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(60))

    route: Mapped[PatrolRoute] = relationship(back_populates="points")

    __table_args__ = (sa.UniqueConstraint("route_id", "position"),)

    def __str__(self) -> str:
        return f"巡查点 {self.name}"


class PatrolRound(db.Model):
    """One due walk of a route (made ahead like tasks, once per route and date)."""

    __tablename__ = "safety_patrol_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_patrol_routes.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)

    route: Mapped[PatrolRoute] = relationship()
    checks: Mapped[list[PatrolCheck]] = relationship(
        back_populates="round", order_by="PatrolCheck.id"
    )

    __table_args__ = (sa.UniqueConstraint("route_id", "due_on"),)

    def __str__(self) -> str:
        return f"{self.route.name} {self.due_on}"


class PatrolCheck(db.Model):
    """A point checked in a round: the signed code scanned there (presence), by whom and
    when, and what was found (a finding opens a ticket)."""

    __tablename__ = "safety_patrol_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_patrol_rounds.id"))
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_patrol_points.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finding: Mapped[str] = mapped_column(sa.Text, default="")
    #: the ticket the finding opened
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))

    round: Mapped[PatrolRound] = relationship(back_populates="checks")
    point: Mapped[PatrolPoint] = relationship()
    staff = relationship("Staff")

    #: one check-in per point and round: two scans at once make one
    __table_args__ = (sa.UniqueConstraint("round_id", "point_id"),)
