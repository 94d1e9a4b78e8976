"""Recording and reading the audit log."""

from __future__ import annotations

import contextlib
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import selectinload

from backend.audit.models import AuditEntry
from backend.core.feature import AuditEntity
from backend.core.money import yuan
from backend.core.time import to_local
from backend.extensions import db
from backend.features import AUDIT_ACTIONS, AUDIT_ENTITIES


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    """A JSON-safe picture of ``fields`` of ``obj`` for the before/after columns."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        out[name] = value
    return out


def record(
    actor,
    action: str,
    entity_type: str,
    entity_id=None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    estate_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry for a staff write (flushed with the write, committed with it)."""
    entry = AuditEntry(
        staff_id=getattr(actor, "id", None),
        company_id=getattr(actor, "company_id", None),
        estate_id=estate_id,
        action=action,
        entity_type=entity_type,
        entity_id="" if entity_id is None else str(entity_id),
        before=before,
        after=after,
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page narrows to: who, which feature or action, which record (kind
    and id), which estate, and which days (Asia/Shanghai, both ends included)."""

    staff_id: int | None = None
    feature: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    estate_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None


def feature_actions() -> dict[str, tuple[str, list[str]]]:
    """Feature name → (its label, the audit actions it records), for the feature filter."""
    from backend.features import FEATURES

    return {f.name: (f.label, sorted(f.audit_actions)) for f in FEATURES if f.audit_actions}


def _day_start(day: date) -> datetime:
    from backend.core.time import SHANGHAI

    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def _filtered(stmt: sa.Select, f: AuditFilter) -> sa.Select:
    if f.staff_id is not None:
        stmt = stmt.where(AuditEntry.staff_id == f.staff_id)
    if f.feature is not None:
        stmt = stmt.where(AuditEntry.action.in_(feature_actions().get(f.feature, ("", []))[1]))
    if f.action is not None:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.entity_type is not None:
        stmt = stmt.where(AuditEntry.entity_type == f.entity_type)
    if f.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == f.entity_id)
    if f.estate_id is not None:
        stmt = stmt.where(AuditEntry.estate_id == f.estate_id)
    if f.day_from is not None:
        stmt = stmt.where(AuditEntry.at >= _day_start(f.day_from))
    if f.day_to is not None:
        stmt = stmt.where(AuditEntry.at < _day_start(f.day_to + timedelta(days=1)))
    return stmt


#: how the audit log sorts (``admin.page.ListSpec``), by ``?sort=``
ENTRY_SORTS = {
    "at": AuditEntry.at,
    "action": AuditEntry.action,
    "entity": (AuditEntry.entity_type, AuditEntry.entity_id),
    "ip": AuditEntry.ip,
}


def entries_query(staff, f: AuditFilter | None = None) -> sa.Select:
    """The audit entries ``staff`` may read (narrowed by ``f``), newest first, with who
    wrote them (admins only)."""
    from backend.authz import scope

    stmt = sa.select(AuditEntry).options(selectinload(AuditEntry.staff))
    stmt = _filtered(stmt, f or AuditFilter()).order_by(AuditEntry.id.desc())
    if not scope.can(staff, "audit.read"):
        return stmt.where(sa.false())
    if scope.sees_everything(staff):
        return stmt
    if scope.manages_company(staff):
        return stmt.where(AuditEntry.company_id == staff.company_id)
    return stmt.where(sa.false())


# --- reading -----------------------------------------------------------------------------------


#: names of fields many features record, for entities that do not name them themselves
COMMON_FIELDS = {
    "amount_fen": "金额",
    "waived_fen": "减免金额",
    "total_fen": "合计金额",
    "budget_fen": "预算金额",
    "reason": "原因",
    "note": "说明",
    "state": "状态",
    "status": "状态",
    "period": "账期",
    "created": "新增条数",
    "title": "标题",
    "kind": "类型",
    "unit_id": "房屋",
    "company_id": "物业企业",
    "estate_id": "小区",
    "ticket_id": "工单",
    "from": "开始",
    "to": "结束",
    "filename": "文件",
    "rows": "读取行数",
    "units": "房屋",
    "matched": "已对上",
    "unmatched_bank": "银行流水未对上",
    "unmatched_ledger": "台账未对上",
    "section": "栏目",
    "version": "版本",
    "must_read": "必读",
    "area": "面积（㎡）",
    "receipt": "回执",
    "action": "操作",
    "attempts": "尝试次数",
    "paid_on": "付款日期",
    "instalment": "期次",
    "password": "密码",
    "active": "启用",
    "name": "名称",
    "bills": "账单笔数",
    "reminder_id": "催缴记录",
    "booked_on": "入账日期",
    "reference": "银行流水号",
}


def field_label(kind: AuditEntity, key: str) -> str:
    """The Chinese name of a recorded field: the entity's own, else the common one."""
    return kind.fields.get(key) or COMMON_FIELDS.get(key, key)


@dataclass(frozen=True)
class Change:
    """One field of a record before and after a write, as people read it."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ReadableEntry:
    """An audit entry in words: the action, the record named, the fields it changed."""

    entry: AuditEntry
    action: str
    record: str
    changes: list[Change]


def readable(entries: list[AuditEntry]) -> list[ReadableEntry]:
    """``entries`` with Chinese labels, named records and before/after values in words,
    as each feature declares them (``Feature.audit_actions`` / ``audit_entities``)."""
    return [_readable(entry) for entry in entries]


def _readable(entry: AuditEntry) -> ReadableEntry:
    kind = AUDIT_ENTITIES.get(entry.entity_type) or AuditEntity(entry.entity_type)
    before, after = entry.before or {}, entry.after or {}
    changes = [
        Change(
            field_label(kind, key),
            _text(kind, key, before[key]) if key in before else "",
            _text(kind, key, after[key]) if key in after else "",
        )
        for key in dict.fromkeys([*before, *after])
        if key not in before or key not in after or before[key] != after[key]
    ]
    return ReadableEntry(
        entry=entry,
        action=AUDIT_ACTIONS.get(entry.action, entry.action),
        record=f"{kind.label}：{_record_name(kind, entry.entity_id)}",
        changes=changes,
    )


def _record_name(kind: AuditEntity, entity_id: str) -> str:
    row = _row(kind.model, entity_id) if kind.model else None
    return str(row) if row is not None else f"#{entity_id}"


def _row(model, ident):
    """The ``model`` row ``ident`` (an id as stored in the log), or ``None``."""
    try:
        return db.session.get(model, int(ident))
    except (TypeError, ValueError):
        return None


def _text(kind: AuditEntity, key: str, value) -> str:
    """A stored value in words: enums by label, ids by name, times in Shanghai time."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_text(kind, key, item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(kind, k)}：{_text(kind, k, v)}" for k, v in value.items())
    if key.endswith("_fen") and isinstance(value, int):
        # amounts are integer fen: read in 元 (the one formatter)
        return f"{yuan(value).removeprefix('¥').replace('-¥', '-')} 元"
    reads_as = kind.values.get(key)
    if isinstance(reads_as, type) and issubclass(reads_as, enum.Enum):
        try:
            return reads_as(value).label
        except ValueError:
            return str(value)
    if reads_as is datetime:
        with contextlib.suppress(TypeError, ValueError):
            return to_local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        return str(value)
    if reads_as is not None:
        row = _row(reads_as, value)
        return str(row) if row is not None else f"#{value}"
    return str(value)


