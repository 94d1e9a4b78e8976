"""Models of supervision: ticket rollups, 督办 orders, inspections, evaluations, credit
records, the red/black list and filings (备案)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

# the models related here, imported so that the mappers find them whatever loads first
from backend.accounts.models import Staff  # noqa: F401
from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db
from backend.media.models import Photo  # noqa: F401
from backend.org.models import Company, Estate, Street  # noqa: F401
from backend.tickets.models import Ticket  # noqa: F401

# --- rollups of tickets ------------------------------------------------------------------------

#: bucket boundaries (minutes) of the response- and resolution-time histograms: bucket i
#: holds times in [BUCKETS[i], BUCKETS[i + 1]); the last one is open (30 days and more).
#: A percentile read from a histogram lies in the same bucket as the true value, so its
#: error is less than that bucket's width (README, "Supervision").
BUCKETS: tuple[int, ...] = (
    0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960,
    1440, 2160, 2880, 4320, 5760, 7200, 10080, 14400, 20160, 43200,
)  # fmt: skip
RESPONSE_COLUMNS = tuple(f"response_h{i:02d}" for i in range(len(BUCKETS)))
RESOLUTION_COLUMNS = tuple(f"resolution_h{i:02d}" for i in range(len(BUCKETS)))
#: the counters a rollup row sums (one per ticket, except ``satisfaction_sum``)
COUNTERS = (
    "submitted",
    "responded",
    "resolved",
    "overdue",
    "reopened",
    "escalated",
    "rated",
    "satisfaction_sum",
    "response_in_sla",
    "resolution_in_sla",
    "supervised",
)


class Grain(LabeledEnum):
    day = "day", "日"
    week = "week", "周"  # weeks start on Monday
    month = "month", "月"


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=False, default=0, server_default="0")


class TicketFact(db.Model):
    """What one ticket contributes to the rollups now, derived from its events.

    Kept beside the rollups so that a change subtracts the old contribution and adds the
    new one (a reopening moves a resolution time, a rating arrives late), and so that every
    figure lists the tickets behind it without reading the raw events.
    """

    __tablename__ = "supervision_ticket_facts"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), primary_key=True)
    #: the day it was submitted (Asia/Shanghai): a period's figures are about its tickets
    day: Mapped[date] = mapped_column(index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: the company serving the estate when it was submitted; 0: none (self-managed)
    company_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    responded: Mapped[bool] = mapped_column(default=False)
    response_minutes: Mapped[int | None] = mapped_column()
    resolved: Mapped[bool] = mapped_column(default=False)
    resolution_minutes: Mapped[int | None] = mapped_column()
    overdue: Mapped[bool] = mapped_column(default=False)
    reopened: Mapped[bool] = mapped_column(default=False)
    escalated: Mapped[bool] = mapped_column(default=False)
    rated: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None] = mapped_column()
    response_in_sla: Mapped[bool] = mapped_column(default=False)
    resolution_in_sla: Mapped[bool] = mapped_column(default=False)
    #: it had at least one 督办 order
    supervised: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.Index("ix_supervision_ticket_facts_estate_day", "estate_id", "day"),)


rollup_table = sa.Table(
    "supervision_rollups",
    db.metadata,
    sa.Column("grain", sa.String(10), primary_key=True),
    #: the first day of the day, week (Monday) or month
    sa.Column("period", sa.Date, primary_key=True),
    sa.Column("estate_id", sa.Integer, primary_key=True),
    #: 0: no company (self-managed); derived data, so no foreign keys
    sa.Column("company_id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    *(_counter(name) for name in COUNTERS),
    sa.Column("response_minutes_sum", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("resolution_minutes_sum", sa.BigInteger, nullable=False, server_default="0"),
    *(_counter(name) for name in RESPONSE_COLUMNS),
    *(_counter(name) for name in RESOLUTION_COLUMNS),
    # a jurisdiction's rows: estate by estate, then the period (the key starts with the
    # period, which suits a whole city); a company's rows for its evaluation
    sa.Index("ix_supervision_rollups_estate", "grain", "estate_id", "period"),
    sa.Index("ix_supervision_rollups_company", "grain", "company_id", "period"),
)


class Rollup(db.Model):
    """Per day, week or month × estate × company × kind: counts, sums and histograms."""

    __table__ = rollup_table


# --- 督办 orders ------------------------------------------------------------------------------


class OrderStatus(LabeledEnum):
    open = "open", "待回复"
    answered = "answered", "已回复"
    missed = "missed", "逾期未回复"
    answered_late = "answered_late", "逾期后回复"
    #: the officer took the answer: the order is done
    accepted = "accepted", "已认可"
    #: the officer sent the answer back with a reason and a new deadline: answer again
    returned = "returned", "退回重办"


class SupervisionOrder(db.Model):
    """督办: an officer orders the company to handle a ticket by a deadline."""

    __tablename__ = "supervision_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    instructions: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[OrderStatus] = mapped_column(
        sa.Enum(OrderStatus, native_enum=False, length=20), default=OrderStatus.open, index=True
    )
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    #: when the deadline-sweep found it unanswered
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the officer's review of the latest answer: accepted, or sent back with this reason
    review_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    ticket = relationship("Ticket")
    estate = relationship("Estate")
    company = relationship("Company")
    officer = relationship("Staff", foreign_keys=[officer_id])
    answered_by = relationship("Staff", foreign_keys=[answered_by_id])
    reviewed_by = relationship("Staff", foreign_keys=[reviewed_by_id])

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"督办 #{self.id}（工单 T{self.ticket_id}）"


# --- inspections, evaluations, credit ---------------------------------------------------------


class Inspection(db.Model):
    """An officer's inspection (检查) of an estate's service, scored item by item."""

    __tablename__ = "supervision_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    inspected_on: Mapped[date] = mapped_column(index=True)
    #: the items' points over their maximum, on a 100-point scale (one decimal)
    score: Mapped[float] = mapped_column(sa.Numeric(5, 1))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    estate = relationship("Estate")
    company = relationship("Company")
    officer = relationship("Staff")
    items: Mapped[list[InspectionItem]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="InspectionItem.id"
    )
    photos = relationship(
        "Photo", secondary="supervision_inspection_photos", order_by="InspectionPhoto.position"
    )

    __table_args__ = (sa.CheckConstraint("score >= 0 AND score <= 100", name="score"),)

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"{self.inspected_on:%Y-%m-%d} 检查"


class InspectionItem(db.Model):
    """One checked item of an inspection (环境卫生, 设施设备, 秩序维护, …)."""

    __tablename__ = "supervision_inspection_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("supervision_inspections.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(60))
    max_points: Mapped[int] = mapped_column()
    points: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    inspection: Mapped[Inspection] = relationship(back_populates="items")

    __table_args__ = (
        sa.CheckConstraint("max_points > 0", name="max_points"),
        sa.CheckConstraint("points >= 0 AND points <= max_points", name="points"),
    )


class InspectionPhoto(db.Model):
    __tablename__ = "supervision_inspection_photos"

    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("supervision_inspections.id"), primary_key=True
    )
    photo_id: Mapped[int] = mapped_column(sa.ForeignKey("photos.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("photo_id"),)


class Evaluation(db.Model):
    """A company's evaluation for one month on a 100-point scale (see ``evaluation.FORMULA``).

    ``parts`` keeps each component's figures and points so the page shows how the score
    was reached; recomputing a month replaces its row.
    """

    __tablename__ = "supervision_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    #: the first day of the month evaluated
    month: Mapped[date] = mapped_column(index=True)
    score: Mapped[float] = mapped_column(sa.Numeric(5, 1))
    parts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company = relationship("Company")

    __table_args__ = (
        sa.UniqueConstraint("company_id", "month"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score"),
    )

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"{self.month:%Y年%m月}评价"


class CreditSource(LabeledEnum):
    evaluation = "evaluation", "月度评价"
    supervision_missed = "supervision_missed", "督办逾期"
    complaint_upheld = "complaint_upheld", "投诉属实"
    award = "award", "表彰奖励"
    other = "other", "其他"


class ProjectManager(db.Model):
    """A company's project manager (项目经理) of an estate, as filed with the street office."""

    __tablename__ = "supervision_project_managers"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    #: certificate or ID of the manager's qualification, as filed
    certificate_no: Mapped[str] = mapped_column(sa.String(40), default="")
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company = relationship("Company")
    estate = relationship("Estate")

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"项目经理 {self.name}"


