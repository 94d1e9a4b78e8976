"""Safety's rules: the equipment register, task generation, completion with check-in,
overdue tasks and expiring certificates. Services flush, never commit.

Rules encoded here (numbers are per-city settings, see ``backend/config.py``):

- 《特种设备安全法》第四十条 and TSG T5002-2017: a lift's periodic inspection (定期检验) is
  requested one month before its certificate expires, so the certificate appears on the
  company's to-do from exactly ``SAFETY_CERTIFICATE_WARNING_MONTHS`` (1) calendar month
  before its expiry date;
- a task not done by its due date is overdue on the company's to-do at once, and on the
  street officer's overdue list once ``SAFETY_OVERDUE_GRACE_DAYS`` (7) more days pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backend.audit import services as audit
from backend.authz import resident as resident_authz
from backend.authz import scope
from backend.core import board_hook
from backend.core.db import transition
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.feature import ToDo
from backend.core.phone import normalize_phone
from backend.core.text import TextRefused, clean_text
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.media import services as media
from backend.org import importer
from backend.org.importer import ImportFailed
from backend.org.models import Estate
from backend.safety import checkin
from backend.safety.models import (
    Equipment,
    EquipmentKind,
    SafetyTask,
    SafetyTaskPhoto,
    TaskState,
)
from backend.safety.schedule import add_months, item, schedules
from backend.tickets import services as tickets
from backend.tickets.models import TicketKind, TicketSource

if TYPE_CHECKING:
    from backend.accounts.models import Staff

#: the register's fields → Chinese names (the import's headers, the audit log's labels)
FIELDS = {
    "kind": "类型",
    "name": "名称",
    "location": "位置",
    "registration_code": "注册代码",
    "maintenance_company": "维保单位",
    "maintenance_phone": "维保电话",
    "maintenance_contract": "维保合同",
    "certificate_no": "检验合格证编号",
    "certificate_expires_on": "检验有效期至",
    "schedule_start": "首次保养日期",
}
REQUIRED = ("kind", "name", "schedule_start")
KINDS_BY_LABEL = {k.label: k for k in EquipmentKind} | {k.value: k for k in EquipmentKind}
MAX_LENGTH = {
    "name": 60,
    "location": 100,
    "registration_code": 40,
    "maintenance_company": 100,
    "maintenance_contract": 60,
    "certificate_no": 40,
}
PHONE = re.compile(r"[0-9]{5,20}")
#: the board section of the register (``board.py``)
BOARD_SECTION = "equipment"
#: rows per INSERT when generating tasks
CHUNK = 5000


# --- the register --------------------------------------------------------------------------------


def check_equipment(values: dict) -> tuple[dict, list[str]]:
    """``values`` (strings or cells) checked into the register's fields, and the problems."""
    problems: list[str] = []
    out: dict = {}
    kind_text = importer._text(values.get("kind"))
    out["kind"] = KINDS_BY_LABEL.get(kind_text)
    if out["kind"] is None:
        choices = "、".join(k.label for k in EquipmentKind)
        problems.append(f"类型“{kind_text}”无效（可填：{choices}）")
    for key, limit in MAX_LENGTH.items():
        text = importer._text(values.get(key))
        if len(text) > limit:
            problems.append(f"{FIELDS[key]}过长（最多 {limit} 个字）")
            continue
        try:
            out[key] = clean_text(text) if text else ""
        except TextRefused as exc:
            problems.append(f"{FIELDS[key]}{exc.message}")
    if "name" in out and not out["name"]:
        problems.append("缺少名称")
    phone = importer._text(values.get("maintenance_phone"))
    out["maintenance_phone"] = normalize_phone(phone) if phone else ""
    if phone and not PHONE.fullmatch(out["maintenance_phone"]):
        problems.append("维保电话无效")
    for key, required in (("certificate_expires_on", False), ("schedule_start", True)):
        out[key] = _date(values.get(key), FIELDS[key], required, problems)
    if out.get("kind") == EquipmentKind.lift and not out.get("certificate_expires_on"):
        problems.append("电梯须填写检验有效期")
    return out, problems


