"""Fees in the panel: fee items and prices, bill runs, bills with waivers, the cashier's
counter, receipts, refunds, reminders, the day-end report and the collection reports."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from datetime import date, timedelta

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for

from admin import blueprint, charts
from admin.auth import current_staff, login_required, permission_required
from admin.forms import ActiveForm, AmountForm, FeeItemScopeForm, ReadingForm, ReadingImportForm
from admin.page import (
    ListSpec,
    arg_day,
    arg_enum,
    arg_id,
    arg_text,
    form_date,
    form_int,
    send_download,
)
from backend.authz import scope
from backend.core.errors import DomainError, Invalid
from backend.core.sheets import write_xlsx
from backend.core.time import local_today
from backend.fees import payments, readings, reminders, reports, services
from backend.fees.capitals import amount_in_capitals
from backend.fees.models import (
    AdjustmentKind,
    Bill,
    BillStatus,
    FeeBasis,
    FeeItem,
    MeterReading,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PricingForm,
    Reminder,
    ReminderChannel,
)
from backend.fees.money import yuan
from backend.org import services as org_services
from backend.org.importer import ImportFailed
from backend.org.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.app_template_filter("yuan")
def yuan_filter(fen) -> str:
    return "" if fen is None else yuan(fen)


def rate_chart(rows: list[reports.RateRow]) -> charts.Chart:
    """The collection rate of each row as bars (``admin/charts.py``, like every chart)."""
    rates = [None if r.rate is None else float(r.rate) for r in rows]
    return charts.bar_chart(
        "收缴率", [r.label for r in rows], [charts.Series("收缴率", rates)], "%"
    )


def _arg_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _arg_period(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    return services.parse_period(value) if value else None


# --- fee items ----------------------------------------------------------------------------------


FEE_ITEMS = ListSpec(
    sorts=services.FEE_ITEM_SORTS,
    default="estate",
    filters=("estate_id", "q", "basis", "active"),
    tiebreak=(FeeItem.id,),
)


@blueprint.get("/fees")
@login_required
@permission_required("fees.rates")
def fee_items():
    """收费项目（管辖范围内的全部小区；按小区、名称、计费方式、是否停用筛选，按列排序）。"""
    staff = current_staff()
    stmt = services.fee_items_query(
        staff,
        _arg_int("estate_id"),
        q=arg_text("q"),
        basis=arg_enum("basis", FeeBasis),
        active={"1": True, "0": False}.get(request.args.get("active") or ""),
    )
    return render_template(
        "admin/fees/items.html",
        listing=FEE_ITEMS.page(stmt),
        sort_labels={"estate": "小区", "name": "项目", "basis": "计费方式", "form": "定价形式"},
        estates=scope.estates(current_staff()),
        bases=list(FeeBasis),
        forms=list(PricingForm),
        today=local_today(),
        form={},
        error=None,
    )


@blueprint.post("/fees")
@login_required
@permission_required("fees.manage")
def fee_item_create():
    """新增收费项目（含首个单价与生效日期）。"""
    form = request.form
    try:
        item = services.create_fee_item(
            current_staff(),
            form_int("estate_id") or 0,
            name=form.get("name", ""),
            basis=_choice(FeeBasis, "basis"),
            pricing_form=_choice(PricingForm, "pricing_form"),
            price=services.parse_price(form.get("price", "")),
            effective_from=form_date("effective_from") or local_today().replace(day=1),
            basis_document=form.get("basis_document", ""),
            meter_unit=form.get("meter_unit", ""),
            tenant_pays=form.get("tenant_pays") == "on",
            developer_held_included=form.get("developer_held_included") == "on",
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.fee_items"))
    flash(f"已新增收费项目：{item.name}", "success")
    return redirect(url_for("admin.fee_item", item_id=item.id))


def _choice(enum_cls, name: str):
    try:
        return enum_cls(request.form.get(name, ""))
    except ValueError:
        raise Invalid("请选择有效的选项", {name: ["取值无效"]}) from None


@blueprint.get("/fees/<int:item_id>")
@login_required
@permission_required("fees.rates")
def fee_item(item_id: int):
    """收费项目详情与调价记录。"""
    return _fee_item_page(item_id)


def _fee_item_page(item_id: int) -> str:
    item = services.get_fee_item(current_staff(), item_id)
    return render_template(
        "admin/fees/item.html",
        item=item,
        today=local_today(),
        buildings=services.buildings_of(item),
    )


@blueprint.post("/fees/<int:item_id>/scope")
@login_required
@permission_required("fees.manage")
def fee_item_scope(item_id: int):
    """收费范围：全部楼栋或部分楼栋、开发商持有房屋是否计费、是否由租户缴纳。"""
    try:
        form = FeeItemScopeForm()
        data = form.checked()
        services.update_fee_item(
            current_staff(),
            item_id,
            building_ids=form.building_ids(),
            developer_held_included=data["developer_held_included"],
            tenant_pays=data["tenant_pays"],
        )
    except DomainError as exc:
        return _refused(exc, lambda: _fee_item_page(item_id))
    flash("已保存收费范围，此后生成的账单按新范围计费", "success")
    return redirect(url_for("admin.fee_item", item_id=item_id))


@blueprint.post("/fees/<int:item_id>/active")
@login_required
@permission_required("fees.manage")
def fee_item_active(item_id: int):
    """停用（或重新启用）收费项目：停用后不再出账，已出的账单不变。"""
    try:
        active = ActiveForm().checked()["active"] == "1"
        item = services.set_fee_item_active(current_staff(), item_id, active)
    except DomainError as exc:
        return _refused(exc, lambda: _fee_item_page(item_id))
    flash(f"已{'启用' if item.active else '停用'}收费项目：{item.name}", "success")
    return redirect(url_for("admin.fee_item", item_id=item_id))


def _refused(exc: DomainError, page: Callable[[], str]):
    """A write the service refused: out of scope stays "not found" (never a flashed
    redirect); anything else shows ``page`` again with the message, answered with the
    refusal's status (422 for a bad field, 409 for a conflict), so nothing looks done."""
    if exc.status == 404:
        raise exc
    flash(exc.message, "error")
    return page(), exc.status


