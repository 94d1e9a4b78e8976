"""The maintenance fund in the panel: uses for the company that applies, the committee that
puts them to the owners, the reviewer, and the bank that pays; each estate's ledger with its
续筹 flags, bank reconciliation and opening balances. Every rule is in ``backend.fund``."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from wtforms import (
    DateField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import BAD_CHOICE, Form, LocalDateTimeField, YuanField, refused
from admin.page import ListSpec, arg_enum, arg_id, arg_text
from backend.authz import scope
from backend.core.api import MAX_ID
from backend.core.errors import DomainError, Invalid, NotFound
from backend.core.time import SHANGHAI, utcnow
from backend.fees.money import yuan
from backend.fund import (
    board,
    documents,
    ledger,
    orders,
    oversight,
    panel,
    reports,
    statements,
    uses,
)
from backend.fund.models import DocumentKind, FundUse, UseKind, UseState
from backend.fund.rules import rules_for
from backend.media import services as media
from backend.media.api import release_transaction
from backend.org.models import Estate


class UseForm(Form):
    """A use's plan: estate, title, items, budget in yuan, contractor, the 列支范围 by building."""

    estate_id = IntegerField(
        validators=[DataRequired("请选择小区"), NumberRange(1, MAX_ID, message=BAD_CHOICE)]
    )
    kind = StringField(default=UseKind.ordinary.value)
    emergency_category = StringField()
    title = StringField(validators=[DataRequired("请填写标题")])
    items = TextAreaField()
    budget = YuanField(validators=[InputRequired("请填写预算（元）")])
    contractor = StringField()
    buildings = SelectMultipleField(coerce=int, validate_choice=False)
    #: an emergency filed from a ticket (工单转应急使用)
    ticket_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID, message=BAD_CHOICE)])


class PaymentForm(Form):
    instalment = IntegerField(validators=[DataRequired("请填写期数"), NumberRange(1, 99)])
    amount = YuanField(validators=[InputRequired("请填写金额（元）")])
    paid_on = DateField(validators=[DataRequired("请填写划款日期")])
    bank_reference = StringField(validators=[Optional()])


class InterestForm(Form):
    """The bank's interest on the estate's fund: amount, date and the bank's reference."""

    amount = YuanField(validators=[InputRequired("请填写利息金额（元）")])
    booked_on = DateField(validators=[DataRequired("请填写结息日期")])
    reference = StringField(validators=[DataRequired("请填写银行结息流水号")])
    #: the allocation cannot be undone (entries are append-only): the form asks first
    confirm = StringField(validators=[DataRequired("请确认已核对金额与流水号")])


class SuperviseForm(Form):
    """督办 of a review past its deadline: instructions and a new deadline."""

    instructions = TextAreaField(validators=[DataRequired("请填写督办要求")])
    deadline = LocalDateTimeField(validators=[DataRequired("请填写办理期限")])


def _reader():
    staff = current_staff()
    if not scope.can(staff, "fund.orders"):
        scope.require(staff, "fund.read")
    return staff


USES = ListSpec(
    sorts=oversight.USE_SORTS,
    default="-created",
    filters=(
        "state",
        "kind",
        "estate",
        "company",
        "q",
        "emergency",
        "overdue",
        "undisclosed",
        "supervised",
    ),
    tiebreak=(FundUse.id,),
)
USE_SORT_LABELS = {
    "created": "起草时间",
    "title": "事项",
    "kind": "类型",
    "state": "状态",
    "budget": "预算",
    "paid": "已划款",
}


@blueprint.get("/fund")
@login_required
@permission_required("fund.read")
def fund():
    """维修资金：管辖范围内的使用申请（按小区、类型、状态、事项筛选，按列排序）与各小区分户账。"""
    staff = current_staff()
    flags = {name: request.args.get(name) == "1" for name in _FLAGS}
    state = request.args.get("state") or None
    estate_id = arg_id("estate")
    # the supervision dashboard's company filter (0: the self-managed estates)
    company_id = 0 if request.args.get("company") == "0" else arg_id("company")
    stmt = oversight.listed_uses(
        staff,
        state=state if state in UseState.__members__ else None,
        kind=arg_enum("kind", UseKind),
        q=arg_text("q"),
        estate_id=estate_id,
        company_id=company_id,
        **flags,
    )
    estates = _estates(staff)
    shown = [oversight.LIST_FILTERS[name] for name, on in flags.items() if on]
    if company_id is not None:
        shown.append(oversight.company_label(estates, company_id))
    return render_template(
        "admin/fund/list.html",
        listing=USES.page(stmt),
        sort_labels=USE_SORT_LABELS,
        estates=estates,
        company_id=company_id,
        states=list(UseState),
        kinds=list(UseKind),
        yuan=yuan,
        orders_only=False,
        filtered=shown,
        flags=[name for name, on in flags.items() if on],
    )


