"""Demo data of fees: two fee items in each company-run estate and a year of bills, most
paid at the counter, some in arrears (a few with a written reminder). The registry-match
unit of the simulator's demo owes the last two months, to be paid in the simulator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from backend.authz.roles import StaffRole
from backend.core.time import month_start, to_local, utcnow
from backend.extensions import db
from backend.fees.models import (
    OFFLINE_METHODS,
    Bill,
    BillStatus,
    FeeBasis,
    FeeItem,
    FeePrice,
    Payment,
    PricingForm,
    ReminderChannel,
    payment_bills,
)
from backend.fees.reminders import send_reminder
from backend.fees.services import current_period, generate_bills
from backend.org.demo import REGISTRY_MATCH

if TYPE_CHECKING:
    from backend.demo import Demo

#: (name, basis, unit price in yuan, pricing form, pricing document)
FEE_ITEMS = (
    (
        "物业服务费",
        FeeBasis.per_area,
        "2.35",
        PricingForm.government_guided,
        "杭价服〔2024〕18号（二级服务）",
    ),
    ("生活垃圾清运费", FeeBasis.fixed, "10.00", PricingForm.market, "物业服务合同第 12 条"),
)
MONTHS = 12


def seed(demo: Demo) -> None:
    if demo.existing:
        return
    now_period = current_period()
    first = month_start(now_period, -(MONTHS - 1))
    match = demo.unit_ids.get(
        (REGISTRY_MATCH["estate"], REGISTRY_MATCH["building"], REGISTRY_MATCH["unit"])
    )
    for estate in demo.estates.values():
        if estate.company_id is None:
            continue
        cashier = next(
            s
            for s in demo.staff.values()
            if s.company_id == estate.company_id and s.role == StaffRole.service_desk
        )
        for name, basis, price, form, document in FEE_ITEMS:
            item = FeeItem(
                estate_id=estate.id,
                name=name,
                basis=basis,
                pricing_form=form,
                basis_document=document,
                # unsold units pay the service fee, not the refuse collection of no household
                developer_held_included=basis == FeeBasis.per_area,
            )
            db.session.add(item)
            db.session.flush()
            db.session.add(
                FeePrice(
                    fee_item_id=item.id,
                    price_yuan=Decimal(price),
                    effective_from=month_start(first, -12),
                )
            )
        db.session.flush()
        for k in range(MONTHS):
            generate_bills(estate.id, month_start(first, k))
        in_arrears = _pay(demo, estate.id, cashier, now_period, match)
        for unit_id in in_arrears[:3]:
            send_reminder(cashier, unit_id, ReminderChannel.written)
    _seed_water(demo, now_period)
    db.session.flush()


#: the metered item of the first estate served by a company, and how many units were read
WATER_UNITS = 24


def _seed_water(demo: Demo, now_period) -> None:
    """A metered 水费 with last month's readings of the first units of one estate, so that
    the readings page shows them and this month's pre-filled sheet lists the previous
    readings (issue 19)."""
    from backend.fees.readings import record_reading

    estate = next((e for e in demo.estates.values() if e.company_id is not None), None)
    if estate is None:
        return
    admin = next(
        s
        for s in demo.staff.values()
        if s.company_id == estate.company_id and s.role == StaffRole.company_admin
    )
    item = FeeItem(
        estate_id=estate.id,
        name="水费",
        basis=FeeBasis.metered,
        meter_unit="吨",
        pricing_form=PricingForm.government_guided,
        basis_document="杭州市居民生活用水阶梯价格（第一阶梯）",
    )
    db.session.add(item)
    db.session.flush()
    db.session.add(
        FeePrice(
            fee_item_id=item.id,
            price_yuan=Decimal("2.90"),
            effective_from=month_start(now_period, -24),
        )
    )
    db.session.flush()
    last = month_start(now_period, -1)
    units = sorted(uid for key, uid in demo.unit_ids.items() if key[0] == estate.name)
    for k, unit_id in enumerate(units[:WATER_UNITS]):
        start = Decimal(100 + 37 * k % 400)
        record_reading(admin, item.id, unit_id, last, start + Decimal(8 + k % 9), start)


def _pay(demo: Demo, estate_id: int, cashier, now_period, registry_unit: int | None) -> list[int]:
    """Record the counter payments of the demo in bulk (one per unit, for the months it has
    paid); return the units owing three months or more."""
    from collections import defaultdict

    rows = db.session.execute(
        sa.select(Bill.id, Bill.unit_id, Bill.period, Bill.amount_fen - Bill.waived_fen)
        .where(Bill.estate_id == estate_id)
        .order_by(Bill.unit_id, Bill.period, Bill.id)
    ).all()
    by_unit: dict[int, list] = defaultdict(list)
    for bill_id, unit_id, period, due in rows:
        by_unit[unit_id].append((bill_id, period, due))
    payments, paid_bills, in_arrears = [], [], []
    counter = db.session.scalar(sa.select(sa.func.count(Payment.id))) or 0
    for unit_id, bills in by_unit.items():
        owed = _months_owed(demo, unit_id == registry_unit)
        if owed >= 3:
            in_arrears.append(unit_id)
        cutoff = month_start(now_period, 1 - owed)
        paid = [(bill_id, due) for bill_id, period, due in bills if period < cutoff]
        if not paid:
            continue
        counter += 1
        paid_at = utcnow() - timedelta(days=31 * owed + 3)
        payments.append(
            {
                "estate_id": estate_id,
                "method": demo.rng.choice(list(OFFLINE_METHODS)),
                "amount_fen": sum(due for _, due in paid),
                "cashier_id": cashier.id,
                "cashier_name": cashier.name,
                "receipt_no": f"{to_local(paid_at):%Y%m%d}{counter:08d}",
                "note": "演示数据",
                "paid_at": paid_at,
            }
        )
        paid_bills.append((paid, paid_at))
    ids = db.session.scalars(
        sa.insert(Payment).returning(Payment.id, sort_by_parameter_order=True), payments
    ).all()
    db.session.execute(
        payment_bills.insert(),
        [
            {"payment_id": pid, "bill_id": bill_id, "amount_fen": due}
            for pid, (paid, _) in zip(ids, paid_bills, strict=True)
            for bill_id, due in paid
        ],
    )
    db.session.execute(
        sa.update(Bill),
        [
            {"id": bill_id, "status": BillStatus.paid, "payment_id": pid, "paid_at": at}
            for pid, (paid, at) in zip(ids, paid_bills, strict=True)
            for bill_id, _ in paid
        ],
    )
    return in_arrears


def _months_owed(demo: Demo, registry_unit: bool) -> int:
    """How many of the latest months a unit has not paid (0: it is paid up)."""
    if registry_unit:
        return 2
    roll = demo.rng.random()
    if roll < 0.06:
        return MONTHS
    if roll < 0.18:
        return demo.rng.randint(3, 10)
    if roll < 0.55:
        return 1
    return 0
