"""Models of the special maintenance fund (住宅专项维修资金).

A unit's account (分户账) holds append-only :class:`FundEntry` rows in integer fen; its
balance is the sum of its entries and is never stored or edited. A :class:`FundUse` (使用申请)
moves through its states by conditional updates and leaves an append-only
:class:`FundUseEvent` trail; each instalment paid is one :class:`FundPayment` (unique per
use and instalment number) whose debits are split by area over the use's 列支范围.

On PostgreSQL triggers refuse any ``UPDATE`` or ``DELETE`` of entries, events and
payments, so not even a direct database session can rewrite the ledger.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class EntryKind(LabeledEnum):
    """What an entry of a unit's account records (credits positive, debits negative)."""

    opening = "opening", "期初余额"
    initial_deposit = "initial_deposit", "首期交存"
    top_up = "top_up", "续筹"
    interest = "interest", "利息分配"
    debit = "debit", "使用列支"
    transfer_in = "transfer_in", "转入"
    transfer_out = "transfer_out", "转出"


#: kinds whose amount is a debit (negative); every other kind credits (positive)
DEBIT_KINDS = (EntryKind.debit, EntryKind.transfer_out)


class FundAccount(db.Model):
    """A unit's account of the fund (分户账); its balance is the sum of its entries."""

    __tablename__ = "fund_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    entries: Mapped[list[FundEntry]] = relationship(
        back_populates="account", order_by="FundEntry.id", viewonly=True
    )

    def __str__(self) -> str:
        return f"{self.unit}" if self.unit is not None else f"分户账 {self.id}"


class FundEntry(db.Model):
    """One append-only entry of a unit's account, in integer fen (credit > 0, debit < 0)."""

    __tablename__ = "fund_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_accounts.id"), index=True)
    #: the account's estate, repeated so that an estate's balances are one indexed scan
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(
        sa.Enum(EntryKind, native_enum=False, length=20, validate_strings=True)
    )
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    booked_on: Mapped[date] = mapped_column()
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    #: the bank's reference of the movement (交易流水号), matched by reconciliation
    reference: Mapped[str] = mapped_column(sa.String(60), default="", index=True)
    use_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fund_uses.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fund_payments.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[FundAccount] = relationship(back_populates="entries")

    __table_args__ = (
        # the sign says credit or debit, so a sum is the balance
        sa.CheckConstraint(
            "(kind IN ('debit', 'transfer_out') AND amount_fen <= 0)"
            " OR (kind NOT IN ('debit', 'transfer_out') AND amount_fen >= 0)",
            name="sign",
        ),
    )


class UseKind(LabeledEnum):
    ordinary = "ordinary", "一般使用"
    emergency = "emergency", "应急使用"


class UseState(LabeledEnum):
    """States of a use (使用申请); see ``backend.fund.uses`` for who moves it where."""

    draft = "draft", "草稿"
    proposed = "proposed", "已提出方案"
    publicised = "publicised", "公示中"
    voting = "voting", "业主表决中"
    passed = "passed", "表决通过"
    failed = "failed", "表决未通过"
    review = "review", "审核中"
    approved = "approved", "审核同意"
    returned = "returned", "退回"
    bank_notified = "bank_notified", "已通知划款"
    paid = "paid", "已划款"
    accepted = "accepted", "已验收"
    disclosed = "disclosed", "已公示结算"
    closed = "closed", "已结案"


