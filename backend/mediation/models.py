"""Models of mediation (人民调解): a street's committee and mediators, cases, their parties,
linked tickets, sessions with their records, signatures and the append-only trail.

《人民调解法》: a committee has 3–9 members (Art. 8); mediation is voluntary and free
(Art. 4, Art. 17); an agreement takes effect when the parties have signed, sealed or
thumbprinted it, the mediator has signed it and the committee has sealed it (Arts. 28–29).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class Category(LabeledEnum):
    """What the dispute is about."""

    fees = "fees", "物业费用"
    repairs = "repairs", "维修与质量"
    neighbours = "neighbours", "噪音与邻里"
    parking = "parking", "停车"
    common_parts = "common_parts", "共有部分"
    pets = "pets", "宠物"
    renovation = "renovation", "装修"
    other = "other", "其他"


class CaseState(LabeledEnum):
    requested = "requested", "待受理"
    accepted = "accepted", "已受理，待双方同意"
    declined = "declined", "不予受理"
    consented = "consented", "双方同意调解"
    in_session = "in_session", "调解中"
    agreed = "agreed", "达成协议，待签署"
    not_agreed = "not_agreed", "调解不成"
    in_effect = "in_effect", "协议已生效"
    confirmation_applied = "confirmation_applied", "已申请司法确认"
    followed_up = "followed_up", "已回访"
    closed = "closed", "已结案"
    ended = "ended", "当事人拒绝，调解终止"


class CaseSource(LabeledEnum):
    resident = "resident", "居民申请"
    officer = "officer", "街道/社区受理"
    outside = "outside", "外部渠道"


class PartyKind(LabeledEnum):
    resident = "resident", "居民"
    company = "company", "物业企业"
    committee = "committee", "业委会"
    neighbour = "neighbour", "邻居"
    other = "other", "其他当事人"


class PartySide(LabeledEnum):
    applicant = "applicant", "申请人"
    respondent = "respondent", "被申请人"


class Consent(LabeledEnum):
    pending = "pending", "待表态"
    consented = "consented", "同意调解"
    refused = "refused", "拒绝调解"


class SignatureMethod(LabeledEnum):
    drawn = "drawn", "手写签名"
    scan = "scan", "纸质签署扫描件"
    seal = "seal", "盖章"


class MediationCommittee(db.Model):
    """A street's people's mediation committee (人民调解委员会), 3–9 members (Art. 8)."""

    __tablename__ = "mediation_committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Mediator]] = relationship(order_by="Mediator.id")

    def __str__(self) -> str:
        return self.name


class Mediator(db.Model):
    """A member of a committee: a staff member of the street or community who mediates."""

    __tablename__ = "mediation_mediators"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("mediation_committees.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), unique=True)
    #: 主任 / 副主任 / 委员
    title: Mapped[str] = mapped_column(sa.String(20), default="委员")

    staff = relationship("Staff")

    __table_args__ = (sa.Index("ix_mediation_mediators_committee", "committee_id"),)

    def __str__(self) -> str:
        return f"调解员 {self.staff.name}"


class MediationCase(db.Model):
    """A dispute put to mediation (调解案件)."""

    __tablename__ = "mediation_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    category: Mapped[Category] = mapped_column(sa.Enum(Category, native_enum=False, length=20))
    matter: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[CaseState] = mapped_column(
        sa.Enum(CaseState, native_enum=False, length=30), default=CaseState.requested, index=True
    )
    source: Mapped[CaseSource] = mapped_column(sa.Enum(CaseSource, native_enum=False, length=20))
    #: the outside channel's name and reference (12345, 网格), for cases from outside
    source_ref: Mapped[str] = mapped_column(sa.String(64), default="")
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    mediator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: by when the mediation should be finished (accepted + the city's term, one month)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last 督办 by the street or bureau (the mediator sees it on the to-do)
    supervised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the agreement's text (调解协议书: matter, terms, how and by when they are carried out)
    agreement: Mapped[str] = mapped_column(sa.Text, default="")
    #: why declined, why not agreed; what the follow-up visit found
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")

    estate = relationship("Estate")
    mediator = relationship("Staff", foreign_keys=[mediator_id])
    parties: Mapped[list[MediationParty]] = relationship(
        back_populates="case", order_by="MediationParty.id"
    )
    events: Mapped[list[MediationEvent]] = relationship(order_by="MediationEvent.id")
    sessions: Mapped[list[MediationSession]] = relationship(order_by="MediationSession.id")
    signatures: Mapped[list[MediationSignature]] = relationship(order_by="MediationSignature.id")
    ticket_links: Mapped[list[CaseTicket]] = relationship(order_by="CaseTicket.ticket_id")

    def __str__(self) -> str:
        return f"调解案件 M{self.id}"


class MediationParty(db.Model):
    """A party to a case: a resident, the company, the committee, a neighbour or anyone
    entered by staff (who may not use the mini-app: then ``resident_id`` is empty)."""

    __tablename__ = "mediation_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("mediation_cases.id"), index=True)
    kind: Mapped[PartyKind] = mapped_column(sa.Enum(PartyKind, native_enum=False, length=20))
    side: Mapped[PartySide] = mapped_column(sa.Enum(PartySide, native_enum=False, length=20))
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    consent: Mapped[Consent] = mapped_column(
        sa.Enum(Consent, native_enum=False, length=20), default=Consent.pending
    )
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[MediationCase] = relationship(back_populates="parties")

    __table_args__ = (
        sa.UniqueConstraint("case_id", "resident_id"),
        sa.UniqueConstraint("case_id", "company_id"),
    )

    def __str__(self) -> str:
        return f"{self.side.label} {self.name}"


class CaseTicket(db.Model):
    """A ticket the dispute arose from."""

    __tablename__ = "mediation_case_tickets"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("mediation_cases.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id"), primary_key=True, index=True
    )


class MediationSession(db.Model):
    """One mediation session and its written record (调解笔录)."""

    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("mediation_cases.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(100), default="")
    attendees: Mapped[str] = mapped_column(sa.String(500))
    record: Mapped[str] = mapped_column(sa.Text)
    mediator_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))

    mediator = relationship("Staff")


class MediationSignature(db.Model):
    """A signature on one of a case's documents: a party's (drawn or a scan of the signed
    paper), the mediator's, or the committee's seal. One per signer and document."""

    __tablename__ = "mediation_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("mediation_cases.id"), index=True)
    #: "agreement", or "session-<id>" for a session record
    document: Mapped[str] = mapped_column(sa.String(30))
    #: "party-<id>", "mediator" or "committee"
    signer: Mapped[str] = mapped_column(sa.String(30))
    method: Mapped[SignatureMethod] = mapped_column(
        sa.Enum(SignatureMethod, native_enum=False, length=10)
    )
    #: the drawn signature (a PNG data URL) or the scan's stored document id
    image: Mapped[str] = mapped_column(sa.Text, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who entered it: staff for a scan, the seal, the mediator; empty for a resident's own
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    __table_args__ = (sa.UniqueConstraint("case_id", "document", "signer"),)


class MediationEvent(db.Model):
    """One thing that happened to a case (append-only): the trail."""

    __tablename__ = "mediation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("mediation_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[str | None] = mapped_column(sa.String(30))
    to_state: Mapped[str | None] = mapped_column(sa.String(30))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mediation_parties.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    staff = relationship("Staff")
    party = relationship("MediationParty")


@sa.event.listens_for(Session, "before_flush")
def _events_are_append_only(session, _context, _instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, MediationEvent | MediationSignature | MediationSession) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RuntimeError("mediation records are append-only")