class CreditRecord(db.Model):
    """One entry of a credit record (信用记录): good (points > 0) or bad (points < 0)."""

    __tablename__ = "supervision_credit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    #: set when the entry concerns a project manager (it counts for the company too)
    manager_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("supervision_project_managers.id"), index=True
    )
    source: Mapped[CreditSource] = mapped_column(
        sa.Enum(CreditSource, native_enum=False, length=30)
    )
    points: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(500))
    occurred_on: Mapped[date] = mapped_column(index=True)
    #: the record it comes from (evaluation, 督办 order, ticket), for the link
    evaluation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supervision_evaluations.id"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supervision_orders.id"))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company = relationship("Company")
    manager = relationship("ProjectManager")

    __table_args__ = (
        sa.CheckConstraint("points <> 0", name="points"),
        # one entry per evaluation and per missed order, however often the jobs run
        sa.UniqueConstraint("evaluation_id"),
        sa.UniqueConstraint("order_id", "source"),
    )

    @property
    def good(self) -> bool:
        return self.points > 0


class ListKind(LabeledEnum):
    red = "red", "红名单"
    black = "black", "黑名单"


class ListEntry(db.Model):
    """A company on the year's red or black list (红黑名单), with the rule that put it there."""

    __tablename__ = "supervision_list_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    kind: Mapped[ListKind] = mapped_column(sa.Enum(ListKind, native_enum=False, length=10))
    reason: Mapped[str] = mapped_column(sa.String(500))
    average_score: Mapped[float | None] = mapped_column(sa.Numeric(5, 1))
    credit_points: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company = relationship("Company")

    __table_args__ = (sa.UniqueConstraint("year", "company_id"),)