@blueprint.post("/fees/<int:item_id>/prices")
@login_required
@permission_required("fees.manage")
def fee_item_price(item_id: int):
    """调价：新单价自某月 1 日起生效，此前的账单不变。"""
    try:
        services.change_price(
            current_staff(),
            item_id,
            services.parse_price(request.form.get("price", "")),
            form_date("effective_from") or date.min,
        )
    except DomainError as exc:
        return _refused(exc, lambda: _fee_item_page(item_id))
    flash("已调价", "success")
    return redirect(url_for("admin.fee_item", item_id=item_id))


# --- meter readings ------------------------------------------------------------------------------


@blueprint.get("/fees/<int:item_id>/readings")
@login_required
@permission_required("fees.read")
def meter_readings(item_id: int):
    """抄表：按用量计费项目某账期的读数，逐户录入或 Excel 导入。"""
    return _readings_page(item_id)


READINGS = ListSpec(
    sorts=readings.READING_SORTS,
    default="unit",
    filters=("period", "building_id"),
    tiebreak=(MeterReading.id,),
)
READING_SORT_LABELS = {
    "unit": "房屋",
    "previous": "上期读数",
    "current": "本期读数",
    "consumption": "用量",
}


def _readings_page(item_id: int, *, form=None, errors=None, row_errors=None, imported=None):
    staff = current_staff()
    item = readings.metered_item(staff, item_id)
    period = _arg_period("period") or services.current_period()
    if form and form.get("period"):
        with contextlib.suppress(DomainError):
            period = services.parse_period(form["period"])
    return render_template(
        "admin/fees/readings.html",
        item=item,
        period=period,
        listing=READINGS.page(
            readings.readings_query(staff, item, period, building_id=arg_id("building_id"))
        ),
        sort_labels=READING_SORT_LABELS,
        building_id=arg_id("building_id"),
        buildings=services.buildings_of(item),
        form=form or {},
        errors=errors or {},
        row_errors=row_errors or [],
        imported=imported,
    )


@blueprint.get("/fees/<int:item_id>/readings/template.xlsx")
@login_required
@permission_required("fees.manage")
def meter_readings_prefilled(item_id: int):
    """下载本账期的抄表表格：已列出应抄的每一户和上期读数，填写本期读数后导入。"""
    staff = current_staff()
    item = readings.metered_item(staff, item_id)
    period = _arg_period("period") or services.current_period()
    return send_download(
        io.BytesIO(readings.prefilled_workbook(staff, item.id, period)),
        f"抄表_{item.name}_{period:%Y-%m}.xlsx",
        XLSX,
        f"readings_{period:%Y-%m}",
    )