def _date(value, label: str, required: bool, problems: list[str]) -> date | None:
    if hasattr(value, "date") and callable(value.date):  # a datetime cell
        return value.date()
    if isinstance(value, date):
        return value
    text = importer._text(value)
    if not text:
        if required:
            problems.append(f"缺少{label}")
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        problems.append(f"{label}“{text}”不是日期（例：2027-03-31）")
        return None


def add_equipment(staff: Staff, estate_id: int, values: dict) -> Equipment:
    """Add one piece of equipment to an estate's register (audited)."""
    scope.require(staff, "safety.manage")
    estate = scope.get_scoped(Estate, estate_id, staff)
    fields, problems = check_equipment(values)
    if problems:
        raise Invalid("；".join(problems))
    if db.session.scalar(
        sa.select(Equipment.id).where(
            Equipment.estate_id == estate.id, Equipment.name == fields["name"]
        )
    ):
        raise Conflict(f"本小区已有名为“{fields['name']}”的设备")
    row = Equipment(estate_id=estate.id, **fields)
    db.session.add(row)
    db.session.flush()
    if row.kind == EquipmentKind.lift:
        board_hook.source_changed(estate.id, BOARD_SECTION)
    audit.record(
        staff,
        "safety.equipment",
        "safety_equipment",
        row.id,
        after=_record(row),
        estate_id=estate.id,
    )
    return row


def _record(row: Equipment) -> dict:
    values = {key: getattr(row, key) for key in FIELDS}
    values["kind"] = row.kind.value
    for key in ("certificate_expires_on", "schedule_start"):
        values[key] = values[key].isoformat() if values[key] else None
    return values


@dataclass
class EquipmentImport:
    created: int

    def summary(self) -> str:
        return f"已导入 {self.created} 台设备"


def import_equipment(
    staff: Staff, estate_id: int, stream: BinaryIO, filename: str = ""
) -> EquipmentImport:
    """Import an estate's equipment register from .xlsx (headers as in :data:`FIELDS`).

    The sheet is read with the organisation importer's reader (``importer.read_sheet``, the
    one place the project opens uploaded workbooks). Every faulty row is reported with its
    row number and nothing is written (:class:`ImportFailed`)."""
    scope.require(staff, "safety.manage")
    estate = scope.get_scoped(Estate, estate_id, staff)
    rows, errors = importer.read_sheet(
        stream,
        lambda header: importer.header_columns(header, FIELDS, REQUIRED),
        _read_lines,
    )
    taken = set(
        db.session.scalars(sa.select(Equipment.name).where(Equipment.estate_id == estate.id))
    )
    for line, fields in rows:
        if fields["name"] in taken:
            errors.append((line, f"本小区已有名为“{fields['name']}”的设备"))
    if errors:
        raise ImportFailed(errors)
    try:
        with db.session.begin_nested():
            for _line, fields in rows:
                db.session.add(Equipment(estate_id=estate.id, **fields))
            db.session.flush()
    except IntegrityError as exc:
        raise ImportFailed([(0, "数据库拒绝写入（可能与同时进行的录入冲突），请重试")]) from exc
    if any(fields["kind"] == EquipmentKind.lift for _line, fields in rows):
        board_hook.source_changed(estate.id, BOARD_SECTION)
    audit.record(
        staff, "safety.import", "estate", estate.id,
        after={"created": len(rows), "filename": filename}, estate_id=estate.id,
    )  # fmt: skip
    return EquipmentImport(created=len(rows))


def _read_lines(lines, columns):
    rows: list[tuple[int, dict]] = []
    errors: list[tuple[int, str]] = []
    first_seen: dict[str, int] = {}
    for line, cells in importer.data_lines(lines, columns):
        fields, problems = check_equipment(cells)
        name = fields.get("name")
        if name:
            if name in first_seen:
                problems.append(f"名称“{name}”与第 {first_seen[name]} 行重复")
            else:
                first_seen[name] = line
        if problems:
            errors.extend((line, p) for p in problems)
        else:
            rows.append((line, fields))
    if not rows and not errors:
        raise ImportFailed([(2, "表格中没有数据行")])
    return rows, errors


#: how the register sorts (``admin.page.ListSpec``), by ``?sort=``
EQUIPMENT_SORTS = {
    "name": (Equipment.estate_id, Equipment.kind, Equipment.name),
    "location": Equipment.location,
    "company": Equipment.maintenance_company,
    # equipment without a certificate last either way
    "certificate": lambda desc: (
        Equipment.certificate_expires_on.is_(None),
        Equipment.certificate_expires_on.desc() if desc else Equipment.certificate_expires_on,
    ),
}


