"""What the panel's vote screens show, read through the votes services (admin views build no
queries): the estates a manager may draft for, the participation bars, the figures of a
counted vote, the ballots entered on paper or by proxy, the electorate with its search, and
the anonymous ballot list as an Excel file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from backend.accounts.models import Staff
from backend.authz import scope
from backend.core import sheets
from backend.core.errors import Invalid, NotFound
from backend.core.time import to_local
from backend.extensions import db
from backend.org.models import Building, Estate, Unit
from backend.votes import ballots, chain, motions, publication, tally
from backend.votes.models import (
    ELECTION_PREFIX,
    Ballot,
    Channel,
    Choice,
    Motion,
    MotionState,
    Voter,
    VoterUnit,
)

#: what each failed condition means, in the words of 民法典 Art. 278
FAILED_CONDITIONS = publication.FAILED_CONDITIONS
THRESHOLD_LABELS = {
    tally.MAJORITY: "双过半（同意须超过参与表决面积与人数的二分之一）",
    tally.THREE_QUARTERS: "双四分之三（同意须达到参与表决面积与人数的四分之三以上）",
}
#: the anonymous ballot list's columns, as published (no names, no units)
BALLOT_HEADERS = ["序号", "回执码", "选择", "面积（m²）", "人数", "前一哈希", "本票哈希"]


def estates_for(staff: Staff, permission: str = "vote.read") -> list[Estate]:
    """The estates in ``staff``'s scope by name, if they hold ``permission`` (the list's
    filter with ``vote.read``, the draft form's select with ``vote.manage``)."""
    scope.require(staff, permission)
    return scope.estates(staff)


def buildings_of(motion: Motion) -> list[Building]:
    """The motion's estate's buildings (the paper ballot form picks a unit by them)."""
    return list(
        db.session.scalars(
            sa.select(Building)
            .where(Building.estate_id == motion.estate_id)
            .order_by(Building.name)
        )
    )


# --- live participation --------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One progress bar: a share of a total against the 2/3 participation bar."""

    label: str
    value: str
    total: str
    ratio: str
    #: for drawing only (the SVG's width); the figures above are exact
    percent: float
    reached: bool

    @property
    def reading(self) -> str:
        """The exact share as people read it (``"0（0%）"``, ``"2/3（66.67%）"``)."""
        return ratio_reading(self.ratio)


#: where the 2/3 mark is drawn on a bar (percent of its width)
BAR_MARK = float(tally.PARTICIPATION_BAR * 100)


def participation_bars(motion: Motion) -> dict:
    """The live participation of an announced or later motion: area and heads as bars against
    the 2/3 bar of 民法典 Art. 278, ballots by channel."""
    figures = publication.participation(motion)
    return {
        "bars": [
            Bar(
                "参与表决的专有部分面积",
                f"{figures['participating_area']} m²",
                f"{figures['total_area']} m²",
                figures["participation_area_ratio"],
                min(figures["area_percent"], 100.0),
                figures["area_reached"],
            ),
            Bar(
                "参与表决的人数",
                f"{figures['participating_heads']} 人",
                f"{figures['total_heads']} 人",
                figures["participation_head_ratio"],
                min(figures["head_percent"], 100.0),
                figures["heads_reached"],
            ),
        ],
        "ballots": figures["ballots"],
        "by_channel": [(Channel(c).label, n) for c, n in figures["by_channel"].items()],
        "mark": BAR_MARK,
    }


# --- the result ----------------------------------------------------------------------------


def ratio_percent(ratio: str | None) -> str:
    """``"2/3"`` → ``"66.67%"``, ``"0/1"`` → ``"0%"`` (shown beside the exact fraction,
    never instead of it)."""
    if not ratio:
        return "—"
    value = f"{float(Fraction(ratio) * 100):.2f}".rstrip("0").rstrip(".")
    return f"{value}%"


def ratio_reading(ratio: str | None) -> str:
    """A published fraction as people read it: ``"2/3（66.67%）"``; a whole number without
    its denominator (``"0/1"`` → ``"0（0%）"``, ``"1/1"`` → ``"1（100%）"``)."""
    if not ratio:
        return "—"
    fraction = Fraction(ratio)
    text = str(fraction.numerator) if fraction.denominator == 1 else f"{fraction}"
    return f"{text}（{ratio_percent(ratio)}）"


def result_figures(motion: Motion) -> dict | None:
    """The figures of a closed or published motion (what is or will be published): the
    published document's ``tally`` once published, else counted now. None before the close."""
    if motion.state == MotionState.published and motion.published:
        return motion.published["tally"]
    if motion.state != MotionState.closed:
        return None
    if motion.is_election:
        return publication.count_election(motion).as_dict()
    return publication.count(motion).as_dict()


