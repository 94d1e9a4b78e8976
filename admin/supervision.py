"""Supervision in the panel, for street and bureau officers: the dashboard of their
jurisdiction (figures, breakdowns, trend charts, each figure linked to its tickets), the
overdue list, 督办 orders (issued here, answered by the company on its ticket page or its
list of orders), and the Excel export of every table. Out of the jurisdiction is 404.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, send_file, url_for
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from admin import blueprint, charts
from admin.auth import current_staff, login_required, permission_required
from admin.forms import Form, LocalDateTimeField
from admin.page import ListSpec, arg_enum, arg_id, form_date, form_int
from backend.authz import scope
from backend.core.errors import DomainError, Forbidden, Invalid, NotFound
from backend.core.sheets import write_xlsx
from backend.core.time import SHANGHAI, local_today, utcnow
from backend.supervision import (
    credit,
    dashboard,
    evaluation,
    exports,
    filings,
    orders,
    overdue,
    panel,
)
from backend.supervision.dashboard import DIMENSIONS, METRICS, Filter
from backend.supervision.models import (
    CreditRecord,
    CreditSource,
    Evaluation,
    Filing,
    FilingKind,
    FilingState,
    Inspection,
    OrderStatus,
    SupervisionOrder,
)
from backend.tickets import sla
from backend.tickets.models import FINAL_STATES, TicketKind
from backend.tickets.states import EVENT_LABELS

#: the credit sources an officer records (the others are written by the system)
CREDIT_SOURCES = (CreditSource.award, CreditSource.complaint_upheld, CreditSource.other)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: a period longer than this is drawn by month by default, a shorter one by week
WEEKLY_UP_TO_DAYS = 92
MAX_ARG_ID = 2**31


# --- reading the request ---------------------------------------------------------------------


def _arg_id(name: str, zero: bool = False) -> int | None:
    """An optional id of the query string (a filter); anything else there is refused."""
    value = request.args.get(name, "")
    if not value:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
        if (number > 0 or zero) and number < MAX_ARG_ID:
            return number
    raise Invalid("筛选条件无效，请重新选择", {name: ["取值无效"]})


def _arg_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filter(staff) -> tuple[Filter, str]:
    """The dashboard's filter from ``?period=`` or ``?start=&end=``, ``company_id``,
    ``estate_id`` and ``kind``; a company or estate outside the jurisdiction is 404."""
    period = request.args.get("period", "")
    start, end = _arg_date("start"), _arg_date("end")
    if start is None or end is None:
        period = period if period in panel.PERIODS else "12m"
        start, end = panel.period_bounds(period, local_today())
    else:
        period = ""
    company_id = _arg_id("company_id", zero=True)
    estate_id = _arg_id("estate_id")
    if company_id and company_id not in {c.id for c in panel.companies_in_scope(staff)}:
        raise NotFound("未找到该物业企业，或不在您的管辖范围内")
    if estate_id is not None and estate_id not in {e.id for e in scope.estates(staff)}:
        raise NotFound("未找到该小区，或不在您的管辖范围内")
    kind = request.args.get("kind") or None
    kind = kind if kind in TicketKind.__members__ else None
    f = Filter(start=start, end=end, company_id=company_id, estate_id=estate_id, kind=kind)
    f.check()
    return f, period


def _filter_args(f: Filter, **overrides) -> dict:
    args = {
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "company_id": f.company_id,
        "estate_id": f.estate_id,
        "kind": f.kind,
        **overrides,
    }
    return {k: v for k, v in args.items() if v is not None and v != ""}


def _send(stream, title: str):
    """An .xlsx file made by a service, as a download named ``<title>_<time>.xlsx``."""
    return send_file(
        stream, mimetype=XLSX, as_attachment=True, download_name=exports.filename(title)
    )


def _xlsx(title: str, headers: list[str], rows):
    return _send(write_xlsx(title, headers, rows), title)


@blueprint.app_template_filter("minutes")
def minutes_filter(value) -> str:
    """Minutes (a percentile read from the rollups) as ``35 分钟`` / ``5.5 小时`` / ``3 天``."""
    return panel.duration_text(value, minutes=True)


@blueprint.app_template_filter("duration")
def duration_filter(value) -> str:
    return panel.duration_text(value)


@blueprint.app_template_filter("percent")
def percent_filter(value) -> str:
    return "—" if value is None else f"{value}%"


# --- the dashboard ---------------------------------------------------------------------------


def _period_end(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=6)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _trend_links(f: Filter, trend: list, grain: str) -> list[str]:
    """The ticket list behind each point of the trend (its week or month, within ``f``)."""
    return [
        url_for(
            "admin.supervision_tickets",
            **_filter_args(
                f,
                start=max(p.key, f.start).isoformat(),
                end=min(_period_end(p.key, grain), f.end).isoformat(),
            ),
        )
        for p in trend
    ]


def _trend_charts(f: Filter, trend: list, grain: str) -> list[charts.Chart]:
    labels = (
        charts.month_labels([p.key for p in trend])
        if grain == "month"
        else [charts.week_label(p.key) for p in trend]
    )
    links = _trend_links(f, trend, grain)
    overdue_links = [link + "&metric=overdue" for link in links]
    every = "按周" if grain == "week" else "按月"
    counts = charts.bar_chart(
        f"工单数（{every}）",
        labels,
        [
            charts.Series("工单", [p.counts["submitted"] for p in trend], links),
            charts.Series("超时", [p.counts["overdue"] for p in trend], overdue_links),
        ],
        unit="件",
    )

    def hours(value):
        return None if value is None else round(value / 60, 1)

    times = charts.line_chart(
        f"解决时长（{every}）",
        labels,
        [
            charts.Series("中位数", [hours(p.resolution_median) for p in trend], links),
            charts.Series("P90", [hours(p.resolution_p90) for p in trend], links),
        ],
        unit="小时",
    )
    response = charts.line_chart(
        f"响应时长（{every}）",
        labels,
        [
            charts.Series("中位数", [p.response_median for p in trend], links),
            charts.Series("P90", [p.response_p90 for p in trend], links),
        ],
        unit="分钟",
    )
    satisfaction = charts.line_chart(
        f"满意度（{every}，1–5 分）",
        labels,
        [charts.Series("平均评分", [p.satisfaction for p in trend], links)],
    )
    return [counts, times, response, satisfaction]


def _grain(f: Filter) -> str:
    grain = request.args.get("grain", "")
    if grain in ("week", "month"):
        return grain
    return "week" if (f.end - f.start).days <= WEEKLY_UP_TO_DAYS else "month"


def _by() -> str:
    by = request.args.get("by", "company")
    return by if by in DIMENSIONS else "company"


@blueprint.get("/supervision")
@login_required
@permission_required("supervision.read")
def supervision_dashboard():
    """监管看板：辖区工单的数量、响应与解决时长（中位数、P90）、超时、重开、满意度，
    按企业、小区、类型分列，并有按周、按月的趋势图。每个数字都可点开查看对应工单。"""
    staff = current_staff()
    f, period = _filter(staff)
    by, grain = _by(), _grain(f)
    trend = dashboard.trend(staff, f, grain)
    return render_template(
        "admin/supervision/dashboard.html",
        f=f,
        period=period,
        periods=panel.PERIODS,
        by=by,
        grain=grain,
        dimensions=DIMENSIONS,
        metrics=METRICS,
        totals=dashboard.totals(staff, f),
        rows=dashboard.breakdown(staff, f, by),
        trend_rows=list(zip(trend, _trend_links(f, trend, grain), strict=True)),
        charts=_trend_charts(f, trend, grain),
        missed=dashboard.missed_orders(staff, f),
        fees=dashboard.fee_collection(staff, f),
        compliance=dashboard.disclosure_compliance(staff, f),
        fund=dashboard.fund_figures(staff, f),
        mediation=dashboard.mediation_figures(staff, f),
        estates=scope.estates(staff),
        companies=panel.companies_in_scope(staff),
        kinds=list(TicketKind),
        filter_args=_filter_args(f),
        cell_url=lambda metric="submitted", **over: url_for(
            "admin.supervision_tickets", **_filter_args(f, metric=metric, **over)
        ),
        bucket=dashboard.bucket_width,
    )


# --- the tickets behind a figure -------------------------------------------------------------


def _metric() -> str:
    metric = request.args.get("metric") or "submitted"
    if metric not in METRICS:
        raise Invalid("指标无效", {"metric": ["取值不在允许范围内"]})
    return metric


@blueprint.get("/supervision/tickets")
@login_required
@permission_required("supervision.read")
def supervision_tickets():
    """看板上某个数字对应的工单（同样的期间与筛选条件）。"""
    staff = current_staff()
    f, _ = _filter(staff)
    metric = _metric()
    ids = dashboard.cell_tickets(staff, f, metric)
    tickets = panel.tickets_by_ids(ids)
    now = utcnow()
    return render_template(
        "admin/supervision/tickets.html",
        f=f,
        metric=metric,
        metrics=METRICS,
        tickets=tickets,
        timings={t.id: sla.timing(t, now) for t in tickets},
        exact=dashboard.exact_times(staff, f) if metric == "submitted" else None,
        filter_args=_filter_args(f, metric=metric),
        dashboard_args=_filter_args(f),
        estate=next((e for e in scope.estates(staff) if e.id == f.estate_id), None),
        company=next((c for c in panel.companies_in_scope(staff) if c.id == f.company_id), None),
        kind=TicketKind(f.kind) if f.kind else None,
        limit=500,
    )


@blueprint.get("/supervision/tickets.xlsx")
@login_required
@permission_required("supervision.export")
def supervision_tickets_export():
    """导出看板上某个数字对应的工单。"""
    staff = current_staff()
    f, _ = _filter(staff)
    tickets = panel.tickets_by_ids(dashboard.cell_tickets(staff, f, _metric()))
    return _xlsx("监管-工单明细", panel.TICKET_HEADERS, panel.ticket_rows(tickets))


# --- one ticket, and 督办 orders ---------------------------------------------------------------


class OrderForm(Form):
    """督办：办理期限与要求。"""

    deadline = LocalDateTimeField("办理期限", validators=[DataRequired("请填写办理期限")])
    instructions = TextAreaField(
        "督办要求",
        validators=[
            DataRequired("请填写督办要求"),
            Length(max=1000, message="督办要求最多 1000 字"),
        ],
    )


class AnswerForm(Form):
    """物业企业回复督办。"""

    answer = TextAreaField(
        "回复内容",
        validators=[DataRequired("请填写回复内容"), Length(max=1000, message="回复最多 1000 字")],
    )
    back = HiddenField(validators=[Optional(), AnyOf(("ticket", "orders"), message="取值无效")])


def _ticket_page(ticket_id: int, form: OrderForm | None = None, error: str | None = None):
    staff = current_staff()
    ticket = panel.officer_ticket(staff, ticket_id)
    if form is None:
        form = OrderForm()
        form.deadline.data = (
            (utcnow() + timedelta(days=3))
            .astimezone(SHANGHAI)
            .replace(tzinfo=None, second=0, microsecond=0)
        )
    return render_template(
        "admin/supervision/ticket.html",
        ticket=ticket,
        timing=sla.timing(ticket, utcnow()),
        orders=panel.ticket_orders(staff, ticket.id),
        can_order=scope.can(staff, "supervision.order") and ticket.state not in FINAL_STATES,
        form=form,
        error=error,
        event_labels=EVENT_LABELS,
        review_deadline=(utcnow() + timedelta(days=3))
        .astimezone(SHANGHAI)
        .strftime("%Y-%m-%dT%H:%M"),
    )


@blueprint.get("/supervision/tickets/<int:ticket_id>")
@login_required
@permission_required("supervision.read")
def supervision_ticket(ticket_id: int):
    """监管人员查看辖区内的一张工单（处理进度与督办记录），并可下达督办。"""
    return _ticket_page(ticket_id)


@blueprint.post("/supervision/tickets/<int:ticket_id>/orders")
@login_required
@permission_required("supervision.order")
def supervision_order_issue(ticket_id: int):
    """下达督办：要求物业企业在期限内办理并回复。"""
    staff = current_staff()
    panel.officer_ticket(staff, ticket_id)  # out of the jurisdiction: 404 before any check
    form = OrderForm()
    try:
        data = form.checked()
        deadline = data["deadline"]
        order = orders.issue_order(staff, ticket_id, data["instructions"], deadline)
    except DomainError as exc:
        if exc.status == 404:
            raise
        from backend.core.db import rollback

        rollback()
        return _ticket_page(ticket_id, form=form, error=exc.message), exc.status
    flash(f"已向物业企业下达督办（工单 T{order.ticket_id}）", "success")
    return redirect(url_for("admin.supervision_ticket", ticket_id=ticket_id))


def _orders_reader(staff) -> None:
    if not (scope.can(staff, "supervision.read") or scope.can(staff, "supervision.answer")):
        raise Forbidden("您的角色没有此项权限")


#: ``?status=review``: the answers waiting for the officer's review (on time or late)
REVIEW = "review"
#: ``?status=unanswered``: the orders waiting for the company's answer (open, missed or
#: sent back), what the homes count
UNANSWERED = "unanswered"


def _status() -> OrderStatus | None:
    value = request.args.get("status", "")
    return OrderStatus(value) if value in OrderStatus.__members__ else None


ORDERS = ListSpec(
    sorts=orders.ORDER_SORTS,
    default="-issued",
    filters=("status", "street_id"),
    tiebreak=(SupervisionOrder.id,),
)
ORDER_SORT_LABELS = {"issued": "下达时间", "deadline": "期限", "status": "状态", "ticket": "工单"}


def _orders_page(error: str | None = None):
    staff = current_staff()
    _orders_reader(staff)
    status = _status()
    statuses = {REVIEW: orders.AWAITING_REVIEW, UNANSWERED: orders.UNANSWERED}.get(
        request.args.get("status", "")
    )
    street_id = _arg_id("street_id")
    stmt = orders.orders_query(staff, status=status, street_id=street_id, statuses=statuses)
    return render_template(
        "admin/supervision/orders.html",
        listing=ORDERS.page(stmt),
        sort_labels=ORDER_SORT_LABELS,
        status=status,
        status_arg=request.args.get("status", ""),
        statuses=list(OrderStatus),
        streets=panel.streets_in_scope(staff) if scope.can(staff, "supervision.read") else [],
        street_id=street_id,
        can_answer=scope.can(staff, "supervision.answer"),
        unanswered=orders.UNANSWERED,
        review=request.args.get("status") == REVIEW,
        now=utcnow(),
        error=error,
    )


@blueprint.get("/supervision/orders")
@login_required
def supervision_orders():
    """督办：监管人员看辖区内的全部督办与回复；物业企业看下达给本企业的督办并回复。"""
    return _orders_page()


@blueprint.get("/supervision/orders.xlsx")
@login_required
def supervision_orders_export():
    """导出督办记录。"""
    staff = current_staff()
    _orders_reader(staff)
    rows = panel.order_rows(orders.orders_query(staff, status=_status()))
    return _xlsx("督办记录", panel.ORDER_HEADERS, rows)


@blueprint.post("/supervision/orders/<int:order_id>/answer")
@login_required
@permission_required("supervision.answer")
def supervision_order_answer(order_id: int):
    """物业企业回复督办（一次）；回复写入工单进度，住户与街道都能看到。"""
    staff = current_staff()
    order = orders.company_order(staff, order_id)  # not the company's: 404
    form = AnswerForm()
    try:
        data = form.checked()
        orders.answer_order(staff, order_id, data["answer"])
    except DomainError as exc:
        if exc.status == 404:
            raise
        from backend.core.db import rollback

        rollback()
        return _orders_page(error=exc.message), exc.status
    flash(f"已回复督办（工单 T{order.ticket_id}）", "success")
    if form.back.data == "ticket":
        return redirect(url_for("admin.ticket", ticket_id=order.ticket_id))
    return redirect(url_for("admin.supervision_orders"))


class ReviewForm(Form):
    """街道审核物业的督办回复：认可，或退回重办（原因与新的办理期限）。"""

    decision = HiddenField(validators=[AnyOf(("accept", "return"), message="取值无效")])
    note = TextAreaField(
        "审核意见", validators=[Optional(), Length(max=500, message="审核意见最多 500 字")]
    )
    deadline = LocalDateTimeField("新的办理期限", validators=[Optional()])


@blueprint.post("/supervision/orders/<int:order_id>/review")
@login_required
@permission_required("supervision.order")
def supervision_order_review(order_id: int):
    """街道审核督办回复：认可（督办办结），或写明原因并给出新期限退回重办。"""
    staff = current_staff()
    order = orders.order_for(staff, order_id)  # out of the jurisdiction: 404
    form = ReviewForm()
    try:
        data = form.checked()
        if data["decision"] == "accept":
            orders.accept_answer(staff, order_id, data["note"] or "")
            message = f"已认可督办回复（工单 T{order.ticket_id}）"
        else:
            if data["deadline"] is None:
                raise Invalid("请填写新的办理期限", {"deadline": ["必填项"]})
            deadline = data["deadline"]
            orders.return_answer(staff, order_id, data["note"] or "", deadline)
            message = f"已退回督办回复，要求重办（工单 T{order.ticket_id}）"
    except DomainError as exc:
        if exc.status == 404:
            raise
        from backend.core.db import rollback

        rollback()
        return _ticket_page(order.ticket_id, error=exc.message), exc.status
    flash(message, "success")
    return redirect(url_for("admin.supervision_ticket", ticket_id=order.ticket_id))


@blueprint.app_template_global("order_badge")
def order_badge(order) -> str:
    """The badge class of a 督办 order's status: done green, waiting amber, late red."""
    return {
        OrderStatus.answered: "badge-active",
        OrderStatus.accepted: "badge-active",
        OrderStatus.open: "badge-pending",
        OrderStatus.returned: "badge-pending",
    }.get(order.status, "badge-rejected")


