"""Meter readings: the panel form, the Excel import (all or nothing, errors by row) and the
metered bill (consumption × price through ``charge_fen``)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from backend.audit.models import AuditEntry
from backend.core.errors import Invalid
from backend.fees.models import Bill, FeeBasis, MeterReading
from backend.fees.readings import record_reading
from backend.fees.services import generate_bills
from tests.factories import FeeItemFactory, OwnerRecordFactory, UnitFactory

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def water(db, world):
    return FeeItemFactory(
        estate=world.estate_a, name="水费", basis=FeeBasis.metered, meter_unit="吨", price="2.9000"
    )


def _xlsx(rows, headers=("楼栋", "房号", "本期读数", "上期读数")) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _readings(db) -> list[tuple[int, date, Decimal, Decimal]]:
    db.session.expire_all()
    return [
        (r.unit_id, r.period, r.previous, r.current)
        for r in db.session.scalars(sa.select(MeterReading).order_by(MeterReading.id))
    ]


def test_a_reading_takes_the_previous_from_the_last_one_and_bills_the_consumption(db, world, water):
    OwnerRecordFactory(unit=world.unit_a)
    record_reading(world.admin_a, water.id, world.unit_a.id, OCT, Decimal("100.50"), Decimal("90"))
    nov = record_reading(world.admin_a, water.id, world.unit_a.id, NOV, Decimal("112.75"))
    db.session.commit()
    assert (nov.previous, nov.consumption) == (Decimal("100.50"), Decimal("12.25"))
    assert generate_bills(world.estate_a.id, NOV).created == 1
    bill = db.session.scalars(sa.select(Bill).where(Bill.period == NOV)).one()
    assert (bill.quantity, bill.amount_fen) == (Decimal("12.25"), 3553)  # 35.525 → 35.53


def test_a_reading_below_the_previous_one_is_refused_in_chinese(db, world, water):
    record_reading(world.admin_a, water.id, world.unit_a.id, OCT, Decimal("100.50"), Decimal("0"))
    with pytest.raises(Invalid) as caught:
        record_reading(world.admin_a, water.id, world.unit_a.id, NOV, Decimal("99.99"))
    assert caught.value.message == "本期读数 99.99 小于上期读数 100.50"
    fresh = UnitFactory(building=world.building_a, number="1-102")
    with pytest.raises(Invalid, match="首次抄表请填写上期读数"):
        record_reading(world.admin_a, water.id, fresh.id, NOV, Decimal("5"))


def test_the_panel_form_records_a_reading_and_refuses_a_lower_one(as_staff, db, world, water):
    client = as_staff(world.admin_a)
    page = client.get(f"/admin/fees/{water.id}/readings?period=2026-11")
    assert page.status_code == 200 and "本账期暂无读数" in page.text
    form = {"period": "2026-10", "building_id": world.building_a.id, "number": "1-101"}
    resp = client.post(
        f"/admin/fees/{water.id}/readings", data={**form, "current": "100.5", "previous": "90"}
    )
    assert resp.status_code == 302
    resp = client.post(
        f"/admin/fees/{water.id}/readings",
        data={**form, "period": "2026-11", "current": "99"},
    )
    assert resp.status_code == 422
    assert "本期读数 99.00 小于上期读数 100.50" in resp.text
    resp = client.post(
        f"/admin/fees/{water.id}/readings", data={**form, "number": "9-999", "current": "1"}
    )
    assert resp.status_code == 422 and "该楼栋没有这个房号" in resp.text
    assert _readings(db) == [(world.unit_a.id, OCT, Decimal("90.00"), Decimal("100.50"))]
    page = client.get(f"/admin/fees/{water.id}/readings?period=2026-10")
    assert "100.50" in page.text and "10.50" in page.text
    assert db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "meter.reading")
    )


def test_staff_of_another_company_cannot_enter_readings(as_staff, db, world, water):
    client = as_staff(world.admin_b)
    assert client.get(f"/admin/fees/{water.id}/readings").status_code == 404
    resp = client.post(
        f"/admin/fees/{water.id}/readings",
        data={"period": "2026-11", "building_id": world.building_a.id, "number": "1-101",
              "current": "5", "previous": "1"},
    )  # fmt: skip
    assert resp.status_code == 404
    assert _readings(db) == []


def test_an_import_with_faulty_rows_lists_each_by_row_and_writes_nothing(
    as_staff, db, world, water
):
    record_reading(world.admin_a, water.id, world.unit_a.id, OCT, Decimal("100"), Decimal("0"))
    UnitFactory(building=world.building_a, number="1-102")
    UnitFactory(building=world.building_a, number="1-103")
    db.session.commit()
    client = as_staff(world.admin_a)
    rows = [
        ("1幢", "1-101", "99", ""),  # row 2: below October's 100
        ("1幢", "1-102", "abc", "0"),  # row 3: not a number
        ("1幢", "1-103", "12", ""),  # row 4: first reading without its previous value
        ("9幢", "9-999", "12", "1"),  # row 5: no such unit
        ("1幢", "1-101", "120", ""),  # row 6: repeats row 2
    ]
    resp = client.post(
        f"/admin/fees/{water.id}/readings/import",
        data={"period": "2026-11", "file": (_xlsx(rows), "readings.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    for row, text in (
        (2, "本期读数 99.00 小于上期读数 100.00"),
        (3, "本期读数“abc”不是数字"),
        (4, "首次抄表请填写上期读数"),
        (5, "本小区没有房屋 9幢 9-999"),
        (6, "与第 2 行重复"),
    ):
        assert f'<td class="num">{row}</td><td>' in resp.text and text in resp.text, (row, text)
    assert len(_readings(db)) == 1


def test_a_good_import_records_every_row_and_they_are_billed(as_staff, db, world, water):
    OwnerRecordFactory(unit=world.unit_a)
    record_reading(world.admin_a, water.id, world.unit_a.id, OCT, Decimal("100"), Decimal("0"))
    second = UnitFactory(building=world.building_a, number="1-102")
    OwnerRecordFactory(unit=second)
    db.session.commit()
    client = as_staff(world.admin_a)
    resp = client.post(
        f"/admin/fees/{water.id}/readings/import",
        data={
            "period": "2026-11",
            "file": (_xlsx([("1幢", "1-101", 110.5, None), ("1幢", "1-102", "20.00", "15")]),
                     "readings.xlsx"),
        },
        content_type="multipart/form-data",
    )  # fmt: skip
    assert resp.status_code == 302, resp.text
    assert sorted(_readings(db))[-2:] == sorted(
        [
            (world.unit_a.id, NOV, Decimal("100.00"), Decimal("110.50")),
            (second.id, NOV, Decimal("15.00"), Decimal("20.00")),
        ]
    )
    generate_bills(world.estate_a.id, NOV)
    amounts = dict(db.session.execute(sa.select(Bill.unit_id, Bill.amount_fen)).all())
    assert amounts == {world.unit_a.id: 3045, second.id: 1450}  # 10.5 × 2.9, 5 × 2.9


def test_the_readings_template_downloads_with_its_headers(as_staff, world, water):
    resp = as_staff(world.admin_a).get("/admin/fees/readings/template.xlsx")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert [c.value for c in sheet[1]] == ["楼栋", "房号", "本期读数", "上期读数"]


def test_readings_of_a_per_area_item_are_refused(as_staff, world):
    item = FeeItemFactory(estate=world.estate_a)
    resp = as_staff(world.admin_a).get(f"/admin/fees/{item.id}/readings")
    assert resp.status_code == 422


def test_the_prefilled_sheet_lists_the_units_with_their_previous_readings_and_imports_back(
    as_staff, db, world, water
):
    """Issue 19: the period's sheet lists every unit of the estate not yet read, with its
    previous reading; filled in and uploaded as it is, the rows left blank are skipped."""
    second = UnitFactory(building=world.unit_a.building, number="1-102")
    read = UnitFactory(building=world.unit_a.building, number="1-103")
    record_reading(world.admin_a, water.id, world.unit_a.id, OCT, Decimal("100.50"), Decimal("90"))
    record_reading(world.admin_a, water.id, read.id, NOV, Decimal("7"), Decimal("5"))
    db.session.commit()
    client = as_staff(world.admin_a)

    resp = client.get(f"/admin/fees/{water.id}/readings/template.xlsx?period=2026-11")

    assert resp.status_code == 200
    disposition = resp.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E6%8A%84%E8%A1%A8_" in disposition  # 抄表_水费_2026-11.xlsx
    assert disposition.endswith("2026-11.xlsx")
    book = load_workbook(io.BytesIO(resp.data))
    sheet = book.worksheets[0]
    assert sheet.title == "抄表 2026-11"
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["楼栋", "房号", "本期读数", "上期读数"]
    building = world.unit_a.building.name
    listed = {(r[0], r[1]): r for r in rows[1:]}
    assert (building, read.number) not in listed  # already read for November
    assert float(listed[building, world.unit_a.number][3]) == 100.5
    assert listed[building, second.number][3] is None  # first reading: none known

    # fill one unit in, leave the other blank, upload the sheet as it is
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == world.unit_a.number:
            row[2].value = 110.5
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    resp = client.post(
        f"/admin/fees/{water.id}/readings/import",
        data={"period": "2026-11", "file": (buffer, "抄表.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    november = [r for r in _readings(db) if r[1] == NOV]
    assert sorted(november) == sorted(
        [
            (read.id, NOV, Decimal("5.00"), Decimal("7.00")),
            (world.unit_a.id, NOV, Decimal("100.50"), Decimal("110.50")),
        ]
    )


def test_the_prefilled_sheet_is_for_those_who_manage_fees_in_scope(as_staff, world, water):
    assert (
        as_staff(world.desk_a).get(f"/admin/fees/{water.id}/readings/template.xlsx").status_code
        == 403
    )
    assert (
        as_staff(world.admin_b).get(f"/admin/fees/{water.id}/readings/template.xlsx").status_code
        == 404
    )
