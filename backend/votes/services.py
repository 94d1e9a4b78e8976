"""Rules of owners' votes: motions and their states, the frozen electorate, ballots on one
hash chain, the exact tally and its publication.

The law (民法典 Art. 278, 法释〔2020〕17号 Art. 8–9) is in the pure engine
(``tally``, ``electorate``, ``chain``); this module stores what the engine counts. Services
never commit: the request (or the job) does.

Races: a state change is one conditional UPDATE (:func:`backend.core.db.transition`); a
ballot takes the motion's row lock (``SELECT … FOR UPDATE``) before it reads the chain's end,
so ballots are chained one at a time and a close waits for the ballot being cast; the unique
constraint on (motion, voter) is the last word on one ballot per voter.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backend.accounts.models import Residency, ResidencyRole, Resident, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.authz.resident import current_places, in_my_estates
from backend.core import board_hook
from backend.core.area import AreaError, parse_area
from backend.core.db import defer, transition
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.core.text import TextRefused, clean_text
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.media import services as media
from backend.org.models import Community, Estate, OwnerRecord, Street, Unit
from backend.votes import chain, electorate, tally
from backend.votes.models import (
    ELECTION_ITEM,
    Ballot,
    Candidate,
    Channel,
    ElectorateCorrection,
    Motion,
    MotionDocument,
    MotionKind,
    MotionState,
    Voter,
    VoterUnit,
)

log = logging.getLogger(__name__)

NOT_FOUND = "未找到该表决事项"
STALE = "表决状态已变化，请刷新后重试"
#: the board section the published results go to
BOARD_SECTION = "vote_results"
#: receipts: no 0/O, 1/I/L, so a code read aloud or copied by hand stays right
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_CANDIDATES = 50
MAX_SEATS = 21
MAX_DOCUMENTS = 9
#: states residents see (a draft is the committee's own)
VISIBLE_STATES = (
    MotionState.announced,
    MotionState.open,
    MotionState.closed,
    MotionState.published,
)


# --- motions -------------------------------------------------------------------------------


def create_motion(
    staff: Staff,
    estate_id: int,
    *,
    item: int,
    title: str,
    body: str = "",
    opens_at: datetime,
    closes_at: datetime,
    kind: MotionKind = MotionKind.ordinary,
    extraordinary: bool = False,
    seats: int | None = None,
    candidates: list[str] | tuple[str, ...] = (),
    document_photo_ids: list[int] | None = None,
) -> Motion:
    """Draft a motion of estate ``estate_id`` (committee of the estate, or its street office).

    An election is held under Art. 278 item (3) with ``seats`` and at least one candidate.
    Documents are the staff member's own uploaded photos (``backend.media``).
    """
    scope.require(staff, "vote.manage")
    estate = scope.get_scoped(Estate, estate_id, staff)
    kind = MotionKind(kind)
    _check_fields(item, title, opens_at, closes_at, kind, seats, candidates)
    motion = Motion(
        estate_id=estate.id,
        item=item,
        kind=kind,
        title=title.strip(),
        body=_text(body, 20000, "body", multiline=True),
        extraordinary=bool(extraordinary),
        seats=seats if kind == MotionKind.election else None,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=staff.id,
    )
    db.session.add(motion)
    db.session.flush()
    if kind == MotionKind.election:
        for number, name in enumerate(candidates, start=1):
            db.session.add(Candidate(motion_id=motion.id, number=number, name=name.strip()))
    photos = media.attach_photos(list(document_photo_ids or []), staff_id=staff.id)
    for position, photo in enumerate(photos):
        db.session.add(MotionDocument(motion_id=motion.id, photo_id=photo.id, position=position))
    db.session.flush()
    audit.record(
        staff,
        "motion.create",
        "motion",
        motion.id,
        after=audit.snapshot(motion, ("title", "item", "kind", "opens_at", "closes_at")),
        estate_id=estate.id,
    )
    log.info("motion %s drafted for estate %s by staff %s", motion.id, estate.id, staff.id)
    return motion


def _text(value, column, field: str, *, multiline: bool = False) -> str:
    """``value`` stripped, if it fits ``column`` and holds nothing unstorable, else 422."""
    try:
        return clean_text((value or "").strip(), max_length=column, multiline=multiline)
    except TextRefused as exc:
        raise Invalid(exc.message, {field: [exc.message]}) from None


def _check_fields(item, title, opens_at, closes_at, kind, seats, candidates) -> None:
    if isinstance(item, bool) or item not in tally.ITEMS:
        raise Invalid("事项须为《民法典》第二百七十八条第（一）至（九）项", {"item": ["取值无效"]})
    if not _text(title, Motion.title, "title"):
        raise Invalid("请填写表决事项", {"title": ["必填项"]})
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise Invalid("投票截止时间须晚于开始时间", {"closes_at": ["须晚于开始时间"]})
    if kind == MotionKind.election:
        if item != ELECTION_ITEM:
            raise Invalid("选举业委会委员属于第（三）项事项", {"item": ["选举应为第（三）项"]})
        if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
            raise Invalid(f"应选名额须为 1 至 {MAX_SEATS}", {"seats": ["取值无效"]})
        names = [_text(name, Candidate.name, "candidates") for name in candidates]
        if not names or not all(names):
            raise Invalid("请填写候选人", {"candidates": ["必填项"]})
        if len(names) > MAX_CANDIDATES:
            raise Invalid(f"候选人最多 {MAX_CANDIDATES} 名", {"candidates": ["候选人过多"]})
        if len(set(names)) != len(names):
            raise Invalid("候选人姓名重复", {"candidates": ["姓名重复"]})
    elif candidates:
        raise Invalid("只有选举才有候选人", {"candidates": ["非选举事项不设候选人"]})


def update_draft(
    staff: Staff,
    motion: Motion,
    *,
    item: int,
    title: str,
    body: str = "",
    opens_at: datetime,
    closes_at: datetime,
    extraordinary: bool = False,
) -> Motion:
    """Change a draft's matter, text, window or meeting kind (candidates stay as drafted)."""
    _require_manage(staff, motion)
    if motion.state != MotionState.draft:
        raise Conflict("只有草稿可以修改；已公告的事项不能再改")
    _check_fields(
        item,
        title,
        opens_at,
        closes_at,
        motion.kind,
        motion.seats,
        [c.name for c in motion.candidates],
    )
    before = audit.snapshot(motion, ("title", "item", "opens_at", "closes_at"))
    motion.item, motion.title = item, title.strip()
    motion.body = _text(body, 20000, "body", multiline=True)
    motion.opens_at, motion.closes_at = opens_at, closes_at
    motion.extraordinary = bool(extraordinary)
    db.session.flush()
    audit.record(
        staff,
        "motion.update",
        "motion",
        motion.id,
        before=before,
        after=audit.snapshot(motion, ("title", "item", "opens_at", "closes_at")),
        estate_id=motion.estate_id,
    )
    return motion


