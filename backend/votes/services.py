"""What the votes' modules share: the motion's state moves, its row lock, the staff's and
residents' reads of motions, the text checks and the messages.

The rules live by what they do: :mod:`backend.votes.motions` (drafting, announcing and
freezing the electorate, opening and closing), :mod:`backend.votes.ballots` (casting online,
paper and proxy ballots, receipts), :mod:`backend.votes.publication` (the tally, the
published file, results and owners' notices). The law (民法典 Art. 278, 法释〔2020〕17号
Art. 8–9) is in the pure engine (``tally``, ``electorate``, ``chain``). Services never
commit: the request (or the job) does.

Races: a state change is one conditional UPDATE (:func:`backend.core.db.transition`); a
ballot takes the motion's row lock (``SELECT … FOR UPDATE``) before it reads the chain's end,
so ballots are chained one at a time and a close waits for the ballot being cast; the unique
constraint on (motion, voter) is the last word on one ballot per voter.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from backend.accounts.models import Resident, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.authz.resident import in_my_estates
from backend.core import board_hook
from backend.core.db import transition
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.text import TextRefused, clean_text
from backend.extensions import db
from backend.votes.models import Motion, MotionState

NOT_FOUND = "未找到该表决事项"
STALE = "表决状态已变化，请刷新后重试"
#: the board section the published results go to
BOARD_SECTION = "vote_results"
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


def field_text(value, column, field: str, *, multiline: bool = False) -> str:
    """``value`` stripped, if it fits ``column`` and holds nothing unstorable, else 422."""
    try:
        return clean_text((value or "").strip(), max_length=column, multiline=multiline)
    except TextRefused as exc:
        raise Invalid(exc.message, {field: [exc.message]}) from None


def move(staff: Staff | None, motion: Motion, source: MotionState, action: str, **values) -> None:
    """Move ``motion`` from ``source`` by one conditional UPDATE (409 if someone else moved
    it first), record it (staff actions) and refresh the board's section after commit."""
    if not transition(Motion, motion.id, Motion.state, source, **values):
        raise Conflict(STALE)
    db.session.refresh(motion)
    if staff is not None:
        audit.record(staff, f"motion.{action}", "motion", motion.id, estate_id=motion.estate_id)
    board_hook.source_changed(motion.estate_id, BOARD_SECTION)


def require_manage(staff: Staff, motion: Motion) -> None:
    scope.require(staff, "vote.manage")
    scope.get_scoped(Motion, motion.id, staff)


#: how the motion list sorts (``admin.page.ListSpec``), by ``?sort=``
MOTION_SORTS = {
    "created": Motion.created_at,
    "title": Motion.title,
    "item": Motion.item,
    "state": Motion.state,
    "opens": Motion.opens_at,
    "ballots": Motion.ballot_count,
}


def staff_motions(
    staff: Staff,
    estate_id: int | None = None,
    state: MotionState | None = None,
    q: str = "",
) -> sa.Select:
    """The motions in ``staff``'s scope (newest first), optionally of one estate, in one
    state and with ``q`` in the title."""
    scope.require(staff, "vote.read")
    stmt = scope.scoped(sa.select(Motion), staff, Motion.estate_id)
    if q:
        stmt = stmt.where(Motion.title.contains(q, autoescape=True))
    if estate_id is not None:
        stmt = stmt.where(Motion.estate_id == estate_id)
    if state is not None:
        stmt = stmt.where(Motion.state == state)
    return stmt.order_by(Motion.created_at.desc(), Motion.id.desc())


def todo(staff: Staff) -> list:
    """What waits for those who run votes: drafts to announce, announced motions whose
    notice period is over (voting may open), votes running, and counted votes whose result
    is not yet published; one query."""
    from backend.core.feature import ToDo
    from backend.core.time import utcnow

    if not scope.can(staff, "vote.manage"):
        return []
    ready = sa.and_(Motion.state == MotionState.announced, Motion.opens_at <= utcnow())
    kinds = sa.case(
        (ready, "ready"),
        (
            Motion.state.in_((MotionState.draft, MotionState.open, MotionState.closed)),
            sa.cast(Motion.state, sa.String),
        ),
        else_="other",
    )
    counts = dict(
        db.session.execute(
            scope.scoped(sa.select(kinds, sa.func.count()).group_by(kinds), staff, Motion.estate_id)
        ).all()
    )
    return [
        ToDo("待公告的表决草稿", counts.get("draft", 0), "admin.votes", (("state", "draft"),)),
        ToDo(
            "公告期满待开始投票",
            counts.get("ready", 0),
            "admin.votes",
            (("state", "announced"),),
            True,
        ),
        ToDo("投票中的表决", counts.get("open", 0), "admin.votes", (("state", "open"),)),
        ToDo("待公布结果", counts.get("closed", 0), "admin.votes", (("state", "closed"),), True),
    ]


def staff_motion(staff: Staff, motion_id: int, permission: str = "vote.read") -> Motion:
    """Motion ``motion_id`` if ``staff`` holds ``permission`` and it is in scope (else 403/404)."""
    scope.require(staff, permission)
    try:
        return scope.get_scoped(Motion, motion_id, staff)
    except NotFound:
        raise NotFound(NOT_FOUND) from None


def lock_motion(motion: Motion) -> Motion:
    """The motion's row, locked until commit (PostgreSQL ``FOR UPDATE``; SQLite writes one
    at a time anyway), read afresh."""
    return db.session.scalars(
        sa.select(Motion)
        .where(Motion.id == motion.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


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


def notify_owners_job():
    from backend.votes.jobs import notify_owners

    return notify_owners


def board_motions(estate_id: int) -> list[Motion]:
    """Motions the estate's board shows: announced, open, closed and published."""
    return list(
        db.session.scalars(
            sa.select(Motion)
            .where(Motion.estate_id == estate_id, Motion.state.in_(VISIBLE_STATES))
            .order_by(Motion.opens_at.desc(), Motion.id.desc())
        )
    )
