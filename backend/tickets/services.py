"""Ticket rules: creation (idempotent), every state change (one conditional UPDATE and an
append-only event), ratings, what each actor may see, and the overdue sweep."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from backend.accounts.models import Residency, Resident, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.core import ticket_hook
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.core.time import utcnow
from backend.extensions import db
from backend.media import services as media
from backend.org.models import Estate, Unit
from backend.tickets import notices, queue, sla
from backend.tickets.models import (
    CALL_SOURCES,
    CATEGORIES,
    OPEN_STATES,
    Ticket,
    TicketEvent,
    TicketEventPhoto,
    TicketEventVoiceNote,
    TicketKind,
    TicketSource,
    TicketState,
    Urgency,
)
from backend.tickets.states import ACTIONS, EVENT_LABELS, Action

log = logging.getLogger(__name__)

NOT_FOUND = "未找到该工单"
DESCRIBE = "请描述问题（至少 2 个字），或录一段语音"
#: the description of a report made by voice alone
VOICE_ONLY = "（语音报修，请播放语音）"
STALE = "工单状态已变化，请刷新后重试"
#: what the technician who lost a race to take a ticket is told (409)
TAKEN = "已被他人接单，请刷新后重试"
#: the note a resident reads when a technician takes their new ticket without one
TAKEN_NEW = "已受理，维修师傅已接单，将尽快为您处理"


# --- creation ------------------------------------------------------------------------------


def create_ticket(
    resident: Resident,
    *,
    kind: TicketKind,
    description: str,
    urgency: Urgency = Urgency.normal,
    unit_id: int | None = None,
    estate_id: int | None = None,
    location: str = "",
    category: str = "",
    photo_ids: list[int] | None = None,
    voice_note_id: int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """Submit a ticket; returns it and whether it is new.

    The same ``idempotency_key`` from the same resident returns the first ticket, even
    when both requests race (a unique constraint decides); the same key with a different
    request is refused (422), never answered with the first ticket. Arrears never stop a
    resident from reporting (民法典 Art. 944: no service may be withheld to force payment).
    A voice note (``voice_note_id``, uploaded before) may stand in for the description.
    """
    description = description.strip()
    if not description and voice_note_id:
        description = VOICE_ONLY
    elif len(description) < 2:
        raise Invalid(DESCRIBE, {"description": [DESCRIBE]})
    request = {
        "kind": kind,
        "urgency": urgency,
        "description": description,
        "unit_id": unit_id,
        "estate_id": estate_id,
        "location": location.strip(),
        "category": category if kind in CATEGORIES else "",
        "photo_ids": list(photo_ids or []),
        "voice_note_id": voice_note_id or None,
    }
    if kind == TicketKind.safety_hazard:
        urgency = request["urgency"] = Urgency.urgent  # a threat to life is always urgent
    if idempotency_key:
        existing = _by_key(resident.id, idempotency_key)
        if existing is not None:
            return _replayed(existing, request), False
    estate_id, unit_id = _place(resident, kind, unit_id, estate_id, location)
    _check_category(kind, category)
    ticket = Ticket(
        estate_id=estate_id,
        unit_id=unit_id,
        location=location.strip(),
        kind=kind,
        category=category if kind in CATEGORIES else "",
        urgency=urgency,
        description=description.strip(),
        resident_id=resident.id,
        idempotency_key=idempotency_key or None,
        created_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(ticket)
            db.session.flush()
    except IntegrityError:
        # another request with the same key won the race: answer with its ticket
        existing = _by_key(resident.id, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _replayed(existing, request), False
    photos = media.attach_photos(photo_ids or [], resident_id=resident.id)
    voice = media.attach_voice_note(voice_note_id, resident_id=resident.id)
    event = _record(
        ticket,
        "created",
        None,
        TicketState.submitted,
        resident_id=resident.id,
        note=ticket.description,
        photos=photos,
        at=ticket.created_at,
    )
    if voice is not None:
        db.session.add(TicketEventVoiceNote(event_id=event.id, voice_note_id=voice.id))
        db.session.flush()
        db.session.expire(event, ["voice_notes"])
    log.info("ticket %s submitted by resident %s", ticket.id, resident.id)
    escalate_hazard(ticket)
    return ticket, True


def _check_category(kind: TicketKind, category: str) -> None:
    if category and category not in CATEGORIES.get(kind.value, {}):
        raise Invalid("类别无效", {"category": ["取值不在允许范围内"]})


def escalate_hazard(ticket: Ticket) -> None:
    """A safety hazard goes on the street office's list at once (issue 23: a finding that
    threatens life is escalated to the street without waiting for a deadline); the street
    officer sees it in the queue and on the to-do, and may order (督办) the company."""
    if ticket.kind != TicketKind.safety_hazard:
        return
    apply(SYSTEM, ticket, "escalate", now=ticket.created_at, note="安全隐患：已立即上报街道")


def file_ticket(
    source: TicketSource,
    *,
    estate_id: int,
    kind: TicketKind,
    description: str,
    staff: Staff | None = None,
    source_ref: str | None = None,
    urgency: Urgency = Urgency.normal,
    unit_id: int | None = None,
    location: str = "",
    category: str = "",
    photo_ids: list[int] | None = None,
    resident: Resident | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """File a ticket no resident reported in the mini-app: by ``staff`` (a patrol finding;
    the desk taking a resident's call, see :func:`take_call`) or from a partner's channel
    (12345, Open311, 网格) with its own ``source_ref``.

    The caller has checked that ``staff`` may act in ``estate_id`` (``backend.authz``). The
    same ``(source, source_ref)`` gives the same ticket (a partner's case is imported once);
    returns the ticket and whether it is new. A ticket taken for ``resident`` (sources
    ``phone`` and ``counter`` only, a resident living in ``unit_id``) is theirs: in their
    list, told of its progress, rated by them; no other ticket is anybody's.
    """
    if source == TicketSource.resident:
        raise ValueError("a resident's ticket is created by create_ticket")
    if (resident is not None) != (source in CALL_SOURCES):
        raise ValueError("a ticket taken by phone or at the counter is for one resident")
    description = (description or "").strip()
    if not description:
        raise Invalid("请填写描述", {"description": ["必填项"]})
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.estate_id != estate_id:
            raise NotFound("未找到该房屋")
    elif kind == TicketKind.home_repair:
        raise Invalid("户内报修请选择房屋", {"unit_id": ["必填项"]})
    elif not location.strip():
        raise Invalid("请填写发生位置", {"location": ["必填项"]})
    _check_category(kind, category)
    if kind not in (TicketKind.report, TicketKind.safety_hazard):
        category = ""
    if kind == TicketKind.safety_hazard:
        urgency = Urgency.urgent
    source_ref = (source_ref or "").strip() or None
    if source_ref is not None:
        existing = _by_source_ref(source, source_ref)
        if existing is not None:
            return existing, False
    ticket = Ticket(
        estate_id=estate_id,
        unit_id=unit_id,
        location=location.strip(),
        kind=kind,
        category=category,
        urgency=urgency,
        description=description,
        source=source,
        source_ref=source_ref,
        filed_by_id=staff.id if staff else None,
        resident_id=resident.id if resident else None,
        created_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(ticket)
            db.session.flush()
    except IntegrityError:
        existing = _by_source_ref(source, source_ref) if source_ref else None
        if existing is None:
            raise
        return existing, False
    photos = media.attach_photos(photo_ids, staff_id=staff.id) if staff and photo_ids else []
    _record(
        ticket,
        "created",
        None,
        TicketState.submitted,
        staff_id=staff.id if staff else None,
        note=description,
        photos=photos,
        at=ticket.created_at,
    )
    if staff is not None:
        audit.record(
            staff,
            "ticket.file",
            "ticket",
            ticket.id,
            after={
                "source": source.value,
                "kind": kind.value,
                "location": ticket.location,
                **({"unit_id": unit_id} if unit_id else {}),
                **({"caller": resident.name or resident.nickname} if resident else {}),
            },
            estate_id=estate_id,
        )
    log.info("ticket %s filed (%s %s)", ticket.id, source.value, source_ref or "")
    escalate_hazard(ticket)
    return ticket, True


def take_call(
    staff: Staff,
    unit_id: int,
    *,
    resident_id: int | None,
    source: TicketSource,
    kind: TicketKind,
    description: str,
    urgency: Urgency = Urgency.normal,
    category: str = "",
    location: str = "",
    photo_ids: list[int] | None = None,
) -> Ticket:
    """代客报修: the desk takes a ticket for a resident of unit ``unit_id`` who phoned or came
    to the counter (``source``). The caller must live in the unit now (any role: a tenant
    reports their home's leak too); the ticket is then theirs as if they had reported it.
    A unit out of ``staff``'s scope is "not found"."""
    scope.require(staff, "ticket.take_call")
    unit = scope.get_scoped(Unit, unit_id, staff)
    if source not in CALL_SOURCES:
        raise Invalid("请选择来电或到前台", {"source": ["取值不在允许范围内"]})
    caller = None
    if resident_id is not None:
        caller = db.session.scalars(
            sa.select(Resident)
            .join(Residency, Residency.resident_id == Resident.id)
            .where(
                Residency.unit_id == unit.id,
                Residency.resident_id == resident_id,
                Residency.is_current,
            )
            .limit(1)
        ).first()
    if caller is None:
        raise Invalid(
            "请选择在该房屋绑定的住户（未绑定的来电人请先为其办理绑定）",
            {"resident_id": ["必填项"]},
        )
    ticket, _ = file_ticket(
        source,
        estate_id=unit.estate_id,
        kind=kind,
        description=description,
        staff=staff,
        urgency=urgency,
        unit_id=unit.id,
        location=location,
        category=category,
        photo_ids=photo_ids,
        resident=caller,
    )
    return ticket


def callers(staff: Staff, unit_id: int) -> tuple[Unit, list[Residency]]:
    """Unit ``unit_id`` (in scope, else 404) and who lives there now, to pick the caller."""
    scope.require(staff, "ticket.take_call")
    unit = scope.get_scoped(Unit, unit_id, staff)
    rows = db.session.scalars(
        sa.select(Residency)
        .where(Residency.unit_id == unit.id, Residency.is_current)
        .order_by(Residency.role, Residency.id)
    )
    return unit, list(rows)


def _by_source_ref(source: TicketSource, ref: str) -> Ticket | None:
    return db.session.scalars(
        sa.select(Ticket).where(Ticket.source == source, Ticket.source_ref == ref)
    ).first()


KEY_REUSED = "Idempotency-Key 已用于另一条不同内容的提交，请为新的提交使用新的 Idempotency-Key"


def _replayed(ticket: Ticket, request: dict) -> Ticket:
    """``ticket`` if it was created by the same ``request`` (a retry), else 422: a key
    reused for another body must not silently answer with the first ticket."""
    created = next((e for e in ticket.events if e.action == "created"), None)
    first = {
        "kind": ticket.kind,
        "urgency": ticket.urgency,
        "description": ticket.description,
        "unit_id": request["unit_id"] and ticket.unit_id,
        "estate_id": request["estate_id"] and ticket.estate_id,
        "location": ticket.location,
        "category": ticket.category,
        "photo_ids": [p.id for p in created.photos] if created is not None else [],
        "voice_note_id": created.voice_notes[0].id
        if created is not None and created.voice_notes
        else None,
    }
    if first != request:
        raise Invalid(KEY_REUSED, {"Idempotency-Key": [KEY_REUSED]})
    return ticket


def _by_key(resident_id: int, key: str) -> Ticket | None:
    return db.session.scalars(
        sa.select(Ticket).where(Ticket.resident_id == resident_id, Ticket.idempotency_key == key)
    ).first()


def _place(resident, kind, unit_id, estate_id, location) -> tuple[int, int | None]:
    """The estate (and unit) of a new ticket: only where the resident currently lives."""
    current = sa.select(Residency).where(Residency.resident_id == resident.id, Residency.is_current)
    if unit_id is not None:
        residency = db.session.scalars(current.where(Residency.unit_id == unit_id)).first()
        if residency is None:
            raise NotFound("未找到该房屋，或您尚未绑定")
        return residency.estate_id, unit_id
    if kind == TicketKind.home_repair:
        raise Invalid("户内报修请选择房屋", {"unit_id": ["必填项"]})
    if estate_id is None:
        raise Invalid("请选择小区或房屋", {"estate_id": ["必填项"]})
    if not location.strip():
        raise Invalid("请填写发生位置", {"location": ["必填项"]})
    if db.session.scalars(current.where(Residency.estate_id == estate_id)).first() is None:
        raise NotFound("未找到该小区，或您尚未绑定该小区的房屋")
    return estate_id, None


# --- the state machine ---------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member, the ticket's resident, or the system (a job)."""

    staff: Staff | None = None
    resident: Resident | None = None

    @property
    def is_system(self) -> bool:
        return self.staff is None and self.resident is None


SYSTEM = Actor()


def apply(
    actor: Actor,
    ticket: Ticket,
    action_name: str,
    *,
    note: str = "",
    photo_ids: list[int] | None = None,
    assignee_id: int | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> TicketEvent:
    """Move ``ticket`` by ``action_name`` for ``actor``; the one way any state changes.

    Checks the action against :mod:`backend.tickets.states`, then applies it as one
    conditional UPDATE on the state it was read in: if someone else moved the ticket
    meanwhile (two technicians taking it at once), this one fails with 409 and nothing
    changes. Records the event (with photos) and tells the resident.
    """
    action = ACTIONS.get(action_name)
    if action is None:
        raise NotFound("不支持的操作")
    now = now or utcnow()
    note = (note or "").strip()
    _check_actor(action, actor, ticket)
    if ticket.state not in action.sources:
        if action.name == "take" and ticket.assignee_id not in (None, actor.staff.id):
            raise Conflict(TAKEN)
        raise Conflict(f"工单当前为「{ticket.state.label}」，不能{action.label}")
    if action.note_required and not note:
        raise Invalid(f"{action.label}须填写原因", {"note": ["必填项"]})
    values: dict = {"state": action.target}
    where = [Ticket.id == ticket.id, Ticket.state == ticket.state]
    if action.name == "assign":
        values["assignee_id"] = _technician(ticket, assignee_id).id
    elif action.name == "take":
        values["assignee_id"] = actor.staff.id
        if ticket.state == TicketState.submitted and not note:
            note = TAKEN_NEW
    if action.assignee_only and actor.staff is not None and scope.can(actor.staff, "ticket.work"):
        where.append(Ticket.assignee_id == actor.staff.id)
    if action.name == "reopen":
        _check_reopen_window(ticket, now)
    if action.name == "supervise" and ticket.kind != TicketKind.complaint:
        raise Invalid("只有投诉可以申请街道督办")
    if action.target == TicketState.escalated:
        values["escalated_at"] = sa.func.coalesce(Ticket.escalated_at, now)
    changed = db.session.execute(
        sa.update(Ticket)
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict(TAKEN if action.name == "take" else STALE)
    from_state = ticket.state
    db.session.refresh(ticket)
    photos = _attach(actor, photo_ids)
    event = _record(
        ticket,
        action.name,
        from_state,
        action.target,
        note=note,
        photos=photos,
        at=now,
        **_actor_columns(actor),
    )
    if actor.staff is not None:
        # every staff write is in the audit log (issue 17): who moved which ticket how
        after = {"state": action.target.value}
        if "assignee_id" in values:
            after["assignee_id"] = ticket.assignee_id
        if note:
            after["note"] = note[:200]
        audit.record(
            actor.staff,
            f"ticket.{action.name}",
            "ticket",
            ticket.id,
            before={"state": from_state.value},
            after=after,
            estate_id=ticket.estate_id,
        )
    if notify and actor.resident is None and ticket.resident_id is not None:
        notices.ticket_status_changed(ticket, event)
    log.info("ticket %s: %s (%s → %s)", ticket.id, action.name, from_state, action.target)
    return event


def accept_and_assign(staff: Staff, ticket: Ticket, assignee_id: int | None, note: str = ""):
    """受理并派单: accept a new (or reopened) ticket and give it to a technician in one
    step, as two events (the acceptance is the response); both happen or neither."""
    _check_actor(ACTIONS["accept"], Actor(staff=staff), ticket)
    if ticket.state not in ACTIONS["accept"].sources:
        raise Conflict(f"工单当前为「{ticket.state.label}」，不能受理并派单")
    _technician(ticket, assignee_id)  # refuse a wrong technician before anything moves
    with db.session.begin_nested():
        apply(Actor(staff=staff), ticket, "accept", note=note, notify=False)
        return apply(Actor(staff=staff), ticket, "assign", assignee_id=assignee_id)


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch action did: the tickets it moved, and why each other one was left."""

    done: list[int]
    refused: dict[int, str]


def assign_many(staff: Staff, ticket_ids: list[int], assignee_id: int | None) -> BatchOutcome:
    """派单 (accepting first where the ticket is new) of each ticket of ``ticket_ids`` in
    ``staff``'s scope to one technician; a ticket that cannot be given (moved meanwhile,
    closed, another company's technician) is left as it was and said why, the others go."""
    done, refused = [], {}
    for ticket_id in ticket_ids:
        try:
            with db.session.begin_nested():
                ticket = staff_ticket(staff, ticket_id)
                if ticket.state in ACTIONS["accept"].sources:
                    accept_and_assign(staff, ticket, assignee_id)
                else:
                    apply(Actor(staff=staff), ticket, "assign", assignee_id=assignee_id)
            done.append(ticket_id)
        except (Conflict, Forbidden, Invalid, NotFound) as exc:
            refused[ticket_id] = exc.message
    return BatchOutcome(done, refused)


def _check_actor(action: Action, actor: Actor, ticket: Ticket) -> None:
    if actor.is_system:
        ok = action.system
    elif actor.resident is not None:
        ok = action.resident and actor.resident.id == ticket.resident_id
    else:
        ok = scope.may_act(
            actor.staff,
            action.staff,
            assignee_only=action.assignee_only,
            is_assignee=ticket.assignee_id == actor.staff.id,
        )
    if not ok:
        raise Forbidden(f"您不能对该工单执行「{action.label}」")


def _technician(ticket: Ticket, staff_id: int | None) -> Staff:
    if staff_id is None:
        raise Invalid("请选择维修师傅", {"assignee_id": ["必填项"]})
    staff = db.session.get(Staff, staff_id)
    estate = db.session.get(Estate, ticket.estate_id)
    if (
        staff is None
        or not staff.active
        or not scope.can(staff, "ticket.work")
        or staff.company_id is None
        or staff.company_id != estate.company_id
    ):
        raise Invalid("只能派给本小区物业企业的维修师傅", {"assignee_id": ["取值无效"]})
    return staff


def _check_reopen_window(ticket: Ticket, now: datetime) -> None:
    resolved = sla.resolved_at(ticket.events)
    window = current_app.config["TICKET_REOPEN_WINDOW"]
    if resolved is None or now > resolved + window:
        raise Conflict(f"已超过 {window.days} 天，不能再重新打开，请提交新的工单")


def _attach(actor: Actor, photo_ids: list[int] | None) -> list:
    if not photo_ids:
        return []
    if actor.staff is not None:
        return media.attach_photos(photo_ids, staff_id=actor.staff.id)
    if actor.resident is not None:
        return media.attach_photos(photo_ids, resident_id=actor.resident.id)
    return []


def _actor_columns(actor: Actor) -> dict:
    return {
        "staff_id": actor.staff.id if actor.staff else None,
        "resident_id": actor.resident.id if actor.resident else None,
    }


def _record(
    ticket,
    action,
    from_state,
    to_state,
    *,
    note="",
    photos=(),
    at=None,
    staff_id=None,
    resident_id=None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        action=action,
        from_state=from_state.value if from_state else None,
        to_state=to_state.value if to_state else None,
        note=note,
        at=at or utcnow(),
        staff_id=staff_id,
        resident_id=resident_id,
    )
    db.session.add(event)
    db.session.flush()
    for position, photo in enumerate(photos):
        db.session.add(TicketEventPhoto(event_id=event.id, photo_id=photo.id, position=position))
    if photos:
        db.session.flush()
    db.session.expire(ticket, ["events"])
    # the one place every event passes: subscribers (supervision's rollups) follow in this
    # transaction
    ticket_hook.event_recorded(ticket)
    return event


# --- rating --------------------------------------------------------------------------------


def rate(
    resident: Resident,
    ticket: Ticket,
    score: int,
    comment: str = "",
    *,
    helper: Resident | None = None,
) -> TicketEvent:
    """The resident rates the outcome (1–5) once, after the ticket is resolved; ``helper``
    is the family member who rates it for them (请家人帮忙; the caller has checked the
    grant), whom the timeline then names."""
    if ticket.resident_id is None or ticket.resident_id != resident.id:
        raise NotFound(NOT_FOUND)
    if ticket.state not in (TicketState.resolved, TicketState.closed):
        raise Conflict("工单处理完成后才能评价")
    if not 1 <= score <= 5:
        raise Invalid("评分应为 1–5", {"score": ["数值超出允许范围"]})
    comment = (comment or "").strip()
    changed = db.session.execute(
        sa.update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.rating.is_(None))
        .values(rating=score, rating_comment=comment)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict("该工单已评价")
    db.session.refresh(ticket)
    return _record(
        ticket,
        "rate",
        None,
        None,
        note=f"{score} 星 {comment}".strip(),
        resident_id=(helper or resident).id,
    )


def follow_up(
    resident: Resident,
    ticket: Ticket,
    note: str,
    photo_ids: list[int] | None = None,
    *,
    helper: Resident | None = None,
) -> TicketEvent:
    """补充说明: the ticket's resident (or ``helper``, a family member acting for them; the
    caller has checked the grant) adds a note and photos to an open ticket's timeline.
    Changes no state; the staff handling it read it on the timeline."""
    if ticket.resident_id is None or ticket.resident_id != resident.id:
        raise NotFound(NOT_FOUND)
    if ticket.state in (TicketState.closed, TicketState.rejected):
        raise Conflict(f"工单已{ticket.state.label.removeprefix('已')}，不能再补充说明")
    note = (note or "").strip()
    if not note and not photo_ids:
        raise Invalid("请填写补充说明或添加照片", {"note": ["必填项"]})
    author = helper or resident
    photos = media.attach_photos(photo_ids, resident_id=author.id) if photo_ids else []
    event = _record(
        ticket, "follow_up", None, None, note=note, photos=photos, resident_id=author.id
    )
    log.info("ticket %s: follow-up by resident %s", ticket.id, author.id)
    return event


# --- 催办 (urging) -------------------------------------------------------------------------


def urge_refusal(ticket: Ticket, now: datetime | None = None) -> str:
    """Why ``ticket`` cannot be urged now (a closed or resolved ticket, or one urged within
    ``TICKET_URGE_HOURS``), or "" when it can: the 409's message, and the reason the
    mini-app shows by its disabled 催办 button."""
    if ticket.state not in OPEN_STATES:
        return f"工单{ticket.state.label}，无需催办"
    if ticket.urged_at is None:
        return ""
    hours = int(current_app.config["TICKET_URGE_HOURS"])
    left = ticket.urged_at + timedelta(hours=hours) - (now or utcnow())
    if left <= timedelta(0):
        return ""
    return f"已催办，请于 {max(math.ceil(left / timedelta(hours=1)), 1)} 小时后再试"


def urge(
    resident: Resident,
    ticket: Ticket,
    *,
    helper: Resident | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """催办: the ticket's resident (or ``helper``, a family member acting for them; the
    caller has checked the grant) urges an open ticket, at most once per
    ``TICKET_URGE_HOURS``. One conditional UPDATE decides (two urges at once: one counts,
    the other is 409), then the timeline records it; the panel shows the count and time."""
    if ticket.resident_id is None or ticket.resident_id != resident.id:
        raise NotFound(NOT_FOUND)
    now = now or utcnow()
    refusal = urge_refusal(ticket, now)
    if refusal:
        raise Conflict(refusal)
    since = now - timedelta(hours=int(current_app.config["TICKET_URGE_HOURS"]))
    changed = db.session.execute(
        sa.update(Ticket)
        .where(
            Ticket.id == ticket.id,
            Ticket.state.in_(OPEN_STATES),
            sa.or_(Ticket.urged_at.is_(None), Ticket.urged_at <= since),
        )
        .values(urge_count=Ticket.urge_count + 1, urged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(ticket)
    if changed != 1:
        raise Conflict(urge_refusal(ticket, now) or STALE)
    author = helper or resident
    event = _record(ticket, "urge", None, None, note="请尽快处理", resident_id=author.id, at=now)
    log.info("ticket %s: urged (%s) by resident %s", ticket.id, ticket.urge_count, author.id)
    return event


def record_event(
    ticket: Ticket, action: str, note: str, *, staff: Staff | None = None, at=None
) -> TicketEvent:
    """An event on the ticket's timeline that changes no state (a 督办 order, the
    company's answer, a missed deadline); ``action`` must have a label in
    :data:`backend.tickets.states.EVENT_LABELS`."""
    if action not in EVENT_LABELS:
        raise ValueError(f"unknown ticket event {action!r}")
    return _record(
        ticket, action, None, None, note=note, at=at, staff_id=staff.id if staff else None
    )


def add_note(staff: Staff, ticket: Ticket, note: str) -> TicketEvent:
    """A staff remark on the timeline (a reply to the resident); changes no state."""
    scope.require(staff, "ticket.note")
    note = (note or "").strip()
    if not note:
        raise Invalid("请填写内容", {"note": ["必填项"]})
    event = _record(ticket, "note", None, None, note=note, staff_id=staff.id)
    audit.record(
        staff,
        "ticket.note",
        "ticket",
        ticket.id,
        after={"note": note[:200]},
        estate_id=ticket.estate_id,
    )
    return event


# --- who sees what -------------------------------------------------------------------------


def resident_ticket(resident: Resident, ticket_id: int) -> Ticket:
    """The resident's own ticket ``ticket_id``; anyone else's is "not found"."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.resident_id is None or ticket.resident_id != resident.id:
        raise NotFound(NOT_FOUND)
    return ticket


def resident_tickets(resident: Resident) -> sa.Select:
    return sa.select(Ticket).where(Ticket.resident_id == resident.id).order_by(Ticket.id.desc())


def staff_ticket(staff: Staff, ticket_id: int) -> Ticket:
    """Ticket ``ticket_id`` if it is in ``staff``'s scope (else "not found").

    Street officers see the tickets of their street that were put on their list.
    """
    ticket = scope.get_scoped(Ticket, ticket_id, staff)
    if not scope.can(staff, "ticket.queue") and ticket.escalated_at is None:
        raise NotFound("未找到该记录，或不在您的管辖范围内")
    return ticket


@dataclass
class QueueFilter:
    estate_id: int | None = None
    kind: TicketKind | None = None
    state: TicketState | None = None
    overdue: bool = False
    mine: bool = False
    #: a keyword: number, unit, location or text (:func:`backend.tickets.queue.search`)
    q: str = ""
    #: mine / unassigned / open / all (:data:`backend.tickets.queue.VIEWS`)
    view: str = "all"
    #: created / due / priority (:data:`backend.tickets.queue.SORTS`)
    sort: str = "created"


def staff_queue(staff: Staff, f: QueueFilter, now: datetime | None = None) -> sa.Select:
    """Tickets in ``staff``'s scope matching ``f``, in the order ``f.sort`` names (newest
    first by default; overdue: see :func:`overdue_ids`)."""
    stmt = scope.scoped(sa.select(Ticket), staff, Ticket.estate_id)
    if not scope.can(staff, "ticket.queue"):
        stmt = stmt.where(Ticket.escalated_at.is_not(None))
    if f.estate_id:
        stmt = stmt.where(Ticket.estate_id == f.estate_id)
    if f.kind:
        stmt = stmt.where(Ticket.kind == f.kind)
    if f.state:
        stmt = stmt.where(Ticket.state == f.state)
    if f.mine:
        stmt = stmt.where(Ticket.assignee_id == staff.id)
    stmt = queue.search(queue.in_view(stmt, f.view, staff.id), f.q)
    if f.overdue:
        stmt = stmt.where(Ticket.id.in_(overdue_ids(stmt, now or utcnow())))
    return queue.order(stmt, f.sort)


def with_details(stmt: sa.Select) -> sa.Select:
    """``stmt`` loading what a list of tickets shows (events for the timers, estate, unit,
    assignee) in a few queries instead of one per ticket."""
    from sqlalchemy.orm import selectinload

    return stmt.options(
        selectinload(Ticket.events),
        selectinload(Ticket.estate),
        selectinload(Ticket.unit),
        selectinload(Ticket.assignee),
        selectinload(Ticket.filed_by),
    )


def overdue_ids(stmt: sa.Select, now: datetime) -> list[int]:
    """Ids of the open tickets of ``stmt`` that are overdue at ``now`` (a few queries
    however many tickets are open: the tickets, their events, their SLA policies)."""
    from sqlalchemy.orm import selectinload

    tickets = db.session.scalars(
        stmt.where(Ticket.state.in_(OPEN_STATES))
        .order_by(None)
        .options(selectinload(Ticket.events))
    ).all()
    timing = sla.timings(tickets, now)
    return [t.id for t in tickets if timing[t.id].overdue]


def queue_timings(tickets, now: datetime) -> dict:
    """The SLA timers of a page of tickets loaded :func:`with_details`, by ticket id: two
    queries for the page, not two per ticket."""
    return sla.timings(tickets, now)


def overdue_count(staff: Staff, now: datetime | None = None) -> int:
    """How many open tickets in ``staff``'s queue are overdue (response or resolution)."""
    return len(overdue_ids(staff_queue(staff, QueueFilter()), now or utcnow()))


def todo(staff: Staff) -> list:
    """What waits for ``staff`` in tickets: overdue tickets in their queue (the company's
    staff; officers: overdue tickets on the street office's list), and new tickets waiting
    for acceptance (the desk)."""
    from backend.core.feature import ToDo

    items = []
    if scope.can(staff, "ticket.read") and scope.can(staff, "ticket.work"):
        mine = staff_queue(staff, QueueFilter(view="mine"))
        items.append(ToDo("我的待办工单", _count(mine), "admin.my_tickets"))
        items.append(
            ToDo(
                "我的超时工单",
                len(overdue_ids(mine, utcnow())),
                "admin.tickets",
                (("view", "mine"), ("overdue", "1")),
                True,
            )
        )
        # new and accepted tickets nobody holds: a technician may take them (接单)
        pool = staff_queue(staff, QueueFilter(view="unassigned"))
        items.append(ToDo("可接单的工单", _count(pool), "admin.tickets", (("view", "unassigned"),)))
    if scope.can(staff, "ticket.read") and not scope.can(staff, "ticket.work"):
        waiting = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                staff_queue(staff, QueueFilter(state=TicketState.submitted))
                .order_by(None)
                .subquery()
            )
        )
        overdue = overdue_count(staff)
        # officers: the escalated tickets past a time limit now, which the queue's overdue
        # filter lists; named apart from the overdue list's 超时工单 (escalated or flagged)
        label = "超时工单" if scope.can(staff, "ticket.queue") else "已上报且超过处理时限的工单"
        items.append(ToDo(label, overdue, "admin.tickets", (("overdue", "1"),), True))
        hazards = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                staff_queue(staff, QueueFilter(kind=TicketKind.safety_hazard))
                .where(Ticket.state.in_(OPEN_STATES))
                .order_by(None)
                .subquery()
            )
        )
        if hazards:
            label = "未处理的安全隐患" if scope.can(staff, "ticket.queue") else "待督办的安全隐患"
            items.append(ToDo(label, hazards, "admin.tickets", (("kind", "safety_hazard"),), True))
        if scope.can(staff, "ticket.queue"):
            items.append(ToDo("待受理工单", waiting, "admin.tickets", (("state", "submitted"),)))
    return items


def _count(stmt: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))


def agenda(staff: Staff, limit: int = 5) -> list[Ticket]:
    """The first ``limit`` open tickets given to ``staff``, due soonest first: what a
    technician's home page shows."""
    stmt = with_details(staff_queue(staff, QueueFilter(view="mine", sort="due")))
    return list(db.session.scalars(stmt.limit(limit)))


def takeable(staff: Staff, limit: int = 5) -> list[Ticket]:
    """The first ``limit`` open tickets of ``staff``'s scope that nobody holds, due soonest
    first: what a technician may take (接单) from their home page."""
    stmt = with_details(staff_queue(staff, QueueFilter(view="unassigned", sort="due")))
    return list(db.session.scalars(stmt.limit(limit)))


def technicians(ticket: Ticket) -> list[Staff]:
    """Technicians who may be given ``ticket``: those of its estate's company."""
    estate = db.session.get(Estate, ticket.estate_id)
    if estate.company_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Staff)
            .where(
                Staff.company_id == estate.company_id,
                scope.holders("ticket.work"),
                Staff.active,
            )
            .order_by(Staff.name)
        )
    )


