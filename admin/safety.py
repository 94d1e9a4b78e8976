"""Safety in the panel: an estate's equipment register (add, Excel import, printable QR
check-in codes), the tasks due, a task done at phone width (checklist and scanned code),
and the overdue list (the company's at once, the street officer's past the grace period).
"""

from __future__ import annotations

import io
from datetime import date

from flask import flash, redirect, render_template, request, send_file, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import ImportForm
from admin.page import (
    ListSpec,
    arg_day,
    arg_enum,
    arg_text,
    count,
    form_date,
    paginate,
    paginate_rows,
)
from backend.authz import scope
from backend.core.db import rollback
from backend.core.errors import DomainError, NotFound
from backend.core.time import local_today, month_start
from backend.media import services as media
from backend.media.api import read_uploaded_files, release_transaction
from backend.org.importer import ImportFailed
from backend.org.models import Estate
from backend.safety import figures, patrols, services
from backend.safety.models import Equipment, EquipmentKind, SafetyTask
from backend.safety.schedule import schedules
from backend.tickets.models import HAZARD_CATEGORIES


def _upload_photos(staff):
    """Store the photos chosen in the form's ``photos`` input (``backend.media``) before the
    request writes anything; the staff member (read again) and the photos' ids."""
    files = read_uploaded_files("photos")
    if not files:
        return staff, []
    staff_id = staff.id
    release_transaction()
    ids = [media.upload_photo(data, staff_id=staff_id).id for data in files]
    return current_staff(), ids


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


EQUIPMENT = ListSpec(
    sorts=services.EQUIPMENT_SORTS,
    default="name",
    filters=("estate_id", "kind", "q", "expiring"),
    tiebreak=(Equipment.id,),
)
EXPIRING = ListSpec(
    sorts={"certificate": services.EQUIPMENT_SORTS["certificate"]},
    default="certificate",
    filters=("estate_id", "expiring"),
    tiebreak=(Equipment.id,),
)
EQUIPMENT_SORT_LABELS = {
    "name": "设备",
    "location": "位置",
    "company": "维保单位",
    "certificate": "检验合格证",
}


OVERDUE = ListSpec(
    sorts=services.OVERDUE_SORTS,
    default="due",
    filters=("estate_id", "kind"),
    tiebreak=(SafetyTask.id,),
)
OVERDUE_SORT_LABELS = {"due": "应完成日期", "estate": "小区", "equipment": "设备", "item": "项目"}

TASKS = ListSpec(
    sorts=services.OVERDUE_SORTS,
    default="due",
    filters=("estate_id", "kind", "item", "from", "to", "state"),
    tiebreak=(SafetyTask.id,),
)


def _item_arg():
    """``?item=lift:half_month``: a schedule item of a kind of equipment, else no filter."""
    kind, _, code = request.args.get("item", "").partition(":")
    if kind not in {k.value for k in EquipmentKind}:
        return None
    kind = EquipmentKind(kind)
    return (kind, code) if any(i.code == code for i in schedules().get(kind, ())) else None


