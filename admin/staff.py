"""Staff accounts: list, create, enable/disable and reset password (admins only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import selectinload

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import form_int, paginate
from backend.accounts import staff as staff_accounts
from backend.accounts.models import Staff
from backend.authz.roles import ROLE_SCOPE_FIELD, StaffRole
from backend.core.errors import DomainError
from backend.extensions import db
from backend.org import services as org


@blueprint.get("/staff")
@login_required
@permission_required("staff.manage")
def staff_list():
    """可管理的员工账号。"""
    stmt = (
        staff_accounts.managed_staff_query(current_staff())
        .options(
            selectinload(Staff.company), selectinload(Staff.estate), selectinload(Staff.street)
        )
        .order_by(Staff.id)
    )
    return render_template("admin/staff_list.html", page=paginate(stmt))


def _role_or_default(value: str | None, roles: list[StaffRole]) -> StaffRole | None:
    for role in roles:
        if role.value == value:
            return role
    return roles[0] if roles else None


def _scope_choices(actor: Staff, role: StaffRole | None) -> dict:
    """The options of the scope field ``role`` needs, as ``actor`` may see them."""
    field = ROLE_SCOPE_FIELD.get(role)
    if field == "company_id" and actor.role == StaffRole.company_admin:
        field = None  # a company admin's staff always join its own company
    choices: dict = {"field": field}
    if field == "company_id":
        choices["companies"] = org.companies_in_scope(actor)
    elif field == "estate_id":
        choices["estates"] = list(db.session.scalars(org.estates_in_scope(actor)))
    elif field == "street_id":
        choices["streets"] = org.streets_in_scope(actor)
    elif field == "district":
        choices["districts"] = sorted({street.district for street in org.streets_in_scope(actor)})
    return choices


def _render_form(form: dict, error: DomainError | None = None, status: int = 200):
    actor = current_staff()
    roles = staff_accounts.roles_assignable_by(actor)
    role = _role_or_default(form.get("role"), roles)
    page = render_template(
        "admin/staff_form.html",
        form=form,
        roles=roles,
        role=role,
        choices=_scope_choices(actor, role),
        error=error.message if error else None,
        field_errors=error.errors if error else {},
    )
    return page, status


@blueprint.get("/staff/new")
@login_required
@permission_required("staff.manage")
def staff_new():
    """新增员工账号的表单。"""
    return _render_form({"role": request.args.get("role")})


@blueprint.get("/staff/scope-fields")
@login_required
@permission_required("staff.manage")
def staff_scope_fields():
    """所选角色需要的管辖范围字段（htmx 片段）。"""
    actor = current_staff()
    roles = staff_accounts.roles_assignable_by(actor)
    role = _role_or_default(request.args.get("role"), roles)
    return render_template(
        "admin/_staff_scope_fields.html",
        form={},
        choices=_scope_choices(actor, role),
        field_errors={},
    )


@blueprint.post("/staff/new")
@login_required
@permission_required("staff.manage")
def staff_create():
    """创建员工账号。"""
    form = {
        key: (request.form.get(key) or "").strip()
        for key in ("username", "name", "phone", "role", "district")
    }
    try:
        data = {
            **form,
            "password": request.form.get("password") or "",
            "company_id": form_int("company_id"),
            "estate_id": form_int("estate_id"),
            "street_id": form_int("street_id"),
        }
        created = staff_accounts.create_staff(current_staff(), data)
    except DomainError as exc:
        form.update(
            {key: request.form.get(key) for key in ("company_id", "estate_id", "street_id")}
        )
        return _render_form(form, exc, exc.status)
    flash(f"账号 {created.username} 已创建", "success")
    return redirect(url_for("admin.staff_detail", staff_id=created.id))


def _render_detail(member: Staff, error: str | None = None, status: int = 200):
    return render_template("admin/staff_detail.html", member=member, error=error), status


@blueprint.get("/staff/<int:staff_id>")
@login_required
@permission_required("staff.manage")
def staff_detail(staff_id: int):
    """员工账号详情：启用/停用、重置密码。"""
    return _render_detail(staff_accounts.managed_staff(current_staff(), staff_id))


def _account_change(staff_id: int, change, done: str):
    """Apply ``change(actor, staff_id)``; on a refusal show the detail page with the reason."""
    try:
        member = change(current_staff(), staff_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _render_detail(
            staff_accounts.managed_staff(current_staff(), staff_id), exc.message, exc.status
        )
    flash(done.format(username=member.username), "success")
    return redirect(url_for("admin.staff_detail", staff_id=member.id))


@blueprint.post("/staff/<int:staff_id>/active")
@login_required
@permission_required("staff.manage")
def staff_set_active(staff_id: int):
    """启用或停用账号。"""
    active = request.form.get("active") == "1"
    return _account_change(
        staff_id,
        lambda actor, sid: staff_accounts.set_active(actor, sid, active),
        "账号 {username} 已" + ("启用" if active else "停用"),
    )


@blueprint.post("/staff/<int:staff_id>/password")
@login_required
@permission_required("staff.manage")
def staff_reset_password(staff_id: int):
    """重置账号密码。"""
    password = request.form.get("password") or ""
    return _account_change(
        staff_id,
        lambda actor, sid: staff_accounts.reset_password(actor, sid, password),
        "账号 {username} 的密码已重置",
    )
