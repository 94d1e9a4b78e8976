"""Residents in scope: search by name (or by phone for roles that may read contacts), filter
by estate, unit, status and identity, sort by the columns (``admin.page.ListSpec``)."""

from __future__ import annotations

from flask import render_template

from admin import blueprint
from admin.auth import current_staff, login_required
from admin.forms import SearchForm
from admin.page import ListSpec, arg_enum, arg_id, arg_text
from backend.accounts import services as accounts
from backend.accounts.models import Residency, ResidencyRole, ResidencyStatus
from backend.authz import scope
from backend.core.errors import DomainError

RESIDENTS = ListSpec(
    sorts=accounts.RESIDENT_SORTS,
    default="-created",
    filters=("q", "estate_id", "unit", "status", "role"),
    tiebreak=(Residency.id,),
)
#: the sorts as the phone-width select names them
RESIDENT_SORT_LABELS = {
    "created": "登记时间",
    "name": "姓名",
    "unit": "房屋",
    "role": "身份",
    "status": "状态",
}


@blueprint.get("/residents")
@login_required
def residents():
    """住户查询：按姓名（可查看联系方式的角色也可按手机号）搜索管辖范围内的住户，可按小区、房屋、状态、身份筛选，按列排序。"""
    staff = current_staff()
    q = ""
    context = {
        "estates": scope.estates(staff),
        "statuses": [ResidencyStatus.active, ResidencyStatus.pending],
        "roles": list(ResidencyRole),
        "sort_labels": RESIDENT_SORT_LABELS,
    }
    try:
        q = SearchForm().checked()["q"] or ""
        stmt = accounts.search_residents(
            staff,
            q,
            estate_id=arg_id("estate_id"),
            status=arg_enum("status", ResidencyStatus),
            role=arg_enum("role", ResidencyRole),
            unit=arg_text("unit"),
        )
        listing = RESIDENTS.page(stmt)
    except DomainError as exc:
        page = render_template(
            "admin/residents.html", q=q, listing=None, error=exc.message, **context
        )
        return page, exc.status
    return render_template("admin/residents.html", q=q, listing=listing, error=None, **context)
