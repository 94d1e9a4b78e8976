"""The layout's navigation, the dashboard, error pages and template filters."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from admin import blueprint
from admin.auth import current_staff, login_required, render_login_throttled
from admin.page import PAGE_SIZES, is_htmx, page_url
from backend.authz import scope
from backend.authz.roles import ticket_queue_home
from backend.core.api import HTTP_MESSAGES
from backend.core.errors import DomainError
from backend.core.feature import NavEntry
from backend.core.time import to_local, utcnow
from backend.features import nav_entries, todo_for
from backend.org import services as org
from backend.supervision import home as city
from backend.tickets import services as tickets
from backend.tickets import sla

#: the panel's own first entry; the others come from the features (``feature.py``)
HOME = NavEntry("admin.dashboard", "首页", module="admin.home")

CSRF_MESSAGE = "页面已过期或缺少安全校验，请刷新页面后重试"


#: the top bar's menus, in order (``NavEntry.group``); an entry with no group stands alone
NAV_GROUPS = ("工单", "住户", "收费", "表决", "公示", "监管", "系统")


def nav_menu(entries: list[dict]) -> list[dict]:
    """The top bar: ``entries`` (visible to the staff member) gathered into their groups'
    menus in :data:`NAV_GROUPS` order, after the entries of no group; a group of one entry
    is that entry itself. A menu is ``active`` when one of its entries is."""
    alone = [e for e in entries if not e["group"]]
    menus = []
    for name in NAV_GROUPS:
        members = [e for e in entries if e["group"] == name]
        if len(members) == 1:
            menus.append(members[0])
        elif members:
            active = any(e["active"] for e in members)
            menus.append({"label": name, "entries": members, "active": active})
    return alone + menus


@blueprint.context_processor
def layout_context() -> dict:
    staff = current_staff()
    view = blueprint_view_module()
    nav = [
        {
            "endpoint": entry.endpoint,
            "label": entry.label,
            "active": entry.module == view,
            "group": entry.group,
        }
        for entry in (HOME, *nav_entries())
        if staff is not None and (entry.permission is None or scope.can(staff, entry.permission))
    ]
    return {
        "nav_menu": nav_menu(nav),
        "staff": staff,
        "nav": nav,
        "can": lambda permission: staff is not None and scope.can(staff, permission),
        "page_url": page_url,
        "page_sizes": PAGE_SIZES,
    }


def blueprint_view_module() -> str | None:
    """The admin module that serves this request (to mark its navigation entry)."""
    for entry in nav_entries():
        if request.endpoint in entry.pages:
            return entry.module
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "__module__", None)


@blueprint.get("/")
@login_required
def dashboard():
    """首页：待办事项（各功能提供，只含本角色能处理的）与管辖范围内的数量概览。"""
    staff = current_staff()
    agenda, takeable = [], []
    if ticket_queue_home(staff.role) == "mine" and scope.can(staff, "ticket.read"):
        now = utcnow()
        agenda = [(t, sla.timing(t, now)) for t in tickets.agenda(staff)]
        takeable = [(t, sla.timing(t, now)) for t in tickets.takeable(staff)]
    return render_template(
        "admin/dashboard.html",
        totals=org.scope_totals(staff),
        todos=todo_for(staff),
        agenda=agenda,
        takeable=takeable,
        city=city.city_overview(staff) if scope.can(staff, "supervision.city") else None,
    )


# --- errors ----------------------------------------------------------------------------------


def render_error(status: int, message: str):
    """An error as a page, or as a small alert when htmx asked for a fragment."""
    template = "admin/_alert.html" if is_htmx() else "admin/error.html"
    return render_template(template, code=status, message=message, level="error"), status


@blueprint.errorhandler(DomainError)
def domain_error(exc: DomainError):
    return render_error(exc.status, exc.message)


@blueprint.errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    return render_error(400, CSRF_MESSAGE)


@blueprint.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if exc.code == 429 and request.endpoint == "admin.login":
        return render_login_throttled()
    return render_error(exc.code, HTTP_MESSAGES.get(exc.code, "请求失败"))


# --- filters ---------------------------------------------------------------------------------


@blueprint.app_template_filter("local_time")
def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time as Asia/Shanghai wall-clock time."""
    local = to_local(value)
    return local.strftime(fmt) if local else ""


@blueprint.app_template_filter("local_date")
def local_date(value: date | None) -> str:
    """A date as ``YYYY-MM-DD``; a (UTC) time gives its date in Asia/Shanghai, so that
    between 00:00 and 08:00 Beijing time it is not the day before."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.isoformat() if value else ""


@blueprint.app_template_filter("phone")
def phone_for_staff(phone: str) -> str:
    """A resident's or owner's phone, masked for roles that do not need it."""
    staff = current_staff()
    return scope.masked_phone(staff, phone) if staff else ""


@blueprint.app_template_filter("invite_state")
def invite_state_label(invite) -> str:
    """有效 / 已使用 / 已过期 …: the same rule that decides whether the code still binds."""
    from backend.accounts.services import invite_state

    return invite_state(invite).label


@blueprint.app_template_filter("invite_code")
def invite_code(code: str) -> str:
    """An invite code as people read it aloud: ``XXXX-XXXX``."""
    code = code or ""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