def equipment_query(
    staff: Staff,
    estate_id: int | None = None,
    *,
    kind: EquipmentKind | None = None,
    q: str = "",
) -> sa.Select:
    """The register in ``staff``'s scope (of one estate if given, of one kind, ``q`` in
    the name, location or registration code), by estate and name."""
    scope.require(staff, "safety.read")
    stmt = scope.scoped(sa.select(Equipment), staff, Equipment.estate_id)
    if estate_id is not None:
        stmt = stmt.where(Equipment.estate_id == estate_id)
    if kind is not None:
        stmt = stmt.where(Equipment.kind == kind)
    if q:
        stmt = stmt.where(
            sa.or_(
                Equipment.name.contains(q, autoescape=True),
                Equipment.location.contains(q, autoescape=True),
                Equipment.registration_code.contains(q, autoescape=True),
            )
        )
    return stmt.order_by(Equipment.estate_id, Equipment.kind, Equipment.name)


# --- generating tasks ----------------------------------------------------------------------------


def generate_tasks(first: date, last: date, estate_ids: Iterable[int] | None = None) -> int:
    """Make the due tasks of every schedule item falling from ``first`` to ``last``.

    Idempotent: an (equipment, item, due date) that exists is left as it is (the unique
    constraint, with ON CONFLICT DO NOTHING), so running twice or in overlapping windows
    makes each task once. Returns how many were new. Flushes, never commits."""
    plan = schedules()
    stmt = sa.select(Equipment.id, Equipment.estate_id, Equipment.kind, Equipment.schedule_start)
    if estate_ids is not None:
        stmt = stmt.where(Equipment.estate_id.in_(list(estate_ids)))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = 0
    batch: list[dict] = []
    table = SafetyTask.__table__
    upsert = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["equipment_id", "item", "due_on"])
        .returning(table.c.id)
    )

    def flush_batch():
        nonlocal created
        if batch:
            # one statement, many parameter sets: SQLAlchemy batches them into multi-row
            # INSERTs ("insertmanyvalues") without compiling a statement per chunk
            created += len(db.session.execute(upsert, batch).all())
            batch.clear()

    for equipment_id, estate_id, kind, start in db.session.execute(stmt):
        for entry in plan.get(kind, ()):
            for due in entry.due_dates(start, first, last):
                batch.append(
                    {
                        "estate_id": estate_id,
                        "equipment_id": equipment_id,
                        "item": entry.code,
                        "due_on": due,
                        "state": TaskState.due.name,
                        "checked_in": False,
                        "note": "",
                    }
                )
                if len(batch) >= CHUNK:
                    flush_batch()
    flush_batch()
    return created


# --- doing a task --------------------------------------------------------------------------------


def task_view(staff: Staff, task_id: int) -> tuple[SafetyTask, object]:
    """A task in scope and its schedule item (``None`` if the schedules dropped it)."""
    scope.require(staff, "safety.read")
    task = scope.get_scoped(SafetyTask, task_id, staff)
    return task, item(task.equipment.kind, task.item)