@blueprint.app_template_global("supervision_orders_of")
def supervision_orders_of(ticket) -> list:
    """The 督办 orders on ``ticket`` the signed-in staff member may read (for the ticket
    page of the company: the orders it must answer)."""
    staff = current_staff()
    if staff is None:
        return []
    return panel.ticket_orders(staff, ticket.id)


# --- the overdue list ------------------------------------------------------------------------


def _overdue_options(staff) -> dict:
    sort = request.args.get("sort", "age")
    estate_id, company_id = _arg_id("estate_id"), _arg_id("company_id")
    if estate_id is not None and estate_id not in {e.id for e in scope.estates(staff)}:
        raise NotFound("未找到该小区，或不在您的管辖范围内")
    if company_id is not None and company_id not in {c.id for c in panel.companies_in_scope(staff)}:
        raise NotFound("未找到该物业企业，或不在您的管辖范围内")
    return {
        "sort": sort if sort in overdue.SORTS else "age",
        "descending": request.args.get("dir", "desc") != "asc",
        "estate_id": estate_id,
        "company_id": company_id,
        # a street of the district (the bureau's home links each street's figure here)
        "street_id": _arg_id("street_id"),
    }


@blueprint.get("/supervision/overdue")
@login_required
@permission_required("supervision.read")
def supervision_overdue():
    """超时工单：辖区内已上报街道或被标记超时、仍未解决的工单，含时长，可排序、导出。"""
    staff = current_staff()
    options = _overdue_options(staff)
    args = {k: v for k, v in request.args.items() if k not in ("sort", "dir")}
    return render_template(
        "admin/supervision/overdue.html",
        rows=overdue.overdue_tickets(staff, **options),
        sorts=overdue.SORTS,
        args=args,
        estates=scope.estates(staff),
        companies=panel.companies_in_scope(staff),
        streets=panel.streets_in_scope(staff),
        limit=overdue.MAX_ROWS,
        **options,
    )


