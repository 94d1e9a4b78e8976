"""Fee items, prices, meter readings, bill generation, waivers and corrections.

Every amount is computed by :func:`backend.fees.money.charge_fen`. Bills are generated
set-based (one ``INSERT … SELECT`` per fee item) so that an estate of 100,000 units is billed
in seconds; the unique constraint on unit + item + period makes a second run create nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from backend.accounts.models import Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.core import board_hook
from backend.core.db import defer, insert
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.time import local_today, month_start, utcnow
from backend.extensions import db
from backend.fees.models import (
    AdjustmentKind,
    Bill,
    BillAdjustment,
    BillNotice,
    BillStatus,
    FeeBasis,
    FeeItem,
    FeePrice,
    MeterReading,
    PricingForm,
)
from backend.fees.money import charge_fen
from backend.org.models import Building, Estate, OwnerRecord, Unit
from backend.org.services import unit_sort, units_like

log = logging.getLogger(__name__)

#: a price above this (yuan per unit per month) is a typing error
MAX_PRICE = Decimal("100000")
#: prepayment covers at most this many months at once
MAX_PREPAY_MONTHS = 24


# --- periods -----------------------------------------------------------------------------


def parse_period(text: str) -> date:
    """``"2026-11"`` → ``date(2026, 11, 1)``; :class:`Invalid` for anything else."""
    value = (text or "").strip()
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise Invalid("账期格式不正确，应为 YYYY-MM", {"period": ["账期格式不正确"]}) from None


def current_period() -> date:
    return local_today().replace(day=1)


def parse_price(text) -> Decimal:
    """An exact unit price in yuan with at most four decimals."""
    try:
        price = Decimal(str(text).strip())
    except InvalidOperation:
        raise Invalid("单价格式不正确", {"price": ["单价应为数字，最多四位小数"]}) from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise Invalid("单价超出合理范围", {"price": ["单价超出合理范围"]})
    if price != price.quantize(Decimal("0.0001")):
        raise Invalid("单价最多四位小数", {"price": ["单价最多四位小数"]})
    return price


# --- fee items -----------------------------------------------------------------------------

ITEM_FIELDS = (
    "name",
    "basis",
    "pricing_form",
    "basis_document",
    "meter_unit",
    "tenant_pays",
    "developer_held_included",
    "active",
)


#: how the fee item list sorts (``admin.page.ListSpec``), by ``?sort=``
FEE_ITEM_SORTS = {
    "estate": (FeeItem.estate_id, FeeItem.id),
    "name": FeeItem.name,
    "basis": FeeItem.basis,
    "form": FeeItem.pricing_form,
}


def fee_items_query(
    staff: Staff,
    estate_id: int | None = None,
    *,
    q: str = "",
    basis: FeeBasis | None = None,
    active: bool | None = None,
) -> sa.Select:
    """The fee items in ``staff``'s scope (of one estate if given, ``q`` in the name, of
    one basis, active or stopped), with what the panel shows of them (estate, prices,
    buildings)."""
    stmt = (
        sa.select(FeeItem)
        .options(
            joinedload(FeeItem.estate),
            selectinload(FeeItem.prices),
            selectinload(FeeItem.buildings),
        )
        .order_by(FeeItem.estate_id, FeeItem.id)
    )
    if estate_id is not None:
        stmt = stmt.where(FeeItem.estate_id == estate_id)
    if q:
        stmt = stmt.where(FeeItem.name.contains(q, autoescape=True))
    if basis is not None:
        stmt = stmt.where(FeeItem.basis == basis)
    if active is not None:
        stmt = stmt.where(FeeItem.active.is_(active))
    return scope.scoped(stmt, staff, FeeItem.estate_id)


def get_fee_item(staff: Staff, item_id: int) -> FeeItem:
    return scope.get_scoped(FeeItem, item_id, staff)


def create_fee_item(
    staff: Staff,
    estate_id: int,
    *,
    name: str,
    basis: FeeBasis,
    pricing_form: PricingForm,
    price: Decimal,
    effective_from: date,
    basis_document: str = "",
    meter_unit: str = "",
    tenant_pays: bool = False,
    developer_held_included: bool = True,
    building_ids: list[int] | None = None,
) -> FeeItem:
    """Add a fee item to an estate with its first price."""
    scope.require(staff, "fees.manage")
    estate = scope.get_scoped(Estate, estate_id, staff)
    name = (name or "").strip()
    if not 1 <= len(name) <= 60:
        raise Invalid("收费项目名称为 1–60 个字", {"name": ["名称为 1–60 个字"]})
    if db.session.scalar(
        sa.select(FeeItem.id).where(FeeItem.estate_id == estate.id, FeeItem.name == name)
    ):
        raise Conflict("该小区已有同名收费项目", {"name": ["已有同名收费项目"]})
    item = FeeItem(
        estate_id=estate.id,
        name=name,
        basis=basis,
        pricing_form=pricing_form,
        basis_document=(basis_document or "").strip()[:200],
        meter_unit=(meter_unit or "").strip()[:10],
        tenant_pays=tenant_pays,
        developer_held_included=developer_held_included,
    )
    item.buildings = _buildings_of(estate.id, building_ids or [])
    db.session.add(item)
    db.session.flush()
    db.session.add(
        FeePrice(
            fee_item_id=item.id,
            price_yuan=price,
            effective_from=effective_from,
            created_by_id=staff.id,
        )
    )
    db.session.flush()
    after = audit.snapshot(item, ITEM_FIELDS)
    after.update(price=str(price), effective_from=effective_from.isoformat())
    after["building_ids"] = [b.id for b in item.buildings]
    audit.record(staff, "fee_item.create", "fee_item", item.id, after=after, estate_id=estate.id)
    board_hook.source_changed(estate.id, "fee_standards")
    return item


def buildings_of(item: FeeItem) -> list[Building]:
    """The buildings of the item's estate, by name (for the panel's forms)."""
    return list(
        db.session.scalars(
            sa.select(Building).where(Building.estate_id == item.estate_id).order_by(Building.name)
        )
    )


def _buildings_of(estate_id: int, building_ids: list[int]) -> list[Building]:
    if not building_ids:
        return []
    buildings = list(
        db.session.scalars(
            sa.select(Building).where(
                Building.id.in_(building_ids), Building.estate_id == estate_id
            )
        )
    )
    if len(buildings) != len(set(building_ids)):
        raise Invalid("所选楼栋不属于该小区", {"building_ids": ["楼栋无效"]})
    return buildings


def update_fee_item(
    staff: Staff,
    item_id: int,
    *,
    building_ids: list[int],
    developer_held_included: bool,
    tenant_pays: bool,
) -> FeeItem:
    """Which units a fee item bills (all buildings or some; developer-held units or not) and
    whether tenants pay it. Bills already made stay as they are."""
    scope.require(staff, "fees.manage")
    item = get_fee_item(staff, item_id)
    before = audit.snapshot(item, ("tenant_pays", "developer_held_included"))
    before["buildings"] = [b.name for b in item.buildings] or "全部楼栋"
    item.buildings = _buildings_of(item.estate_id, building_ids)
    item.developer_held_included = developer_held_included
    item.tenant_pays = tenant_pays
    db.session.flush()
    after = audit.snapshot(item, ("tenant_pays", "developer_held_included"))
    after["buildings"] = [b.name for b in item.buildings] or "全部楼栋"
    if before != after:
        audit.record(
            staff, "fee_item.update", "fee_item", item.id, before=before, after=after,
            estate_id=item.estate_id,
        )  # fmt: skip
        board_hook.source_changed(item.estate_id, "fee_standards")
    return item


def set_fee_item_active(staff: Staff, item_id: int, active: bool) -> FeeItem:
    """Stop (or resume) billing a fee item: later runs skip an inactive item; its bills and
    prices stay."""
    scope.require(staff, "fees.manage")
    item = get_fee_item(staff, item_id)
    if item.active == active:
        raise Conflict("收费项目已是该状态")
    item.active = active
    db.session.flush()
    audit.record(
        staff,
        "fee_item.activate" if active else "fee_item.deactivate",
        "fee_item",
        item.id,
        before={"active": not active},
        after={"active": active},
        estate_id=item.estate_id,
    )
    board_hook.source_changed(item.estate_id, "fee_standards")
    return item


def change_price(staff: Staff, item_id: int, price: Decimal, effective_from: date) -> FeePrice:
    """Set a new price from ``effective_from`` on; bills already made keep their price."""
    scope.require(staff, "fees.manage")
    item = get_fee_item(staff, item_id)
    if effective_from.day != 1:
        raise Invalid("调价须从某月 1 日起生效", {"effective_from": ["须为某月 1 日"]})
    if db.session.scalar(
        sa.select(FeePrice.id).where(
            FeePrice.fee_item_id == item.id, FeePrice.effective_from == effective_from
        )
    ):
        raise Conflict("该日期已有价格", {"effective_from": ["该日期已有价格"]})
    fee_price = FeePrice(
        fee_item_id=item.id, price_yuan=price, effective_from=effective_from, created_by_id=staff.id
    )
    db.session.add(fee_price)
    db.session.flush()
    previous = item.price_on(effective_from)
    audit.record(
        staff,
        "fee_item.price",
        "fee_item",
        item.id,
        before={"price": str(previous.price_yuan)} if previous else None,
        after={"price": str(price), "effective_from": effective_from.isoformat()},
        estate_id=item.estate_id,
    )
    db.session.expire(item, ["prices"])
    board_hook.source_changed(item.estate_id, "fee_standards")
    return fee_price


# --- bill generation --------------------------------------------------------------------------


@dataclass
class GenerationReport:
    """What one generation run did, for the panel and the command line."""

    estate_id: int
    period: date
    created: int = 0
    #: per fee item name: how many bills were made
    by_item: dict[str, int] = field(default_factory=dict)
    #: items without a price in effect for the period
    unpriced: list[str] = field(default_factory=list)
    #: units not billed because they have no owner of record (id, label), at most 200 listed
    unbilled_units: list[tuple[int, str]] = field(default_factory=list)
    unbilled_count: int = 0

    def summary(self) -> str:
        text = f"{self.period:%Y-%m} 账期新生成 {self.created} 张账单"
        if self.by_item:
            text += "（" + "，".join(f"{k} {v} 张" for k, v in self.by_item.items()) + "）"
        if self.unbilled_count:
            text += f"；{self.unbilled_count} 套房屋无业主登记或面积，未出账"
        if self.unpriced:
            text += "；未定价的项目：" + "、".join(self.unpriced)
        return text


def _billable_units(item: FeeItem) -> list:
    """Conditions on ``Unit`` for the units ``item`` bills: an owner of record and an area."""
    conditions = [
        Unit.estate_id == item.estate_id,
        Unit.area.is_not(None),
        Unit.area > 0,
        sa.exists().where(OwnerRecord.unit_id == Unit.id),
    ]
    if not item.developer_held_included:
        conditions.append(Unit.developer_held.is_(False))
    if item.buildings:
        conditions.append(Unit.building_id.in_([b.id for b in item.buildings]))
    return conditions


_BILL_COLUMNS = (
    "estate_id",
    "building_id",
    "unit_id",
    "fee_item_id",
    "period",
    "quantity",
    "price_yuan",
    "amount_fen",
    "waived_fen",
    "status",
    "created_at",
)


def _generate_by_units(item: FeeItem, price: Decimal, period: date) -> int:
    """Bill every billable unit for a per-area or fixed item: one INSERT … SELECT.

    The amount of each distinct area is computed once by ``charge_fen`` and joined in from a
    temporary table, so the money rule stays in one Python function and the rows are still
    written by the database in one statement.
    """
    conditions = _billable_units(item)
    now = sa.literal(utcnow(), type_=Bill.__table__.c.created_at.type)
    common = (
        Unit.estate_id,
        Unit.building_id,
        Unit.id,
        sa.literal(item.id),
        sa.literal(period, sa.Date),
    )
    tail = (sa.literal(0), sa.literal(BillStatus.unpaid.value), now)
    if item.basis == FeeBasis.fixed:
        amount = charge_fen(Decimal(1), price)
        if amount == 0:
            return 0  # nothing to pay is no bill (a ¥0.00 bill could never be paid)
        select = sa.select(
            *common,
            sa.literal(Decimal("1.00"), sa.Numeric(12, 2)),
            sa.literal(price, sa.Numeric(12, 4)),
            sa.literal(amount, sa.BigInteger),
            *tail,
        ).where(*conditions)
        return _run_insert(select)
    areas = db.session.scalars(sa.select(Unit.area).where(*conditions).distinct()).all()
    if not areas:
        return 0
    amounts = sa.Table(
        "tmp_bill_amounts",
        sa.MetaData(),
        sa.Column("area", sa.Numeric(10, 2), primary_key=True),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        prefixes=["TEMPORARY"],
    )
    connection = db.session.connection()
    amounts.create(connection)
    try:
        connection.execute(
            amounts.insert(), [{"area": a, "amount_fen": charge_fen(a, price)} for a in areas]
        )
        select = (
            sa.select(
                *common,
                Unit.area,
                sa.literal(price, sa.Numeric(12, 4)),
                amounts.c.amount_fen,
                *tail,
            )
            .join(amounts, amounts.c.area == Unit.area)
            .where(*conditions, amounts.c.amount_fen > 0)
        )
        return _run_insert(select)
    finally:
        amounts.drop(connection)


def _run_insert(select: sa.Select) -> int:
    stmt = (
        insert(Bill.__table__)
        .from_select(list(_BILL_COLUMNS), select)
        .on_conflict_do_nothing(index_elements=["unit_id", "fee_item_id", "period"])
        .execution_options(preserve_rowcount=True)
    )
    return db.session.execute(stmt).rowcount


def _generate_metered(item: FeeItem, price: Decimal, period: date) -> int:
    """Bill the units with a meter reading for the period: consumption × price. A charge of
    ¥0.00 (no consumption) makes no bill: it could never be paid and would stand as arrears."""
    rows = db.session.execute(
        sa.select(MeterReading, Unit.building_id)
        .join(Unit, Unit.id == MeterReading.unit_id)
        .where(
            MeterReading.fee_item_id == item.id,
            MeterReading.period == period,
            *_billable_units(item),
        )
    ).all()
    values = [
        {
            "estate_id": item.estate_id,
            "building_id": building_id,
            "unit_id": reading.unit_id,
            "fee_item_id": item.id,
            "period": period,
            "quantity": reading.consumption,
            "price_yuan": price,
            "amount_fen": charge_fen(reading.consumption, price),
            "waived_fen": 0,
            "status": BillStatus.unpaid.value,
            "created_at": utcnow(),
        }
        for reading, building_id in rows
        if charge_fen(reading.consumption, price) > 0
    ]
    if not values:
        return 0
    stmt = insert(Bill.__table__).on_conflict_do_nothing(
        index_elements=["unit_id", "fee_item_id", "period"]
    )
    # an executemany's row count is not reliable on every driver: count what is there
    count = sa.select(sa.func.count(Bill.id)).where(
        Bill.fee_item_id == item.id, Bill.period == period
    )
    before = db.session.scalar(count)
    db.session.execute(stmt, values)
    return db.session.scalar(count) - before


def generate_bills(estate_id: int, period: date, actor: Staff | None = None) -> GenerationReport:
    """Bill every active fee item of an estate for ``period``; a second run creates nothing.

    Units without an owner of record (or without an area) get no bill and are listed in the
    report. ``actor`` is checked against scope when a person asks (the monthly job does not).
    """
    if actor is not None:
        scope.require(actor, "fees.manage")
        scope.get_scoped(Estate, estate_id, actor)
    elif db.session.get(Estate, estate_id) is None:
        raise NotFound("未找到该小区")
    report = GenerationReport(estate_id=estate_id, period=period)
    items = db.session.scalars(
        sa.select(FeeItem)
        .where(FeeItem.estate_id == estate_id, FeeItem.active.is_(True))
        .options(selectinload(FeeItem.prices), selectinload(FeeItem.buildings))
        .order_by(FeeItem.id)
    ).all()
    for item in items:
        fee_price = item.price_on(period)
        if fee_price is None:
            report.unpriced.append(item.name)
            continue
        if item.basis == FeeBasis.metered:
            made = _generate_metered(item, fee_price.price_yuan, period)
        else:
            made = _generate_by_units(item, fee_price.price_yuan, period)
        report.by_item[item.name] = made
        report.created += made
    unbilled = (
        sa.select(Unit.id, Building.name, Unit.number)
        .join(Building, Building.id == Unit.building_id)
        .where(
            Unit.estate_id == estate_id,
            sa.or_(
                ~sa.exists().where(OwnerRecord.unit_id == Unit.id),
                Unit.area.is_(None),
            ),
        )
        .order_by(Building.name, Unit.number)
    )
    report.unbilled_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(unbilled.order_by(None).subquery())
    )
    report.unbilled_units = [
        (uid, f"{b} {n}") for uid, b, n in db.session.execute(unbilled.limit(200))
    ]
    if actor is not None:
        audit.record(
            actor,
            "bills.generate",
            "estate",
            estate_id,
            after={"period": f"{period:%Y-%m}", "created": report.created},
            estate_id=estate_id,
        )
    if report.created:
        from backend.core.db import transaction_token
        from backend.fees.jobs import tell_bills_issued_job

        # each run that made bills tells their residents (the job skips who was told)
        defer(
            tell_bills_issued_job,
            estate_id,
            period.isoformat(),
            key=f"bills-issued:{estate_id}:{period:%Y-%m}:{transaction_token()}",
        )
    log.info("estate %s period %s: %s bills made", estate_id, period, report.created)
    return report


def tell_bills_issued(estate_id: int, period: date) -> int:
    """Tell each resident who sees a bill of ``period`` in the estate that the bills are out:
    one "bill issued" message per resident and period (not per bill, unit or run), through
    ``notify_resident``. Returns how many residents were told."""
    from backend.accounts.models import Residency, ResidencyRole
    from backend.notify.services import notify_resident, sends_in_batches

    told = sa.select(BillNotice.resident_id).where(
        BillNotice.estate_id == estate_id, BillNotice.period == period
    )
    rows = db.session.execute(
        sa.select(
            Residency.resident_id,
            Bill.unit_id,
            Building.name,
            Unit.number,
            FeeItem.name,
            Bill.amount_fen - Bill.waived_fen,
        )
        .join(Bill, Bill.unit_id == Residency.unit_id)
        .join(FeeItem, FeeItem.id == Bill.fee_item_id)
        .join(Unit, Unit.id == Bill.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            Bill.estate_id == estate_id,
            Bill.period == period,
            Bill.status == BillStatus.unpaid,
            Residency.is_current,
            sa.or_(Residency.role != ResidencyRole.tenant, FeeItem.tenant_pays.is_(True)),
            Residency.resident_id.not_in(told),
        )
        .order_by(Residency.resident_id, Building.name, Unit.number, FeeItem.id)
    ).all()
    by_resident: dict[int, dict] = {}
    for resident_id, unit_id, building, number, item, due in rows:
        facts = by_resident.setdefault(resident_id, {"units": {}, "items": [], "due": 0})
        facts["units"].setdefault(unit_id, f"{building}{number}")
        if item not in facts["items"]:
            facts["items"].append(item)
        facts["due"] += due
    if not by_resident:
        return 0
    db.session.execute(
        insert(BillNotice.__table__).on_conflict_do_nothing(),
        [
            {"resident_id": r, "estate_id": estate_id, "period": period, "created_at": utcnow()}
            for r in by_resident
        ],
    )
    due_on = month_start(period, 1) - timedelta(days=1)
    with sends_in_batches():  # bill day: thousands of messages, a job per batch of them
        for resident_id, facts in by_resident.items():
            units = list(facts["units"].values())
            items = facts["items"]
            notify_resident(
                resident_id,
                "bill_issued",
                estate_id=estate_id,
                unit_label=units[0] + (f"等{len(units)}套" if len(units) > 1 else ""),
                item_name=f"{period:%Y年%m月}"
                + "、".join(items[:2])
                + ("等" if len(items) > 2 else ""),
                amount_fen=facts["due"],
                due_on=due_on,
            )
    return len(by_resident)


def prepay_bills(unit_id: int, item: FeeItem, months: int) -> list[Bill]:
    """Bills for the next ``months`` months not yet billed, so that they can be paid ahead.

    Each month is billed at the price in effect for it; the monthly run later finds the
    bill already there and makes nothing (预缴).
    """
    if not 1 <= months <= MAX_PREPAY_MONTHS:
        raise Invalid(f"预缴月数为 1–{MAX_PREPAY_MONTHS} 个月", {"months": ["月数超出范围"]})
    if item.basis == FeeBasis.metered:
        raise Invalid("按用量计费的项目不能预缴")
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.estate_id != item.estate_id:
        raise NotFound("未找到该房屋")
    if not db.session.scalar(
        sa.select(sa.exists().where(*_billable_units(item), Unit.id == unit_id))
    ):
        raise Invalid("该房屋不在此收费项目的范围内")
    last = db.session.scalar(
        sa.select(sa.func.max(Bill.period)).where(
            Bill.unit_id == unit_id, Bill.fee_item_id == item.id
        )
    )
    start = max(current_period(), month_start(last, 1) if last else current_period())
    quantity = Decimal(1) if item.basis == FeeBasis.fixed else unit.area
    bills = []
    for k in range(months):
        period = month_start(start, k)
        fee_price = item.price_on(period)
        if fee_price is None:
            raise Invalid(f"{period:%Y-%m} 没有生效的单价")
        bill = Bill(
            estate_id=unit.estate_id,
            building_id=unit.building_id,
            unit_id=unit.id,
            fee_item_id=item.id,
            period=period,
            quantity=quantity,
            price_yuan=fee_price.price_yuan,
            amount_fen=charge_fen(quantity, fee_price.price_yuan),
        )
        db.session.add(bill)
        bills.append(bill)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("账单已存在，请刷新后重试") from None
    return bills


# --- waivers and corrections ---------------------------------------------------------------


#: how the bill list sorts (``admin.page.ListSpec``), by ``?sort=``
BILL_SORTS = {
    "period": Bill.period,
    "amount": Bill.amount_fen - Bill.waived_fen,
    "unit": unit_sort(Bill.unit_id),
    "status": Bill.status,
    "created": Bill.created_at,
}


def bills_query(
    staff: Staff,
    *,
    estate_id: int | None = None,
    building_id: int | None = None,
    unit_id: int | None = None,
    period: date | None = None,
    status: BillStatus | None = None,
    number: str = "",
) -> sa.Select:
    """Bills in ``staff``'s scope, newest period first, with the panel's filters and what
    its list shows of each (unit and building, fee item, estate)."""
    stmt = (
        sa.select(Bill)
        .options(
            joinedload(Bill.unit).joinedload(Unit.building),
            joinedload(Bill.fee_item),
            joinedload(Bill.estate),
        )
        .order_by(Bill.period.desc(), Bill.unit_id, Bill.id)
    )
    if estate_id:
        stmt = stmt.where(Bill.estate_id == estate_id)
    if unit_id:
        stmt = stmt.where(Bill.unit_id == unit_id)
    if period:
        stmt = stmt.where(Bill.period == period)
    if status:
        stmt = stmt.where(Bill.status == status)
    if building_id:
        stmt = stmt.where(Bill.building_id == building_id)
    units = units_like(number)
    if units is not None:
        # the units searched are those in scope (and of the estate chosen): a substring
        # search reads one company's units, not the city's
        units = scope.scoped(units, staff, Unit.estate_id)
        if estate_id:
            units = units.where(Unit.estate_id == estate_id)
        stmt = stmt.where(Bill.unit_id.in_(units))
    return scope.scoped(stmt, staff, Bill.estate_id)


def approvers_for(bill: Bill) -> list[Staff]:
    """Active staff who may approve a waiver or correction of ``bill``."""
    candidates = db.session.scalars(
        sa.select(Staff)
        .where(Staff.active.is_(True), scope.holders("fees.approve"))
        .order_by(Staff.name)
    )
    return [s for s in candidates if scope.can(s, "fees.approve") and _serves(s, bill.estate_id)]


def _serves(staff: Staff, estate_id: int) -> bool:
    ids = scope.estate_ids(staff)
    if ids is None:
        return True
    return bool(
        db.session.scalar(sa.select(sa.exists().where(Estate.id == estate_id, Estate.id.in_(ids))))
    )


def get_bill(staff: Staff, bill_id: int) -> Bill:
    return scope.get_scoped(Bill, bill_id, staff)


def adjust_bill(
    staff: Staff,
    bill_id: int,
    kind: AdjustmentKind,
    new_fen: int,
    reason: str,
    approver_id: int | None = None,
) -> BillAdjustment:
    """Waive part of a bill (``new_fen`` = amount waived) or correct its amount.

    Recorded with its reason and approver; the bill must be unpaid and not in a pending
    online order (conditional update: a payment arriving at the same time wins or loses
    cleanly).
    """
    scope.require(staff, "fees.adjust")
    bill = get_bill(staff, bill_id)
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 200:
        raise Invalid("请填写原因（2–200 个字）", {"reason": ["请填写原因"]})
    approver = staff if approver_id in (None, staff.id) else db.session.get(Staff, approver_id)
    if approver is None or not approver.active or not scope.can(approver, "fees.approve"):
        raise Invalid("审批人须为有审批权限的员工", {"approver_id": ["审批人无效"]})
    if not _serves(approver, bill.estate_id):
        raise Invalid("审批人须管辖该小区", {"approver_id": ["审批人无效"]})
    if bill.status != BillStatus.unpaid or bill.order_id is not None:
        raise Conflict("只能调整未缴且不在支付中的账单")
    amount, waived = bill.amount_fen, bill.waived_fen
    if kind == AdjustmentKind.waiver:
        if not 0 < new_fen <= amount:
            raise Invalid("减免金额须大于 0 且不超过账单金额", {"amount": ["减免金额无效"]})
        new_amount, new_waived = amount, new_fen
    else:
        if new_fen < 0 or new_fen == amount:
            raise Invalid("更正后的金额无效", {"amount": ["更正后的金额无效"]})
        new_amount, new_waived = new_fen, min(waived, new_fen)
    status = BillStatus.waived if new_waived >= new_amount else BillStatus.unpaid
    done = db.session.execute(
        sa.update(Bill)
        .where(
            Bill.id == bill.id,
            Bill.status == BillStatus.unpaid,
            Bill.order_id.is_(None),
            Bill.amount_fen == amount,
            Bill.waived_fen == waived,
        )
        .values(amount_fen=new_amount, waived_fen=new_waived, status=status)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if done != 1:
        raise Conflict("账单刚刚发生了变化，请刷新后重试")
    adjustment = BillAdjustment(
        bill_id=bill.id,
        kind=kind,
        amount_before=amount,
        amount_after=new_amount,
        waived_before=waived,
        waived_after=new_waived,
        reason=reason,
        approved_by_id=approver.id,
        recorded_by_id=staff.id,
    )
    db.session.add(adjustment)
    db.session.flush()
    audit.record(
        staff,
        f"bill.{kind.value}",
        "bill",
        bill.id,
        before={"amount_fen": amount, "waived_fen": waived},
        after={
            "amount_fen": new_amount,
            "waived_fen": new_waived,
            "reason": reason,
            "approved_by": approver.name,
        },
        estate_id=bill.estate_id,
    )
    return adjustment