def company_technicians(staff: Staff) -> list[Staff]:
    """Technicians ``staff`` may give tickets to in a batch: their company's (a platform
    admin: every company's, by company); each ticket still checks its own estate's."""
    stmt = sa.select(Staff).where(scope.holders("ticket.work"), Staff.active)
    if staff.company_id is not None:
        stmt = stmt.where(Staff.company_id == staff.company_id)
    elif not scope.sees_everything(staff):
        return []
    return list(db.session.scalars(stmt.order_by(Staff.company_id, Staff.name).limit(200)))


def unit_label(unit_id: int | None) -> str:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return unit.label if unit else ""


# --- the overdue sweep ---------------------------------------------------------------------


def flag_overdue(now: datetime | None = None, notify: bool = True) -> tuple[int, int]:
    """Alert the company of tickets with an overdue response and put tickets with an
    overdue resolution on the street office's list. Safe to run twice: an alert is
    recorded once per ticket and an escalated ticket is not escalated again.

    Returns (alerts, escalations).
    """
    now = now or utcnow()
    alerts = escalations = 0
    open_tickets = db.session.scalars(
        sa.select(Ticket).where(Ticket.state.in_(OPEN_STATES)).order_by(Ticket.id)
    ).all()
    for ticket in open_tickets:
        timing = sla.timing(ticket, now)
        if timing.response_overdue and not any(
            e.action == "response_overdue" for e in ticket.events
        ):
            _record(
                ticket,
                "response_overdue",
                None,
                None,
                at=now,
                note=f"超过 {_duration(timing.policy.respond)} 未响应，已提醒物业",
            )
            if notify:
                notices.response_overdue(ticket)
            alerts += 1
        if timing.resolution_overdue and ticket.state != TicketState.escalated:
            try:
                apply(
                    SYSTEM,
                    ticket,
                    "escalate",
                    now=now,
                    notify=notify,
                    note=f"超过 {_duration(timing.policy.resolve)} 未解决，已上报街道",
                )
                escalations += 1
            except Conflict:
                continue  # moved meanwhile; the next sweep looks again
    return alerts, escalations


def _duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} 天"
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    return f"{minutes} 分钟"