def complete_task(
    staff: Staff,
    task_id: int,
    answers: dict[str, str],
    code: str = "",
    note: str = "",
    photo_ids: list[int] | None = None,
    report: str = "",
) -> SafetyTask:
    """Record a task as done: every checklist line answered ``ok`` or ``fault``; with
    ``code`` the scanned check-in code, which must be this equipment's (else refused);
    without it the task is marked as done without a scan. Two workers at once: one wins
    (``transition``), the other gets :class:`Conflict`. ``photo_ids``: the worker's photos
    (``backend.media``). A fault found with ``report`` ``"repair"`` or ``"hazard"`` opens a
    ticket filed by the worker (a hazard: the safety SLA, on the street's list at once)."""
    scope.require(staff, "safety.work")
    task, entry = task_view(staff, task_id)
    lines = entry.checklist if entry else ()
    missing = [line for line in lines if answers.get(line) not in ("ok", "fault")]
    if missing:
        raise Invalid(f"请逐项填写检查结果：{'、'.join(missing)}", {"checklist": missing})
    if report not in ("", "repair", "hazard"):
        raise Invalid("上报方式无效")
    checked_in = False
    if code.strip():
        checkin.verify(code, task.equipment_id, task.estate_id)
        checked_in = True
    try:
        note = clean_text(note.strip()) if note.strip() else ""
    except TextRefused as exc:
        raise Invalid(f"备注{exc.message}") from exc
    won = transition(
        SafetyTask, task.id, SafetyTask.state, TaskState.due,
        state=TaskState.done, done_at=utcnow(), done_by_id=staff.id, checked_in=checked_in,
        checklist={line: answers[line] for line in lines}, note=note[:500],
    )  # fmt: skip
    if not won:
        raise Conflict("该任务已完成，请勿重复提交")
    db.session.refresh(task)
    for position, photo in enumerate(media.attach_photos(photo_ids or [], staff_id=staff.id)):
        db.session.add(SafetyTaskPhoto(task_id=task.id, photo_id=photo.id, position=position))
    faults = [line for line in lines if answers[line] == "fault"]
    if faults and report:
        hazard = report == "hazard"
        lift = task.equipment.kind == EquipmentKind.lift
        ticket, _ = tickets.file_ticket(
            TicketSource.safety,
            estate_id=task.estate_id,
            kind=TicketKind.safety_hazard if hazard else TicketKind.shared_repair,
            description=f"{entry.label if entry else task.item}发现异常：{'、'.join(faults)}"
            + (f"。{note}" if note else ""),
            staff=staff,
            location=f"{task.equipment}（{task.equipment.location}）"[:100],
            category=("lift_fault" if lift else "fire_system") if hazard else "",
        )
        task.ticket_id = ticket.id
    db.session.flush()
    if task.equipment.kind == EquipmentKind.lift:
        board_hook.source_changed(task.estate_id, BOARD_SECTION)  # its last maintenance
    audit.record(
        staff, "safety.task", "safety_task", task.id,
        before={"state": TaskState.due.value},
        after={"state": TaskState.done.value, "checked_in": checked_in},
        estate_id=task.estate_id,
    )  # fmt: skip
    return task


# --- overdue and expiry --------------------------------------------------------------------------


def warning_from(expires_on: date) -> date:
    """The first day a certificate is on the to-do: one calendar month (the city's
    ``SAFETY_CERTIFICATE_WARNING_MONTHS``) before it expires (特种设备安全法 Art. 40)."""
    return add_months(expires_on, -current_app.config["SAFETY_CERTIFICATE_WARNING_MONTHS"])


def warning_horizon(today: date, months: int) -> date:
    """The latest expiry date that warns by ``today``: the largest ``e`` with
    ``warning_from(e) <= today`` (on a month's last day, every later day of the next
    month's end warns too: 31 March warns on 28 February)."""
    horizon = add_months(today, months)
    if (today + timedelta(days=1)).month != today.month:
        horizon = add_months(horizon.replace(day=1), 1) - timedelta(days=1)
    return horizon


def expiring_query(staff: Staff, today: date | None = None) -> sa.Select:
    """Lifts whose certificate expires within the warning window or has expired."""
    today = today or local_today()
    months = current_app.config["SAFETY_CERTIFICATE_WARNING_MONTHS"]
    horizon = warning_horizon(today, months)
    return (
        equipment_query(staff)
        .where(Equipment.certificate_expires_on.is_not(None))
        .where(Equipment.certificate_expires_on <= horizon)
        .order_by(None)
        .order_by(Equipment.certificate_expires_on)
    )


def overdue_query(
    staff: Staff,
    today: date | None = None,
    grace: bool = False,
    *,
    estate_id: int | None = None,
    kind: EquipmentKind | None = None,
) -> sa.Select:
    """Open tasks past their due date in scope; with ``grace``, only those more than
    ``SAFETY_OVERDUE_GRACE_DAYS`` past it (the street officer's list); of one estate, of
    one kind of equipment, if given."""
    scope.require(staff, "safety.read")
    today = today or local_today()
    cutoff = today - timedelta(days=current_app.config["SAFETY_OVERDUE_GRACE_DAYS"] if grace else 0)
    stmt = scope.scoped(sa.select(SafetyTask), staff, SafetyTask.estate_id).where(
        SafetyTask.state == TaskState.due, SafetyTask.due_on < cutoff
    )
    return _of(stmt, estate_id, kind).order_by(SafetyTask.due_on, SafetyTask.id)


