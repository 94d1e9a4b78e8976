"""Residents' places in units: the review queue and staff QR invites."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import InviteForm, RejectForm
from admin.org import render_unit
from admin.page import ListSpec, arg_enum, arg_id, is_htmx
from backend.accounts import services as accounts
from backend.accounts.models import Residency, ResidencyRole
from backend.authz import scope
from backend.core.errors import Conflict, Invalid

REVIEWS = ListSpec(
    sorts=accounts.REVIEW_SORTS,
    default="created",
    filters=("estate_id", "role"),
    tiebreak=(Residency.id,),
)
REVIEW_SORT_LABELS = {"created": "申请时间", "name": "申请人", "unit": "房屋", "role": "身份"}


@blueprint.get("/reviews")
@login_required
@permission_required("residency.review")
def reviews():
    """待审核的绑定申请（管辖范围内，先到先审）。"""
    return _render_queue()


def _render_queue(error: str | None = None, status: int = 200):
    staff = current_staff()
    estate_id, role = arg_id("estate_id"), arg_enum("role", ResidencyRole)
    listing = REVIEWS.page(accounts.review_queue(staff, estate_id=estate_id, role=role))
    page = render_template(
        "admin/reviews.html",
        listing=listing,
        sort_labels=REVIEW_SORT_LABELS,
        estates=scope.estates(staff),
        estate_id=estate_id,
        roles=list(ResidencyRole),
        role=role,
        error=error,
    )
    return page, status


@blueprint.post("/reviews/<int:residency_id>/approve")
@login_required
@permission_required("residency.review")
def approve(residency_id: int):
    """通过绑定申请。"""
    try:
        residency = accounts.approve_residency(current_staff(), residency_id)
    except (Conflict, Invalid) as exc:
        return _review_refused(residency_id, exc)
    return _review_done(residency, "已通过")


@blueprint.post("/reviews/<int:residency_id>/reject")
@login_required
@permission_required("residency.review")
def reject(residency_id: int):
    """驳回绑定申请（必须填写原因）。"""
    reason = request.form.get("reason") or ""
    try:
        reason = RejectForm().checked()["reason"]
        residency = accounts.reject_residency(current_staff(), residency_id, reason)
    except (Conflict, Invalid) as exc:
        return _review_refused(residency_id, exc, reason=reason)
    return _review_done(residency, "已驳回")


def _review_done(residency: Residency, outcome: str):
    if is_htmx():
        return render_template("admin/_review_row.html", r=residency, outcome=outcome)
    flash(f"{residency.applicant_name or '该'}的绑定申请{outcome}", "success")
    return redirect(url_for("admin.reviews"))


def _review_refused(residency_id: int, exc: Conflict | Invalid, reason: str = ""):
    if is_htmx():
        residency = accounts.reviewed_residency(current_staff(), residency_id)
        row = render_template(
            "admin/_review_row.html", r=residency, error=exc.message, reason=reason
        )
        return row, exc.status
    return _render_queue(error=exc.message, status=exc.status)


# --- invites ---------------------------------------------------------------------------------


@blueprint.post("/units/<int:unit_id>/invites")
@login_required
@permission_required("invite.create")
def create_invite(unit_id: int):
    """为房屋生成一次性邀请码（二维码）。"""
    form = {"role": request.form.get("role") or "", "ends_on": request.form.get("ends_on") or ""}
    try:
        data = InviteForm().checked()
        role = ResidencyRole(data["role"])
        invite = accounts.create_staff_invite(current_staff(), unit_id, role, data["ends_on"])
    except Invalid as exc:
        return render_unit(unit_id, form, exc.message, exc.status)
    return redirect(url_for("admin.invite", invite_id=invite.id))


@blueprint.get("/invites/<int:invite_id>")
@login_required
def invite(invite_id: int):
    """邀请码与二维码（可打印交给住户）。"""
    invite = accounts.staff_invite(current_staff(), invite_id)
    return render_template("admin/invite.html", invite=invite)


@blueprint.get("/invites/<int:invite_id>/qr.png")
@login_required
def invite_qr(invite_id: int):
    """邀请二维码图片（PNG）。"""
    invite = accounts.staff_invite(current_staff(), invite_id)
    return Response(
        accounts.invite_qr_png(invite),
        mimetype="image/png",
        headers={"Cache-Control": "private, no-store"},
    )