# --- export ------------------------------------------------------------------------------------

#: the most entries one export holds (newest first); narrow the filters for older ones
EXPORT_LIMIT = 20_000
EXPORT_BATCH = 500
EXPORT_HEADERS = ["时间", "操作人", "账号", "操作", "对象", "变更内容", "IP"]


def export_rows(staff, f: AuditFilter):
    """The rows of the audit log's export: what the page shows, in words, newest first
    (at most :data:`EXPORT_LIMIT`)."""
    stmt = entries_query(staff, f)
    left, last = EXPORT_LIMIT, None
    while left > 0:
        # pages by id (newest first), so no cursor stays open while records are named
        page = stmt if last is None else stmt.where(AuditEntry.id < last)
        batch = list(db.session.scalars(page.limit(min(left, EXPORT_BATCH))))
        if not batch:
            return
        yield from _export_batch(batch)
        left -= len(batch)
        last = batch[-1].id


def _export_batch(entries: list[AuditEntry]):
    for row in readable(entries):
        who = row.entry.staff
        yield [
            to_local(row.entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            who.name if who else "系统",
            who.username if who else "",
            row.action,
            row.record,
            "；".join(f"{c.field}：{c.before or '—'} → {c.after or '—'}" for c in row.changes),
            row.entry.ip or "",
        ]
