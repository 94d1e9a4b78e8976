"""Safety in the panel: an estate's equipment register (add, Excel import, printable QR
check-in codes), the tasks due, a task done at phone width (checklist and scanned code),
and the overdue list (the company's at once, the street officer's past the grace period).
"""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import ImportForm
from admin.page import paginate
from backend.authz import scope
from backend.core.db import rollback
from backend.core.errors import DomainError, NotFound
from backend.core.time import local_today
from backend.org.importer import ImportFailed
from backend.org.models import Estate
from backend.safety import services
from backend.safety.models import EquipmentKind, SafetyTask
from backend.safety.schedule import schedules


def _estates(staff) -> list[Estate]:
    """The estates in ``staff``'s scope, for the estate picker."""
    return scope.estates(staff)


def _estate_arg(staff) -> Estate | None:
    value = request.values.get("estate_id", "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise NotFound("未找到该小区")
    return scope.get_scoped(Estate, int(value), staff)


def _register(staff, estate, error=None, row_errors=(), status=200):
    expiring_only = request.args.get("expiring") == "1"
    stmt = (
        services.expiring_query(staff)
        if expiring_only
        else services.equipment_query(staff, estate.id if estate else None)
    )
    if estate is not None and expiring_only:
        stmt = stmt.where(services.Equipment.estate_id == estate.id)
    today = local_today()
    page = render_template(
        "admin/safety/register.html",
        estates=_estates(staff),
        estate=estate,
        equipment=paginate(stmt),
        tasks=paginate(services.tasks_query(staff, estate.id if estate else None, today)),
        kinds=list(EquipmentKind),
        expiring_only=expiring_only,
        today=today,
        warning_from=services.warning_from,
        error=error,
        row_errors=row_errors,
        form=request.form,
        plan=schedules(),
    )
    return page, status


@blueprint.get("/safety")
@login_required
@permission_required("safety.read")
def safety():
    """设施设备台账与待办维保任务。"""
    staff = current_staff()
    return _register(staff, _estate_arg(staff))


@blueprint.post("/safety/equipment")
@login_required
@permission_required("safety.manage")
def safety_equipment_create():
    """登记一台设备。"""
    staff = current_staff()
    estate = _estate_arg(staff)
    if estate is None:
        return _register(staff, None, "请选择小区", status=422)
    try:
        row = services.add_equipment(staff, estate.id, request.form.to_dict())
    except DomainError as exc:
        rollback()
        return _register(staff, estate, exc.message, status=exc.status)
    flash(f"已登记 {row}", "success")
    return redirect(url_for("admin.safety", estate_id=estate.id))


@blueprint.post("/safety/import")
@login_required
@permission_required("safety.manage")
def safety_import():
    """从 Excel 导入设备台账（逐行报错，有错不写入）。"""
    staff = current_staff()
    estate = _estate_arg(staff)
    if estate is None:
        return _register(staff, None, "请选择小区", status=422)
    try:
        upload = ImportForm().checked()["file"]
        report = services.import_equipment(staff, estate.id, upload.stream, upload.filename or "")
    except ImportFailed as exc:
        return _register(staff, estate, exc.message, exc.row_errors, exc.status)
    except DomainError as exc:
        return _register(staff, estate, exc.message, status=exc.status)
    flash(report.summary(), "success")
    return redirect(url_for("admin.safety", estate_id=estate.id))


@blueprint.get("/safety/equipment/<int:equipment_id>/code.png")
@login_required
@permission_required("safety.manage")
def safety_code(equipment_id: int):
    """设备的签到二维码（打印后张贴在设备处）。"""
    png = services.code_png(current_staff(), equipment_id)
    return send_file(
        io.BytesIO(png), mimetype="image/png", download_name=f"code-{equipment_id}.png"
    )


@blueprint.route("/safety/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
@permission_required("safety.read")
def safety_task(task_id: int):
    """手机上完成一项维保任务：逐项检查、扫码签到。"""
    staff = current_staff()
    task, entry = services.task_view(staff, task_id)
    error, status = None, 200
    if request.method == "POST":
        answers = {
            line: request.form.get(f"check_{i}", "")
            for i, line in enumerate(entry.checklist if entry else ())
        }
        try:
            services.complete_task(
                staff, task.id, answers, request.form.get("code", ""), request.form.get("note", "")
            )
        except DomainError as exc:
            rollback()
            task, entry = services.task_view(staff, task_id)
            error, status = exc.message, exc.status
        else:
            flash("任务已完成" if task.checked_in else "任务已完成（未扫码签到）", "success")
            return redirect(url_for("admin.safety_task", task_id=task.id))
    page = render_template(
        "admin/safety/task.html", task=task, entry=entry, error=error, form=request.form,
        can_work=scope.can(staff, "safety.work"),
    )  # fmt: skip
    return page, status


@blueprint.get("/safety/overdue")
@login_required
@permission_required("safety.read")
def safety_overdue():
    """逾期未完成的维保任务（街道：超过宽限期的）。"""
    staff = current_staff()
    officer = not scope.can(staff, "safety.work")
    estate = _estate_arg(staff)
    stmt = services.overdue_query(staff, grace=officer)
    if estate is not None:
        stmt = stmt.where(SafetyTask.estate_id == estate.id)
    return render_template(
        "admin/safety/overdue.html",
        page=paginate(stmt),
        officer=officer,
        estate=estate,
        estates=_estates(staff),
        today=local_today(),
    )