# --- monthly evaluations ---------------------------------------------------------------------


def _arg_year() -> int | None:
    value = request.args.get("year", "")
    return (
        int(value) if value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100 else None
    )


def _company_arg(staff) -> int | None:
    company_id = _arg_id("company_id")
    if company_id is not None and company_id not in {c.id for c in panel.companies_in_scope(staff)}:
        raise NotFound("未找到该物业企业，或不在您的管辖范围内")
    return company_id


EVALUATIONS = ListSpec(
    sorts=evaluation.EVALUATION_SORTS,
    default="-month",
    filters=("company_id", "year"),
    tiebreak=(Evaluation.id,),
)
EVALUATION_SORT_LABELS = {"month": "月份", "company": "物业企业", "score": "得分"}


@blueprint.get("/supervision/evaluations")
@login_required
@permission_required("supervision.read")
def supervision_evaluations():
    """月度评价：辖区物业企业每月的百分制得分，页面上列出计算公式。"""
    staff = current_staff()
    year, company_id = _arg_year(), _company_arg(staff)
    stmt = evaluation.evaluations_query(staff, company_id=company_id, year=year)
    return render_template(
        "admin/supervision/evaluations.html",
        listing=EVALUATIONS.page(stmt),
        sort_labels=EVALUATION_SORT_LABELS,
        formula=evaluation.formula(),
        formula_note=evaluation.FORMULA_NOTE,
        excellent=evaluation.EXCELLENT,
        poor=evaluation.POOR,
        companies=panel.companies_in_scope(staff),
        company_id=company_id,
        year=year,
    )


