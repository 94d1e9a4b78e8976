"""Models of owners' votes: motions, their frozen electorate, candidates and ballots."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db
from backend.media.models import Photo
from backend.org.models import AreaSource
from backend.votes.chain import GENESIS
from backend.votes.tally import ELECTION_PREFIX

#: 民法典 Art. 278 items (1)–(9): what a matter is about sets its threshold class
ITEM_LABELS = {
    1: "制定和修改业主大会议事规则",
    2: "制定和修改管理规约",
    3: "选举业主委员会或者更换业主委员会成员",
    4: "选聘和解聘物业服务企业或者其他管理人",
    5: "使用建筑物及其附属设施的维修资金",
    6: "筹集建筑物及其附属设施的维修资金",
    7: "改建、重建建筑物及其附属设施",
    8: "改变共有部分的用途或者利用共有部分从事经营活动",
    9: "有关共有和共同管理权利的其他重大事项",
}
#: the item an election of committee members is held under
ELECTION_ITEM = 3


class MotionKind(LabeledEnum):
    ordinary = "ordinary", "表决事项"
    election = "election", "选举"  # 选举业主委员会委员


class MotionState(LabeledEnum):
    draft = "draft", "草稿"
    announced = "announced", "已公告"
    open = "open", "投票中"
    closed = "closed", "已截止"
    published = "published", "已公布结果"


class Channel(LabeledEnum):
    online = "online", "小程序投票"
    paper = "paper", "纸质表决票"
    proxy = "proxy", "委托投票"


class Choice(LabeledEnum):
    agree = "agree", "同意"
    oppose = "oppose", "反对"
    abstain = "abstain", "弃权"


class Motion(db.Model):
    """Motion: a matter put to the owners' vote (业主共同决定事项), or an election.

    ``draft → announced → open → closed → published``; every move is one conditional
    UPDATE (:func:`backend.core.db.transition`). The electorate is frozen at announcement
    (``total_area``/``total_heads`` and the :class:`Voter` rows); ``ballot_count`` and
    ``chain_head`` are the end of the ballots' hash chain, moved under the row's lock.
    """

    __tablename__ = "motions"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: 民法典 Art. 278 item (1)–(9)
    item: Mapped[int] = mapped_column()
    kind: Mapped[MotionKind] = mapped_column(
        sa.Enum(MotionKind, native_enum=False, length=20), default=MotionKind.ordinary
    )
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: a meeting called outside the ordinary schedule (临时会议): a shorter notice period
    extraordinary: Mapped[bool] = mapped_column(default=False)
    state: Mapped[MotionState] = mapped_column(
        sa.Enum(MotionState, native_enum=False, length=20), default=MotionState.draft, index=True
    )
    #: elections: how many committee members are elected
    seats: Mapped[int | None] = mapped_column()
    #: the voting window: nothing is cast before ``opens_at`` or from ``closes_at`` on
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the notice period applied at announcement (days), by city and meeting kind
    notice_days: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when owners who had not voted were reminded that voting closes soon
    closing_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the frozen electorate's totals (法释〔2020〕17号 Art. 9)
    total_area: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    total_heads: Mapped[int | None] = mapped_column()
    ballot_count: Mapped[int] = mapped_column(default=0, server_default="0")
    chain_head: Mapped[str] = mapped_column(sa.String(64), default=GENESIS)
    #: the result once counted (None before the close)
    passed: Mapped[bool | None] = mapped_column()
    #: what is published: the recount format with the server's figures (see services)
    published: Mapped[dict | None] = mapped_column(sa.JSON)

    estate = relationship("Estate")
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="motion", order_by="Candidate.number", cascade="all, delete-orphan"
    )
    documents = relationship(
        Photo, secondary="motion_documents", order_by="MotionDocument.position", viewonly=True
    )

    __table_args__ = (
        sa.CheckConstraint("item >= 1 AND item <= 9", name="item"),
        sa.CheckConstraint("closes_at > opens_at", name="window"),
        sa.CheckConstraint("ballot_count >= 0", name="ballot_count"),
        sa.CheckConstraint(
            "(kind = 'election') = (seats IS NOT NULL AND seats >= 1)", name="seats"
        ),
    )

    @property
    def item_label(self) -> str:
        return ITEM_LABELS[self.item]

    @property
    def is_election(self) -> bool:
        return self.kind == MotionKind.election

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return self.title


class MotionDocument(db.Model):
    """A document of a motion (a scanned page or picture), through ``backend.media``."""

    __tablename__ = "motion_documents"

    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id"), primary_key=True)
    photo_id: Mapped[int] = mapped_column(sa.ForeignKey("photos.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("photo_id"),)


class Candidate(db.Model):
    """A candidate of an election; ``number`` (1, 2, …) is what ballots name."""

    __tablename__ = "vote_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id"), index=True)
    number: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(60))
    introduction: Mapped[str] = mapped_column(sa.String(500), default="")

    motion: Mapped[Motion] = relationship(back_populates="candidates")

    __table_args__ = (
        sa.UniqueConstraint("motion_id", "number"),
        sa.UniqueConstraint("motion_id", "name"),
    )


class Voter(db.Model):
    """One head of a motion's frozen electorate (法释〔2020〕17号 Art. 9): the units counted
    together as one person and their summed area."""

    __tablename__ = "vote_voters"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id"), index=True)
    #: 1, 2, … within the motion
    number: Mapped[int] = mapped_column()
    area: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    heads: Mapped[int] = mapped_column(default=1)
    #: all of the developer's unsold or undelivered units together
    developer: Mapped[bool] = mapped_column(default=False)

    units: Mapped[list[VoterUnit]] = relationship(back_populates="voter", order_by="VoterUnit.id")

    __table_args__ = (
        sa.UniqueConstraint("motion_id", "number"),
        sa.CheckConstraint("area >= 0", name="area"),
        sa.CheckConstraint("heads = 1", name="heads"),
    )

    @property
    def label(self) -> str:
        """The voter's units as people read them (for the panel; never published)."""
        if self.developer:
            return f"建设单位（{len(self.units)} 套未售出或未交付）"
        return "、".join(u.unit.label for u in self.units)


