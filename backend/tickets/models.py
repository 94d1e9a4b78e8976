"""Models of tickets, their append-only events and per-contract SLA policies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class TicketKind(LabeledEnum):
    home_repair = "home_repair", "户内报修"
    shared_repair = "shared_repair", "公共报修"  # 公共部位
    complaint = "complaint", "投诉"
    report = "report", "报事"  # 违章搭建、飞线充电、消防通道堵塞……
    #: a finding that threatens life (消防法 Art. 18, issue 23): the shortest SLA, on the
    #: street office's list at once (``services.escalate_hazard``)
    safety_hazard = "safety_hazard", "安全隐患"


class TicketSource(LabeledEnum):
    """Who brought the ticket in. A ``resident`` ticket, and one the desk took for a
    resident who phoned or came to the counter (``phone``, ``counter``: 代客报修), has its
    resident (who is told of its progress and may rate it); the others are filed by staff
    or come from a partner's channel, whose own reference is ``Ticket.source_ref``."""

    resident = "resident", "住户"
    staff = "staff", "物业工作人员"
    safety = "safety", "安全检查"  # a failed check or a patrol finding (backend/safety)
    open311 = "open311", "Open311 接口"
    hotline = "hotline", "12345 热线"
    grid = "grid", "网格员"
    phone = "phone", "电话代报"
    counter = "counter", "前台代报"


#: the sources whose ticket has its resident (the resident's own, or taken for them)
FOR_RESIDENT = (TicketSource.resident, TicketSource.phone, TicketSource.counter)
#: how the desk takes a ticket for a resident (代客报修)
CALL_SOURCES = (TicketSource.phone, TicketSource.counter)


class Urgency(LabeledEnum):
    urgent = "urgent", "紧急"
    normal = "normal", "一般"


#: what a report (报事) is about; free text stays in the description
REPORT_CATEGORIES = {
    "illegal_building": "违章搭建",
    "flying_wire": "飞线充电",
    "fire_lane": "消防通道堵塞",
    "littering": "乱堆乱放",
    "other": "其他",
}
#: what a safety hazard is: the findings that threaten life, and faults of lifts and fire
#: systems a resident reports from the equipment's code or list
HAZARD_CATEGORIES = {
    "fire_lane": "消防通道堵塞",
    "escape_locked": "安全出口锁闭",
    "fire_pump_off": "消防水泵停用",
    "ebike_indoor": "电动车入户充电",
    "lift_fault": "电梯故障",
    "fire_system": "消防设施损坏",
    "other": "其他",
}
#: the kinds with a category, and theirs
CATEGORIES = {"report": REPORT_CATEGORIES, "safety_hazard": HAZARD_CATEGORIES}
#: every category's label (the panel, the export)
CATEGORY_LABELS = {**REPORT_CATEGORIES, **HAZARD_CATEGORIES}


class TicketState(LabeledEnum):
    submitted = "submitted", "待受理"
    accepted = "accepted", "已受理"
    assigned = "assigned", "已派单"
    in_progress = "in_progress", "处理中"
    resolved = "resolved", "已解决"
    closed = "closed", "已关闭"
    rejected = "rejected", "已驳回"
    reopened = "reopened", "重新处理"
    escalated = "escalated", "已上报街道"


#: states in which the ticket is finished (no clock runs)
FINAL_STATES = (TicketState.closed, TicketState.rejected)
#: states in which the company still owes a resolution
OPEN_STATES = tuple(s for s in TicketState if s not in (*FINAL_STATES, TicketState.resolved))