def _register(staff, estate, error=None, row_errors=(), status=200):
    expiring_only = request.args.get("expiring") == "1"
    stmt = (
        services.expiring_query(staff)
        if expiring_only
        else services.equipment_query(
            staff,
            estate.id if estate else None,
            kind=arg_enum("kind", EquipmentKind),
            q=arg_text("q"),
        )
    )
    if estate is not None and expiring_only:
        stmt = stmt.where(services.Equipment.estate_id == estate.id)
    today = local_today()
    page = render_template(
        "admin/safety/register.html",
        estates=_estates(staff),
        estate=estate,
        # the expiring list keeps its own order (soonest first); the register sorts
        equipment=(EXPIRING if expiring_only else EQUIPMENT).page(stmt),
        sort_labels=EQUIPMENT_SORT_LABELS,
        tasks_due=count(services.tasks_query(staff, estate.id if estate else None, today)),
        kinds=list(EquipmentKind),
        expiring_only=expiring_only,
        today=today,
        warning_from=services.warning_from,
        error=error,
        row_errors=row_errors,
        form=request.form,
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
            staff, photo_ids = _upload_photos(staff)
            services.complete_task(
                staff, task_id, answers, request.form.get("code", ""),
                request.form.get("note", ""), photo_ids, request.form.get("report", ""),
            )  # fmt: skip
        except DomainError as exc:
            rollback()
            task, entry = services.task_view(staff, task_id)
            error, status = exc.message, exc.status
        else:
            task, entry = services.task_view(staff, task_id)
            flash("任务已完成" if task.checked_in else "任务已完成（未扫码签到）", "success")
            return redirect(url_for("admin.safety_task", task_id=task.id))
    page = render_template(
        "admin/safety/task.html", task=task, entry=entry, error=error, form=request.form,
        can_work=scope.can(staff, "safety.work"), photo_view=media.photo_view,
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
    kind = arg_enum("kind", EquipmentKind)
    stmt = services.overdue_query(
        staff, grace=officer, estate_id=estate.id if estate else None, kind=kind
    )
    return render_template(
        "admin/safety/overdue.html",
        listing=OVERDUE.page(stmt),
        sort_labels=OVERDUE_SORT_LABELS,
        kinds=list(EquipmentKind),
        kind=kind,
        officer=officer,
        estate=estate,
        estates=_estates(staff),
        today=local_today(),
    )


@blueprint.get("/safety/tasks")
@login_required
@permission_required("safety.read")
def safety_tasks():
    """维保任务：管辖范围内即将到期、到期、逾期与已完成的检查维保任务，可筛选、排序。"""
    staff = current_staff()
    estate = _estate_arg(staff)
    state = request.args.get("state", "")
    f = services.TaskFilter(
        estate_id=estate.id if estate else None,
        kind=arg_enum("kind", EquipmentKind),
        item=_item_arg(),
        due_from=arg_day("from"),
        due_to=arg_day("to"),
        state=state if state in services.TASK_STATES else "",
    )
    today = local_today()
    return render_template(
        "admin/safety/tasks.html",
        listing=TASKS.page(services.task_list_query(staff, f, today)),
        sort_labels=OVERDUE_SORT_LABELS,
        filters=f,
        estate=estate,
        estates=_estates(staff),
        kinds=list(EquipmentKind),
        states=services.TASK_STATES,
        plan=schedules(),
        today=today,
    )


# --- patrols ---------------------------------------------------------------------------------


def _patrols(staff, estate, error=None, status=200):
    estate_id = estate.id if estate else None
    page = render_template(
        "admin/safety/patrols.html",
        estates=_estates(staff),
        estate=estate,
        routes=paginate(patrols.routes_query(staff, estate_id)),
        rounds=patrols.recent_rounds(staff, estate_id),
        missed=paginate_rows(patrols.missed_query(staff, estate_id)),
        error=error,
        form=request.form,
        today=local_today(),
    )
    return page, status


@blueprint.get("/safety/patrols")
@login_required
@permission_required("safety.read")
def safety_patrols():
    """巡查路线、每轮巡查与漏查的点位。"""
    staff = current_staff()
    return _patrols(staff, _estate_arg(staff))


@blueprint.post("/safety/patrols")
@login_required
@permission_required("safety.manage")
def safety_route_create():
    """新增巡查路线（按顺序的巡查点）。"""
    staff = current_staff()
    estate = _estate_arg(staff)
    if estate is None:
        return _patrols(staff, None, "请选择小区", 422)
    form = request.form
    frequency = form.get("frequency", "daily")
    try:
        every = int(form.get("every") or "1") if (form.get("every") or "1").isdigit() else 0
        starts_on = form_date("starts_on") or local_today()
        patrols.add_route(
            staff,
            estate.id,
            form.get("name", ""),
            (form.get("points") or "").splitlines(),
            starts_on,
            every_days=every if frequency == "days" else (1 if frequency == "daily" else None),
            every_months=every if frequency == "months" else None,
        )
    except DomainError as exc:
        rollback()
        return _patrols(staff, estate, exc.message, exc.status)
    flash("已新增巡查路线", "success")
    return redirect(url_for("admin.safety_patrols", estate_id=estate.id))


@blueprint.get("/safety/patrols/points/<int:point_id>/code.png")
@login_required
@permission_required("safety.manage")
def safety_point_code(point_id: int):
    """巡查点的签到二维码（打印后张贴在点位处）。"""
    png = patrols.point_code_png(current_staff(), point_id)
    return send_file(io.BytesIO(png), mimetype="image/png", download_name=f"point-{point_id}.png")


def _round(staff, round_id, error=None, status=200, failed_point=None):
    patrol, points, checks = patrols.round_view(staff, round_id)
    page = render_template(
        "admin/safety/round.html",
        patrol=patrol,
        points=points,
        checks=checks,
        error=error,
        failed_point=failed_point,
        form=request.form,
        can_work=scope.can(staff, "safety.work"),
        categories=HAZARD_CATEGORIES,
        today=local_today(),
    )
    return page, status


@blueprint.get("/safety/rounds/<int:round_id>")
@login_required
@permission_required("safety.read")
def safety_round(round_id: int):
    """手机上走一轮巡查：逐点扫码签到，发现问题拍照上报。"""
    return _round(current_staff(), round_id)


@blueprint.post("/safety/rounds/<int:round_id>/points/<int:point_id>")
@login_required
@permission_required("safety.work")
def safety_round_check(round_id: int, point_id: int):
    """在巡查点签到（扫码），可记录发现的问题并上报。"""
    staff = current_staff()
    patrols.round_view(staff, round_id)  # out of scope: 404 before any upload
    form = request.form
    try:
        staff, photo_ids = _upload_photos(staff)
        check = patrols.check_point(
            staff,
            round_id,
            point_id,
            form.get("code", ""),
            patrols.Finding(
                text=form.get("finding", ""),
                hazard=form.get("hazard") == "1",
                category=form.get("category", ""),
                photo_ids=tuple(photo_ids),
            ),
        )
    except DomainError as exc:
        rollback()
        return _round(current_staff(), round_id, exc.message, exc.status, point_id)
    if check.ticket_id:
        flash(f"已签到，并已上报工单 T{check.ticket_id}", "success")
    else:
        flash("已签到", "success")
    return redirect(url_for("admin.safety_round", round_id=round_id) + f"#point-{point_id}")


@blueprint.get("/safety/figures")
@login_required
@permission_required("safety.read")
def safety_figures():
    """设施设备安全监管数据：按企业、小区的维保与巡查按时率、隐患、到期证书。"""
    staff = current_staff()
    today = local_today()
    month = _month_arg(today)
    result = figures.figures_for(staff, month, today)
    return render_template(
        "admin/safety/figures.html",
        figures=result,
        companies=result.by_company(),
        month=month,
        previous=month_start(month, -1),
        following=month_start(month, 1) if month_start(month, 1) <= today else None,
    )


def _month_arg(today):
    value = request.args.get("month", "")
    if not value:
        return today.replace(day=1)
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise NotFound("月份无效（例：2026-11）") from None