@blueprint.get("/supervision/evaluations/<int:evaluation_id>")
@login_required
@permission_required("supervision.read")
def supervision_evaluation(evaluation_id: int):
    """一次月度评价：各项得分与所依据的数字。"""
    item = evaluation.evaluation_for(current_staff(), evaluation_id)
    return render_template(
        "admin/supervision/evaluation.html",
        item=item,
        formula=evaluation.formula(),
        formula_note=evaluation.FORMULA_NOTE,
        figures=(item.parts or {}).get("figures", {}),
    )


# --- inspections -----------------------------------------------------------------------------

#: rows of the inspection form (the usual items first, then blank ones)
INSPECTION_ROWS = 7


def _inspection_items() -> list[dict]:
    """The scored rows of the inspection form (``item_name_N``, ``item_max_N`` …)."""
    items = []
    for n in range(INSPECTION_ROWS):
        name = (request.form.get(f"item_name_{n}") or "").strip()
        max_raw = (request.form.get(f"item_max_{n}") or "").strip()
        points_raw = (request.form.get(f"item_points_{n}") or "").strip()
        if not (name or points_raw):
            continue
        if not (max_raw.isascii() and max_raw.isdigit() and len(max_raw) < 4) or not (
            points_raw.isascii() and points_raw.isdigit() and len(points_raw) < 4
        ):
            raise Invalid(f"第 {n + 1} 项的满分与得分须为整数", {"items": ["分值须为整数"]})
        items.append(
            {
                "name": name,
                "max_points": int(max_raw),
                "points": int(points_raw),
                "note": request.form.get(f"item_note_{n}") or "",
            }
        )
    return items