# --- filings (备案) -----------------------------------------------------------------------------


class FilingKind(LabeledEnum):
    company = "company", "物业企业"
    manager = "manager", "项目经理"
    committee = "committee", "业主委员会"
    contract = "contract", "物业服务合同"


class FilingState(LabeledEnum):
    submitted = "submitted", "待审核"
    approved = "approved", "已备案"
    rejected = "rejected", "已退回"


class Filing(db.Model):
    """A filing (备案) with the street office of a company, project manager, committee or
    service contract, and its review. The subject itself lives in org (companies,
    committees, contracts) or here (project managers)."""

    __tablename__ = "supervision_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FilingKind] = mapped_column(sa.Enum(FilingKind, native_enum=False, length=20))
    #: the id of the company, project manager, committee or contract
    subject_id: Mapped[int] = mapped_column()
    #: the estate it concerns (scope); None for a company filed for the whole street
    estate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: the street it is filed with
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    state: Mapped[FilingState] = mapped_column(
        sa.Enum(FilingState, native_enum=False, length=20),
        default=FilingState.submitted,
        index=True,
    )
    #: when the term or contract filed ends (flagged 60 days ahead)
    expires_on: Mapped[date | None] = mapped_column(index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(sa.String(500), default="")
    #: when the expiry sweep first flagged it (to-do of the street office)
    expiry_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    estate = relationship("Estate")
    street = relationship("Street")

    __table_args__ = (sa.UniqueConstraint("kind", "subject_id", "street_id"),)

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"{self.kind.label}备案 #{self.id}"