def _of(stmt: sa.Select, estate_id: int | None, kind: EquipmentKind | None) -> sa.Select:
    """``stmt``'s tasks of one estate and of one kind of equipment, if given."""
    if estate_id is not None:
        stmt = stmt.where(SafetyTask.estate_id == estate_id)
    if kind is not None:
        of_kind = sa.select(Equipment.id).where(Equipment.kind == kind)
        stmt = stmt.where(SafetyTask.equipment_id.in_(of_kind))
    return stmt


#: the tasks list's states (``?state=``); without one it shows the open tasks, late or not
TASK_STATES = {"due": "待完成", "overdue": "已逾期", "done": "已完成", "all": "全部"}


@dataclass(frozen=True)
class TaskFilter:
    """What the tasks list is narrowed to: an estate, a kind of equipment, a schedule item
    (``(kind, code)``), due dates from and to (inclusive), a state of :data:`TASK_STATES`
    (``""``: open, whether late or not)."""

    estate_id: int | None = None
    kind: EquipmentKind | None = None
    item: tuple[EquipmentKind, str] | None = None
    due_from: date | None = None
    due_to: date | None = None
    state: str = ""


def task_list_query(staff: Staff, f: TaskFilter, today: date | None = None) -> sa.Select:
    """The inspection and maintenance tasks in ``staff``'s scope narrowed by ``f``: open
    ones not yet late (``due``: due today or later), open ones past their due date
    (``overdue``, as the company's to-do counts them), done ones, or every one."""
    scope.require(staff, "safety.read")
    today = today or local_today()
    stmt = scope.scoped(sa.select(SafetyTask), staff, SafetyTask.estate_id)
    if f.state == "done":
        stmt = stmt.where(SafetyTask.state == TaskState.done)
    elif f.state != "all":
        stmt = stmt.where(SafetyTask.state == TaskState.due)
        if f.state == "due":
            stmt = stmt.where(SafetyTask.due_on >= today)
        elif f.state == "overdue":
            stmt = stmt.where(SafetyTask.due_on < today)
    stmt = _of(stmt, f.estate_id, f.kind)
    if f.item is not None:
        kind, code = f.item
        stmt = _of(stmt, None, kind).where(SafetyTask.item == code)
    if f.due_from is not None:
        stmt = stmt.where(SafetyTask.due_on >= f.due_from)
    if f.due_to is not None:
        stmt = stmt.where(SafetyTask.due_on <= f.due_to)
    shown = selectinload(SafetyTask.equipment).selectinload(Equipment.estate)
    return stmt.options(shown).order_by(SafetyTask.due_on, SafetyTask.id)


#: the sort keys of the overdue list and the tasks list (``admin.safety.OVERDUE``, ``TASKS``)
OVERDUE_SORTS = {
    "due": SafetyTask.due_on,
    "estate": sa.select(Estate.name).where(Estate.id == SafetyTask.estate_id).scalar_subquery(),
    "equipment": sa.select(Equipment.name)
    .where(Equipment.id == SafetyTask.equipment_id)
    .scalar_subquery(),
    "item": SafetyTask.item,
}


def tasks_query(staff: Staff, estate_id: int | None, today: date | None = None) -> sa.Select:
    """Open tasks due up to today (the work list), in scope."""
    scope.require(staff, "safety.read")
    today = today or local_today()
    stmt = scope.scoped(sa.select(SafetyTask), staff, SafetyTask.estate_id).where(
        SafetyTask.state == TaskState.due, SafetyTask.due_on <= today
    )
    if estate_id is not None:
        stmt = stmt.where(SafetyTask.estate_id == estate_id)
    return stmt.order_by(SafetyTask.due_on, SafetyTask.id)


def _count(stmt: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))


