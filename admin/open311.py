"""Outside channels in the panel (外部接入): the partners of the street (12345 hotline and
grid systems) with their keys, issuing a key (shown once), revoking it, and each partner's
request log."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import ListSpec, arg_text, paginate
from backend.core.db import rollback
from backend.core.errors import DomainError, Invalid
from backend.open311 import services
from backend.open311.models import Channel, RequestLog


def _page(staff, key=None, partner=None, error=None, status=200):
    page = render_template(
        "admin/open311/partners.html",
        page=paginate(services.partners_query(staff)),
        streets=services.streets(staff),
        channels=list(Channel),
        key=key,
        issued=partner,
        error=error,
        form=request.form,
        services=services.SERVICES,
    )
    return page, status


@blueprint.get("/open311")
@login_required
@permission_required("open311.manage")
def open311():
    """外部接入方（12345、网格系统）与接入说明。"""
    return _page(current_staff())


@blueprint.post("/open311")
@login_required
@permission_required("open311.manage")
def open311_create():
    """签发接入密钥（只显示一次）。"""
    staff = current_staff()
    street = request.form.get("street_id", "")
    try:
        if not (street.isascii() and street.isdigit() and len(street) <= 9):
            raise Invalid("请选择街道", {"street_id": ["必填项"]})
        partner, key = services.create_partner(
            staff,
            request.form.get("name", ""),
            int(street),
            request.form.get("channel", "open311"),
            request.form.get("callback_url", ""),
        )
    except DomainError as exc:
        rollback()
        return _page(staff, error=exc.message, status=exc.status)
    return _page(staff, key=key, partner=partner, status=201)


@blueprint.post("/open311/<int:partner_id>/revoke")
@login_required
@permission_required("open311.manage")
def open311_revoke(partner_id: int):
    """吊销密钥。"""
    partner = services.revoke(current_staff(), partner_id)
    flash(f"已吊销 {partner.name} 的密钥", "success")
    return redirect(url_for("admin.open311"))


LOG = ListSpec(
    sorts=services.LOG_SORTS,
    default="-at",
    filters=("method", "result", "path"),
    tiebreak=(RequestLog.id,),
)
LOG_SORT_LABELS = {"at": "时间", "method": "方法", "path": "路径", "status": "结果"}
#: the methods the Open311 endpoints answer
LOG_METHODS = ("GET", "POST")


@blueprint.get("/open311/<int:partner_id>")
@login_required
@permission_required("open311.manage")
def open311_log(partner_id: int):
    """一个接入方的调用记录。"""
    staff = current_staff()
    partner = services.staff_partner(staff, partner_id)
    method, result = request.args.get("method", ""), request.args.get("result", "")
    filters = {
        "method": method if method in LOG_METHODS else "",
        "result": result if result in services.LOG_RESULTS else "",
        "path": arg_text("path", 100),
    }
    return render_template(
        "admin/open311/log.html",
        partner=partner,
        listing=LOG.page(services.log_query(staff, partner_id, **filters)),
        sort_labels=LOG_SORT_LABELS,
        methods=LOG_METHODS,
        results=services.LOG_RESULTS,
        filters=filters,
    )
