"""The audit log (操作日志): who changed what, when, before and after; filtered by person,
feature, action, record, estate and days, and exported to Excel (``backend/core/sheets.py``)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from flask import render_template, request, send_file

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import MAX_PER_PAGE, ListSpec
from backend.accounts import staff as staff_accounts
from backend.audit import services as audit
from backend.audit.models import AuditEntry
from backend.authz import scope
from backend.core.sheets import write_xlsx
from backend.core.time import local_today
from backend.features import AUDIT_ACTIONS, AUDIT_ENTITIES

ENTRIES_PER_PAGE = 50
ENTRIES = ListSpec(
    sorts=audit.ENTRY_SORTS,
    default="-at",
    filters=(
        "staff_id",
        "feature",
        "action",
        "entity_type",
        "entity_id",
        "estate_id",
        "from",
        "to",
    ),
    sizes=(ENTRIES_PER_PAGE, MAX_PER_PAGE),
    tiebreak=(AuditEntry.id,),
)
ENTRY_SORT_LABELS = {"at": "时间", "action": "操作", "entity": "对象", "ip": "IP"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(name: str) -> int | None:
    value = (request.args.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip()[:10])
    except ValueError:
        return None


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or ""
    return value if value in allowed else None


def _filters() -> audit.AuditFilter:
    """The page's filters from the query; a value that is not one offered is ignored."""
    entity_id = (request.args.get("entity_id") or "").strip()
    return audit.AuditFilter(
        staff_id=_int("staff_id"),
        feature=_choice("feature", audit.feature_actions()),
        action=_choice("action", AUDIT_ACTIONS),
        entity_type=_choice("entity_type", AUDIT_ENTITIES),
        entity_id=entity_id[:40] if entity_id else None,
        estate_id=_int("estate_id"),
        day_from=_day("from"),
        day_to=_day("to"),
    )


@blueprint.get("/audit")
@login_required
@permission_required("audit.read")
def audit_log():
    """操作日志（分页，默认最新在前，可按列排序）：可按操作人、功能、操作、对象、小区和日期筛选，均为中文。"""
    staff = current_staff()
    filters = _filters()
    listing = ENTRIES.page(audit.entries_query(staff, filters))
    return render_template(
        "admin/audit.html",
        listing=listing,
        sort_labels=ENTRY_SORT_LABELS,
        rows=audit.readable(listing.items),
        filters=filters,
        people=staff_accounts.managed_staff_list(staff),
        features=audit.feature_actions(),
        actions=sorted(AUDIT_ACTIONS.items(), key=lambda kv: kv[1]),
        entities=sorted((k, v.label) for k, v in AUDIT_ENTITIES.items()),
        estates=scope.estates(staff),
        export_query=request.query_string.decode("ascii", "replace"),
    )


@blueprint.get("/audit/export.xlsx")
@login_required
@permission_required("audit.read")
def audit_export():
    """按当前筛选条件导出操作日志（Excel，最新在前，最多 2 万条）。"""
    rows = audit.export_rows(current_staff(), _filters())
    name = f"操作日志-{local_today():%Y%m%d}.xlsx"
    response = send_file(
        write_xlsx("操作日志", audit.EXPORT_HEADERS, rows, freeze_header=True),
        mimetype=XLSX,
        as_attachment=True,
        download_name="audit.xlsx",
    )
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"audit.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