class VoterUnit(db.Model):
    """A unit of the frozen electorate: its area and owners as they were at announcement."""

    __tablename__ = "vote_voter_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id"), index=True)
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("vote_voters.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    area: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    area_source: Mapped[AreaSource] = mapped_column(
        sa.Enum(AreaSource, native_enum=False, length=20)
    )
    developer_held: Mapped[bool] = mapped_column(default=False)
    #: the owners of record at announcement (names, for the panel)
    owners: Mapped[str] = mapped_column(sa.String(300), default="")

    voter: Mapped[Voter] = relationship(back_populates="units")
    unit = relationship("Unit")

    __table_args__ = (sa.UniqueConstraint("motion_id", "unit_id"),)


class ElectorateCorrection(db.Model):
    """A correction of the frozen electorate after announcement, with its reason (shown with
    the result)."""

    __tablename__ = "vote_electorate_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id"), index=True)
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("vote_voters.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    area_before: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    area_after: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    reason: Mapped[str] = mapped_column(sa.String(200))

    unit = relationship("Unit")
    staff = relationship("Staff")


class Ballot(db.Model):
    """One voter's ballot (表决票): one per voter of a motion, by a database constraint.

    ``choice`` is ``agree``/``oppose``/``abstain`` or, in an election, ``elect:1,3``.
    ``prev_hash``/``hash`` chain it to the motion's previous ballot (``backend.votes.chain``);
    ``seq`` is its place in that chain.
    """

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id"), index=True)
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("vote_voters.id"))
    seq: Mapped[int] = mapped_column()
    receipt: Mapped[str] = mapped_column(sa.String(20), unique=True)
    choice: Mapped[str] = mapped_column(sa.String(200))
    area: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    heads: Mapped[int] = mapped_column()
    channel: Mapped[Channel] = mapped_column(sa.Enum(Channel, native_enum=False, length=20))
    #: online: the owner who cast it; paper/proxy: the committee member who entered it
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    #: paper: the signed ballot; proxy: the signed authorisation (backend.media)
    scan_photo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("photos.id"))
    proxy_name: Mapped[str] = mapped_column(sa.String(60), default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    voter: Mapped[Voter] = relationship()
    scan = relationship(Photo)

    __table_args__ = (
        # one ballot per voter (法释〔2020〕17号 Art. 9 heads): the rule is the database's
        sa.UniqueConstraint("motion_id", "voter_id"),
        sa.UniqueConstraint("motion_id", "seq"),
        sa.CheckConstraint(
            "(channel = 'online' AND resident_id IS NOT NULL AND staff_id IS NULL) OR "
            "(channel != 'online' AND staff_id IS NOT NULL AND scan_photo_id IS NOT NULL)",
            name="channel",
        ),
        sa.CheckConstraint("channel != 'proxy' OR proxy_name != ''", name="proxy_name"),
    )

    @property
    def choice_label(self) -> str:
        if self.choice.startswith(ELECTION_PREFIX):
            return "选举票"
        return Choice(self.choice).label
