"""The cashier's screen per household (收银台): find a unit by building and room as the
tables show it ("1幢 201"), every unpaid bill with the total (all selected), collect, and
the receipt. Phone width and desktop; the rules are in ``backend.fees``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import SearchForm
from backend.core.errors import DomainError, Invalid
from backend.fees import cashier, payments
from backend.fees.models import OFFLINE_METHODS, PaymentMethod
from backend.fees.money import yuan


@blueprint.get("/cashier")
@login_required
@permission_required("fees.collect")
def cashier_search():
    """收银台：按“楼栋 房号”（如 1幢 201）查找房屋，完全一致的排在前面。"""
    q = SearchForm().checked()["q"] or ""
    units = cashier.find_units(current_staff(), q) if q else []
    if q and len(units) == 1:
        return redirect(url_for("admin.cashier_unit", unit_id=units[0].id))
    return render_template("admin/fees/cashier.html", q=q, units=units, household=None)


@blueprint.get("/cashier/units/<int:unit_id>")
@login_required
@permission_required("fees.collect")
def cashier_unit(unit_id: int):
    """一户的全部未缴账单与合计（默认全选），选择收款方式后收款。"""
    return _unit_page(unit_id)


def _unit_page(unit_id: int, error: str | None = None, status: int = 200):
    household = cashier.household(current_staff(), unit_id)
    return (
        render_template(
            "admin/fees/cashier.html",
            q=request.args.get("q", ""),
            units=[],
            household=household,
            methods=list(OFFLINE_METHODS),
            yuan=yuan,
            error=error,
        ),
        status,
    )


@blueprint.post("/cashier/units/<int:unit_id>")
@login_required
@permission_required("fees.collect")
def cashier_collect(unit_id: int):
    """收取所选账单（现金、转账、POS），出具收据。"""
    staff = current_staff()
    household = cashier.household(staff, unit_id)  # out of scope: 404
    owed = {b.id for b in household.bills}
    ids = [int(v) for v in request.form.getlist("bill_ids") if v.isdigit() and int(v) < 2**31]
    method = request.form.get("method", "")
    try:
        if any(i not in owed for i in ids):
            raise Invalid("所选账单不属于该房屋或已缴清，请刷新后重试")
        if method not in PaymentMethod.__members__:
            raise Invalid("请选择收款方式", {"method": ["收款方式无效"]})
        payment = payments.record_offline_payment(
            staff,
            ids,
            PaymentMethod(method),
            request.form.get("payer_name", ""),
            request.form.get("note", ""),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        from backend.core.db import rollback

        rollback()
        return _unit_page(unit_id, exc.message, exc.status)
    flash(f"已收款 {yuan(payment.amount_fen)}，收据编号 {payment.receipt_no}", "success")
    return redirect(url_for("admin.payment", payment_id=payment.id))
