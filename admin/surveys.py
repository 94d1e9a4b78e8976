"""Surveys in the panel."""

from __future__ import annotations

from flask import render_template

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import paginate
from backend.surveys import services


@blueprint.get("/surveys")
@login_required
@permission_required("survey.read")
def surveys():
    """问卷列表。"""
    staff = current_staff()
    return render_template(
        "admin/surveys/list.html", surveys=paginate(services.surveys_query(staff))
    )
