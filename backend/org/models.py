"""Models of jurisdictions and property."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class AreaSource(LabeledEnum):
    """Where a unit's area comes from, in order of precedence (法释〔2020〕17号 Art. 8)."""

    registry = "registry", "不动产登记"
    survey = "survey", "测绘"
    contract = "contract", "合同"


class ManagementMode(LabeledEnum):
    company = "company", "物业企业"  # 物业服务企业
    self_managed = "self_managed", "业主自管"
    state_fallback = "state_fallback", "国企兜底"


class Street(db.Model):
    """Street (街道/乡镇): the grassroots government office; belongs to a district (区)."""

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    district: Mapped[str] = mapped_column(sa.String(80), index=True)
    city: Mapped[str] = mapped_column(sa.String(80), default="")

    communities: Mapped[list[Community]] = relationship(back_populates="street")

    __table_args__ = (sa.UniqueConstraint("district", "name"),)

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"{self.district}{self.name}"


class Community(db.Model):
    """Community (社区): the residents' committee area inside a street."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))

    street: Mapped[Street] = relationship(back_populates="communities")
    estates: Mapped[list[Estate]] = relationship(back_populates="community")

    __table_args__ = (sa.UniqueConstraint("street_id", "name"),)


class Company(db.Model):
    """Property service company (物业服务企业)."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: 统一社会信用代码, 18 characters
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    phone: Mapped[str] = mapped_column(sa.String(30), default="")

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return self.name


class Estate(db.Model):
    """Estate (小区): one property management area (物业管理区域)."""

    __tablename__ = "estates"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    #: denormalised from the community so that scope filters need no join
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    management_mode: Mapped[ManagementMode] = mapped_column(
        sa.Enum(ManagementMode, native_enum=False, length=20), default=ManagementMode.company
    )
    #: the company serving the estate now (kept in step with its current service contract)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)

    community: Mapped[Community] = relationship(back_populates="estates")
    company: Mapped[Company | None] = relationship()
    buildings: Mapped[list[Building]] = relationship(
        back_populates="estate", order_by="Building.name"
    )

    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return self.name


class Building(db.Model):
    """Building (楼栋) of an estate."""

    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    floors: Mapped[int | None] = mapped_column()

    estate: Mapped[Estate] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building", order_by="Unit.number")

    __table_args__ = (sa.UniqueConstraint("estate_id", "name"),)


#: bounds of a plausible unit area in m²: anything outside is a typing error
MIN_UNIT_AREA = Decimal("1.00")
MAX_UNIT_AREA = Decimal("5000.00")


class Unit(db.Model):
    """Unit (房屋): one exclusive part (专有部分) with its area and owners of record."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(sa.ForeignKey("buildings.id"), index=True)
    #: denormalised from the building so that scope filters need no join
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: 室号 within the building, e.g. "2-1101"
    number: Mapped[str] = mapped_column(sa.String(40))
    floor: Mapped[int | None] = mapped_column()
    #: exact m², two decimals
    area: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    area_source: Mapped[AreaSource] = mapped_column(
        sa.Enum(AreaSource, native_enum=False, length=20)
    )
    #: unsold or undelivered units still held by the developer (they count as one owner)
    developer_held: Mapped[bool] = mapped_column(default=False)

    building: Mapped[Building] = relationship(back_populates="units")
    estate: Mapped[Estate] = relationship()
    owners: Mapped[list[OwnerRecord]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="OwnerRecord.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("building_id", "number"),
        sa.CheckConstraint(f"area >= {MIN_UNIT_AREA} AND area <= {MAX_UNIT_AREA}", name="area"),
    )

    @property
    def label(self) -> str:
        return f"{self.building.name} {self.number}"

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"{self.estate.name} {self.label}"


class OwnerRecord(db.Model):
    """An owner of record of a unit, from the property registry (业主名册)."""

    __tablename__ = "owner_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    phone: Mapped[str] = mapped_column(sa.String(20), index=True)

    unit: Mapped[Unit] = relationship(back_populates="owners")

    __table_args__ = (sa.UniqueConstraint("unit_id", "name", "phone"),)


class ServiceContract(db.Model):
    """A property service contract (物业服务合同) between an estate and a company."""

    __tablename__ = "service_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    service_level: Mapped[str] = mapped_column(sa.String(40), default="")
    fee_standard: Mapped[str] = mapped_column(sa.Text, default="")

    estate: Mapped[Estate] = relationship()
    company: Mapped[Company] = relationship()

    __table_args__ = (
        sa.CheckConstraint("ends_on > starts_on", name="period"),
        # one company at a time: no two contracts of an estate share a day. PostgreSQL
        # enforces it even for concurrent filings; on SQLite sign_contract checks it.
        ExcludeConstraint(
            (sa.column("estate_id"), "="),
            (sa.func.daterange(sa.column("starts_on"), sa.column("ends_on")), "&&"),
            name="ex_service_contracts_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"{self.estate.name} · {self.company.name}"


# the exclusion constraint compares estate ids (=) in a GiST index: that needs btree_gist
sa.event.listen(
    ServiceContract.__table__,
    "before_create",
    sa.DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)

#: a committee's term is at most five years (《业主大会和业主委员会指导规则》); a term that
#: starts on 29 February may end on 28 February, as ``committees.term_limit`` says
MAX_TERM_YEARS = 5
_TERM_LIMIT_SQL = {
    "postgresql": f"term_ends_on <= term_starts_on + interval '{MAX_TERM_YEARS} years'",
    # SQLite's date() rolls 29 February over to 1 March: step back a day for those
    "sqlite": (
        f"term_ends_on <= date(term_starts_on, '+{MAX_TERM_YEARS} years', "
        "CASE WHEN strftime('%m-%d', term_starts_on) = '02-29' THEN '-1 day' ELSE '+0 days' END)"
    ),
}


class FilingStatus(LabeledEnum):
    unfiled = "unfiled", "未备案"
    filed = "filed", "已备案"


class Committee(db.Model):
    """Owners' committee (业主委员会) of an estate, for one term (at most five years)."""

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    term_starts_on: Mapped[date] = mapped_column()
    term_ends_on: Mapped[date] = mapped_column()
    filing_status: Mapped[FilingStatus] = mapped_column(
        sa.Enum(FilingStatus, native_enum=False, length=20), default=FilingStatus.unfiled
    )
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    estate: Mapped[Estate] = relationship()
    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="CommitteeMember.id"
    )

    __table_args__ = (
        sa.CheckConstraint("term_ends_on > term_starts_on", name="term"),
        *(
            sa.CheckConstraint(sql, name="term_years").ddl_if(dialect=dialect)
            for dialect, sql in _TERM_LIMIT_SQL.items()
        ),
    )

    def __str__(self) -> str:
        """How the record reads for people (the audit log names it so)."""
        return f"{self.estate.name}业委会"


class CommitteeMember(db.Model):
    """A member of an owners' committee; members are owners of the estate."""

    __tablename__ = "committee_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    #: 主任 / 副主任 / 委员
    position: Mapped[str] = mapped_column(sa.String(20), default="委员")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))

    committee: Mapped[Committee] = relationship(back_populates="members")