class FundUse(db.Model):
    """A use of the fund (维修资金使用申请): plan, vote or emergency, review, payment."""

    __tablename__ = "fund_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    kind: Mapped[UseKind] = mapped_column(
        sa.Enum(UseKind, native_enum=False, length=20, validate_strings=True),
        default=UseKind.ordinary,
    )
    state: Mapped[UseState] = mapped_column(
        sa.Enum(UseState, native_enum=False, length=20, validate_strings=True),
        default=UseState.draft,
        index=True,
    )
    title: Mapped[str] = mapped_column(sa.String(100))
    #: the plan's items (维修项目), one per line
    items: Mapped[str] = mapped_column(sa.Text, default="")
    budget_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    contractor: Mapped[str] = mapped_column(sa.String(120), default="")
    #: emergencies: the category code (``backend/fund/rules.toml``) and the ticket it came from
    emergency_category: Mapped[str] = mapped_column(sa.String(40), default="")
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    motion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("motions.id"))
    applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    #: the applying company (None: the committee or the owners applied)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    publicised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    disclosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    estate = relationship("Estate")
    units: Mapped[list[FundUseUnit]] = relationship(back_populates="use", viewonly=True)
    events: Mapped[list[FundUseEvent]] = relationship(order_by="FundUseEvent.id", viewonly=True)
    payments: Mapped[list[FundPayment]] = relationship(
        order_by="FundPayment.instalment", viewonly=True
    )

    def __str__(self) -> str:
        return f"维修资金使用 {self.id}：{self.title}"


class FundUseUnit(db.Model):
    """A unit within a use's 列支范围 (the units that pay for it)."""

    __tablename__ = "fund_use_units"

    use_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_uses.id"), primary_key=True)
    #: indexed on its own: an owner's uses are found from their units
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True, index=True)

    use: Mapped[FundUse] = relationship(back_populates="units")


class FundUseEvent(db.Model):
    """One append-only step of a use's trail (who moved it, from where to where, why)."""

    __tablename__ = "fund_use_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_uses.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[str] = mapped_column(sa.String(20), default="")
    to_state: Mapped[str] = mapped_column(sa.String(20))
    #: None: the clock (e.g. review silence taken as approval)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FundPayment(db.Model):
    """One instalment paid by the fund's bank for a use; one row per instalment number."""

    __tablename__ = "fund_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_uses.id"), index=True)
    instalment: Mapped[int] = mapped_column()
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    paid_on: Mapped[date] = mapped_column()
    bank_reference: Mapped[str] = mapped_column(sa.String(60), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # two recordings of the same instalment at once: one wins, the other is refused
        sa.UniqueConstraint("use_id", "instalment"),
        sa.CheckConstraint("amount_fen > 0", name="positive"),
    )


class DocumentKind(LabeledEnum):
    """What a document of a use is (方案的报价、合同、验收报告……)."""

    quote = "quote", "报价单"
    contract = "contract", "施工合同"
    evidence = "evidence", "应急证明（检测报告、整改通知）"
    invoice = "invoice", "发票"
    acceptance = "acceptance", "验收报告"
    final_account = "final_account", "决算书"


class FundUseDocument(db.Model):
    """A file attached to a use, stored by ``backend.media``: a document (PDF or xlsx) or,
    as evidence of the hazard an emergency answers, a photo taken on site (a burst pipe, a
    stuck lift), cleaned by the one photo pipeline."""

    __tablename__ = "fund_use_documents"
    __table_args__ = (
        sa.CheckConstraint("(document_id IS NULL) <> (photo_id IS NULL)", name="one_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_uses.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), unique=True)
    photo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("photos.id"), unique=True)
    kind: Mapped[DocumentKind] = mapped_column(
        sa.Enum(DocumentKind, native_enum=False, length=20, validate_strings=True)
    )
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document = relationship("Document")
    photo = relationship("Photo")


APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION fund_refuse_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ': ' || TG_OP || ' is not allowed (append-only)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TABLES = ("fund_entries", "fund_use_events", "fund_payments")
APPEND_ONLY_TRIGGERS = tuple(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE"
    f" ON {table} FOR EACH ROW EXECUTE FUNCTION fund_refuse_rewrite()"
    for table in APPEND_ONLY_TABLES
)


@sa.event.listens_for(FundEntry.__table__, "after_create")
def _append_only_guards(_target, connection, **_kw):
    # create_all (tests, fresh installs) gets the migration's guards; entries are created
    # after uses, events and payments, which they refer to
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(APPEND_ONLY_FUNCTION)
    for statement in APPEND_ONLY_TRIGGERS:
        connection.exec_driver_sql(statement)


@sa.event.listens_for(Session, "before_flush")
def _ledger_is_append_only(session, _context, _instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, (FundEntry, FundUseEvent, FundPayment)) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RuntimeError("fund entries, events and payments are append-only")
