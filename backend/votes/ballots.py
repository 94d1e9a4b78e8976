"""Ballots: cast online by an owner, entered on paper or by proxy by the committee, chained
one at a time under the motion's row lock, and checked by receipt. Services never commit."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backend.accounts.models import ResidencyRole, Resident, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.authz.resident import current_places
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.core.time import utcnow
from backend.extensions import db
from backend.media import services as media
from backend.votes import chain, tally
from backend.votes.models import (
    Ballot,
    Channel,
    Motion,
    MotionState,
    Voter,
    VoterUnit,
)
from backend.votes.publication import published_of, resident_ballot_view
from backend.votes.services import field_text, lock_motion, staff_motion

log = logging.getLogger(__name__)

#: receipts: no 0/O, 1/I/L, so a code read aloud or copied by hand stays right
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def staff_ballots(staff: Staff, motion: Motion) -> sa.Select:
    """The motion's ballots in chain order for the panel (channel, who entered it, scan)."""
    staff_motion(staff, motion.id)
    return (
        sa.select(Ballot)
        .where(Ballot.motion_id == motion.id)
        .options(selectinload(Ballot.voter).selectinload(Voter.units).selectinload(VoterUnit.unit))
        .order_by(Ballot.seq)
    )


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
    proxy_name = field_text(proxy_name, Ballot.proxy_name, "proxy_name")
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
    existing = ballot_of_voter(motion.id, voter.id)
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
    if ballot_of_voter(motion.id, voter.id) is not None:
        raise _already_cast(ballot_of_voter(motion.id, voter.id))
    locked = lock_motion(motion)
    # read again under the lock: a close or another ballot may have come first
    _check_can_cast(locked, now)
    existing = ballot_of_voter(motion.id, voter.id)
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
        existing = ballot_of_voter(motion.id, voter.id)
        if existing is None:
            raise
        raise _already_cast(existing) from None
    locked.ballot_count = ballot.seq
    locked.chain_head = digest
    db.session.flush()
    log.info("motion %s: ballot %s (%s)", motion.id, ballot.seq, channel.value)
    return ballot


def ballot_of_voter(motion_id: int, voter_id: int) -> Ballot | None:
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
        ballot = ballot_of_voter(motion.id, voter.id)
        if ballot is not None:
            return ballot
    return None


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


def check_receipt(motion: Motion, receipt: str, resident: Resident | None = None) -> dict | None:
    """The published ballot with ``receipt`` as residents see it (no area), or None; its
    area too when it is ``resident``'s own ballot (they know their unit anyway)."""
    wanted = (receipt or "").strip().upper()
    for position, ballot in enumerate(published_of(motion)["ballots"], start=1):
        if ballot["receipt"] == wanted:
            own = resident is not None and _is_own_ballot(resident, motion, wanted)
            shown = ballot if own else resident_ballot_view(ballot)
            return {"position": position, "area": None, **shown}
    return None


def _is_own_ballot(resident: Resident, motion: Motion, receipt: str) -> bool:
    ballot = resident_ballot(resident, motion)
    return ballot is not None and ballot.receipt == receipt