INSPECTIONS = ListSpec(
    sorts=evaluation.INSPECTION_SORTS,
    default="-inspected",
    filters=("company_id", "estate_id"),
    tiebreak=(Inspection.id,),
)
INSPECTION_SORT_LABELS = {"inspected": "日期", "estate": "小区", "score": "得分"}


def _inspections_page(form: dict | None = None, error: str | None = None):
    staff = current_staff()
    company_id = _company_arg(staff)
    estates = [e for e in scope.estates(staff) if e.company_id]
    estate_id = arg_id("estate_id")
    stmt = evaluation.inspections_query(staff, company_id=company_id, estate_id=estate_id)
    return render_template(
        "admin/supervision/inspections.html",
        listing=INSPECTIONS.page(stmt),
        sort_labels=INSPECTION_SORT_LABELS,
        estate_id=estate_id,
        estates=estates,
        companies=panel.companies_in_scope(staff),
        company_id=company_id,
        usual=evaluation.INSPECTION_ITEMS,
        rows=INSPECTION_ROWS,
        today=local_today(),
        form=form or {},
        error=error,
    )


@blueprint.get("/supervision/inspections")
@login_required
@permission_required("supervision.read")
def supervision_inspections():
    """检查记录：街道对小区物业服务的现场检查（逐项打分、照片），计入月度评价。"""
    return _inspections_page()


