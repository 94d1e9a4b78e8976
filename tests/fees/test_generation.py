"""Bill generation: who is billed, at which price, and never twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.fees.models import Bill, FeeBasis, MeterReading
from backend.fees.money import charge_fen
from backend.fees.services import change_price, generate_bills, prepay_bills
from backend.org.models import Unit
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    FeeItemFactory,
    OwnerRecordFactory,
    StaffFactory,
    UnitFactory,
)

NOV = date(2026, 11, 1)
DEC = date(2026, 12, 1)


def _owned_unit(building, area: str, **kw) -> Unit:
    unit = UnitFactory(building=building, area=Decimal(area), **kw)
    OwnerRecordFactory(unit=unit)
    return unit


def _bills(db) -> list[Bill]:
    return list(db.session.scalars(sa.select(Bill).order_by(Bill.unit_id, Bill.fee_item_id)))


def test_every_owned_unit_is_billed_with_the_exact_amount(db):
    building = BuildingFactory()
    areas = ["89.47", "1.00", "4999.99", "120.05", "89.47"]
    units = [_owned_unit(building, a) for a in areas]
    item = FeeItemFactory(estate=building.estate, price="2.35")

    report = generate_bills(building.estate_id, NOV)

    assert report.created == len(units)
    bills = _bills(db)
    assert [b.amount_fen for b in bills] == [charge_fen(Decimal(a), Decimal("2.35")) for a in areas]
    assert bills[0].amount_fen == 21025  # 89.47 × 2.35 = 210.2545
    assert {b.fee_item_id for b in bills} == {item.id}
    assert all(b.quantity == u.area for b, u in zip(bills, units, strict=True))


def test_half_fen_boundaries_are_rounded_up_in_generated_bills(db):
    building = BuildingFactory()
    _owned_unit(building, "1.00")
    _owned_unit(building, "3.00")
    FeeItemFactory(estate=building.estate, price="0.0050")  # 0.5 fen and 1.5 fen
    generate_bills(building.estate_id, NOV)
    assert [b.amount_fen for b in _bills(db)] == [1, 2]


def test_generating_a_period_again_creates_nothing(db):
    building = BuildingFactory()
    for _ in range(3):
        _owned_unit(building, "80.00")
    FeeItemFactory(estate=building.estate)
    FeeItemFactory(estate=building.estate, basis=FeeBasis.fixed, name="垃圾清运费", price="15")

    assert generate_bills(building.estate_id, NOV).created == 6
    again = generate_bills(building.estate_id, NOV)
    assert again.created == 0
    assert len(_bills(db)) == 6


def test_a_unique_constraint_refuses_a_second_bill_for_the_same_month(db):
    building = BuildingFactory()
    _owned_unit(building, "80.00")
    FeeItemFactory(estate=building.estate)
    generate_bills(building.estate_id, NOV)
    bill = _bills(db)[0]
    db.session.add(
        Bill(
            estate_id=bill.estate_id,
            building_id=bill.building_id,
            unit_id=bill.unit_id,
            fee_item_id=bill.fee_item_id,
            period=NOV,
            quantity=bill.quantity,
            price_yuan=bill.price_yuan,
            amount_fen=1,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_units_without_an_owner_are_listed_not_billed(db):
    building = BuildingFactory()
    owned = _owned_unit(building, "80.00")
    empty = UnitFactory(building=building, number="空置-1")
    FeeItemFactory(estate=building.estate)

    report = generate_bills(building.estate_id, NOV)

    assert [b.unit_id for b in _bills(db)] == [owned.id]
    assert report.unbilled_count == 1
    assert report.unbilled_units == [(empty.id, f"{building.name} 空置-1")]
    assert "1 套房屋无业主登记或面积" in report.summary()


@pytest.mark.parametrize("area", ["0", "0.00", "-5", "5000.01", "99999999"])
def test_zero_and_absurd_areas_are_refused_by_the_database(db, area):
    building = BuildingFactory()
    with pytest.raises(sa.exc.IntegrityError):
        UnitFactory(building=building, area=Decimal(area))
    db.session.rollback()


def test_developer_held_units_and_building_scope(db):
    estate = EstateFactory()
    b1, b2 = BuildingFactory(estate=estate), BuildingFactory(estate=estate)
    plain = _owned_unit(b1, "80.00")
    held = _owned_unit(b1, "80.00", developer_held=True)
    other = _owned_unit(b2, "80.00")
    service = FeeItemFactory(estate=estate, developer_held_included=False, name="物业费")
    lift = FeeItemFactory(estate=estate, name="电梯费", price="0.50")
    lift.buildings = [b1]
    db.session.commit()

    generate_bills(estate.id, NOV)

    billed = {(b.fee_item_id, b.unit_id) for b in _bills(db)}
    assert billed == {
        (service.id, plain.id),
        (service.id, other.id),
        (lift.id, plain.id),
        (lift.id, held.id),
    }


def test_a_price_change_applies_from_its_date_and_earlier_bills_keep_theirs(db):
    building = BuildingFactory(estate=EstateFactory(company=None))
    _owned_unit(building, "100.00")
    item = FeeItemFactory(estate=building.estate, price="2.35")
    admin = StaffFactory()
    generate_bills(building.estate_id, NOV)

    change_price(admin, item.id, Decimal("2.8000"), DEC)
    generate_bills(building.estate_id, NOV)
    generate_bills(building.estate_id, DEC)

    by_period = {b.period: b for b in _bills(db)}
    assert by_period[NOV].price_yuan == Decimal("2.35")
    assert by_period[NOV].amount_fen == 23500
    assert by_period[DEC].price_yuan == Decimal("2.80")
    assert by_period[DEC].amount_fen == 28000


def test_an_item_without_a_price_yet_is_reported(db):
    building = BuildingFactory()
    _owned_unit(building, "100.00")
    FeeItemFactory(estate=building.estate, name="新项目", price__effective_from=date(2027, 1, 1))
    report = generate_bills(building.estate_id, NOV)
    assert report.created == 0
    assert report.unpriced == ["新项目"]


def test_metered_items_bill_the_consumption(db):
    building = BuildingFactory()
    unit = _owned_unit(building, "100.00")
    _owned_unit(building, "100.00")  # no reading: no water bill
    water = FeeItemFactory(
        estate=building.estate, name="水费", basis=FeeBasis.metered, meter_unit="吨", price="2.9000"
    )
    db.session.add(
        MeterReading(
            fee_item_id=water.id,
            unit_id=unit.id,
            period=NOV,
            previous=Decimal("100.50"),
            current=Decimal("112.75"),
        )
    )
    db.session.commit()
    assert generate_bills(building.estate_id, NOV).created == 1
    assert generate_bills(building.estate_id, NOV).created == 0
    (bill,) = _bills(db)
    assert bill.quantity == Decimal("12.25")
    assert bill.amount_fen == 3553  # 12.25 × 2.90 = 35.525 → 35.53


def test_prepayment_bills_the_coming_months_once(db):
    building = BuildingFactory()
    unit = _owned_unit(building, "100.00")
    item = FeeItemFactory(estate=building.estate, price="2.00")
    bills = prepay_bills(unit.id, item, 3)
    db.session.commit()
    assert len(bills) == 3
    assert [b.amount_fen for b in bills] == [20000] * 3
    periods = [b.period for b in bills]
    assert len(set(periods)) == 3
    # the monthly run later finds this month already billed
    assert generate_bills(building.estate_id, periods[0]).created == 0


def test_generate_bills_command(app, db):
    building = BuildingFactory()
    _owned_unit(building, "100.00")
    FeeItemFactory(estate=building.estate)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["generate-bills", str(building.estate_id), "2026-11"])
    assert result.exit_code == 0, result.output
    assert "新生成 1 张账单" in result.output
    result = runner.invoke(args=["generate-bills", str(building.estate_id), "2026-11"])
    assert "新生成 0 张账单" in result.output
    result = runner.invoke(args=["generate-bills", str(building.estate_id), "2026/11"])
    assert result.exit_code != 0
    assert "账期格式不正确" in result.output


def test_a_bill_run_tells_each_resident_once_per_period(db, fake_wechat):
    from backend.accounts.models import ResidencyRole
    from backend.core.db import commit
    from backend.notify.models import DeliveryStatus, Notification
    from tests.factories import ResidencyFactory
    from tests.helpers import subscribe

    building = BuildingFactory()
    unit = _owned_unit(building, "100.00")
    other = _owned_unit(building, "80.00")
    FeeItemFactory(estate=building.estate, name="物业服务费", price="2.00")
    FeeItemFactory(estate=building.estate, name="垃圾清运费", basis=FeeBasis.fixed, price="5")
    owner = ResidencyFactory(unit=unit).resident
    ResidencyFactory(unit=other, resident=owner)  # the same owner has two units
    ResidencyFactory(unit=unit, role=ResidencyRole.tenant, ends_on=date(2027, 6, 30))  # pays none
    subscribe(fake_wechat, owner, {"tmpl-bill-issued": "accept"})

    assert generate_bills(building.estate_id, NOV).created == 4
    commit()
    newcomer = _owned_unit(building, "60.00")  # a unit added later, billed by a second run
    neighbour = ResidencyFactory(unit=newcomer).resident
    assert generate_bills(building.estate_id, NOV).created == 2
    commit()
    assert generate_bills(building.estate_id, NOV).created == 0
    commit()

    notes = list(
        db.session.scalars(sa.select(Notification).where(Notification.kind == "bill_issued"))
    )
    assert sorted(n.resident_id for n in notes) == sorted([owner.id, neighbour.id])
    mine = next(n for n in notes if n.resident_id == owner.id)
    assert mine.status == DeliveryStatus.sent
    # 100 m² × 2.00 + 80 m² × 2.00 + 2 × 5.00 = ¥370.00, both units in one message
    assert mine.data["amount3"]["value"] == "¥370.00"
    assert mine.data["thing1"]["value"].endswith("等2套")
    assert "物业服务费" in mine.data["thing2"]["value"]
    [sent] = fake_wechat.messages(owner.openid)
    assert sent["data"]["amount3"]["value"] == "¥370.00"


def test_a_metered_charge_of_nothing_makes_no_bill_no_notice_and_no_arrears(db):
    """Issue 19 defect 2: a reading equal to the previous one (100 → 100) bills ¥0.00: no
    bill is made, no "bill issued" message goes out, and the arrears list stays empty."""
    from backend.fees.reports import arrears_query
    from backend.notify.models import Notification
    from tests.factories import ResidencyFactory

    building = BuildingFactory()
    unit = _owned_unit(building, "100.00")
    ResidencyFactory(unit=unit)
    water = FeeItemFactory(
        estate=building.estate, name="水费", basis=FeeBasis.metered, meter_unit="吨", price="2.9000"
    )
    fixed_free = FeeItemFactory(
        estate=building.estate, name="免费项目", basis=FeeBasis.fixed, price="0.0000"
    )
    assert fixed_free.id
    db.session.add(
        MeterReading(
            fee_item_id=water.id,
            unit_id=unit.id,
            period=NOV,
            previous=Decimal("100.00"),
            current=Decimal("100.00"),
        )
    )
    db.session.commit()
    report = generate_bills(building.estate_id, NOV)
    db.session.commit()
    assert report.created == 0
    assert _bills(db) == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    staff = StaffFactory(company=building.estate.company)
    assert db.session.execute(arrears_query(staff)).all() == []