def delete_draft(staff: Staff, motion: Motion) -> None:
    """Delete a draft (a matter the committee will not put to the vote after all). Only a
    draft goes: once announced a motion is on the board and stays, as its record. The
    delete is conditional on the state, so a draft announced meanwhile is kept (409)."""
    _require_manage(staff, motion)
    if motion.state != MotionState.draft:
        raise Conflict("只有草稿可以删除；已公告的事项不能删除")
    before = audit.snapshot(motion, ("title", "item", "kind", "opens_at", "closes_at"))
    motion_id, estate_id = motion.id, motion.estate_id
    # a draft has candidates and documents, nothing else (no electorate, no ballots); if
    # the motion was announced meanwhile, the refusal below rolls these deletes back too
    for child in (Candidate, MotionDocument):
        db.session.execute(
            sa.delete(child)
            .where(child.motion_id == motion_id)
            .execution_options(synchronize_session=False)
        )
    gone = db.session.execute(
        sa.delete(Motion)
        .where(Motion.id == motion_id, Motion.state == MotionState.draft)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not gone:
        raise Conflict(STALE)
    db.session.expunge(motion)
    audit.record(staff, "motion.delete", "motion", motion_id, before=before, estate_id=estate_id)
    log.info("draft motion %s deleted by staff %s", motion_id, staff.id)


def notice_days(estate: Estate, extraordinary: bool) -> int:
    """The notice period in days before voting may open: the city's (setting
    ``VOTE_NOTICE_DAYS_BY_CITY``), else 15 days, or 7 for an extraordinary meeting."""
    config = current_app.config
    city = db.session.scalar(
        sa.select(Street.city)
        .join(Community, Community.street_id == Street.id)
        .where(Community.id == estate.community_id)
    )
    by_city = (config["VOTE_NOTICE_DAYS_BY_CITY"] or {}).get(city or "", {})
    key = "extraordinary" if extraordinary else "ordinary"
    default = (
        config["VOTE_NOTICE_DAYS_EXTRAORDINARY"] if extraordinary else config["VOTE_NOTICE_DAYS"]
    )
    return int(by_city.get(key, default))


def notice_ends_at(motion: Motion) -> datetime | None:
    """When the notice period of an announced motion ends (voting may open from then)."""
    if motion.announced_at is None or motion.notice_days is None:
        return None
    return motion.announced_at + timedelta(days=motion.notice_days)


def _move(staff: Staff | None, motion: Motion, source: MotionState, action: str, **values) -> None:
    """Move ``motion`` from ``source`` by one conditional UPDATE (409 if someone else moved
    it first), record it (staff actions) and refresh the board's section after commit."""
    if not transition(Motion, motion.id, Motion.state, source, **values):
        raise Conflict(STALE)
    db.session.refresh(motion)
    if staff is not None:
        audit.record(staff, f"motion.{action}", "motion", motion.id, estate_id=motion.estate_id)
    board_hook.source_changed(motion.estate_id, BOARD_SECTION)


def announce(
    staff: Staff,
    motion: Motion,
    *,
    now: datetime | None = None,
    notify: bool = True,
    unit_ids: Collection[int] | None = None,
) -> Motion:
    """Announce a draft: post it on the board, freeze the electorate, tell the owners
    (``notify=False``: not, for history such as demo data). ``unit_ids``: the electorate is
    the owners of exactly these units of the estate (a fund use's 列支范围), not all of it.

    Refused (422) when voting would open before the notice period ends (15 days, 7 for an
    extraordinary meeting, or the city's).
    """
    _require_manage(staff, motion)
    now = now or utcnow()
    if motion.state != MotionState.draft:
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能发布公告")
    estate = db.session.get(Estate, motion.estate_id)
    days = notice_days(estate, motion.extraordinary)
    if motion.opens_at < now + timedelta(days=days):
        earliest = to_local(now + timedelta(days=days))
        raise Invalid(
            f"公告期至少 {days} 天：投票最早于 {earliest:%Y-%m-%d %H:%M} 开始",
            {"opens_at": [f"须在公告 {days} 天之后"]},
        )
    if motion.closes_at <= now:
        raise Invalid("投票截止时间已过", {"closes_at": ["已过"]})
    _move(
        staff,
        motion,
        MotionState.draft,
        "announce",
        state=MotionState.announced,
        announced_at=now,
        notice_days=days,
    )
    freeze_electorate(motion, unit_ids)
    if notify:
        defer(
            _notify_owners_job(),
            motion.id,
            "vote_announced",
            key=f"motion-notice:{motion.id}:vote_announced",
        )
    log.info("motion %s announced (%s days' notice)", motion.id, days)
    return motion


def open_voting(staff: Staff | None, motion: Motion, *, now: datetime | None = None) -> Motion:
    """Open voting once the notice period has ended and the window has begun.

    ``staff`` None: the clock (:func:`advance_due`).
    """
    if staff is not None:
        _require_manage(staff, motion)
    now = now or utcnow()
    if motion.state != MotionState.announced:
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能开始投票")
    notice_end = notice_ends_at(motion)
    if now < motion.opens_at or (notice_end is not None and now < notice_end):
        start = max(motion.opens_at, notice_end or motion.opens_at)
        raise Conflict(f"公告期未满，投票于 {to_local(start):%Y-%m-%d %H:%M} 开始")
    if now >= motion.closes_at:
        raise Conflict("投票截止时间已过")
    _move(staff, motion, MotionState.announced, "open", state=MotionState.open, opened_at=now)
    log.info("motion %s open for voting", motion.id)
    return motion


def close_voting(staff: Staff | None, motion: Motion, *, now: datetime | None = None) -> Motion:
    """Close voting at the end of the window and count it (stored; published separately).

    Not before ``closes_at``: owners are promised the whole window. The close waits for a
    ballot being chained (the motion's row lock) and no ballot is taken after it.
    """
    if staff is not None:
        _require_manage(staff, motion)
    now = now or utcnow()
    if motion.state != MotionState.open:
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能截止投票")
    if now < motion.closes_at:
        raise Conflict(f"投票于 {to_local(motion.closes_at):%Y-%m-%d %H:%M} 截止，尚未到时间")
    _move(staff, motion, MotionState.open, "close", state=MotionState.closed, closed_at=now)
    if motion.is_election:
        motion.passed = bool(count_election(motion).elected)
    else:
        motion.passed = count(motion).passed
    log.info("motion %s closed: %s ballots", motion.id, motion.ballot_count)
    return motion


def publish(
    staff: Staff | None, motion: Motion, *, now: datetime | None = None, notify: bool = True
) -> dict:
    """Publish a closed motion's result with its full anonymous ballot list and chain head:
    on the board, in the mini-app and as the downloadable recount file. Returns that file."""
    if staff is not None:
        _require_manage(staff, motion)
    now = now or utcnow()
    if motion.state != MotionState.closed:
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能公布结果")
    document = published_document(motion, published_at=now)
    _move(
        staff,
        motion,
        MotionState.closed,
        "publish",
        state=MotionState.published,
        published_at=now,
        published=document,
    )
    if notify:
        defer(
            _notify_owners_job(),
            motion.id,
            "vote_result",
            key=f"motion-notice:{motion.id}:vote_result",
        )
    log.info("motion %s published: %s", motion.id, "passed" if motion.passed else "failed")
    return document


def advance_due(now: datetime | None = None) -> tuple[int, int]:
    """The clock's sweep: open announced motions whose window began, remind owners who have
    not voted when voting closes within ``VOTE_CLOSING_REMINDER`` (once), close open motions
    whose window ended (each counted). Returns (opened, closed); safe to run twice."""
    now = now or utcnow()
    opened = closed = 0
    remind_from = now + current_app.config["VOTE_CLOSING_REMINDER"]
    due_reminder = db.session.scalars(
        sa.select(Motion).where(
            Motion.state == MotionState.open,
            Motion.closes_at <= remind_from,
            Motion.closes_at > now,
            Motion.closing_reminded_at.is_(None),
        )
    ).all()
    for motion in due_reminder:
        if transition(Motion, motion.id, Motion.closing_reminded_at, None, closing_reminded_at=now):
            defer(
                _notify_owners_job(),
                motion.id,
                "vote_closing",
                key=f"motion-notice:{motion.id}:vote_closing",
            )
    due_open = db.session.scalars(
        sa.select(Motion).where(Motion.state == MotionState.announced, Motion.opens_at <= now)
    ).all()
    for motion in due_open:
        notice_end = notice_ends_at(motion)
        if (notice_end is None or notice_end <= now) and now < motion.closes_at:
            try:
                open_voting(None, motion, now=now)
                opened += 1
            except Conflict:
                pass
    due_close = db.session.scalars(
        sa.select(Motion).where(Motion.state == MotionState.open, Motion.closes_at <= now)
    ).all()
    for motion in due_close:
        try:
            close_voting(None, motion, now=now)
            closed += 1
        except Conflict:
            pass
    return opened, closed


def _require_manage(staff: Staff, motion: Motion) -> None:
    scope.require(staff, "vote.manage")
    scope.get_scoped(Motion, motion.id, staff)


def staff_motions(staff: Staff, estate_id: int | None = None) -> sa.Select:
    """The motions in ``staff``'s scope (newest first), optionally of one estate."""
    scope.require(staff, "vote.read")
    stmt = scope.scoped(sa.select(Motion), staff, Motion.estate_id)
    if estate_id is not None:
        stmt = stmt.where(Motion.estate_id == estate_id)
    return stmt.order_by(Motion.created_at.desc(), Motion.id.desc())


def staff_motion(staff: Staff, motion_id: int, permission: str = "vote.read") -> Motion:
    """Motion ``motion_id`` if ``staff`` holds ``permission`` and it is in scope (else 403/404)."""
    scope.require(staff, permission)
    try:
        return scope.get_scoped(Motion, motion_id, staff)
    except NotFound:
        raise NotFound(NOT_FOUND) from None


# --- the electorate ------------------------------------------------------------------------


def holdings_of_estate(
    estate_id: int, unit_ids: Collection[int] | None = None
) -> list[electorate.Holding]:
    """The estate's units (or just ``unit_ids`` of them) as the electorate counts them, from
    the owner registry.

    An owner of record is one person across units by name and phone; the unit's area is its
    registered area, else surveyed, else contract area (Art. 8; kept so by the registry).
    """
    only = (Unit.id.in_(list(unit_ids)),) if unit_ids is not None else ()
    units = db.session.execute(
        sa.select(Unit.id, Unit.area, Unit.developer_held)
        .where(Unit.estate_id == estate_id, *only)
        .order_by(Unit.id)
    ).all()
    owners: dict[int, set] = {}
    for unit_id, name, phone in db.session.execute(
        sa.select(OwnerRecord.unit_id, OwnerRecord.name, OwnerRecord.phone)
        .join(Unit, Unit.id == OwnerRecord.unit_id)
        .where(Unit.estate_id == estate_id, *only)
    ):
        owners.setdefault(unit_id, set()).add((name.strip(), phone.strip()))
    return [
        electorate.Holding(
            unit=unit_id,
            area=Decimal(area),
            owners=frozenset(owners.get(unit_id, ())),
            developer_held=bool(developer_held),
        )
        for unit_id, area, developer_held in units
    ]


def freeze_electorate(motion: Motion, unit_ids: Collection[int] | None = None) -> None:
    """Store the motion's voters as counted now (法释〔2020〕17号 Art. 9) and their totals;
    ``unit_ids``: only the owners of these units of the estate."""
    holdings = holdings_of_estate(motion.estate_id, unit_ids)
    if not holdings:
        raise Invalid("该小区没有房屋，无法确定表决人")
    voters = electorate.count_voters(holdings)
    facts = {
        row.id: row
        for row in db.session.execute(
            sa.select(Unit.id, Unit.area_source).where(Unit.estate_id == motion.estate_id)
        )
    }
    names: dict[int, list[str]] = {}
    for unit_id, name in db.session.execute(
        sa.select(OwnerRecord.unit_id, OwnerRecord.name)
        .join(Unit, Unit.id == OwnerRecord.unit_id)
        .where(Unit.estate_id == motion.estate_id)
        .order_by(OwnerRecord.id)
    ):
        names.setdefault(unit_id, []).append(name)
    by_unit = {h.unit: h for h in holdings}
    voter_rows = [
        {
            "motion_id": motion.id,
            "number": number,
            "area": voter.area,
            "heads": voter.heads,
            "developer": voter.developer,
        }
        for number, voter in enumerate(voters, start=1)
    ]
    # Core inserts: an estate of 20,000 units is 40,000 rows, without ORM bookkeeping
    db.session.execute(Voter.__table__.insert(), voter_rows)
    ids = dict(
        db.session.execute(
            sa.select(Voter.number, Voter.id).where(Voter.motion_id == motion.id)
        ).all()
    )
    unit_rows = [
        {
            "motion_id": motion.id,
            "voter_id": ids[number],
            "unit_id": unit_id,
            "area": by_unit[unit_id].area,
            "area_source": facts[unit_id].area_source,
            "developer_held": by_unit[unit_id].developer_held,
            "owners": "、".join(names.get(unit_id, []))[:300],
        }
        for number, voter in enumerate(voters, start=1)
        for unit_id in voter.units
    ]
    db.session.execute(VoterUnit.__table__.insert(), unit_rows)
    total_area, total_heads = electorate.electorate_totals(voters)
    motion.total_area = total_area
    motion.total_heads = total_heads
    db.session.flush()
    log.info("motion %s: electorate frozen, %s voters, %s m²", motion.id, total_heads, total_area)


def correct_electorate(
    staff: Staff,
    motion: Motion,
    unit_id: int,
    *,
    area: Decimal,
    reason: str,
    now: datetime | None = None,
) -> ElectorateCorrection:
    """Correct the frozen area of a unit (a registry error found after announcement).

    Logged with its reason and published with the result. Refused once the unit's voter has
    a ballot (its area is chained) or once voting has closed.
    """
    scope.require(staff, "vote.correct")
    scope.get_scoped(Motion, motion.id, staff)
    reason = _text(reason, ElectorateCorrection.reason, "reason")
    if not reason:
        raise Invalid("请填写更正原因", {"reason": ["必填项"]})
    if motion.state not in (MotionState.announced, MotionState.open):
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能更正表决人名册")
    area = _area(area)
    locked = _lock(motion)
    if locked.state not in (MotionState.announced, MotionState.open):
        raise Conflict(STALE)
    row = db.session.scalars(
        sa.select(VoterUnit).where(VoterUnit.motion_id == motion.id, VoterUnit.unit_id == unit_id)
    ).first()
    if row is None:
        raise NotFound("该房屋不在本次表决的表决人名册中")
    if _ballot_of_voter(motion.id, row.voter_id) is not None:
        raise Conflict("该表决人已投票，面积不能再更正")
    before = row.area
    delta = area - before
    row.area = area
    voter = db.session.get(Voter, row.voter_id)
    voter.area = voter.area + delta
    locked.total_area = locked.total_area + delta
    correction = ElectorateCorrection(
        motion_id=motion.id,
        voter_id=row.voter_id,
        unit_id=unit_id,
        staff_id=staff.id,
        at=now or utcnow(),
        area_before=before,
        area_after=area,
        reason=reason,
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(
        staff,
        "motion.correct",
        "motion",
        motion.id,
        before={"unit_id": unit_id, "area": str(before)},
        after={"unit_id": unit_id, "area": str(area), "reason": reason},
        estate_id=motion.estate_id,
    )
    return correction


def _area(value) -> Decimal:
    try:
        area = parse_area(value)
    except AreaError as error:
        if error.reason == "number":
            raise Invalid("面积须为数字", {"area": ["须为数字"]}) from None
        raise Invalid("面积须大于 0，最多两位小数", {"area": ["取值无效"]}) from None
    if area <= 0 or area > Decimal("5000"):
        raise Invalid("面积须大于 0，最多两位小数", {"area": ["取值无效"]})
    return area


def corrections(motion: Motion) -> list[ElectorateCorrection]:
    return list(
        db.session.scalars(
            sa.select(ElectorateCorrection)
            .where(ElectorateCorrection.motion_id == motion.id)
            .order_by(ElectorateCorrection.id)
        )
    )


def voters_of(motion: Motion) -> sa.Select:
    """The motion's frozen electorate (for the panel), by number."""
    return (
        sa.select(Voter)
        .where(Voter.motion_id == motion.id)
        .options(selectinload(Voter.units).selectinload(VoterUnit.unit))
        .order_by(Voter.number)
    )


def staff_ballots(staff: Staff, motion: Motion) -> sa.Select:
    """The motion's ballots in chain order for the panel (channel, who entered it, scan)."""
    staff_motion(staff, motion.id)
    return (
        sa.select(Ballot)
        .where(Ballot.motion_id == motion.id)
        .options(selectinload(Ballot.voter).selectinload(Voter.units).selectinload(VoterUnit.unit))
        .order_by(Ballot.seq)
    )


# --- ballots -------------------------------------------------------------------------------


def chained_choice(motion: Motion, choice: str | None, candidates) -> str:
    """The ballot's choice as stored, chained and published (``agree`` or ``elect:1,3``)."""
    if motion.is_election:
        if choice is not None:
            raise Invalid("选举请选择候选人", {"choice": ["选举不使用同意/反对/弃权"]})
        numbers = list(candidates or [])
        valid = {c.number for c in motion.candidates}
        if any(isinstance(n, bool) or n not in valid for n in numbers):
            raise Invalid("候选人无效", {"candidates": ["候选人无效"]})
        if len(set(numbers)) != len(numbers):
            raise Invalid("候选人重复", {"candidates": ["候选人重复"]})
        if len(numbers) > motion.seats:
            raise Invalid(
                f"最多选择 {motion.seats} 名候选人", {"candidates": [f"最多 {motion.seats} 名"]}
            )
        return tally.election_choice_text(numbers)
    if candidates:
        raise Invalid("该事项不是选举", {"candidates": ["非选举事项"]})
    if choice not in tally.CHOICES:
        raise Invalid("请选择同意、反对或弃权", {"choice": ["取值无效"]})
    return choice


def resident_voters(resident: Resident, motion: Motion) -> list[Voter]:
    """The voters of ``motion`` that ``resident`` may cast for: those holding a unit of which
    the resident is a current owner (family members and tenants hold none)."""
    units = sorted(
        {
            p.unit_id
            for p in current_places(resident)
            if p.role == ResidencyRole.owner and p.estate_id == motion.estate_id
        }
    )
    return list(
        db.session.scalars(
            sa.select(Voter)
            .join(VoterUnit, VoterUnit.voter_id == Voter.id)
            .where(VoterUnit.motion_id == motion.id, VoterUnit.unit_id.in_(units))
            .distinct()
            .order_by(Voter.number)
        )
    )


def cast_online(
    resident: Resident,
    motion: Motion,
    *,
    choice: str | None = None,
    candidates=None,
    unit_id: int | None = None,
    now: datetime | None = None,
) -> Ballot:
    """An owner votes in the mini-app; one ballot per voter, co-owners share it.

    Family members and tenants are refused (403). When the voter already has a ballot from
    any channel (a co-owner's, a paper one), 409 says so.
    """
    voters = resident_voters(resident, motion)
    if not voters:
        raise Forbidden("只有登记在册的业主本人可以投票（家属、租户不能投票）")
    if unit_id is not None:
        voters = [v for v in voters if any(u.unit_id == unit_id for u in v.units)]
        if not voters:
            raise NotFound("未找到该房屋，或您不是该房屋的业主")
    if len(voters) > 1:
        raise Invalid("您名下有多个表决人，请选择房屋", {"unit_id": ["请选择房屋"]})
    return _append(
        motion,
        voters[0],
        chained_choice(motion, choice, candidates),
        channel=Channel.online,
        resident_id=resident.id,
        now=now,
    )


def enter_ballot(
    staff: Staff,
    motion: Motion,
    unit_id: int,
    *,
    channel: Channel,
    scan_photo_id: int,
    choice: str | None = None,
    candidates=None,
    proxy_name: str = "",
    now: datetime | None = None,
) -> Ballot:
    """A committee member enters a paper ballot (with the scan of the signed ballot) or a
    proxy's ballot (with the scan of the signed authorisation) for the voter of ``unit_id``."""
    scope.require(staff, "vote.enter_ballot")
    scope.get_scoped(Motion, motion.id, staff)
    channel = Channel(channel)
    if channel == Channel.online:
        raise Invalid("线上投票由业主本人在小程序完成", {"channel": ["取值无效"]})
    proxy_name = _text(proxy_name, Ballot.proxy_name, "proxy_name")
    if channel == Channel.proxy and not proxy_name:
        raise Invalid("请填写受托人姓名", {"proxy_name": ["必填项"]})
    if not scan_photo_id:
        raise Invalid("请上传签字表决票或授权委托书的扫描件", {"scan_photo_id": ["必填项"]})
    voter = db.session.scalars(
        sa.select(Voter)
        .join(VoterUnit, VoterUnit.voter_id == Voter.id)
        .where(VoterUnit.motion_id == motion.id, VoterUnit.unit_id == unit_id)
    ).first()
    if voter is None:
        raise NotFound("该房屋不在本次表决的表决人名册中")
    chained = chained_choice(motion, choice, candidates)
    # refuse before the scan is used up, so a refused entry can be retried with it
    _check_can_cast(motion, now or utcnow())
    existing = _ballot_of_voter(motion.id, voter.id)
    if existing is not None:
        raise _already_cast(existing)
    (photo,) = media.attach_photos([scan_photo_id], staff_id=staff.id)
    ballot = _append(
        motion,
        voter,
        chained,
        channel=channel,
        staff_id=staff.id,
        scan_photo_id=photo.id,
        proxy_name=proxy_name if channel == Channel.proxy else "",
        now=now,
    )
    audit.record(
        staff,
        f"ballot.{channel.value}",
        "motion",
        motion.id,
        after={"unit_id": unit_id, "receipt": ballot.receipt},
        estate_id=motion.estate_id,
    )
    return ballot


def _check_can_cast(motion: Motion, now: datetime) -> None:
    if motion.state != MotionState.open or now < motion.opens_at:
        if motion.state in (MotionState.draft, MotionState.announced):
            raise Conflict("投票尚未开始")
        raise Conflict("投票已截止")
    if now >= motion.closes_at:
        raise Conflict("投票已截止")


def _already_cast(ballot: Ballot) -> Conflict:
    if ballot.channel == Channel.online:
        how = "已由本户业主（或共有人）在小程序投票"
    else:
        how = f"已以「{ballot.channel.label}」方式投票"
    return Conflict(f"该表决人{how}，每位表决人只能投一票，不能重复投票")


def _lock(motion: Motion) -> Motion:
    """The motion's row, locked until commit (PostgreSQL ``FOR UPDATE``; SQLite writes one
    at a time anyway), read afresh."""
    return db.session.scalars(
        sa.select(Motion)
        .where(Motion.id == motion.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _append(
    motion: Motion,
    voter: Voter,
    choice: str,
    *,
    channel: Channel,
    now: datetime | None,
    resident_id: int | None = None,
    staff_id: int | None = None,
    scan_photo_id: int | None = None,
    proxy_name: str = "",
) -> Ballot:
    """Chain the voter's ballot after the motion's last one, under the motion's row lock."""
    now = now or utcnow()
    _check_can_cast(motion, now)
    if _ballot_of_voter(motion.id, voter.id) is not None:
        raise _already_cast(_ballot_of_voter(motion.id, voter.id))
    locked = _lock(motion)
    # read again under the lock: a close or another ballot may have come first
    _check_can_cast(locked, now)
    existing = _ballot_of_voter(motion.id, voter.id)
    if existing is not None:
        raise _already_cast(existing)
    area = Decimal(voter.area)
    receipt = new_receipt()
    digest = chain.ballot_hash(locked.chain_head, receipt, choice, area, voter.heads)
    ballot = Ballot(
        motion_id=motion.id,
        voter_id=voter.id,
        seq=locked.ballot_count + 1,
        receipt=receipt,
        choice=choice,
        area=area,
        heads=voter.heads,
        channel=channel,
        resident_id=resident_id,
        staff_id=staff_id,
        scan_photo_id=scan_photo_id,
        proxy_name=proxy_name,
        cast_at=now,
        prev_hash=locked.chain_head,
        hash=digest,
    )
    try:
        with db.session.begin_nested():
            db.session.add(ballot)
            db.session.flush()
    except IntegrityError:
        # the database's one-ballot-per-voter constraint decided (the lock should have)
        existing = _ballot_of_voter(motion.id, voter.id)
        if existing is None:
            raise
        raise _already_cast(existing) from None
    locked.ballot_count = ballot.seq
    locked.chain_head = digest
    db.session.flush()
    log.info("motion %s: ballot %s (%s)", motion.id, ballot.seq, channel.value)
    return ballot


def _ballot_of_voter(motion_id: int, voter_id: int) -> Ballot | None:
    return db.session.scalars(
        sa.select(Ballot)
        .where(Ballot.motion_id == motion_id, Ballot.voter_id == voter_id)
        .execution_options(populate_existing=True)
    ).first()


def new_receipt() -> str:
    """A fresh receipt code, ``XXXX-XXXX-XXXX`` (about 59 bits)."""
    text = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def resident_ballot(resident: Resident, motion: Motion) -> Ballot | None:
    """The ballot of the resident's voter (their own, or a co-owner's, or a paper one)."""
    for voter in resident_voters(resident, motion):
        ballot = _ballot_of_voter(motion.id, voter.id)
        if ballot is not None:
            return ballot
    return None


# --- residents' view -----------------------------------------------------------------------


def resident_motions(resident: Resident, *, published_only: bool = False) -> sa.Select:
    """Motions of the resident's estates that are announced or later, newest first (for
    pagination). A list row needs neither the body nor the published file: both stay in the
    database until a motion is opened."""
    states = (MotionState.published,) if published_only else VISIBLE_STATES
    return (
        sa.select(Motion)
        .where(in_my_estates(Motion.estate_id, resident), Motion.state.in_(states))
        .options(orm.defer(Motion.published), orm.defer(Motion.body), orm.joinedload(Motion.estate))
        .order_by(Motion.opens_at.desc(), Motion.id.desc())
    )


def resident_votes(
    resident: Resident, motions: list[Motion]
) -> dict[int, tuple[Ballot | None, bool]]:
    """For each of ``motions``: the ballot of the resident's voter (as
    :func:`resident_ballot`) and whether the resident holds a voter at all — two statements
    for a whole page of motions."""
    result: dict[int, tuple[Ballot | None, bool]] = {m.id: (None, False) for m in motions}
    owned = sorted({p.unit_id for p in current_places(resident) if p.role == ResidencyRole.owner})
    if not motions or not owned:
        return result
    voters = db.session.execute(
        sa.select(VoterUnit.motion_id, Voter.id, Voter.number)
        .join(Voter, Voter.id == VoterUnit.voter_id)
        .where(VoterUnit.motion_id.in_(list(result)), VoterUnit.unit_id.in_(owned))
    ).all()
    if not voters:
        return result
    ballots = {
        (b.motion_id, b.voter_id): b
        for b in db.session.scalars(
            sa.select(Ballot).where(
                Ballot.motion_id.in_({m for m, _, _ in voters}),
                Ballot.voter_id.in_({v for _, v, _ in voters}),
            )
        )
    }
    for motion_id, voter_id, _number in sorted(voters, key=lambda v: (v[0], v[2])):
        ballot, _ = result[motion_id]
        result[motion_id] = (ballot or ballots.get((motion_id, voter_id)), True)
    return result


def resident_motion(resident: Resident, motion_id: int) -> Motion:
    """A motion of the resident's estates (announced or later), else 404."""
    motion = db.session.scalars(
        sa.select(Motion).where(
            Motion.id == motion_id,
            in_my_estates(Motion.estate_id, resident),
            Motion.state.in_(VISIBLE_STATES),
        )
    ).first()
    if motion is None:
        raise NotFound(NOT_FOUND)
    return motion


def published_of(motion: Motion) -> dict:
    """The published file of ``motion``; 409 while it is not published."""
    if motion.state != MotionState.published or motion.published is None:
        raise Conflict("表决结果尚未公布")
    return motion.published


def check_receipt(motion: Motion, receipt: str, resident: Resident | None = None) -> dict | None:
    """The published ballot with ``receipt`` as residents see it (no area), or None; its
    area too when it is ``resident``'s own ballot (they know their unit anyway)."""
    wanted = (receipt or "").strip().upper()
    for position, ballot in enumerate(published_of(motion)["ballots"], start=1):
        if ballot["receipt"] == wanted:
            own = resident is not None and _is_own_ballot(resident, motion, wanted)
            shown = ballot if own else _resident_ballot_view(ballot)
            return {"position": position, "area": None, **shown}
    return None


def _is_own_ballot(resident: Resident, motion: Motion, receipt: str) -> bool:
    ballot = resident_ballot(resident, motion)
    return ballot is not None and ballot.receipt == receipt


#: what residents see of each published ballot: enough to find their own receipt and
#: choice, check the chain's order and count heads; no area, which (unique for many units)
#: would link a ballot to a unit through the area register (docs/security.md)
RESIDENT_BALLOT_FIELDS = ("receipt", "choice", "heads", "prev", "hash")


def _resident_ballot_view(ballot: dict) -> dict:
    return {key: ballot[key] for key in RESIDENT_BALLOT_FIELDS if key in ballot}


def resident_document(motion: Motion) -> dict:
    """The published file as residents get it: every figure, the chain head and each
    ballot without its area. The full list (with areas, for the area-weighted recount) is
    for the committee, the street and the bureau: :func:`oversight_document`."""
    document = published_of(motion)
    return {
        **document,
        "ballots": [_resident_ballot_view(b) for b in document["ballots"]],
        "ballot_areas": "withheld",
    }


def oversight_document(staff: Staff, motion: Motion) -> dict:
    """The full published file (every ballot with its area: ``python -m
    backend.votes.recount`` reproduces the result from it) for oversight; each opening is
    audited, as it can link ballots to units."""
    document = published_of(motion)
    open_ballot_list(staff, motion)
    return document


def open_ballot_list(staff: Staff, motion: Motion) -> None:
    """Record that ``staff`` opened the full ballot list (with areas) of ``motion``."""
    scope.require(staff, "vote.read")
    audit.record(staff, "motion.ballots_opened", "motion", motion.id, estate_id=motion.estate_id)


# --- the tally -----------------------------------------------------------------------------


def _counted_rows(motion: Motion) -> list[tuple[str, Decimal, int]]:
    """(choice, area, heads) per distinct choice: summed in the database where its sums are
    exact (PostgreSQL ``numeric``), else per ballot (SQLite sums numbers as floats)."""
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = (
            sa.select(Ballot.choice, sa.func.sum(Ballot.area), sa.func.sum(Ballot.heads))
            .where(Ballot.motion_id == motion.id)
            .group_by(Ballot.choice)
        )
    else:
        stmt = sa.select(Ballot.choice, Ballot.area, Ballot.heads).where(
            Ballot.motion_id == motion.id
        )
    return [(choice, Decimal(area), int(heads)) for choice, area, heads in db.session.execute(stmt)]


def _require_electorate(motion: Motion) -> None:
    if motion.total_area is None or motion.total_heads is None:
        raise Conflict("表决事项尚未公告，没有表决人名册")


def count(motion: Motion) -> tally.Tally:
    """The tally of an ordinary motion now (exact; see ``backend.votes.tally``); for an
    election, the tally of its turnout (agreement is per candidate: :func:`count_election`)."""
    _require_electorate(motion)
    rows = _counted_rows(motion)
    if motion.is_election:
        result = count_election(motion, rows)
        return result.participation
    return _tally(motion, rows)


def _tally(motion: Motion, rows) -> tally.Tally:
    # sum per choice first: three Decimal sums instead of a CountedBallot per ballot
    sums: dict[str, list] = {c: [Decimal(0), 0] for c in tally.CHOICES}
    for choice, area, heads in rows:
        entry = sums[choice]
        entry[0] += area
        entry[1] += heads
    return tally.tally(
        (
            tally.CountedBallot(choice, area, heads)
            for choice, (area, heads) in sums.items()
            if heads
        ),
        total_area=Decimal(motion.total_area),
        total_heads=motion.total_heads,
        item=motion.item,
    )


def election_choices(choice: str) -> frozenset[int]:
    """The candidate numbers of a stored election choice (``elect:1,3`` → {1, 3})."""
    return tally.parse_election_choice(choice)


def count_election(motion: Motion, rows=None) -> tally.ElectionTally:
    """Count an election with the engine (``backend.votes.tally.election_tally``): each
    candidate needs the item's double majority; ties for the last seat and unfilled seats
    are reported."""
    _require_electorate(motion)
    rows = _counted_rows(motion) if rows is None else rows
    return tally.election_tally(
        ((election_choices(choice), area, heads) for choice, area, heads in rows),
        candidates=[(c.number, c.name) for c in motion.candidates],
        seats=motion.seats,
        total_area=Decimal(motion.total_area),
        total_heads=motion.total_heads,
        item=motion.item,
    )


def participation(motion: Motion) -> dict:
    """Live figures for the panel: participating area and heads against the 2/3 bars.

    Ratios are exact (``"a/b"``); ``*_percent`` are for drawing progress bars only.
    """
    _require_electorate(motion)
    area, heads = Decimal(0), 0
    by_channel = {c.value: 0 for c in Channel}
    for row_area, row_heads, channel in db.session.execute(
        sa.select(Ballot.area, Ballot.heads, Ballot.channel).where(Ballot.motion_id == motion.id)
    ):
        area += Decimal(row_area)
        heads += row_heads
        by_channel[Channel(channel).value] += 1
    total_area, total_heads = Decimal(motion.total_area), motion.total_heads
    area_ratio = Fraction(area) / Fraction(total_area) if total_area else Fraction(0)
    head_ratio = Fraction(heads, total_heads) if total_heads else Fraction(0)
    return {
        "total_area": tally.area_text(total_area),
        "total_heads": total_heads,
        "participating_area": tally.area_text(area),
        "participating_heads": heads,
        "participation_area_ratio": tally.fraction_text(area_ratio),
        "participation_head_ratio": tally.fraction_text(head_ratio),
        "area_percent": round(float(area_ratio) * 100, 2),
        "head_percent": round(float(head_ratio) * 100, 2),
        "bar": "2/3",
        "area_reached": area_ratio >= tally.PARTICIPATION_BAR,
        "heads_reached": head_ratio >= tally.PARTICIPATION_BAR,
        "ballots": sum(by_channel.values()),
        "by_channel": by_channel,
    }


# --- publication ---------------------------------------------------------------------------


def ballot_list(motion: Motion) -> list[dict]:
    """The anonymous ballot list in chain order, as published: receipt, choice, area, heads,
    prev, hash (no names, no units)."""
    return [
        {
            "receipt": receipt,
            "choice": choice,
            "area": tally.area_text(Decimal(area)),
            "heads": heads,
            "prev": prev,
            "hash": digest,
        }
        for receipt, choice, area, heads, prev, digest in db.session.execute(
            sa.select(
                Ballot.receipt,
                Ballot.choice,
                Ballot.area,
                Ballot.heads,
                Ballot.prev_hash,
                Ballot.hash,
            )
            .where(Ballot.motion_id == motion.id)
            .order_by(Ballot.seq)
        )
    ]


def published_document(motion: Motion, *, published_at: datetime | None = None) -> dict:
    """The published file: the recount format (``python -m backend.votes.recount FILE``) —
    ``motion``, ``total_area``, ``total_heads``, ``ballots``, ``chain_head`` — plus the
    server's figures (``tally``) and the electorate's ``corrections``."""
    _require_electorate(motion)
    ballots = ballot_list(motion)
    header = {"id": motion.id, "item": motion.item, "title": motion.title}
    if motion.is_election:
        header.update(kind=MotionKind.election.value, seats=motion.seats)
        header["candidates"] = [{"number": c.number, "name": c.name} for c in motion.candidates]
        figures = count_election(motion).as_dict()
    else:
        figures = count(motion).as_dict()
    return {
        "motion": header,
        "total_area": tally.area_text(Decimal(motion.total_area)),
        "total_heads": motion.total_heads,
        "ballots": ballots,
        "chain_head": chain.chain_head(ballots),
        "tally": figures,
        "corrections": [
            {
                "area_before": tally.area_text(Decimal(c.area_before)),
                "area_after": tally.area_text(Decimal(c.area_after)),
                "reason": c.reason,
                "at": to_local(c.at).isoformat(),
            }
            for c in corrections(motion)
        ],
        "published_at": to_local(published_at).isoformat() if published_at else None,
    }


def result_summary(motion: Motion) -> str:
    """One line saying the result, for messages and the board."""
    figures = (motion.published or {}).get("tally") or {}
    if motion.is_election:
        return (
            f"当选 {len(figures.get('elected', []))} 人，空缺 {figures.get('unfilled_seats', 0)} 席"
        )
    reason = FAILED_CONDITIONS.get(figures.get("failed_condition"), "")
    return "表决通过" if motion.passed else f"未通过：{reason}"


FAILED_CONDITIONS = {
    "participation_area": "参与表决的专有部分面积不足三分之二",
    "participation_heads": "参与表决的人数不足三分之二",
    "agree_area": "同意的专有部分面积未达到法定比例",
    "agree_heads": "同意的人数未达到法定比例",
}


# --- notifications -------------------------------------------------------------------------


def _notify_owners_job():
    from backend.votes.jobs import notify_owners

    return notify_owners


def owner_residents(estate_id: int) -> list[int]:
    """Residents who are current owners in the estate (each once)."""
    return list(
        db.session.scalars(
            Residency.current_owners(Residency.estate_id == estate_id).order_by(
                Residency.resident_id
            )
        )
    )


def owners_without_ballot(motion: Motion) -> list[int]:
    """Current owners in the estate whose voter has no ballot yet (each once)."""
    voted_units = (
        sa.select(VoterUnit.unit_id)
        .join(Ballot, Ballot.voter_id == VoterUnit.voter_id)
        .where(VoterUnit.motion_id == motion.id)
    )
    units = sa.select(VoterUnit.unit_id).where(VoterUnit.motion_id == motion.id)
    return list(
        db.session.scalars(
            Residency.current_owners(
                Residency.estate_id == motion.estate_id,
                Residency.unit_id.in_(units),
                Residency.unit_id.not_in(voted_units),
            ).order_by(Residency.resident_id)
        )
    )


def notify_owners(motion_id: int, event: str) -> int:
    """Tell the estate's owners that ``motion_id`` was announced or its result published,
    or (``vote_closing``) the owners who have not voted that voting closes soon."""
    from backend.notify import notify_resident

    motion = db.session.get(Motion, motion_id)
    if motion is None:
        return 0
    if event == "vote_closing":
        residents = owners_without_ballot(motion) if motion.state == MotionState.open else []
        facts = {"closes_at": motion.closes_at}
    elif event == "vote_announced":
        residents = owner_residents(motion.estate_id)
        facts = {
            "estate_name": db.session.get(Estate, motion.estate_id).name,
            "opens_on": to_local(motion.opens_at).date(),
            "closes_on": to_local(motion.closes_at).date(),
        }
    else:
        residents = owner_residents(motion.estate_id)
        facts = {"passed": bool(motion.passed), "summary": result_summary(motion)}
    for resident_id in residents:
        notify_resident(
            resident_id,
            event,
            estate_id=motion.estate_id,
            motion_id=motion.id,
            title=motion.title,
            **facts,
        )
    return len(residents)


def board_motions(estate_id: int) -> list[Motion]:
    """Motions the estate's board shows: announced, open, closed and published."""
    return list(
        db.session.scalars(
            sa.select(Motion)
            .where(Motion.estate_id == estate_id, Motion.state.in_(VISIBLE_STATES))
            .order_by(Motion.opens_at.desc(), Motion.id.desc())
        )
    )
