"""The owners' vote on a use: its electorate is exactly the 列支范围, with Art. 278's "use"
thresholds (≥ 2/3 of area and heads take part; more than half of both agree)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from backend.core.db import commit
from backend.core.errors import DomainError
from backend.core.time import utcnow
from backend.fund import ledger, uses
from backend.fund.models import UseState
from backend.votes import ballots as vote_ballots
from backend.votes.models import Motion
from tests.factories import ResidencyFactory

T0 = utcnow().replace(microsecond=0) - timedelta(days=60)


def owner(unit):
    return ResidencyFactory(unit=unit).resident


def publicised(w, in_scope, *, now=T0):
    use = uses.create_use(
        w.company,
        w.estate.id,
        title="1幢屋面防水翻修",
        unit_ids=[u.id for u in in_scope],
        budget_fen=60_000_00,
        items="屋面防水层翻新",
        contractor="某防水工程公司",
    )
    uses.act(w.company, use, "propose", now=now)
    uses.act(w.committee, use, "publicise", now=now)
    commit()
    return use


def open_(w, use):
    from backend.extensions import db

    motion = db.session.get(Motion, use.motion_id)
    uses.act(w.committee, use, "open_vote", now=motion.opens_at)
    commit()
    return motion


def test_the_electorate_is_exactly_the_owners_in_the_scope_and_a_co_owned_unit_counts_once(
    db, fund_world
):
    a = fund_world.unit("80.00", owners=["甲"])
    b = fund_world.unit("90.00", owners=["乙", "丙"])  # co-owned
    c = fund_world.unit("100.00", owners=["丁"])
    outside = fund_world.unit("120.00", owners=["戊"])
    use = publicised(fund_world, [a, b, c])
    motion = open_(fund_world, use)
    assert use.state == UseState.voting
    assert motion.item == 5
    assert motion.total_heads == 3
    assert motion.total_area == Decimal("270.00")
    # the owner outside the scope cannot vote; co-owners share one ballot
    with pytest.raises(DomainError):
        vote_ballots.cast_online(owner(outside), motion, choice="agree", now=motion.opens_at)
    first = owner(b)
    second = owner(b)
    vote_ballots.cast_online(first, motion, choice="agree", now=motion.opens_at)
    with pytest.raises(DomainError):
        vote_ballots.cast_online(second, motion, choice="oppose", now=motion.opens_at)


@pytest.mark.parametrize(
    ("choices", "state"),
    [
        # 2 of 3 equal units take part (exactly 2/3 of area and heads), both agree: passed
        (["agree", "agree", None], UseState.passed),
        # exactly half of the participants agree: "过半数" fails
        (["agree", "oppose", None], UseState.failed),
        # an abstention takes part and counts against: 1 of 2 participating agree → fails
        (["agree", "abstain", None], UseState.failed),
        # 1 of 3 take part: participation below 2/3
        (["agree", None, None], UseState.failed),
        # all take part, 2 agree of 3
        (["agree", "agree", "oppose"], UseState.passed),
    ],
)
def test_use_thresholds_at_their_boundaries(db, fund_world, choices, state):
    units = [fund_world.unit("100.00", owners=[f"业主{n}"]) for n in range(3)]
    residents = [owner(u) for u in units]
    use = publicised(fund_world, units)
    motion = open_(fund_world, use)
    for resident, choice in zip(residents, choices, strict=True):
        if choice:
            vote_ballots.cast_online(resident, motion, choice=choice, now=motion.opens_at)
    commit()
    uses.act(fund_world.committee, use, "count", now=motion.closes_at)
    commit()
    assert use.state == state


def test_counting_before_the_vote_closes_is_refused(db, fund_world):
    from backend.core.errors import Conflict

    units = [fund_world.unit("100.00", owners=[f"业主{n}"]) for n in range(2)]
    use = publicised(fund_world, units)
    motion = open_(fund_world, use)
    with pytest.raises(Conflict):
        uses.act(fund_world.committee, use, "count", now=motion.closes_at - timedelta(seconds=1))
    assert use.state == UseState.voting


def test_a_passed_use_is_reviewed_paid_in_instalments_split_by_area_and_disclosed(db, fund_world):
    units = [
        fund_world.unit(area, owners=[f"业主{n}"])
        for n, area in enumerate(["89.47", "120.05", "65.33"])
    ]
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("200.00"), date(2020, 1, 1))
    residents = [owner(u) for u in units]
    use = publicised(fund_world, units)
    motion = open_(fund_world, use)
    for resident in residents:
        vote_ballots.cast_online(resident, motion, choice="agree", now=motion.opens_at)
    uses.act(fund_world.committee, use, "count", now=motion.closes_at)
    uses.act(fund_world.company, use, "submit")
    uses.act(fund_world.bureau, use, "approve")
    uses.act(fund_world.bureau, use, "notify_bank")
    uses.record_payment(
        fund_world.bank, use, instalment=1, amount_fen=1000, paid_on=date(2026, 3, 1)
    )
    uses.record_payment(
        fund_world.bank, use, instalment=2, amount_fen=30_000_00, paid_on=date(2026, 4, 1)
    )
    commit()
    from backend.core.errors import Conflict, Invalid

    with pytest.raises(Conflict):
        uses.record_payment(
            fund_world.bank, use, instalment=2, amount_fen=1, paid_on=date(2026, 4, 1)
        )
    db.session.rollback()
    with pytest.raises(Invalid):  # beyond the budget
        uses.record_payment(
            fund_world.bank, use, instalment=3, amount_fen=30_000_00, paid_on=date(2026, 4, 2)
        )
    db.session.rollback()
    uses.act(fund_world.company, use, "accept")
    uses.act(fund_world.committee, use, "disclose")
    commit()
    assert use.paid_fen == 30_010_00
    figures = {b.unit_id: b for b in ledger.balances(fund_world.estate.id).values()}
    deposits = {u.id: int(u.area * 200 * 100) for u in units}
    # 1000 fen split 325/437/238 (see test_money), then ¥30,000 by area
    first = {units[0].id: 325, units[1].id: 437, units[2].id: 238}
    spent = {u.id: deposits[u.id] - figures[u.id].balance_fen for u in units}
    assert sum(spent.values()) == 30_010_00
    total_area = Fraction(sum(x.area for x in units))
    for u in units:
        exact = Fraction(30_000_00) * Fraction(u.area) / total_area
        assert abs(spent[u.id] - first[u.id] - exact) < 1
    # the board shows the use with its vote and payments
    from backend.fund import board

    posts = {item.key: item for item in board.items(fund_world.estate.id)}
    item = posts[f"fund-use-{use.id}"]
    assert item.data["state"] == "disclosed"
    assert [p["instalment"] for p in item.data["payments"]] == [1, 2]
    assert item.data["vote"]["result"] == "passed"


def test_only_the_owners_within_the_scope_are_told_of_the_vote(db, fund_world):
    import sqlalchemy as sa

    from backend.notify.models import Notification

    inside = fund_world.unit("80.00", owners=["甲"])
    outside = fund_world.unit("90.00", owners=["乙"])
    told, not_told = owner(inside), owner(outside)
    commit()
    use = publicised(fund_world, [inside])
    open_(fund_world, use)
    kinds = db.session.execute(
        sa.select(Notification.resident_id, Notification.kind)
        .where(Notification.kind.in_(["vote_announced", "vote_closing"]))
        .order_by(Notification.id)
    ).all()
    # (the board's must-read notice of the announcement is the board's, to every resident)
    assert kinds == [(told.id, "vote_announced"), (told.id, "vote_closing")]
    assert not_told.id not in {r for r, _ in kinds}