class Ticket(db.Model):
    """A resident's repair request, complaint or report about their home or estate."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: the home concerned (home repairs); None for a shared place, then ``location`` says where
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    location: Mapped[str] = mapped_column(sa.String(100), default="")
    kind: Mapped[TicketKind] = mapped_column(sa.Enum(TicketKind, native_enum=False, length=20))
    category: Mapped[str] = mapped_column(sa.String(30), default="")
    urgency: Mapped[Urgency] = mapped_column(
        sa.Enum(Urgency, native_enum=False, length=10), default=Urgency.normal
    )
    description: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[TicketState] = mapped_column(
        sa.Enum(TicketState, native_enum=False, length=20),
        default=TicketState.submitted,
        index=True,
    )
    #: where it came from; only tickets of :data:`FOR_RESIDENT` sources have a resident
    source: Mapped[TicketSource] = mapped_column(
        sa.Enum(TicketSource, native_enum=False, length=20),
        default=TicketSource.resident,
        server_default="resident",  # rows written by plain SQL (imports, benches) too
    )
    #: the partner's own reference (12345 / Open311 / 网格 case number); unique per source
    source_ref: Mapped[str | None] = mapped_column(sa.String(64))
    #: the resident who reported it (or for whom the desk took it), else None
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    #: the staff member who filed it (a technician's patrol finding, the desk taking a call)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    #: the technician who has the ticket now
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    #: Idempotency-Key of the creating request: the same key gives the same ticket
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: when it was first put on the street office's list (overdue, or supervision asked)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    rating: Mapped[int | None] = mapped_column()
    #: 催办: how many times the resident (or a family member helping) urged it, and when
    #: last; set by one conditional UPDATE at most once per ``TICKET_URGE_HOURS``
    urge_count: Mapped[int] = mapped_column(default=0, server_default="0")
    urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating_comment: Mapped[str] = mapped_column(sa.String(500), default="")

    def __str__(self) -> str:  # how the audit log names it
        return f"工单 T{self.id}"

    estate = relationship("Estate")
    unit = relationship("Unit")
    resident = relationship("Resident")
    assignee = relationship("Staff", foreign_keys=[assignee_id])
    filed_by = relationship("Staff", foreign_keys=[filed_by_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("resident_id", "idempotency_key"),
        # a resident's tickets, newest first, without sorting all of them
        sa.Index("ix_tickets_resident_ticket", "resident_id", "id"),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        # a partner's case is imported once
        sa.UniqueConstraint("source", "source_ref"),
        sa.CheckConstraint(
            "source IN ('resident', 'staff', 'safety', 'open311', 'hotline', 'grid',"
            " 'phone', 'counter')",
            name="source",
        ),
        # a resident's ticket (their own, or taken for them by the desk) has its resident,
        # and only such a ticket has one
        sa.CheckConstraint(
            "(source IN ('resident', 'phone', 'counter') AND resident_id IS NOT NULL)"
            " OR (source NOT IN ('resident', 'phone', 'counter') AND resident_id IS NULL)",
            name="resident",
        ),
        # only residents rate, their own tickets
        sa.CheckConstraint("rating IS NULL OR resident_id IS NOT NULL", name="rated_by_resident"),
    )

    @property
    def reporter_label(self) -> str:
        """Who reported it, as the panel shows it."""
        if self.source == TicketSource.resident:
            return "住户"
        if self.filed_by is not None:
            return f"{self.source.label} · {self.filed_by.name}"
        ref = f" {self.source_ref}" if self.source_ref else ""
        return f"{self.source.label}{ref}"

    @property
    def place(self) -> str:
        """Where: the unit, or the shared location."""
        if self.unit is not None:
            return self.unit.label
        return self.location

    @property
    def voice_note(self):
        """The voice note the resident recorded with the report, if any."""
        created = next((e for e in self.events if e.action == "created"), None)
        return created.voice_notes[0] if created is not None and created.voice_notes else None


class TicketEvent(db.Model):
    """One thing that happened to a ticket (append-only): who, when, what, note, photos."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: created, accept, reject, assign, take, start, resolve, close, reopen, escalate,
    #: supervise, rate, note, response_overdue, follow_up, urge
    action: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str | None] = mapped_column(sa.String(20))
    #: exactly one of resident / staff, or neither for the system (jobs)
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    staff = relationship("Staff")
    resident = relationship("Resident")
    photos = relationship(
        "Photo", secondary="ticket_event_photos", order_by="TicketEventPhoto.position"
    )
    #: the resident's voice note of the report (at most one, on the "created" event)
    voice_notes = relationship("VoiceNote", secondary="ticket_event_voice_notes", viewonly=True)

    __table_args__ = (
        sa.CheckConstraint("resident_id IS NULL OR staff_id IS NULL", name="one_actor"),
    )

    @property
    def by_family(self) -> bool:
        """Whether a family member acted for the ticket's resident (请家人帮忙)."""
        return bool(self.resident_id) and self.resident_id != self.ticket.resident_id

    @property
    def family_label(self) -> str:
        """How a family member's event names them: ``家人 张伟``."""
        resident = self.resident
        return f"家人 {(resident.name or resident.nickname or '').strip()}".strip()

    @property
    def actor_label(self) -> str:
        if self.staff is not None:
            return f"{self.staff.role.label} {self.staff.name}"
        if self.by_family:
            return f"{self.family_label}（代住户）"
        if self.resident_id:
            return "住户"
        return "系统"


class TicketEventPhoto(db.Model):
    """A photo of an event (the resident's on submission, the technician's after-photos)."""

    __tablename__ = "ticket_event_photos"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_events.id"), primary_key=True)
    photo_id: Mapped[int] = mapped_column(sa.ForeignKey("photos.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("photo_id"),)


class TicketEventVoiceNote(db.Model):
    """The voice note a resident recorded with a report instead of (or besides) typing."""

    __tablename__ = "ticket_event_voice_notes"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_events.id"), primary_key=True)
    voice_note_id: Mapped[int] = mapped_column(sa.ForeignKey("voice_notes.id"), primary_key=True)

    __table_args__ = (sa.UniqueConstraint("voice_note_id"), sa.UniqueConstraint("event_id"))


class SlaPolicy(db.Model):
    """A service contract's own time limits for one kind and urgency of ticket.

    Without a row the city's limits (``TICKET_SLA``) apply.
    """

    __tablename__ = "ticket_sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("service_contracts.id"), index=True)
    kind: Mapped[TicketKind] = mapped_column(sa.Enum(TicketKind, native_enum=False, length=20))
    urgency: Mapped[Urgency] = mapped_column(sa.Enum(Urgency, native_enum=False, length=10))
    respond_minutes: Mapped[int] = mapped_column()
    #: None: no resolution deadline (then nothing escalates by time)
    resolve_minutes: Mapped[int | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("contract_id", "kind", "urgency"),
        sa.CheckConstraint("respond_minutes > 0", name="respond"),
    )


@sa.event.listens_for(Session, "before_flush")
def _events_are_append_only(session, _context, _instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, TicketEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("ticket events are append-only")