@blueprint.post("/supervision/inspections")
@login_required
@permission_required("supervision.inspect")
def supervision_inspection_create():
    """录入一次检查：小区、日期、逐项得分、备注与现场照片。"""
    from backend.core.db import rollback
    from backend.media import services as media
    from backend.media.api import read_uploaded_files, release_transaction
    from backend.media.services import PhotoRefused

    form = request.form.to_dict()
    try:
        estate_id = form_int("estate_id")
        if estate_id is None:
            raise Invalid("请选择小区", {"estate_id": ["必填项"]})
        inspected_on = form_date("inspected_on") or local_today()
        items = _inspection_items()
        files = read_uploaded_files("photos")
        staff_id = current_staff().id
        photo_ids = []
        if files:
            release_transaction()
            photo_ids = [media.upload_photo(data, staff_id=staff_id).id for data in files]
        item = evaluation.record_inspection(
            current_staff(), estate_id, inspected_on, items, form.get("note", ""), photo_ids
        )
    except (DomainError, PhotoRefused) as exc:
        if isinstance(exc, DomainError) and exc.status == 404:
            raise
        rollback()
        status = getattr(exc, "status", 422)
        return _inspections_page(form, getattr(exc, "message", str(exc))), status
    flash(f"已录入检查：{item.estate.name} {item.score} 分", "success")
    return redirect(url_for("admin.supervision_inspection", inspection_id=item.id))


@blueprint.get("/supervision/inspections/<int:inspection_id>")
@login_required
@permission_required("supervision.read")
def supervision_inspection(inspection_id: int):
    """一次检查的逐项得分与现场照片。"""
    from backend.media import services as media

    item = evaluation.inspection_for(current_staff(), inspection_id)
    return render_template(
        "admin/supervision/inspection.html", item=item, photo_view=media.photo_view
    )


# --- credit records --------------------------------------------------------------------------


class CreditForm(Form):
    """信用记录：表彰奖励（加分）或投诉属实（扣分）。"""

    company_id = IntegerField("物业企业", validators=[DataRequired("请选择物业企业")])
    manager_id = IntegerField("项目经理", validators=[Optional()])
    source = SelectField(
        "来源",
        choices=[(s.value, s.label) for s in CREDIT_SOURCES],
        validators=[DataRequired("请选择来源")],
    )
    points = IntegerField(
        "分值",
        validators=[
            DataRequired("请填写分值"),
            NumberRange(-50, 50, "分值应为 -50 至 50 之间的非零整数"),
        ],
    )
    reason = TextAreaField(
        "事由", validators=[DataRequired("请填写事由"), Length(max=500, message="事由最多 500 字")]
    )
    occurred_on = DateField("日期", validators=[Optional()])


CREDIT = ListSpec(
    sorts=credit.CREDIT_SORTS,
    default="-occurred",
    filters=("company_id", "manager_id", "source"),
    tiebreak=(CreditRecord.id,),
)
CREDIT_SORT_LABELS = {"occurred": "日期", "company": "物业企业", "source": "来源", "points": "分值"}


def _credit_page(form: CreditForm | None = None, error: str | None = None):
    staff = current_staff()
    company_id = _company_arg(staff)
    manager_id = _arg_id("manager_id")
    managers = panel.managers_in_scope(staff)
    if manager_id is not None and manager_id not in {m.id for m in managers}:
        raise NotFound("未找到该项目经理，或不在您的管辖范围内")
    companies = panel.companies_in_scope(staff)
    source = arg_enum("source", CreditSource)
    return render_template(
        "admin/supervision/credit.html",
        summaries=[credit.summary(c.id) for c in companies],
        listing=CREDIT.page(
            credit.entries(staff, company_id=company_id, manager_id=manager_id, source=source)
        ),
        sort_labels=CREDIT_SORT_LABELS,
        all_sources=list(CreditSource),
        source=source,
        companies=companies,
        managers=managers,
        company_id=company_id,
        manager_id=manager_id,
        base=credit.BASE_SCORE,
        stars_table=credit.STARS,
        form=form or CreditForm(formdata=None),
        sources=CREDIT_SOURCES,
        error=error,
    )


@blueprint.get("/supervision/credit")
@login_required
@permission_required("supervision.read")
def supervision_credit():
    """信用记录：物业企业与项目经理的加分、扣分记录及来源，信用分与星级。"""
    return _credit_page()


