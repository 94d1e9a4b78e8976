"""A unit with an owner living in it and two unpaid bills; helpers to pay and notify."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from backend.fees.models import Bill
from tests.admin.conftest import as_staff, world  # noqa: F401  (the panel's small city)
from tests.factories import (
    BillFactory,
    FeeItemFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    UnitFactory,
)
from tests.helpers import bearer


@pytest.fixture
def home(db):
    """An owner in unit 1-101 with the November and December service-fee bills."""
    unit = UnitFactory(number="1-101")
    OwnerRecordFactory(unit=unit)
    item = FeeItemFactory(estate=unit.estate, name="物业服务费")
    residency = ResidencyFactory(unit=unit)
    bills = [
        BillFactory(unit=unit, fee_item=item, period=date(2026, 11, 1)),
        BillFactory(unit=unit, fee_item=item, period=date(2026, 12, 1)),
    ]
    return SimpleNamespace(
        unit=unit,
        item=item,
        resident=residency.resident,
        bills=bills,
        headers=bearer(residency.resident),
        total=sum(b.amount_fen for b in bills),
    )


@pytest.fixture
def paid(client, db, home, fake_wechat):
    """The owner of ``home`` paid both bills through WeChat Pay: the payment."""
    import sqlalchemy as sa

    from backend.fees.models import Payment

    resp = pay(client, home.headers, [b.id for b in home.bills])
    assert resp.status_code == 201, resp.json
    notify(client, fake_wechat.complete_payment(resp.json["out_trade_no"])["xml"])
    return db.session.scalars(sa.select(Payment)).one()


def pay(client, headers, bill_ids):
    return client.post("/api/v1/me/payments", json={"bill_ids": bill_ids}, headers=headers)


def notify(client, xml):
    body = xml.encode() if isinstance(xml, str) else xml
    return client.post(
        "/api/v1/payments/wechat/notify", data=body, headers={"Content-Type": "text/xml"}
    )


def signed(data: dict, key: str) -> str:
    """``data`` as WeChat Pay XML, signed with merchant ``key``."""
    return dict_to_xml(data, calculate_signature(data, key))


def bill_status(db, bill_id) -> str:
    db.session.expire_all()
    return db.session.get(Bill, bill_id).status.value