#: the list's yes/no filters (a dashboard figure links to them)
_FLAGS = ("emergency", "overdue", "undisclosed", "supervised")


@blueprint.get("/fund/orders")
@login_required
@permission_required("fund.orders")
def fund_orders():
    """划款通知：已通知专户银行划款的使用申请（银行逐期登记划款），可按列排序。"""
    stmt = uses.staff_uses(current_staff()).where(FundUse.state.in_(uses.ORDERED))
    return render_template(
        "admin/fund/list.html",
        listing=ORDERS.page(stmt),
        sort_labels=USE_SORT_LABELS,
        estates=[],
        yuan=yuan,
        orders_only=True,
    )


ORDERS = ListSpec(sorts=oversight.USE_SORTS, default="-created", tiebreak=(FundUse.id,))


def _estates(staff) -> list[Estate]:
    """The estates in ``staff``'s scope, by name."""
    return panel.estates_for(staff)


def _new_page(form=None, errors=None, status=200):
    staff = current_staff()
    estates = _estates(staff)
    buildings = panel.buildings_of([e.id for e in estates])
    categories = rules_for(estates[0]).emergency_categories if estates else {}
    return (
        render_template(
            "admin/fund/new.html",
            form=form or UseForm(formdata=None),
            errors=errors or {},
            estates=estates,
            buildings=buildings,
            categories=categories,
        ),
        status,
    )


@blueprint.get("/fund/new")
@login_required
@permission_required("fund.apply")
def fund_use_new():
    """起草维修资金使用申请：方案、预算、列支范围（按楼栋）；应急使用须选应急情形。
    ``?ticket_id=`` 由工单转应急使用（保存时核对工单属于所选小区）。"""
    form = UseForm(formdata=None)
    ticket_id = request.args.get("ticket_id", type=int)
    if ticket_id is not None and 0 < ticket_id <= MAX_ID:
        form.ticket_id.data, form.kind.data = ticket_id, UseKind.emergency.value
    return _new_page(form)


@blueprint.post("/fund/new")
@login_required
@permission_required("fund.apply")
def fund_use_create():
    """保存使用申请草稿。"""
    form = UseForm()
    staff = current_staff()
    try:
        data = form.checked()
        budget = data["budget"]
        unit_ids = panel.unit_ids_in(data["estate_id"], data["buildings"] or [])
        use = uses.create_use(
            staff,
            data["estate_id"],
            title=data["title"],
            unit_ids=unit_ids,
            budget_fen=budget,
            items=data["items"] or "",
            contractor=data["contractor"] or "",
            kind=UseKind(data["kind"] if data["kind"] in UseKind.__members__ else "ordinary"),
            emergency_category=data["emergency_category"] or "",
            ticket_id=data["ticket_id"],
        )
    except DomainError as exc:
        return _new_page(form, exc.errors, refused(exc))
    flash(f"已保存草稿：{use.title}", "success")
    return redirect(url_for("admin.fund_use", use_id=use.id))


def _use_page(use_id: int, errors=None, status=200):
    staff = _reader()
    use = uses.staff_use(staff, use_id)
    return (
        render_template(
            "admin/fund/use.html",
            use=use,
            actions=[a for a in uses.allowed_actions(staff, use) if a.code != "pay"],
            can_pay=any(a.code == "pay" for a in uses.allowed_actions(staff, use)),
            units=len(uses.unit_ids_of(use)),
            item=board.use_item(use),
            event_labels=board.EVENT_LABELS,
            ordered=use.state in orders.ORDERED,
            errors=errors or {},
            yuan=yuan,
            payment_form=PaymentForm(formdata=None),
            documents=documents.document_views(use.id),
            photos=documents.photo_views(use.id),
            photo_kinds=documents.PHOTO_KINDS,
            document_kinds=list(DocumentKind),
            can_add_documents=documents.may_add(staff, use),
            can_supervise=oversight.can_supervise(staff, use),
            supervise_deadline=_local_input(utcnow() + timedelta(days=3)),
        ),
        status,
    )


