"""Motions: drafting, announcing (with the notice period and the frozen electorate and its
corrections), opening and closing voting, and the clock's sweep. Services never commit."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from backend.accounts.models import Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.core.area import AreaError, parse_area
from backend.core.db import defer, transition
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.media import services as media
from backend.org.models import Community, Estate, OwnerRecord, Street, Unit
from backend.votes import electorate, tally
from backend.votes.ballots import ballot_of_voter
from backend.votes.models import (
    ELECTION_ITEM,
    Candidate,
    ElectorateCorrection,
    Motion,
    MotionDocument,
    MotionKind,
    MotionState,
    Voter,
    VoterUnit,
)
from backend.votes.publication import count, count_election
from backend.votes.services import (
    MAX_CANDIDATES,
    MAX_SEATS,
    STALE,
    field_text,
    lock_motion,
    move,
    notify_owners_job,
    require_manage,
)

log = logging.getLogger(__name__)


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
        body=field_text(body, 20000, "body", multiline=True),
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


def _check_fields(item, title, opens_at, closes_at, kind, seats, candidates) -> None:
    if isinstance(item, bool) or item not in tally.ITEMS:
        raise Invalid("事项须为《民法典》第二百七十八条第（一）至（九）项", {"item": ["取值无效"]})
    if not field_text(title, Motion.title, "title"):
        raise Invalid("请填写表决事项", {"title": ["必填项"]})
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise Invalid("投票截止时间须晚于开始时间", {"closes_at": ["须晚于开始时间"]})
    if kind == MotionKind.election:
        if item != ELECTION_ITEM:
            raise Invalid("选举业委会委员属于第（三）项事项", {"item": ["选举应为第（三）项"]})
        if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
            raise Invalid(f"应选名额须为 1 至 {MAX_SEATS}", {"seats": ["取值无效"]})
        names = [field_text(name, Candidate.name, "candidates") for name in candidates]
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
    require_manage(staff, motion)
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
    motion.body = field_text(body, 20000, "body", multiline=True)
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
    require_manage(staff, motion)
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
    require_manage(staff, motion)
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
    move(
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
            notify_owners_job(),
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
        require_manage(staff, motion)
    now = now or utcnow()
    if motion.state != MotionState.announced:
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能开始投票")
    notice_end = notice_ends_at(motion)
    if now < motion.opens_at or (notice_end is not None and now < notice_end):
        start = max(motion.opens_at, notice_end or motion.opens_at)
        raise Conflict(f"公告期未满，投票于 {to_local(start):%Y-%m-%d %H:%M} 开始")
    if now >= motion.closes_at:
        raise Conflict("投票截止时间已过")
    move(staff, motion, MotionState.announced, "open", state=MotionState.open, opened_at=now)
    log.info("motion %s open for voting", motion.id)
    return motion


def close_voting(staff: Staff | None, motion: Motion, *, now: datetime | None = None) -> Motion:
    """Close voting at the end of the window and count it (stored; published separately).

    Not before ``closes_at``: owners are promised the whole window. The close waits for a
    ballot being chained (the motion's row lock) and no ballot is taken after it.
    """
    if staff is not None:
        require_manage(staff, motion)
    now = now or utcnow()
    if motion.state != MotionState.open:
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能截止投票")
    if now < motion.closes_at:
        raise Conflict(f"投票于 {to_local(motion.closes_at):%Y-%m-%d %H:%M} 截止，尚未到时间")
    move(staff, motion, MotionState.open, "close", state=MotionState.closed, closed_at=now)
    if motion.is_election:
        motion.passed = bool(count_election(motion).elected)
    else:
        motion.passed = count(motion).passed
    log.info("motion %s closed: %s ballots", motion.id, motion.ballot_count)
    return motion


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
                notify_owners_job(),
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
    reason = field_text(reason, ElectorateCorrection.reason, "reason")
    if not reason:
        raise Invalid("请填写更正原因", {"reason": ["必填项"]})
    if motion.state not in (MotionState.announced, MotionState.open):
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能更正表决人名册")
    area = _area(area)
    locked = lock_motion(motion)
    if locked.state not in (MotionState.announced, MotionState.open):
        raise Conflict(STALE)
    row = db.session.scalars(
        sa.select(VoterUnit).where(VoterUnit.motion_id == motion.id, VoterUnit.unit_id == unit_id)
    ).first()
    if row is None:
        raise NotFound("该房屋不在本次表决的表决人名册中")
    if ballot_of_voter(motion.id, row.voter_id) is not None:
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


def voters_of(motion: Motion) -> sa.Select:
    """The motion's frozen electorate (for the panel), by number."""
    return (
        sa.select(Voter)
        .where(Voter.motion_id == motion.id)
        .options(selectinload(Voter.units).selectinload(VoterUnit.unit))
        .order_by(Voter.number)
    )
