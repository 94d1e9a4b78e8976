"""Reports of fees: arrears with their age, payments, the collection rate (收缴率) and their
Excel exports (streamed in openpyxl's write-only mode)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from backend.accounts.models import Staff
from backend.authz import scope
from backend.core.time import local_today, to_local
from backend.extensions import db
from backend.fees.models import Bill, BillStatus, FeeItem, Payment
from backend.org.models import Building, Estate, Unit

#: rows an export reads from the database at a time
EXPORT_BATCH = 2000


def _due():
    return Bill.amount_fen - Bill.waived_fen


def arrears_query(
    staff: Staff,
    estate_id: int | None = None,
    building_id: int | None = None,
    owed_since: date | None = None,
) -> sa.Select:
    """Units with unpaid bills: how many, how much, and the oldest month owed; of one
    building if given, and only those owing since ``owed_since`` or earlier (an age
    bracket of arrears) if given."""
    scope.require(staff, "fees.read")
    stmt = (
        sa.select(
            Unit.id.label("unit_id"),
            Estate.name.label("estate"),
            Building.name.label("building"),
            Unit.number.label("number"),
            sa.func.count(Bill.id).label("bills"),
            sa.func.sum(_due()).label("due_fen"),
            sa.func.min(Bill.period).label("oldest"),
        )
        .join(Unit, Unit.id == Bill.unit_id)
        .join(Building, Building.id == Bill.building_id)
        .join(Estate, Estate.id == Bill.estate_id)
        # an unpaid bill with nothing due is no debt (none is made any more; old ones stay)
        .where(Bill.status == BillStatus.unpaid, _due() > 0)
        .group_by(Unit.id, Estate.name, Building.name, Unit.number)
        .order_by(sa.func.min(Bill.period), Estate.name, Building.name, Unit.number)
    )
    if estate_id is not None:
        stmt = stmt.where(Bill.estate_id == estate_id)
    if building_id is not None:
        stmt = stmt.where(Bill.building_id == building_id)
    if owed_since is not None:
        stmt = stmt.having(sa.func.min(Bill.period) <= owed_since)
    return scope.scoped(stmt, staff, Bill.estate_id)


#: the arrears list's sort keys (``admin.fees.ARREARS``): its grouped columns and aggregates
ARREARS_SORTS = {
    "oldest": sa.func.min(Bill.period),
    "due": sa.func.sum(_due()),
    "bills": sa.func.count(Bill.id),
    # as people read a unit: estate, then "2幢" before "10幢", then the number
    "unit": (
        Estate.name,
        sa.func.length(Building.name),
        Building.name,
        sa.func.length(Unit.number),
        Unit.number,
    ),
}


def age_days(oldest: date, today: date | None = None) -> int:
    """Days since the oldest unpaid month began (账龄)."""
    return max(((today or local_today()) - oldest).days, 0)


def age_band(days: int) -> str:
    if days <= 90:
        return "3 个月内"
    if days <= 365:
        return "3–12 个月"
    if days <= 365 * 3:
        return "1–3 年"
    return "3 年以上"  # 民法典 Art. 188: a claim older than three years may be time-barred


@dataclass
class RateRow:
    key: object
    label: str
    billed_fen: int
    collected_fen: int

    @property
    def rate(self) -> Decimal | None:
        """收缴率 in percent, one decimal (None when nothing was billed)."""
        if not self.billed_fen:
            return None
        return (Decimal(self.collected_fen) * 100 / Decimal(self.billed_fen)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


GROUPS = {
    "estate": ("小区", Estate.id, Estate.name),
    "building": ("楼栋", Building.id, Estate.name + " " + Building.name),
    "item": ("收费项目", FeeItem.id, Estate.name + " " + FeeItem.name),
    "period": ("账期", Bill.period, Bill.period),
}


def collection_rate(
    staff: Staff,
    group: str = "estate",
    period_from: date | None = None,
    period_to: date | None = None,
    estate_id: int | None = None,
) -> list[RateRow]:
    """Collected ÷ billed (after waivers) for the bills of the months chosen, by ``group``
    (``fees.rates``: oversight sees the rates too)."""
    scope.require(staff, "fees.rates")
    _, key, label = GROUPS[group]
    collected = sa.func.sum(sa.case((Bill.status == BillStatus.paid, _due()), else_=0))
    stmt = (
        sa.select(key, label, sa.func.sum(_due()), collected)
        .join(Estate, Estate.id == Bill.estate_id)
        .join(Building, Building.id == Bill.building_id)
        .join(FeeItem, FeeItem.id == Bill.fee_item_id)
        .group_by(key, label)
        .order_by(label)
    )
    if period_from is not None:
        stmt = stmt.where(Bill.period >= period_from)
    if period_to is not None:
        stmt = stmt.where(Bill.period <= period_to)
    if estate_id is not None:
        stmt = stmt.where(Bill.estate_id == estate_id)
    stmt = scope.scoped(stmt, staff, Bill.estate_id)
    rows = []
    for k, name, billed, got in db.session.execute(stmt):
        text = f"{name:%Y-%m}" if isinstance(name, date) else str(name)
        rows.append(RateRow(k, text, int(billed or 0), int(got or 0)))
    return rows


def todo(staff: Staff) -> list:
    """What the company's money looks like today, for those who run its fees (company
    admins): this month's collection rate and the units in arrears; two statements."""
    from backend.core.feature import ToDo

    if not scope.can(staff, "fees.manage"):
        return []
    month = local_today().replace(day=1)
    rows = collection_rate(staff, "period", month, month)
    rate = RateRow(month, "", sum(r.billed_fen for r in rows), sum(r.collected_fen for r in rows))
    owing = db.session.scalar(
        sa.select(sa.func.count()).select_from(arrears_query(staff).order_by(None).subquery())
    )
    period = f"{month:%Y-%m}"
    return [
        ToDo(
            "本月收缴率" if rate.rate is not None else "本月收缴率（本月暂无账单）",
            0,
            "admin.fee_reports",
            (("group", "period"), ("from", period), ("to", period)),
            figure=f"{rate.rate}%" if rate.rate is not None else "—",
        ),
        ToDo("欠费户数", owing, "admin.arrears"),
    ]


