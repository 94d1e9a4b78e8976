"""Residents in scope: search by name, or by phone for roles that may read contacts."""

from __future__ import annotations

from flask import render_template

from admin import blueprint
from admin.auth import current_staff, login_required
from admin.forms import SearchForm
from admin.page import paginate
from backend.accounts import services as accounts
from backend.core.errors import DomainError


@blueprint.get("/residents")
@login_required
def residents():
    """住户查询：按姓名（可查看联系方式的角色也可按手机号）搜索管辖范围内的住户。"""
    q = ""
    try:
        q = SearchForm().checked()["q"] or ""
        page = paginate(accounts.search_residents(current_staff(), q))
    except DomainError as exc:
        page = render_template("admin/residents.html", q=q, page=None, error=exc.message)
        return page, exc.status
    return render_template("admin/residents.html", q=q, page=page, error=None)
