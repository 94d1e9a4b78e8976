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


# --- one money field ------------------------------------------------------------------------

MONEY_WORDS = ("amount", "budget", "balance", "income", "expense", "total", "fen", "yuan")


def _panel_forms():
    import importlib
    import inspect
    import pathlib

    import admin
    from admin.forms import Form

    for path in sorted(pathlib.Path(admin.__file__).parent.glob("*.py")):
        module = importlib.import_module(
            f"admin.{path.stem}" if path.stem != "__init__" else "admin"
        )
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls is not Form and cls.__module__ == module.__name__:
                yield cls


def test_every_money_field_of_the_panel_is_a_yuan_field(app):
    from wtforms.fields.core import UnboundField

    from admin.forms import YuanField

    checked = []
    for form in _panel_forms():
        for name in dir(form):
            field = getattr(form, name)
            if isinstance(field, UnboundField) and any(w in name for w in MONEY_WORDS):
                checked.append(f"{form.__name__}.{name}")
                assert field.field_class is YuanField, f"{form.__name__}.{name}"
    # the bill adjustment, the fund's budget and payment, the board's statement totals
    assert {"AmountForm.amount", "UseForm.budget", "PaymentForm.amount"} <= set(checked)
    assert "PostForm.closing_balance" in checked


def test_no_panel_module_parses_yuan_by_hand():
    """One parser: only ``admin/forms.py`` calls ``parse_yuan``; nothing turns typed money
    into ``Decimal`` or ``float`` itself."""
    import pathlib
    import re

    import admin

    for path in pathlib.Path(admin.__file__).parent.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if path.name != "forms.py":
            assert "parse_yuan" not in source, path.name
        assert not re.search(r"(Decimal|float)\(\s*(request\.|form\.|data\[)", source), path.name


@pytest.mark.parametrize(
    ("typed", "signed", "fen"),
    [("1,234.50", False, 123450), ("¥0.05", False, 5), ("-12.3", True, -1230), ("", False, None)],
)
def test_a_yuan_field_holds_fen(app, typed, signed, fen):
    from werkzeug.datastructures import MultiDict

    from admin.forms import Form, YuanField

    class F(Form):
        money = YuanField(signed=signed)

    with app.test_request_context(method="POST"):
        form = F(formdata=MultiDict({"money": typed}))
        assert form.validate()
        assert form.money.data == fen
        assert form.money._value() == typed


@pytest.mark.parametrize("typed", ["1e30", "1E+5", "-1", "1.005", "NaN", "１０", "100000001"])
def test_a_yuan_field_refuses_what_is_not_plain_yuan_in_chinese(app, typed):
    from werkzeug.datastructures import MultiDict

    from admin.forms import Form, YuanField

    class F(Form):
        money = YuanField()

    with app.test_request_context(method="POST"):
        form = F(formdata=MultiDict({"money": typed}))
        assert not form.validate()
        assert form.errors["money"] == ["金额格式不正确（元，最多两位小数）"]
        assert form.money._value() == typed
