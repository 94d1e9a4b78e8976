"""Tickets in the panel: the queue, a ticket with its allowed actions, a technician's own
list (phone width, after-photos), and the Excel export."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import form_int, paginate
from backend.accounts.models import StaffRole
from backend.authz import scope
from backend.core.errors import DomainError, NotFound
from backend.core.time import utcnow
from backend.media import services as media
from backend.media.api import read_uploaded_files, release_transaction
from backend.tickets import export, services, sla
from backend.tickets.models import REPORT_CATEGORIES, Ticket, TicketKind, TicketState
from backend.tickets.services import Actor, QueueFilter
from backend.tickets.states import ACTIONS, EVENT_LABELS, allowed_for_staff

#: actions whose form carries a free note (with canned replies offered)
NOTE_ACTIONS = ("accept", "reject", "assign", "start", "resolve", "close")


def _filters() -> QueueFilter:
    args = request.args
    kind = args.get("kind") or ""
    state = args.get("state") or ""
    estate = args.get("estate_id") or ""
    return QueueFilter(
        estate_id=int(estate) if estate.isdigit() and len(estate) < 10 else None,
        kind=TicketKind(kind) if kind in TicketKind.__members__ else None,
        state=TicketState(state) if state in TicketState.__members__ else None,
        overdue=args.get("overdue") == "1",
        mine=request.endpoint == "admin.my_tickets",
    )


def _render_queue(template: str):
    staff = current_staff()
    now = utcnow()
    filters = _filters()
    page = paginate(services.with_details(services.staff_queue(staff, filters, now)))
    timings = services.queue_timings(page.items, now)
    return render_template(
        template,
        page=page,
        timings=timings,
        filters=filters,
        estates=scope.estates(staff),
        kinds=list(TicketKind),
        states=list(TicketState),
        categories=REPORT_CATEGORIES,
        overdue_total=services.overdue_count(staff, now),
    )


@blueprint.get("/tickets")
@login_required
@permission_required("ticket.read")
def tickets():
    """工单列表：按小区、类型、状态、是否超时筛选；超时的标红。"""
    return _render_queue("admin/tickets.html")


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
            "Content-Disposition": _attachment(export.filename(now)),
            "Cache-Control": "private, no-store",
        },
    )


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"tickets.xlsx\"; filename*=UTF-8''{quote(name)}"


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
            if any(a.name == "assign" for a in actions)
            else [],
            can_note=staff.role not in services.GOVERNMENT_ROLES,
            canned=current_app.config["TICKET_CANNED_REPLIES"],
            photo_view=media.photo_view,
            error=error,
            form=form or {},
            categories=REPORT_CATEGORIES,
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
    if action != "note" and action not in ACTIONS:
        raise NotFound("不支持的操作")
    staff = current_staff()
    item = services.staff_ticket(staff, ticket_id)
    note = request.form.get("note") or ""
    form = {"note": note, "action": action}
    try:
        if action == "note":
            services.add_note(staff, item, note)
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
    label = "已添加备注" if action == "note" else f"已{ACTIONS[action].label}"
    flash(f"工单 T{item.id}：{label}", "success")
    if staff.role == StaffRole.technician and action in ("resolve",):
        return redirect(url_for("admin.my_tickets"))
    return redirect(url_for("admin.ticket", ticket_id=item.id))
