"""Finding 9: money typed in the panel is a plain decimal, at most two places, at most
1 亿元: ``1e30`` is a 422 with a Chinese message (it was a 500), ``1E+5`` is refused (it
was ¥100,000), and nothing is written."""

from __future__ import annotations

import pytest

from backend.fees.models import Bill
from tests.admin.test_fees import _bills


@pytest.mark.parametrize("amount", ["1e30", "1E+5", "100000001", "-1", "1.005", "NaN", "１０"])
def test_a_bill_adjustment_refuses_what_is_not_plain_yuan(as_staff, db, world, amount):
    (bill,) = _bills(world, 1)
    client = as_staff(world.admin_a)
    response = client.post(
        f"/admin/bills/{bill.id}/adjust",
        data={
            "kind": "waiver",
            "amount": amount,
            "reason": "困难家庭",
            "approver_id": world.admin_a.id,
        },
    )
    assert response.status_code == 422
    assert "金额格式不正确" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Bill, bill.id).waived_fen == 0