def _local_input(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


@blueprint.get("/fund/uses/<int:use_id>")
@login_required
def fund_use(use_id: int):
    """维修资金使用申请：方案、列支范围、表决、审核、划款、验收与公示，及可办理的操作。"""
    return _use_page(use_id)[0]


@blueprint.post("/fund/uses/<int:use_id>/actions/<action>")
@login_required
def fund_use_action(use_id: int, action: str):
    """办理一步（提出方案、公示并发布表决、计票、提交审核、审核、通知银行、验收、公示、结案）。"""
    if action not in uses.ACTIONS or action == "pay":
        raise NotFound("不支持的操作")
    staff = _reader()
    use = uses.staff_use(staff, use_id)
    try:
        uses.act(staff, use, action, note=(request.form.get("note") or "").strip()[:500])
    except DomainError as exc:
        return _use_page(use_id, exc.errors, refused(exc))
    flash(f"{use.title}：已{uses.ACTIONS[action].label}", "success")
    return redirect(url_for("admin.fund_use", use_id=use_id))


@blueprint.post("/fund/uses/<int:use_id>/payments")
@login_required
@permission_required("fund.pay")
def fund_use_payment(use_id: int):
    """银行登记一期划款：同一期只能登记一次；按面积分摊到列支范围内各户分户账。"""
    staff = current_staff()
    use = uses.staff_use(staff, use_id)
    form = PaymentForm()
    try:
        data = form.checked()
        amount = data["amount"]
        uses.record_payment(
            staff, use, instalment=data["instalment"], amount_fen=amount,
            paid_on=data["paid_on"], bank_reference=data["bank_reference"] or "",
        )  # fmt: skip
    except DomainError as exc:
        return _use_page(use_id, exc.errors, refused(exc))
    flash(f"已登记第 {data['instalment']} 期划款 {yuan(amount)}", "success")
    return redirect(url_for("admin.fund_use", use_id=use_id))


@blueprint.post("/fund/uses/<int:use_id>/documents")
@login_required
def fund_use_document(use_id: int):
    """上传使用申请的附件（报价单、合同、应急证明、发票、验收报告、决算书；PDF 或 xlsx；
    应急证明还可以是现场照片）。"""
    staff = _reader()
    use = uses.staff_use(staff, use_id)
    documents.require_adder(staff)
    upload = request.files.get("file")
    kind = request.form.get("kind") or ""
    try:
        if upload is None or not upload.filename:
            raise Invalid("请选择附件文件", {"file": ["必选"]})
        limit = current_app.config["DOCUMENT_MAX_BYTES"]
        data = upload.stream.read(limit + 1)
        if documents.takes_photo(kind, data):
            documents.check_addable(staff, use, kind)
            staff_id = staff.id
            # the photo pipeline is CPU-heavy: no transaction stays open meanwhile
            release_transaction()
            photo_id = media.upload_photo(data, staff_id=staff_id).id
            staff = current_staff()
            use = uses.staff_use(staff, use_id)
            link = documents.add_photo(staff, use, kind, photo_id)
            added = "照片"
        else:
            link = documents.add_document(staff, use, kind, data, upload.filename)
            added = link.document.filename
    except DomainError as exc:
        return _use_page(use_id, exc.errors, refused(exc, (403, 404)))
    flash(f"已上传{link.kind.label}：{added}", "success")
    return redirect(url_for("admin.fund_use", use_id=use_id))


@blueprint.post("/fund/uses/<int:use_id>/supervise")
@login_required
@permission_required("supervision.order")
def fund_use_supervise(use_id: int):
    """督办超过审核期限的维修资金使用申请：督办要求与新的办理期限记入办理记录。"""
    staff = current_staff()
    use = uses.staff_use(staff, use_id)
    form = SuperviseForm()
    try:
        data = form.checked()
        deadline = data["deadline"]
        oversight.supervise(staff, use, data["instructions"], deadline)
    except DomainError as exc:
        return _use_page(use_id, exc.errors, refused(exc))
    flash(f"已督办：{use.title}", "success")
    return redirect(url_for("admin.fund_use", use_id=use_id))


@blueprint.get("/fund/uses/<int:use_id>/order")
@login_required
def fund_use_order(use_id: int):
    """可打印的划款通知（带可验证的二维码）。"""
    use = uses.staff_use(_reader(), use_id)
    if use.state not in orders.ORDERED:
        raise NotFound("尚未通知银行划款")
    return render_template(
        "admin/fund/order.html",
        use=use,
        code=orders.order_code(use),
        url=orders.order_url(use),
        units=len(uses.unit_ids_of(use)),
        yuan=yuan,
    )


def _estate(estate_id: int, permission: str = "fund.read") -> Estate:
    staff = current_staff()
    scope.require(staff, permission)
    return scope.get_scoped(Estate, estate_id, staff)


def _ledger_page(estate_id: int, reconciliation=None, errors=None, status=200):
    estate = _estate(estate_id)
    rules = rules_for(estate)
    figures = ledger.balances(estate.id)
    units = panel.unit_labels(estate.id)
    rows = sorted(figures.values(), key=lambda b: units.get(b.unit_id, ""))
    years = reports.years_with_entries(estate.id)
    flagged = [b for b in rows if b.needs_top_up(rules.top_up_threshold)]
    show = request.args.get("flagged") == "1"
    return (
        render_template(
            "admin/fund/ledger.html",
            estate=estate,
            rows=flagged if show else rows[:500],
            total_rows=len(rows),
            flagged=len(flagged),
            show_flagged=show,
            units=units,
            threshold=rules.top_up_threshold,
            total=sum(b.balance_fen for b in rows),
            statement=reports.yearly_statement(estate.id, years[-1]) if years else None,
            reconciliation=reconciliation,
            errors=errors or {},
            yuan=yuan,
        ),
        status,
    )


@blueprint.get("/fund/estates/<int:estate_id>")
@login_required
def fund_ledger(estate_id: int):
    """小区维修资金分户账：各户余额（由明细汇总）、续筹提示、年度收支。"""
    return _ledger_page(estate_id)[0]


@blueprint.post("/fund/estates/<int:estate_id>/statement")
@login_required
@permission_required("fund.ledger")
def fund_statement(estate_id: int):
    """上传银行流水（Excel 或 CSV）与分户账核对，列出每一笔未匹配的流水。"""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid("请选择银行流水文件", {"file": ["必选"]})
        result = statements.reconcile_statement(
            current_staff(), estate_id, upload.stream, upload.filename
        )
    except DomainError as exc:
        return _ledger_page(estate_id, errors=exc.errors, status=refused(exc, (403, 404)))
    return _ledger_page(estate_id, reconciliation=result)[0]


@blueprint.post("/fund/estates/<int:estate_id>/openings")
@login_required
@permission_required("fund.ledger")
def fund_openings(estate_id: int):
    """导入各户期初余额（Excel 或 CSV）：有任何错误则逐行列出且不写入。"""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid("请选择期初余额文件", {"file": ["必选"]})
        count = statements.import_openings(
            current_staff(), estate_id, upload.stream, upload.filename
        )
    except DomainError as exc:
        return _ledger_page(estate_id, errors=exc.errors, status=refused(exc, (403, 404)))
    flash(f"已导入 {count} 户期初余额", "success")
    return redirect(url_for("admin.fund_ledger", estate_id=estate_id))


@blueprint.post("/fund/estates/<int:estate_id>/interest")
@login_required
@permission_required("fund.ledger")
def fund_interest(estate_id: int):
    """分配银行结息：按专有部分面积分摊到各户分户账，精确到分，合计等于银行结息金额。"""
    form = InterestForm()
    try:
        data = form.checked()
        amount = data["amount"]
        shares = statements.allocate_interest(
            current_staff(), estate_id, amount, data["booked_on"], data["reference"]
        )
    except DomainError as exc:
        return _ledger_page(estate_id, errors=exc.errors, status=refused(exc, (403, 404)))
    flash(f"已将利息 {yuan(amount)} 分配到 {len(shares)} 户", "success")
    return redirect(url_for("admin.fund_ledger", estate_id=estate_id))
