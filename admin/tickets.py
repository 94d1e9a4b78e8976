"""Tickets in the panel: the queue, a ticket with its allowed actions, a technician's own
list (phone width, after-photos), and the Excel export."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, NumberRange

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import BAD_CHOICE, Form, SearchForm, _strip
from admin.page import MAX_PER_PAGE, attachment, form_int, paginate, per_page, safe_back
from backend.authz import scope
from backend.authz.roles import ticket_queue_home
from backend.core.api import MAX_ID
from backend.core.errors import DomainError, NotFound
from backend.core.text import CleanText
from backend.core.time import utcnow
from backend.media import services as media
from backend.media.api import read_uploaded_files, release_transaction
from backend.org.services import find_units
from backend.tickets import export, queue, services, sla
from backend.tickets.models import (
    CALL_SOURCES,
    CATEGORY_LABELS,
    Ticket,
    TicketKind,
    TicketSource,
    TicketState,
    Urgency,
)
from backend.tickets.services import Actor, QueueFilter
from backend.tickets.states import ACTIONS, EVENT_LABELS, allowed_for_staff

#: actions whose form carries a free note (with canned replies offered)
NOTE_ACTIONS = ("accept", "reject", "assign", "start", "resolve", "close")


#: actions that cannot be undone from the panel, and what the confirmation says happens
CONFIRM_ACTIONS = {
    "reject": "驳回后工单结束，住户会收到驳回通知和原因，本工单不能再处理。确定驳回吗？",
    "close": "关闭后工单结束，不能再处理（住户仍可在期限内申请重新处理）。确定关闭吗？",
}

#: what the queue's filter form sends; with none of them the role's own view opens
FILTER_ARGS = ("estate_id", "kind", "state", "overdue", "q", "view", "sort")


def _filters() -> QueueFilter:
    args = request.args
    kind = args.get("kind") or ""
    state = args.get("state") or ""
    estate = args.get("estate_id") or ""
    mine = request.endpoint == "admin.my_tickets"
    if mine:  # all of the technician's tickets, the open ones first, due soonest first
        view, sort = "all", "due"
    elif any(name in args for name in FILTER_ARGS):
        view = args.get("view") if args.get("view") in queue.VIEWS else "all"
        sort = args.get("sort") if args.get("sort") in queue.SORTS else "created"
    else:  # a technician lands on their own tickets, the desk on unassigned ones
        view = ticket_queue_home(current_staff().role)
        sort = "due" if view == "mine" else "created"
    return QueueFilter(
        estate_id=int(estate) if estate.isdigit() and len(estate) < 10 else None,
        kind=TicketKind(kind) if kind in TicketKind.__members__ else None,
        state=TicketState(state) if state in TicketState.__members__ else None,
        overdue=args.get("overdue") == "1",
        mine=mine,
        q=(args.get("q") or "")[:60],
        view=view,
        sort=sort,
    )


def _render_queue(template: str):
    staff = current_staff()
    now = utcnow()
    filters = _filters()
    page = paginate(
        services.with_details(services.staff_queue(staff, filters, now)), per_page=per_page()
    )
    timings = services.queue_timings(page.items, now)
    can_assign = scope.can(staff, "ticket.assign")
    return render_template(
        template,
        page=page,
        timings=timings,
        filters=filters,
        estates=scope.estates(staff),
        kinds=list(TicketKind),
        states=list(TicketState),
        views=queue.VIEWS,
        sorts=queue.SORTS,
        categories=CATEGORY_LABELS,
        overdue_total=services.overdue_count(staff, now),
        technicians=services.company_technicians(staff) if can_assign else [],
    )


@blueprint.get("/tickets")
@login_required
@permission_required("ticket.read")
def tickets():
    """工单列表：按小区、类型、状态、是否超时筛选；超时的标红。"""
    return _render_queue("admin/tickets.html")


@blueprint.post("/tickets/assign")
@login_required
@permission_required("ticket.assign")
def assign_tickets():
    """批量派单：把勾选的工单派给一位维修师傅（待受理的先受理）；不能派的逐条说明原因。"""
    staff = current_staff()
    ids = [int(v) for v in request.form.getlist("ticket_id") if v.isascii() and v.isdigit()]
    ids = [i for i in dict.fromkeys(ids) if 1 <= i <= MAX_ID][:MAX_PER_PAGE]
    back = safe_back(url_for("admin.tickets"))
    if not ids:
        flash("请先勾选要派单的工单", "error")
        return redirect(back)
    outcome = services.assign_many(staff, ids, form_int("assignee_id"))
    if outcome.done:
        flash(f"已派单 {len(outcome.done)} 个工单", "success")
    for ticket_id, reason in outcome.refused.items():
        flash(f"工单 T{ticket_id} 未派单：{reason}", "error")
    return redirect(back)


@blueprint.get("/tickets/mine")
@login_required
@permission_required("ticket.read")
def my_tickets():
    """我的工单（维修师傅，手机上使用）。"""
    return _render_queue("admin/my_tickets.html")


@blueprint.get("/tickets/export.xlsx")
@login_required
@permission_required("ticket.export")
def export_tickets():
    """按当前筛选条件导出工单（Excel）。"""
    now = utcnow()
    stmt = services.with_details(services.staff_queue(current_staff(), _filters(), now))
    return Response(
        export.export_tickets(stmt, now),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": attachment(export.filename(now), "tickets"),
            "Cache-Control": "private, no-store",
        },
    )


def render_ticket(ticket: Ticket, error: str | None = None, status: int = 200, form=None):
    staff = current_staff()
    actions = allowed_for_staff(staff.role, ticket.state, ticket.assignee_id == staff.id)
    return (
        render_template(
            "admin/ticket.html",
            ticket=ticket,
            timing=sla.timing(ticket, utcnow()),
            actions=actions,
            technicians=services.technicians(ticket)
            if any(a.name in ("assign", "accept") for a in actions)
            else [],
            confirm_actions=CONFIRM_ACTIONS,
            can_note=scope.can(staff, "ticket.note"),
            canned=current_app.config["TICKET_CANNED_REPLIES"],
            photo_view=media.photo_view,
            voice=media.voice_view(ticket.voice_note) if ticket.voice_note else None,
            error=error,
            form=form or {},
            categories=CATEGORY_LABELS,
            event_labels=EVENT_LABELS,
        ),
        status,
    )


@blueprint.get("/tickets/<int:ticket_id>")
@login_required
@permission_required("ticket.read")
def ticket(ticket_id: int):
    """工单详情：照片、处理进度，以及当前可做的操作。"""
    return render_ticket(services.staff_ticket(current_staff(), ticket_id))


@blueprint.post("/tickets/<int:ticket_id>/<string(maxlength=40):action>")
@login_required
@permission_required("ticket.read")
def ticket_action(ticket_id: int, action: str):
    """对工单执行一个操作（受理、驳回、派单、接单、开始、完成、关闭、备注）。"""
    if action not in ("note", "accept_assign") and action not in ACTIONS:
        raise NotFound("不支持的操作")
    staff = current_staff()
    item = services.staff_ticket(staff, ticket_id)
    note = request.form.get("note") or ""
    form = {"note": note, "action": action}
    try:
        if action == "note":
            services.add_note(staff, item, note)
        elif action == "accept_assign":
            services.accept_and_assign(staff, item, form_int("assignee_id"), note)
        else:
            files = read_uploaded_files("photos")
            if files:
                staff_id = staff.id
                release_transaction()
                photo_ids = [media.upload_photo(data, staff_id=staff_id).id for data in files]
                staff = current_staff()
                item = services.staff_ticket(staff, ticket_id)
            else:
                photo_ids = []
            services.apply(
                Actor(staff=staff),
                item,
                action,
                note=note,
                photo_ids=photo_ids,
                assignee_id=form_int("assignee_id"),
            )
    except DomainError as exc:
        from backend.core.db import rollback

        rollback()
        item = services.staff_ticket(staff, ticket_id)
        return render_ticket(item, error=exc.message, status=exc.status, form=form)
    label = {"note": "已添加备注", "accept_assign": "已受理并派单"}.get(action) or (
        f"已{ACTIONS[action].label}"
    )
    flash(f"工单 T{item.id}：{label}", "success")
    if scope.can(staff, "ticket.work") and action in ("resolve",):
        return redirect(url_for("admin.my_tickets"))
    return redirect(url_for("admin.ticket", ticket_id=item.id))


# --- 代客报修: the desk takes a ticket for a resident on the phone or at the counter ----------

#: how many units the unit search lists at most
CALL_MATCHES = 20


class CallTicketForm(Form):
    """A ticket the desk takes for a resident (代客报修)."""

    resident_id = IntegerField(
        validators=[DataRequired("请选择报修住户"), NumberRange(1, MAX_ID, message=BAD_CHOICE)]
    )
    source = StringField(
        validators=[AnyOf([s.value for s in CALL_SOURCES], message=BAD_CHOICE)],
    )
    kind = StringField(
        validators=[AnyOf([k.value for k in TicketKind], message=BAD_CHOICE)],
    )
    category = StringField(validators=[CleanText(30)], filters=[_strip], default="")
    urgency = StringField(
        validators=[AnyOf([u.value for u in Urgency], message=BAD_CHOICE)],
        default=Urgency.normal.value,
    )
    description = TextAreaField(
        validators=[DataRequired("请填写描述"), CleanText(1000, multiline=True, min_length=2)],
        filters=[_strip],
    )
    location = StringField(validators=[CleanText(100)], filters=[_strip], default="")


@blueprint.get("/tickets/call")
@login_required
@permission_required("ticket.take_call")
def call_search():
    """代客报修：按“楼栋 房号”（如 1幢 201）找到来电住户的房屋。"""
    q = SearchForm().checked()["q"] or ""
    units = find_units(current_staff(), q, CALL_MATCHES) if q else []
    if q and len(units) == 1:
        return redirect(url_for("admin.call_unit", unit_id=units[0].id))
    return render_template("admin/ticket_call.html", q=q, units=units, unit=None)


def _call_page(unit_id: int, error: str | None = None, status: int = 200, form=None):
    unit, residencies = services.callers(current_staff(), unit_id)
    return (
        render_template(
            "admin/ticket_call.html",
            q=request.args.get("q", ""),
            units=[],
            unit=unit,
            residencies=residencies,
            sources=CALL_SOURCES,
            kinds=list(TicketKind),
            urgencies=list(Urgency),
            categories=CATEGORY_LABELS,
            error=error,
            form=form or {},
        ),
        status,
    )


@blueprint.get("/tickets/call/units/<int:unit_id>")
@login_required
@permission_required("ticket.take_call")
def call_unit(unit_id: int):
    """代客报修：选择报修住户（须已绑定该房屋），填写类型、描述与紧急程度，可附照片。"""
    return _call_page(unit_id)


@blueprint.post("/tickets/call/units/<int:unit_id>")
@login_required
@permission_required("ticket.take_call")
def call_file(unit_id: int):
    """登记代客报修：工单记在住户名下（住户在小程序中可见、可评价），来源记为电话或前台。"""
    staff = current_staff()
    services.callers(staff, unit_id)  # out of scope: 404 before any photo is stored
    form = request.form.to_dict()
    try:
        data = CallTicketForm().checked()
        files = read_uploaded_files("photos")
        photo_ids = []
        if files:
            staff_id = staff.id
            release_transaction()
            photo_ids = [media.upload_photo(blob, staff_id=staff_id).id for blob in files]
            staff = current_staff()
        item = services.take_call(
            staff,
            unit_id,
            resident_id=data["resident_id"],
            source=TicketSource(data["source"]),
            kind=TicketKind(data["kind"]),
            description=data["description"],
            urgency=Urgency(data["urgency"]),
            category=data["category"],
            location=data["location"],
            photo_ids=photo_ids,
        )
    except DomainError as exc:
        from backend.core.db import rollback

        rollback()
        return _call_page(unit_id, error=exc.message, status=exc.status, form=form)
    flash(
        f"已登记工单 T{item.id}（{item.source.label}），住户可在小程序“我的工单”中查看",
        "success",
    )
    return redirect(url_for("admin.ticket", ticket_id=item.id))
