"""Publication: the exact tally (live participation, the count at close), the published file
with its anonymous ballot list and chain head, what residents and oversight see of it, and
the owners' notices. Services never commit."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from backend.accounts.models import Residency, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.core.db import defer
from backend.core.errors import Conflict
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.org.models import Estate
from backend.votes import chain, tally
from backend.votes.models import (
    Ballot,
    Channel,
    ElectorateCorrection,
    Motion,
    MotionKind,
    MotionState,
    VoterUnit,
)
from backend.votes.services import move, notify_owners_job, require_manage

log = logging.getLogger(__name__)


def publish(
    staff: Staff | None, motion: Motion, *, now: datetime | None = None, notify: bool = True
) -> dict:
    """Publish a closed motion's result with its full anonymous ballot list and chain head:
    on the board, in the mini-app and as the downloadable recount file. Returns that file."""
    if staff is not None:
        require_manage(staff, motion)
    now = now or utcnow()
    if motion.state != MotionState.closed:
        raise Conflict(f"表决事项当前为「{motion.state.label}」，不能公布结果")
    document = published_document(motion, published_at=now)
    move(
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
            notify_owners_job(),
            motion.id,
            "vote_result",
            key=f"motion-notice:{motion.id}:vote_result",
        )
    log.info("motion %s published: %s", motion.id, "passed" if motion.passed else "failed")
    return document


def corrections(motion: Motion) -> list[ElectorateCorrection]:
    return list(
        db.session.scalars(
            sa.select(ElectorateCorrection)
            .where(ElectorateCorrection.motion_id == motion.id)
            .order_by(ElectorateCorrection.id)
        )
    )


def published_of(motion: Motion) -> dict:
    """The published file of ``motion``; 409 while it is not published."""
    if motion.state != MotionState.published or motion.published is None:
        raise Conflict("表决结果尚未公布")
    return motion.published


#: what residents see of each published ballot: enough to find their own receipt and
#: choice, check the chain's order and count heads; no area, which (unique for many units)
#: would link a ballot to a unit through the area register (docs/security.md)
RESIDENT_BALLOT_FIELDS = ("receipt", "choice", "heads", "prev", "hash")


def resident_ballot_view(ballot: dict) -> dict:
    return {key: ballot[key] for key in RESIDENT_BALLOT_FIELDS if key in ballot}


def resident_document(motion: Motion) -> dict:
    """The published file as residents get it: every figure, the chain head and each
    ballot without its area. The full list (with areas, for the area-weighted recount) is
    for the committee, the street and the bureau: :func:`oversight_document`."""
    document = published_of(motion)
    return {
        **document,
        "ballots": [resident_ballot_view(b) for b in document["ballots"]],
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


def require_electorate(motion: Motion) -> None:
    if motion.total_area is None or motion.total_heads is None:
        raise Conflict("表决事项尚未公告，没有表决人名册")


def count(motion: Motion) -> tally.Tally:
    """The tally of an ordinary motion now (exact; see ``backend.votes.tally``); for an
    election, the tally of its turnout (agreement is per candidate: :func:`count_election`)."""
    require_electorate(motion)
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
    require_electorate(motion)
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
    require_electorate(motion)
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
    require_electorate(motion)
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
