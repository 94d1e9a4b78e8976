"""Admin views parse, call a service and render: no queries, no repeated rules."""

from __future__ import annotations

import pathlib

from flask import render_template, session

import admin
from admin.auth import SESSION_CHECK, SESSION_STAFF, _session_check
from backend.accounts.models import ResidencyStatus
from tests.factories import ResidencyFactory
from tests.helpers import imported_modules

ADMIN = pathlib.Path(admin.__file__).parent
#: the one module that turns a query into a page of rows
PAGINATION = "page.py"


def test_admin_views_build_no_queries():
    for path in ADMIN.glob("*.py"):
        if path.name == PAGINATION:
            continue
        imported = imported_modules(path)
        assert not {n for n in imported if n.startswith("sqlalchemy")}, path.name
        assert "backend.extensions.db" not in imported, path.name
        assert "db.session" not in path.read_text(), path.name


def test_the_company_admin_scope_rule_is_written_once():
    """ "A company admin's staff join its own company" lives in ``accounts/staff.py`` only."""
    for path in [*ADMIN.glob("*.py"), *(ADMIN.parent / "backend").rglob("*.py")]:
        text = path.read_text()
        if "ROLE_SCOPE_FIELD" in text and "company_admin" in text:
            assert path.as_posix().endswith(("backend/accounts/staff.py", "authz/roles.py")), path


def test_review_row_masks_the_phone_for_roles_without_contact_access(app, db, world):
    residency = ResidencyFactory(
        unit=world.unit_a, status=ResidencyStatus.pending, applicant_phone="13912345678"
    )
    rows = {}
    for staff in (world.desk_a, world.committee_a):
        with app.test_request_context("/admin/reviews"):
            session[SESSION_STAFF] = staff.id
            session[SESSION_CHECK] = _session_check(staff)
            rows[staff.role] = render_template("admin/_review_row.html", r=residency)
    assert "13912345678" in rows[world.desk_a.role]
    assert "139****5678" in rows[world.committee_a.role]
    assert "13912345678" not in rows[world.committee_a.role]
