"""Staff accounts: list, create, enable/disable and reset password (admins only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import ActiveForm, PasswordResetForm, StaffForm
from admin.page import ListSpec, arg_enum, arg_text
from backend.accounts import staff as staff_accounts
from backend.accounts.models import Staff
from backend.authz.roles import StaffRole
from backend.core.errors import DomainError

STAFF = ListSpec(
    sorts=staff_accounts.STAFF_SORTS,
    default="created",
    filters=("q", "role", "active"),
    tiebreak=(Staff.id,),
)
STAFF_SORT_LABELS = {
    "created": "创建时间",
    "username": "用户名",
    "name": "姓名",
    "role": "角色",
    "active": "状态",
    "login": "最近登录",
}


@blueprint.get("/staff")
@login_required
@permission_required("staff.manage")
def staff_list():
    """可管理的员工账号：按用户名或姓名搜索，按角色、状态筛选，按列排序。"""
    actor = current_staff()
    active = request.args.get("active")
    # the roles of the accounts listed: those the actor gives, and the actor's own
    roles = list(dict.fromkeys([actor.role, *staff_accounts.roles_assignable_by(actor)]))
    stmt = staff_accounts.managed_staff_query(
        actor,
        q=arg_text("q"),
        role=arg_enum("role", StaffRole),
        active={"1": True, "0": False}.get(active or ""),
    )
    return render_template(
        "admin/staff_list.html",
        listing=STAFF.page(stmt),
        roles=roles,
        sort_labels=STAFF_SORT_LABELS,
    )


def _role_or_default(value: str | None, roles: list[StaffRole]) -> StaffRole | None:
    """The role chosen on the form if it is one offered, else the first offered."""
    chosen = StaffRole.__members__.get(value or "")
    return chosen if chosen in roles else (roles[0] if roles else None)


def _render_form(form: dict, error: DomainError | None = None, status: int = 200):
    actor = current_staff()
    roles = staff_accounts.roles_assignable_by(actor)
    role = _role_or_default(form.get("role"), roles)
    page = render_template(
        "admin/staff_form.html",
        form=form,
        roles=roles,
        role=role,
        choices=staff_accounts.scope_choices(actor, role),
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
        choices=staff_accounts.scope_choices(actor, role),
        field_errors={},
    )


@blueprint.post("/staff/new")
@login_required
@permission_required("staff.manage")
def staff_create():
    """创建员工账号。"""
    try:
        created = staff_accounts.create_staff(current_staff(), StaffForm().checked())
    except DomainError as exc:
        form = {key: request.form.get(key) for key in StaffForm().data if key != "password"}
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


def _account_change(staff_id: int, form_class, change, done):
    """Check ``form_class``, then apply ``change(actor, staff_id, data)`` and flash
    ``done(data)``; on a refusal show the detail page with the reason."""
    try:
        data = form_class().checked()
        member = change(current_staff(), staff_id, data)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _render_detail(
            staff_accounts.managed_staff(current_staff(), staff_id), exc.message, exc.status
        )
    flash(done(data).format(username=member.username), "success")
    return redirect(url_for("admin.staff_detail", staff_id=member.id))


@blueprint.post("/staff/<int:staff_id>/active")
@login_required
@permission_required("staff.manage")
def staff_set_active(staff_id: int):
    """启用或停用账号。"""
    return _account_change(
        staff_id,
        ActiveForm,
        lambda actor, sid, data: staff_accounts.set_active(actor, sid, data["active"] == "1"),
        lambda data: "账号 {username} 已" + ("启用" if data["active"] == "1" else "停用"),
    )


@blueprint.post("/staff/<int:staff_id>/password")
@login_required
@permission_required("staff.manage")
def staff_reset_password(staff_id: int):
    """重置账号密码。"""
    return _account_change(
        staff_id,
        PasswordResetForm,
        lambda actor, sid, data: staff_accounts.reset_password(actor, sid, data["password"]),
        lambda data: "账号 {username} 的密码已重置",
    )