@blueprint.post("/supervision/credit")
@login_required
@permission_required("supervision.credit")
def supervision_credit_create():
    """记录一条信用记录（表彰奖励或投诉属实）。"""
    form = CreditForm()
    try:
        data = form.checked()
        credit.record_entry(
            current_staff(),
            data["company_id"],
            CreditSource(data["source"]),
            data["points"],
            data["reason"],
            data["occurred_on"],
            data["manager_id"],
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        from backend.core.db import rollback

        rollback()
        return _credit_page(form, exc.message), exc.status
    flash("已记录信用记录", "success")
    return redirect(url_for("admin.supervision_credit", company_id=data["company_id"]))


# --- the red/black list ----------------------------------------------------------------------


@blueprint.get("/supervision/lists")
@login_required
@permission_required("supervision.read")
def supervision_lists():
    """红黑名单：按年度由月度评价与信用记录评定（规则见页面），公示于企业所服务小区的公示栏。"""
    staff = current_staff()
    year = _arg_year()
    entries = panel.rows(evaluation.list_entries(staff, year))
    stars = {}
    for entry_year in {e.year for e in entries}:
        bands = evaluation.star_bands(
            [e.company_id for e in entries if e.year == entry_year], entry_year
        )
        stars.update({(entry_year, c): band for c, band in bands.items()})
    return render_template(
        "admin/supervision/lists.html",
        entries=entries,
        stars=stars,
        ratings=evaluation.stars_in_scope(staff, year) if year else [],
        unrated=evaluation.UNRATED,
        rules=evaluation.rules_text(),
        year=year,
        this_year=local_today().year,
    )


@blueprint.post("/supervision/lists")
@login_required
@permission_required("supervision.evaluate")
def supervision_lists_compile():
    """评定某年度的红黑名单并公示（替换该年度此前的评定）。"""
    value = request.form.get("year", "")
    if not (value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100):
        raise Invalid("年度无效", {"year": ["取值无效"]})
    entries = evaluation.compile_lists(current_staff(), int(value))
    flash(f"已评定 {value} 年度红黑名单：{len(entries)} 家企业，已公示", "success")
    return redirect(url_for("admin.supervision_lists", year=value))


# --- filings ---------------------------------------------------------------------------------


def _filings_reader(staff) -> None:
    if not (scope.can(staff, "supervision.read") or scope.can(staff, "filing.submit")):
        raise Forbidden("您的角色没有此项权限")


def _filing_kind() -> FilingKind | None:
    value = request.args.get("kind", "")
    return FilingKind(value) if value in FilingKind.__members__ else None


def _filing_state() -> FilingState | None:
    value = request.args.get("state", "")
    return FilingState(value) if value in FilingState.__members__ else None


FILINGS = ListSpec(
    sorts=filings.FILING_SORTS,
    default="-submitted",
    filters=("kind", "state"),
    tiebreak=(Filing.id,),
)
EXPIRING_FILINGS = ListSpec(
    sorts={"expires": filings.FILING_SORTS["expires"]}, default="expires", tiebreak=(Filing.id,)
)
FILING_SORT_LABELS = {
    "submitted": "提交时间",
    "id": "编号",
    "kind": "类型",
    "state": "状态",
    "expires": "到期日",
}


def _filings_page(expiring_only: bool = False, error: str | None = None, form=None):
    staff = current_staff()
    _filings_reader(staff)
    if expiring_only:
        stmt = filings.expiring(staff)
    else:
        stmt = filings.filings_query(staff, _filing_kind(), _filing_state())
    # the expiring list keeps its own order (soonest first); the register sorts
    listing = (EXPIRING_FILINGS if expiring_only else FILINGS).page(stmt)
    may_file = filings.kinds_filed_by(staff)
    return render_template(
        "admin/supervision/filings.html",
        listing=listing,
        sort_labels=None if expiring_only else FILING_SORT_LABELS,
        subjects={f.id: filings.subject_label(f) for f in listing.items},
        kinds=list(FilingKind),
        states=list(FilingState),
        kind=_filing_kind(),
        state=_filing_state(),
        expiring_only=expiring_only,
        notice_days=filings.EXPIRY_NOTICE_DAYS,
        soon=local_today() + timedelta(days=filings.EXPIRY_NOTICE_DAYS),
        today=local_today(),
        may_file=may_file,
        can_review=scope.can(staff, "filing.review"),
        estates=[e for e in scope.estates(staff) if e.company_id],
        streets=panel.streets_in_scope(staff),
        companies=panel.companies_in_scope(staff),
        contracts=panel.contracts_in_scope(staff),
        committees=panel.committees_in_scope(staff),
        error=error,
        form=form or {},
    )


@blueprint.get("/supervision/filings")
@login_required
def supervision_filings():
    """备案：物业企业、项目经理、业主委员会与物业服务合同的备案，提交、审核与列表。"""
    return _filings_page()


@blueprint.get("/supervision/filings/expiring")
@login_required
def supervision_expiring():
    """60 天内到期（或已到期）的任期与合同。"""
    return _filings_page(expiring_only=True)


@blueprint.post("/supervision/filings")
@login_required
@permission_required("filing.submit")
def supervision_filing_submit():
    """提交备案（物业企业、项目经理、业主委员会或服务合同）。"""
    from backend.core.db import rollback

    staff = current_staff()
    kind = request.form.get("kind", "")
    form = request.form.to_dict()
    try:
        if kind == "company":
            filing = filings.file_company(
                staff, form_int("company_id") or 0, form_int("street_id") or 0
            )
        elif kind == "manager":
            starts_on = form_date("starts_on")
            if starts_on is None:
                raise Invalid("请填写任职开始日期", {"starts_on": ["必填项"]})
            _, filing = filings.file_manager(
                staff,
                form_int("estate_id") or 0,
                form.get("name", ""),
                starts_on,
                form.get("phone", ""),
                form.get("certificate_no", ""),
                form_date("ends_on"),
            )
        elif kind == "contract":
            filing = filings.file_contract(staff, form_int("contract_id") or 0)
        elif kind == "committee":
            filing = filings.file_committee(staff, form_int("committee_id") or 0)
        else:
            raise Invalid("请选择备案类型", {"kind": ["取值无效"]})
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        rollback()
        return _filings_page(error=exc.message, form=form), exc.status
    flash(f"已提交{filing.kind.label}备案，等待街道审核", "success")
    return redirect(url_for("admin.supervision_filings"))


@blueprint.post("/supervision/filings/<int:filing_id>/review")
@login_required
@permission_required("filing.review")
def supervision_filing_review(filing_id: int):
    """审核备案：通过（已备案）或退回（须写明原因）。"""
    from backend.core.db import rollback

    staff = current_staff()
    filings.filing_for(staff, filing_id)  # out of the jurisdiction: 404
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        raise Invalid("请选择通过或退回", {"decision": ["取值无效"]})
    try:
        filing = filings.review(
            staff, filing_id, decision == "approve", request.form.get("note", "")
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        rollback()
        return _filings_page(error=exc.message), exc.status
    flash(f"备案 #{filing.id}：{filing.state.label}", "success")
    return redirect(url_for("admin.supervision_filings"))


# --- the Excel exports of the tables above ----------------------------------------------------


def _breakdown_export(staff):
    f, _ = _filter(staff)
    by = _by()
    return exports.export_breakdown(staff, f, by), f"工单统计_按{DIMENSIONS[by]}"


def _trend_export(staff):
    f, _ = _filter(staff)
    return exports.export_trend(staff, f, _grain(f)), "工单趋势"


#: URL → (endpoint, what the download holds, ``(staff) -> (xlsx stream, file title)``): each
#: export of a table, with the table's current filters, for whoever holds supervision.export
EXPORTS = {
    "/supervision/breakdown.xlsx": (
        "supervision_export_breakdown", "导出看板的分组表（按企业、小区或类型，含合计）。",
        _breakdown_export,
    ),
    "/supervision/trend.xlsx": (
        "supervision_export_trend", "导出看板的趋势表（按周或按月）。", _trend_export,
    ),
    "/supervision/overdue.xlsx": (
        "supervision_overdue_export", "导出超时工单（当前筛选与排序）。",
        lambda staff: (overdue.export_overdue(staff, **_overdue_options(staff)), "超时工单"),
    ),
    "/supervision/evaluations.xlsx": (
        "supervision_evaluations_export", "导出月度评价。",
        lambda staff: (exports.export_evaluations(staff, year=_arg_year()), "月度评价"),
    ),
    "/supervision/credit.xlsx": (
        "supervision_credit_export", "导出信用记录。",
        lambda staff: (exports.export_credit(staff, company_id=_company_arg(staff)), "信用记录"),
    ),
    "/supervision/lists.xlsx": (
        "supervision_lists_export", "导出红黑名单。",
        lambda staff: (exports.export_lists(staff, year=_arg_year()), "红黑名单"),
    ),
    "/supervision/filings.xlsx": (
        "supervision_filings_export", "导出备案（当前类型与状态）。",
        lambda staff: (exports.export_filings(staff, _filing_kind(), _filing_state()), "备案"),
    ),
}  # fmt: skip


def _export_view(endpoint: str, doc: str, build):
    def view():
        stream, title = build(current_staff())
        return _send(stream, title)

    view.__name__, view.__doc__ = endpoint, doc
    return login_required(permission_required("supervision.export")(view))


for _rule, (_endpoint, _doc, _build) in EXPORTS.items():
    blueprint.get(_rule, endpoint=_endpoint)(_export_view(_endpoint, _doc, _build))