def corrections(motion: Motion) -> list:
    """The electorate's corrections, oldest first (shown with the result)."""
    return publication.corrections(motion)


# --- ballots entered in the panel ----------------------------------------------------------


def entered_ballots(staff: Staff, motion: Motion) -> list[Ballot]:
    """The paper and proxy ballots of ``motion`` (with their voter, scan and who entered
    them), newest first: the committee's own record, never published with names."""
    stmt = (
        ballots.staff_ballots(staff, motion)
        .where(Ballot.channel != Channel.online)
        .options(selectinload(Ballot.scan))
        .order_by(None)
        .order_by(Ballot.seq.desc())
    )
    return list(db.session.scalars(stmt))


def staff_names(ids: set[int]) -> dict[int, str]:
    """Staff names by id (who entered each ballot)."""
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all())


def choice_text(motion: Motion, choice: str) -> str:
    """A stored choice as people read it: 同意 / 反对 / 弃权, or the chosen candidates."""
    if choice.startswith(ELECTION_PREFIX):
        chosen = publication.election_choices(choice)
        names = [f"{c.number}. {c.name}" for c in motion.candidates if c.number in chosen]
        return "选：" + "、".join(names) if names else "未选任何候选人（弃权）"
    return Choice(choice).label


def unit_of_motion(motion: Motion, building_id: int | None, number: str) -> int:
    """The id of the unit ``number`` of building ``building_id`` in ``motion``'s electorate
    (how a committee member names the voter of a paper ballot), else a refusal."""
    number = (number or "").strip()
    if not building_id or not number:
        raise Invalid("请选择楼栋并填写房号", {"number": ["请选择楼栋并填写房号"]})
    unit_id = db.session.scalar(
        sa.select(VoterUnit.unit_id)
        .join(Unit, Unit.id == VoterUnit.unit_id)
        .where(
            VoterUnit.motion_id == motion.id,
            Unit.building_id == building_id,
            Unit.number == number[:40],
        )
    )
    if unit_id is None:
        raise NotFound("该房屋不在本次表决的表决人名册中")
    return unit_id


# --- the electorate ------------------------------------------------------------------------


def electorate_query(motion: Motion, q: str = "") -> sa.Select:
    """The frozen electorate by voter number; ``q`` keeps voters with a unit numbered so
    (or the owner's name as frozen)."""
    stmt = motions.voters_of(motion)
    q = (q or "").strip()[:40]
    if q:
        matching = (
            sa.select(VoterUnit.voter_id)
            .join(Unit, Unit.id == VoterUnit.unit_id)
            .where(
                VoterUnit.motion_id == motion.id,
                sa.or_(
                    Unit.number.contains(q, autoescape=True),
                    VoterUnit.owners.contains(q, autoescape=True),
                ),
            )
        )
        stmt = stmt.where(Voter.id.in_(matching))
    return stmt


def voted_voter_ids(motion: Motion, voter_ids: list[int]) -> dict[int, Channel]:
    """Of ``voter_ids``, those who have a ballot, with its channel."""
    if not voter_ids:
        return {}
    return {
        voter_id: Channel(channel)
        for voter_id, channel in db.session.execute(
            sa.select(Ballot.voter_id, Ballot.channel).where(
                Ballot.motion_id == motion.id, Ballot.voter_id.in_(voter_ids)
            )
        )
    }


# --- the anonymous ballot list -------------------------------------------------------------


def ballot_rows(motion: Motion, ballots: list[dict]) -> Iterator[list]:
    """The anonymous ballot list ``ballots`` (:func:`publication.ballot_list`) as rows."""
    for position, ballot in enumerate(ballots, start=1):
        yield [
            position,
            ballot["receipt"],
            choice_text(motion, ballot["choice"]),
            ballot["area"],
            ballot["heads"],
            ballot["prev"],
            ballot["hash"],
        ]


def ballots_xlsx(motion: Motion):
    """The anonymous ballot list as an .xlsx file (a temporary file, rewound), with the
    totals and the chain head above the rows."""
    ballots = publication.ballot_list(motion)
    preamble = [
        [f"表决事项 #{motion.id}", motion.title],
        ["总面积（m²）", tally.area_text(Decimal(motion.total_area or 0))],
        ["总人数", motion.total_heads or 0],
        ["哈希链末端", ballots[-1]["hash"] if ballots else chain.GENESIS],
        [],
    ]
    return sheets.write(
        sheets.Sheet("选票清单", BALLOT_HEADERS, ballot_rows(motion, ballots), preamble=preamble)
    )


def export_name(motion: Motion, now: datetime, ext: str) -> str:
    """A download's file name: ``motion-<id>-<local date>.<ext>``."""
    return f"motion-{motion.id}-{to_local(now):%Y%m%d}.{ext}"
