"""Estates → buildings → units, and the Excel import of an estate's units and owners."""

from __future__ import annotations

import dataclasses
import io

from flask import redirect, render_template, request, send_file, session, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import ImportForm, SearchForm
from admin.page import ListSpec, arg_enum, paginate
from backend.accounts import services as accounts
from backend.accounts.models import ResidencyRole
from backend.authz import scope
from backend.core.errors import DomainError
from backend.org import importer
from backend.org import services as org
from backend.org.models import Building, Estate, ManagementMode, Unit

UNITS_PER_PAGE = 50
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the last import's report, shown once after the redirect that follows the upload
SESSION_IMPORT_REPORT = "admin_import_report"


ESTATES = ListSpec(
    sorts=org.ESTATE_SORTS, default="name", filters=("q", "mode"), tiebreak=(Estate.id,)
)


@blueprint.get("/estates")
@login_required
def estates():
    """管辖范围内的小区（可按名称搜索、按管理方式筛选，按列排序）。"""
    staff = current_staff()
    q = SearchForm().checked()["q"] or ""
    listing = ESTATES.page(org.estates_in_scope(staff, q, arg_enum("mode", ManagementMode)))
    unit_counts = org.unit_counts_by_estate([estate.id for estate in listing.items])
    return render_template(
        "admin/estates.html",
        listing=listing,
        q=q,
        unit_counts=unit_counts,
        modes=list(ManagementMode),
        sort_labels={"name": "小区", "mode": "管理方式", "company": "物业企业", "units": "房屋数"},
    )


@blueprint.get("/estates/<int:estate_id>")
@login_required
def estate(estate_id: int):
    """小区详情与楼栋列表。"""
    staff = current_staff()
    estate = scope.get_scoped(Estate, estate_id, staff)
    page = paginate(org.buildings_in_scope(staff, estate.id), per_page=UNITS_PER_PAGE)
    unit_counts = org.unit_counts_by_building([building.id for building in page.items])
    return render_template("admin/estate.html", estate=estate, page=page, unit_counts=unit_counts)


@blueprint.get("/buildings/<int:building_id>")
@login_required
def building(building_id: int):
    """楼栋的房屋列表（分页）。"""
    staff = current_staff()
    building = scope.get_scoped(Building, building_id, staff)
    page = paginate(org.units_in_scope(staff, building.id), per_page=UNITS_PER_PAGE)
    bindings = accounts.bindings_by_unit(staff, [unit.id for unit in page.items])
    return render_template("admin/building.html", building=building, page=page, bindings=bindings)


@blueprint.get("/units/<int:unit_id>")
@login_required
def unit(unit_id: int):
    """房屋详情：面积、产权人、住户与邀请码。"""
    return render_unit(unit_id)


def render_unit(unit_id: int, invite_form: dict | None = None, error=None, status: int = 200):
    """The unit page; the invite form is re-shown with ``error`` when generating failed."""
    staff = current_staff()
    unit = scope.get_scoped(Unit, unit_id, staff)
    page = render_template(
        "admin/unit.html",
        unit=unit,
        residencies=accounts.unit_residencies(staff, unit.id),
        invites=accounts.unit_staff_invites(staff, unit.id),
        roles=list(ResidencyRole),
        invite_form=invite_form or {},
        error=error,
    )
    return page, status


# --- Excel import ----------------------------------------------------------------------------


@blueprint.route("/estates/<int:estate_id>/import", methods=["GET", "POST"])
@login_required
@permission_required("org.import")
def estate_import(estate_id: int):
    """上传 Excel 导入楼栋、房屋和业主名册。"""
    staff = current_staff()
    estate = scope.get_scoped(Estate, estate_id, staff)
    if request.method != "POST":
        report = session.pop(SESSION_IMPORT_REPORT, None)
        if report and report.get("estate_id") != estate.id:
            report = None
        return render_template("admin/import.html", estate=estate, report=report)

    try:
        upload = ImportForm().checked()["file"]
    except DomainError as exc:
        return _import_error(estate, exc.message, exc.status)
    try:
        report = importer.import_units(staff, estate.id, upload.stream, filename=upload.filename)
    except importer.ImportFailed as exc:
        return _import_error(estate, exc.message, exc.status, exc.row_errors)
    except DomainError as exc:
        return _import_error(estate, exc.message, exc.status)
    session[SESSION_IMPORT_REPORT] = {
        **dataclasses.asdict(report),
        "estate_id": estate.id,
        "filename": upload.filename,
    }
    return redirect(url_for("admin.estate_import", estate_id=estate.id))


def _import_error(estate: Estate, message: str, status: int, row_errors=None):
    page = render_template(
        "admin/import.html", estate=estate, error=message, row_errors=row_errors or []
    )
    return page, status


@blueprint.get("/import/template.xlsx")
@login_required
@permission_required("org.import")
def import_template():
    """下载空白导入模板。"""
    return send_file(
        io.BytesIO(importer.template_workbook()),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name="房屋导入模板.xlsx",
    )