# --- Excel exports ------------------------------------------------------------------------------


def _fen(value) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def _stream(stmt: sa.Select) -> Iterator:
    yield from db.session.execute(stmt.execution_options(yield_per=EXPORT_BATCH))


def arrears_rows(staff: Staff, estate_id: int | None = None) -> Iterator[list]:
    """The arrears export's rows (``fees.read``, checked before the first row)."""
    return _arrears_rows(arrears_query(staff, estate_id))


def _arrears_rows(stmt: sa.Select) -> Iterator[list]:
    today = local_today()
    for r in _stream(stmt):
        days = age_days(r.oldest, today)
        yield [
            r.estate,
            r.building,
            r.number,
            r.bills,
            _fen(r.due_fen),
            f"{r.oldest:%Y-%m}",
            days,
            age_band(days),
        ]


ARREARS_HEADERS = [
    "小区",
    "楼栋",
    "房号",
    "欠费笔数",
    "欠费金额（元）",
    "最早欠费账期",
    "账龄（天）",
    "账龄段",
]


def bills_rows(staff: Staff, estate_id: int | None = None, period: date | None = None):
    """The bills export's rows, per unit (``fees.read``, checked before the first row)."""
    scope.require(staff, "fees.read")
    stmt = (
        sa.select(
            Estate.name,
            Building.name,
            Unit.number,
            FeeItem.name,
            Bill.period,
            Bill.quantity,
            Bill.price_yuan,
            Bill.amount_fen,
            Bill.waived_fen,
            Bill.status,
        )
        .join(Estate, Estate.id == Bill.estate_id)
        .join(Building, Building.id == Bill.building_id)
        .join(Unit, Unit.id == Bill.unit_id)
        .join(FeeItem, FeeItem.id == Bill.fee_item_id)
        .order_by(Bill.period, Bill.id)
    )
    if estate_id is not None:
        stmt = stmt.where(Bill.estate_id == estate_id)
    if period is not None:
        stmt = stmt.where(Bill.period == period)
    return _bill_rows(scope.scoped(stmt, staff, Bill.estate_id))


def _bill_rows(stmt: sa.Select) -> Iterator[list]:
    for r in _stream(stmt):
        yield [
            r[0],
            r[1],
            r[2],
            r[3],
            f"{r[4]:%Y-%m}",
            r[5],
            r[6],
            _fen(r[7]),
            _fen(r[8]),
            _fen(r[7] - r[8]),
            BillStatus(r[9]).label,
        ]


BILLS_HEADERS = [
    "小区",
    "楼栋",
    "房号",
    "收费项目",
    "账期",
    "数量",
    "单价（元）",
    "金额（元）",
    "减免（元）",
    "应缴（元）",
    "状态",
]


def payments_rows(staff: Staff, day_from: date | None = None, day_to: date | None = None):
    """The payments export's rows (``fees.read``, checked before the first row)."""
    from datetime import datetime, timedelta

    from backend.core.time import SHANGHAI

    scope.require(staff, "fees.read")

    stmt = (
        sa.select(Payment, Estate.name)
        .join(Estate, Estate.id == Payment.estate_id)
        .order_by(Payment.paid_at, Payment.id)
    )
    if day_from is not None:
        stmt = stmt.where(
            Payment.paid_at >= datetime.combine(day_from, datetime.min.time(), SHANGHAI)
        )
    if day_to is not None:
        end = datetime.combine(day_to, datetime.min.time(), SHANGHAI) + timedelta(days=1)
        stmt = stmt.where(Payment.paid_at < end)
    return _payment_rows(scope.scoped(stmt, staff, Payment.estate_id))


def _payment_rows(stmt: sa.Select) -> Iterator[list]:
    for payment, estate in _stream(stmt):
        yield [
            payment.receipt_no,
            estate,
            f"{to_local(payment.paid_at):%Y-%m-%d %H:%M}",
            payment.method.label,
            _fen(payment.amount_fen),
            payment.cashier_name or "—",
            payment.status.label,
        ]


PAYMENTS_HEADERS = ["收据编号", "小区", "时间", "方式", "金额（元）", "收款人", "状态"]