@blueprint.post("/fees/<int:item_id>/readings")
@login_required
@permission_required("fees.manage")
def meter_reading_create(item_id: int):
    """录入一户的本期读数（不得小于上期读数）。"""
    form = request.form.to_dict()
    try:
        data = ReadingForm().checked()
        staff = current_staff()
        reading = readings.record_reading(
            staff,
            item_id,
            readings.unit_by_number(staff, item_id, data["building_id"], data["number"]),
            services.parse_period(data["period"]),
            _reading(data["current"], "本期读数", "current"),
            _reading(data["previous"], "上期读数", "previous") if data["previous"] else None,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return _readings_page(item_id, form=form, errors=exc.errors), exc.status
    flash(f"已录入读数，用量 {reading.consumption}", "success")
    return redirect(url_for("admin.meter_readings", item_id=item_id, period=data["period"]))


def _reading(text: str, label: str, name: str):
    try:
        return readings.parse_reading(text, label)
    except ValueError as exc:
        raise Invalid(str(exc), {name: [str(exc)]}) from None


@blueprint.post("/fees/<int:item_id>/readings/import")
@login_required
@permission_required("fees.manage")
def meter_readings_import(item_id: int):
    """Excel 导入某账期的读数：任何一行有误时整个文件都不导入。"""
    form = request.form.to_dict()
    try:
        data = ReadingImportForm().checked()
        period = services.parse_period(data["period"])
        result = readings.import_readings(current_staff(), item_id, period, data["file"].stream)
    except ImportFailed as exc:
        return _readings_page(item_id, form=form, row_errors=exc.row_errors), exc.status
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return _readings_page(item_id, form=form, errors=exc.errors), exc.status
    flash(f"已导入 {result.period} 账期读数 {result.created} 条", "success")
    return redirect(url_for("admin.meter_readings", item_id=item_id, period=result.period))


@blueprint.get("/fees/readings/template.xlsx")
@login_required
@permission_required("fees.manage")
def meter_readings_template():
    """下载抄表读数导入模板。"""
    return send_file(
        io.BytesIO(readings.template_workbook()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="抄表读数导入模板.xlsx",
    )


@blueprint.post("/fees/generate")
@login_required
@permission_required("fees.manage")
def bills_generate():
    """为小区生成某月账单（重复生成不会产生新账单）。"""
    try:
        report = services.generate_bills(
            form_int("estate_id") or 0,
            services.parse_period(request.form.get("period", "")),
            actor=current_staff(),
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.fee_items"))
    return render_template("admin/fees/generated.html", report=report)


# --- bills and the counter ----------------------------------------------------------------------


BILLS = ListSpec(
    sorts=services.BILL_SORTS,
    default="-period",
    filters=("estate_id", "building_id", "period", "status", "q"),
    tiebreak=(Bill.unit_id, Bill.id),
)
BILL_SORT_LABELS = {"period": "账期", "unit": "房屋", "amount": "应缴", "status": "状态"}


@blueprint.get("/bills")
@login_required
@permission_required("fees.read")
def bills():
    """账单（按小区、楼栋、账期、状态、房号筛选，按列排序）；收费员勾选账单后收款。"""
    staff = current_staff()
    estate_id = arg_id("estate_id")
    stmt = services.bills_query(
        staff,
        estate_id=estate_id,
        building_id=arg_id("building_id"),
        unit_id=_arg_int("unit_id"),
        period=_arg_period("period"),
        status=arg_enum("status", BillStatus),
        number=arg_text("q"),
    )
    estates = scope.estates(staff)
    return render_template(
        "admin/fees/bills.html",
        listing=BILLS.page(stmt),
        estates=estates,
        # the buildings of the estate chosen (one in scope), for the building filter
        buildings=org_services.buildings_of(estate_id)
        if estate_id in {e.id for e in estates}
        else [],
        sort_labels=BILL_SORT_LABELS,
        statuses=list(BillStatus),
        methods=[PaymentMethod.cash, PaymentMethod.transfer, PaymentMethod.pos],
        args=request.args,
    )


@blueprint.get("/bills/<int:bill_id>")
@login_required
@permission_required("fees.read")
def bill(bill_id: int):
    """账单详情：减免与更正记录。"""
    return _bill_page(bill_id)


def _bill_page(bill_id: int) -> str:
    item = services.get_bill(current_staff(), bill_id)
    approvers = services.approvers_for(item)
    return render_template(
        "admin/fees/bill.html", bill=item, kinds=list(AdjustmentKind), approvers=approvers
    )


@blueprint.post("/bills/<int:bill_id>/adjust")
@login_required
@permission_required("fees.adjust")
def bill_adjust(bill_id: int):
    """减免或更正账单（须写明原因与审批人）。"""
    try:
        services.adjust_bill(
            current_staff(),
            bill_id,
            _choice(AdjustmentKind, "kind"),
            _form_fen("amount"),
            request.form.get("reason", ""),
            form_int("approver_id"),
        )
    except DomainError as exc:
        return _refused(exc, lambda: _bill_page(bill_id))
    flash("已记录", "success")
    return redirect(url_for("admin.bill", bill_id=bill_id))


def _form_fen(name: str) -> int:
    return AmountForm().checked()[name]


@blueprint.post("/payments")
@login_required
@permission_required("fees.collect")
def payment_record():
    """收款（现金、转账、POS）：所选账单记为已缴，并出具收据。"""
    ids = [int(v) for v in request.form.getlist("bill_ids") if v.isdigit() and int(v) < 2**31]
    try:
        payment = payments.record_offline_payment(
            current_staff(),
            ids,
            _choice(PaymentMethod, "method"),
            request.form.get("payer_name", ""),
            request.form.get("note", ""),
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(request.referrer or url_for("admin.bills"))
    flash(f"已收款 {yuan(payment.amount_fen)}，收据编号 {payment.receipt_no}", "success")
    return redirect(url_for("admin.payment", payment_id=payment.id))


PAYMENTS = ListSpec(
    sorts=payments.PAYMENT_SORTS,
    default="-paid",
    filters=("estate_id", "unit", "payer", "method", "status", "from", "to"),
    tiebreak=(Payment.id,),
)
PAYMENT_SORT_LABELS = {
    "paid": "收款时间",
    "amount": "金额",
    "receipt": "收据编号",
    "method": "方式",
}


@blueprint.get("/payments")
@login_required
@permission_required("fees.read")
def payments_list():
    """收款记录（线上与线下）：按房屋（如“1幢 201”）、缴款人、方式、状态、日期查询，按列排序。"""
    staff = current_staff()
    stmt = payments.payments_query(
        staff,
        estate_id=arg_id("estate_id"),
        unit=arg_text("unit"),
        payer=arg_text("payer"),
        method=arg_enum("method", PaymentMethod),
        status=arg_enum("status", PaymentStatus),
        day_from=arg_day("from"),
        day_to=arg_day("to"),
    )
    return render_template(
        "admin/fees/payments.html",
        listing=PAYMENTS.page(stmt),
        estates=scope.estates(staff),
        methods=list(PaymentMethod),
        statuses=list(PaymentStatus),
        sort_labels=PAYMENT_SORT_LABELS,
    )


@blueprint.get("/payments/<int:payment_id>")
@login_required
@permission_required("fees.read")
def payment(payment_id: int):
    """收据（可打印），二维码指向公开验证页。"""
    return _payment_page(payment_id)


def _payment_page(payment_id: int) -> str:
    item = payments.get_payment(current_staff(), payment_id)
    return render_template(
        "admin/fees/receipt.html",
        payment=item,
        units=payments.receipt_units(item),
        verify_url=payments.receipt_url(item),
        refund=payments.refund_of(item),
        capitals=amount_in_capitals,
        # printed on A5 paper, or on an 80 mm receipt printer (?paper=80mm)
        paper="80mm" if request.args.get("paper") == "80mm" else "a5",
    )


@blueprint.get("/payments/<int:payment_id>/qr.png")
@login_required
@permission_required("fees.read")
def payment_qr(payment_id: int):
    item = payments.get_payment(current_staff(), payment_id)
    return Response(payments.receipt_qr_png(item), mimetype="image/png")


@blueprint.post("/payments/<int:payment_id>/refund")
@login_required
@permission_required("fees.refund")
def payment_refund(payment_id: int):
    """微信支付原路退款（须写明原因）。"""
    try:
        payments.refund_payment(current_staff(), payment_id, request.form.get("reason", ""))
    except DomainError as exc:
        return _refused(exc, lambda: _payment_page(payment_id))
    flash("退款已提交微信支付；微信支付确认退款后，相关账单恢复为未缴", "success")
    return redirect(url_for("admin.payment", payment_id=payment_id))


@blueprint.get("/payments/day-end")
@login_required
@permission_required("fees.collect")
def day_end():
    """收费日结：某日各收费员的线下收款。"""
    value = request.args.get("day", "")
    try:
        day = date.fromisoformat(value) if value else local_today()
    except ValueError:
        day = local_today()
    report = payments.cash_report(current_staff(), day)
    return render_template("admin/fees/day_end.html", report=report)


# --- reminders ----------------------------------------------------------------------------------


@blueprint.get("/arrears")
@login_required
@permission_required("fees.read")
def arrears():
    """欠费房屋（含账龄），可发送催缴提醒或打印书面通知书。"""
    return _arrears_page()


#: the age brackets of arrears the list filters by (``?age=`` days since the oldest month)
AGE_FILTERS = {"90": "欠费 3 个月以上", "365": "欠费 1 年以上", "1095": "欠费 3 年以上"}


ARREARS = ListSpec(
    sorts=reports.ARREARS_SORTS,
    default="oldest",
    filters=("estate_id", "building_id", "age"),
    tiebreak=(Unit.id,),
)
ARREARS_SORT_LABELS = {"oldest": "最早账期", "due": "欠费金额", "bills": "欠费笔数", "unit": "房屋"}


def _arrears_page() -> str:
    staff = current_staff()
    estate_id = _arg_int("estate_id")
    age = request.args.get("age", "")
    owed_since = local_today() - timedelta(days=int(age)) if age in AGE_FILTERS else None
    buildings = []
    if estate_id is not None and any(e.id == estate_id for e in scope.estates(staff)):
        buildings = org_services.buildings_of(estate_id)
    listing = ARREARS.page(
        reports.arrears_query(staff, estate_id, _arg_int("building_id"), owed_since), rows=True
    )
    return render_template(
        "admin/fees/arrears.html",
        listing=listing,
        sort_labels=ARREARS_SORT_LABELS,
        estates=scope.estates(current_staff()),
        buildings=buildings,
        ages=AGE_FILTERS,
        today=local_today(),
        age_days=reports.age_days,
        age_band=reports.age_band,
        args=request.args,
    )


def _unit_ids(values: list[str]) -> list[int]:
    ids = [int(v) for v in values if v.isascii() and v.isdigit() and 0 < int(v) < 2**31]
    return list(dict.fromkeys(ids))[: reminders.MAX_BATCH]


@blueprint.get("/arrears/remind")
@login_required
@permission_required("fees.remind")
def reminders_batch_preview():
    """批量催缴预览：勾选的每户将收到什么（金额、账期、收到微信提醒的住户数），确认后发送。"""
    plans = reminders.plan_batch(current_staff(), _unit_ids(request.args.getlist("unit_id")))
    return render_template(
        "admin/fees/remind_batch.html",
        plans=plans,
        total=sum(p.total_fen for p in plans),
        reachable=sum(1 for p in plans if p.recipients),
    )


@blueprint.post("/arrears/remind")
@login_required
@permission_required("fees.remind")
def reminders_batch_send():
    """批量发送微信催缴提醒（每户留有催缴记录；没有已绑定住户的房屋跳过并说明）。"""
    outcome = reminders.send_batch(current_staff(), _unit_ids(request.form.getlist("unit_id")))
    if outcome.sent:
        people = sum(r.recipients for r in outcome.sent)
        flash(f"已向 {len(outcome.sent)} 户（{people} 位住户）发送催缴提醒", "success")
    for unit, reason in outcome.refused.items():
        flash(f"{unit} 未发送：{reason}", "error")
    if not outcome.sent and not outcome.refused:
        flash("没有可催缴的房屋（所选房屋已无欠费或不在您的管辖范围内）", "error")
    return redirect(url_for("admin.reminders_list"))


@blueprint.post("/units/<int:unit_id>/reminders")
@login_required
@permission_required("fees.remind")
def reminder_send(unit_id: int):
    """催缴：微信订阅消息或书面通知书；每次催缴都留有记录。"""
    try:
        reminder = reminders.send_reminder(
            current_staff(), unit_id, _choice(ReminderChannel, "channel")
        )
    except DomainError as exc:
        return _refused(exc, _arrears_page)
    if reminder.channel == ReminderChannel.written:
        return redirect(url_for("admin.reminder_notice", reminder_id=reminder.id))
    flash(f"已向 {reminder.recipients} 位住户发送催缴提醒", "success")
    return redirect(url_for("admin.reminders_list"))


@blueprint.get("/reminders")
@login_required
@permission_required("fees.read")
def reminders_list():
    """催缴记录（按小区、房屋、方式筛选，按列排序）。"""
    staff = current_staff()
    stmt = reminders.reminders_query(
        staff,
        _arg_int("unit_id"),
        unit=arg_text("unit"),
        channel=arg_enum("channel", ReminderChannel),
        estate_id=arg_id("estate_id"),
    )
    return render_template(
        "admin/fees/reminders.html",
        listing=REMINDERS.page(stmt),
        estates=scope.estates(staff),
        channels=list(ReminderChannel),
        sort_labels={"created": "时间", "unit": "房屋", "channel": "方式", "total": "金额"},
    )


REMINDERS = ListSpec(
    sorts=reminders.REMINDER_SORTS,
    default="-created",
    filters=("unit_id", "unit", "channel", "estate_id"),
    tiebreak=(Reminder.id,),
)


@blueprint.get("/reminders/<int:reminder_id>/notice")
@login_required
@permission_required("fees.read")
def reminder_notice(reminder_id: int):
    """书面催交通知书（可打印）。"""
    reminder = reminders.get_reminder(current_staff(), reminder_id)
    return render_template("admin/fees/notice.html", reminder=reminder)


# --- reports ------------------------------------------------------------------------------------


@blueprint.get("/fee-reports")
@login_required
@permission_required("fees.rates")
def fee_reports():
    """收缴率（按小区、楼栋、收费项目、账期）与图表。"""
    group = request.args.get("group", "estate")
    if group not in reports.GROUPS:
        group = "estate"
    rows = reports.collection_rate(
        current_staff(),
        group,
        _arg_period("from"),
        _arg_period("to"),
        _arg_int("estate_id"),
    )
    return render_template(
        "admin/fees/reports.html",
        rows=rows,
        group=group,
        groups=reports.GROUPS,
        chart=rate_chart(rows),
        estates=scope.estates(current_staff()),
        args=request.args,
        billed=sum(r.billed_fen for r in rows),
        collected=sum(r.collected_fen for r in rows),
    )


@blueprint.get("/fee-reports/<kind>.xlsx")
@login_required
@permission_required("fees.rates")
def fee_export(kind: str):
    """导出 Excel：bills（账单）、arrears（欠费）、payments（收款）、collection（收缴率）。"""
    staff = current_staff()
    estate_id = _arg_int("estate_id")
    # per-unit lists (with names) are the company's, oversight sees the rates only: the
    # reports check (backend/fees/reports.py)
    if kind == "arrears":
        headers, rows = reports.ARREARS_HEADERS, reports.arrears_rows(staff, estate_id)
    elif kind == "bills":
        headers, rows = (
            reports.BILLS_HEADERS,
            reports.bills_rows(staff, estate_id, _arg_period("period")),
        )
    elif kind == "payments":
        headers, rows = reports.PAYMENTS_HEADERS, reports.payments_rows(staff)
    elif kind == "collection":
        group = request.args.get("group", "estate")
        group = group if group in reports.GROUPS else "estate"
        data = reports.collection_rate(
            staff, group, _arg_period("from"), _arg_period("to"), estate_id
        )
        headers = [reports.GROUPS[group][0], "应收（元）", "实收（元）", "收缴率（%）"]
        rows = (
            [r.label, reports._fen(r.billed_fen), reports._fen(r.collected_fen), r.rate]
            for r in data
        )
    else:
        abort(404)
    name, sheet = EXPORT_NAMES[kind]
    period = _arg_period("period") if kind == "bills" else None
    stamp = f"{period:%Y-%m}" if period else f"{local_today():%Y-%m-%d}"
    stream = write_xlsx(sheet, headers, rows)
    return send_download(stream, f"{name}_{stamp}.xlsx", XLSX, f"{kind}_{stamp}")


#: each export's file name and sheet title, in Chinese (账单_2026-12.xlsx, sheet 账单明细)
EXPORT_NAMES = {
    "bills": ("账单", "账单明细"),
    "arrears": ("欠费", "欠费明细"),
    "payments": ("收款", "收款明细"),
    "collection": ("收缴率", "收缴率"),
}