def estates_to_refresh(today: date) -> list[int]:
    """Estates whose board section changes today without an edit: a lift's certificate
    expired yesterday, or a lift's routine maintenance fell due (its next date moved)."""
    lifts = sa.select(Equipment.estate_id).where(Equipment.kind == EquipmentKind.lift)
    expired = lifts.where(Equipment.certificate_expires_on == today - timedelta(days=1))
    due = (
        sa.select(SafetyTask.estate_id)
        .join(Equipment, Equipment.id == SafetyTask.equipment_id)
        .where(Equipment.kind == EquipmentKind.lift, SafetyTask.due_on == today)
    )
    return sorted(set(db.session.scalars(expired.union(due))))


def todo(staff: Staff) -> list[ToDo]:
    """The company's overdue tasks and expiring certificates; the street's overdue list."""
    if not scope.can(staff, "safety.read"):
        return []
    items = []
    officer = not scope.can(staff, "safety.work")
    overdue = _count(overdue_query(staff, grace=officer))
    if overdue or scope.manages_company(staff):  # the company admin's home shows it at none
        if officer:  # past the grace period: the street's overdue list
            label = "逾期未完成的设施设备维保（已超宽限期）"
            items.append(ToDo(label, overdue, "admin.safety_overdue", urgent=True))
        else:  # the tasks list filtered to the overdue ones shows exactly these
            args = (("state", "overdue"),)
            items.append(
                ToDo("逾期未完成的设施设备维保", overdue, "admin.safety_tasks", args, True)
            )
    if not officer:
        expiring = _count(expiring_query(staff))
        if expiring:
            items.append(
                ToDo("一个月内到期的电梯检验合格证", expiring, "admin.safety", (("expiring", "1"),))
            )
    return items


def code_png(staff: Staff, equipment_id: int) -> bytes:
    """The QR check-in code of an equipment in scope, as a PNG to print."""
    scope.require(staff, "safety.manage")
    row = scope.get_scoped(Equipment, equipment_id, staff)
    return checkin.qr_png(checkin.code_for(row.id, row.estate_id))


# --- residents -----------------------------------------------------------------------------------


def resident_equipment(resident, estate_id: int | None = None, code: str = "") -> list[Equipment]:
    """The equipment of the estates where ``resident`` lives (of ``estate_id``), or the one
    named by a scanned check-in ``code`` (a forged code, or another estate's: not found)."""
    stmt = sa.select(Equipment).where(resident_authz.in_my_estates(Equipment.estate_id, resident))
    if estate_id is not None:
        resident_authz.estate_of(resident, estate_id)
        stmt = stmt.where(Equipment.estate_id == estate_id)
    if code.strip():
        try:
            point, estate = checkin.read(code)
        except Invalid:
            raise NotFound("未识别该二维码，请从列表中选择设备") from None
        stmt = stmt.where(Equipment.id == point, Equipment.estate_id == estate)
        rows = db.session.scalars(stmt).all()
        if not rows:
            raise NotFound("未找到该设备，或不在您所住的小区")
        return rows
    return list(db.session.scalars(stmt.order_by(Equipment.kind, Equipment.name).limit(200)))


def report_equipment(
    resident,
    *,
    equipment_id: int | None,
    code: str,
    description: str,
    photo_ids: list[int],
    idempotency_key: str | None = None,
):
    """A resident reports a fault of a lift or a fire system, picked from the list or read
    from its code: a safety hazard ticket (shortest SLA, on the street's list at once)."""
    if equipment_id is None and not code.strip():
        raise Invalid("请扫码或选择设备", {"equipment_id": ["必填项"]})
    if code.strip():
        equipment = resident_equipment(resident, code=code)[0]
    else:
        equipment = db.session.scalars(
            sa.select(Equipment).where(
                Equipment.id == equipment_id,
                resident_authz.in_my_estates(Equipment.estate_id, resident),
            )
        ).first()
        if equipment is None:
            raise NotFound("未找到该设备，或不在您所住的小区")
    place = f"{equipment.kind.label} {equipment.name}"
    if equipment.location:
        place += f"（{equipment.location}）"
    ticket, _ = tickets.create_ticket(
        resident,
        kind=TicketKind.safety_hazard,
        description=description,
        estate_id=equipment.estate_id,
        location=place[:100],
        category="lift_fault" if equipment.kind == EquipmentKind.lift else "fire_system",
        photo_ids=photo_ids,
        idempotency_key=idempotency_key,
    )
    return ticket
