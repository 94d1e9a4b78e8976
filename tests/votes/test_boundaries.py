"""The law's edges, through the database: ballots stored, electorate frozen, tally counted
(民法典 Art. 278, 法释〔2020〕17号 Art. 9). Each case would fail if a rule were broken."""

from __future__ import annotations

import pytest

from backend.core.db import commit
from backend.votes import ballots, publication
from backend.votes.models import Channel, MotionKind
from tests.votes.conftest import DURING


def _vote(world, motion, units_choices, channel=Channel.online):
    """Each (unit, choice): its owner votes online (a paper ballot for developer units)."""
    for unit, choice in units_choices:
        if unit.developer_held or channel != Channel.online:
            ballots.enter_ballot(
                world.committee,
                motion,
                unit.id,
                channel=Channel.paper,
                scan_photo_id=world.scan(),
                choice=choice,
                now=DURING,
            )
        else:
            ballots.cast_online(world.resident_of[unit.id], motion, choice=choice, now=DURING)
        commit()


def _estate(world, areas, item=4, **kw):
    """One owner (bound in the mini-app) per unit of ``areas``; returns (units, open motion)."""
    world.resident_of = {}
    units = []
    for i, area in enumerate(areas):
        unit = world.unit(area, [f"业主{i}"])
        world.resident_of[unit.id] = world.owner(unit)
        units.append(unit)
    return units, world.open_motion(item, **kw)


def _result(world, motion):
    world.close(motion)
    document = publication.publish(world.committee, motion, now=motion.closes_at)
    commit()
    return document["tally"]


def test_participation_of_exactly_two_thirds_on_both_measures_passes(world):
    units, motion = _estate(world, ["100.00", "100.00", "100.00"])
    _vote(world, motion, [(units[0], "agree"), (units[1], "agree")])
    figures = _result(world, motion)
    assert figures["participation_area_ratio"] == "2/3"
    assert figures["participation_head_ratio"] == "2/3"
    assert figures["result"] == "passed" and motion.passed is True


def test_participation_just_under_two_thirds_of_area_fails(world):
    units, motion = _estate(world, ["100.00", "100.00", "100.01"])
    _vote(world, motion, [(units[0], "agree"), (units[1], "agree")])
    figures = _result(world, motion)
    assert figures["participation_head_ratio"] == "2/3"
    assert figures["participation_area_ratio"] == "20000/30001"
    assert (figures["result"], figures["failed_condition"]) == ("failed", "participation_area")


def test_participation_just_under_two_thirds_of_heads_fails(world):
    units, motion = _estate(world, ["300.00", "1.00", "1.00", "1.00"])
    _vote(world, motion, [(units[0], "agree"), (units[1], "agree")])
    figures = _result(world, motion)
    assert figures["participation_head_ratio"] == "1/2"
    assert figures["failed_condition"] == "participation_heads"


def test_agreement_of_exactly_half_fails(world):
    units, motion = _estate(world, ["100.00", "50.00", "150.00"])
    _vote(world, motion, [(units[0], "agree"), (units[1], "agree"), (units[2], "oppose")])
    figures = _result(world, motion)
    assert figures["agree_area_ratio"] == "1/2"
    assert (figures["result"], figures["failed_condition"]) == ("failed", "agree_area")


def test_agreement_just_over_half_passes(world):
    units, motion = _estate(world, ["100.00", "50.01", "150.00"])
    _vote(world, motion, [(units[0], "agree"), (units[1], "agree"), (units[2], "oppose")])
    figures = _result(world, motion)
    assert figures["agree_area_ratio"] == "15001/30001"
    assert figures["agree_head_ratio"] == "2/3"
    assert figures["result"] == "passed"


def test_agreement_of_exactly_half_the_heads_fails(world):
    units, motion = _estate(world, ["100.00", "100.00", "1.00", "1.00"])
    _vote(
        world,
        motion,
        [(units[0], "agree"), (units[1], "agree"), (units[2], "oppose"), (units[3], "oppose")],
    )
    figures = _result(world, motion)
    assert figures["agree_head_ratio"] == "1/2"
    assert figures["failed_condition"] == "agree_heads"


@pytest.mark.parametrize("item", [6, 7, 8])
def test_exactly_three_quarters_passes_items_six_to_eight(world, item):
    units, motion = _estate(world, ["100.00"] * 4, item=item)
    _vote(world, motion, [(u, "agree") for u in units[:3]] + [(units[3], "oppose")])
    figures = _result(world, motion)
    assert figures["threshold_class"] == "three_quarters"
    assert (figures["agree_area_ratio"], figures["agree_head_ratio"]) == ("3/4", "3/4")
    assert figures["result"] == "passed"


def test_just_under_three_quarters_fails_item_six(world):
    units, motion = _estate(world, ["100.00", "100.00", "100.00", "100.01"], item=6)
    _vote(world, motion, [(u, "agree") for u in units[:3]] + [(units[3], "oppose")])
    figures = _result(world, motion)
    assert figures["agree_head_ratio"] == "3/4"
    assert figures["failed_condition"] == "agree_area"


def test_abstentions_take_part_and_count_against_agreement(world):
    units, motion = _estate(world, ["100.00", "100.00", "100.00"])
    _vote(world, motion, [(units[0], "agree"), (units[1], "abstain")])
    figures = _result(world, motion)
    # without the abstention participation would be 1/3; with it agreement is only 1/2
    assert figures["participating_heads"] == 2
    assert figures["participation_area_ratio"] == "2/3"
    assert figures["agree_head_ratio"] == "1/2"
    assert figures["failed_condition"] == "agree_area"


def test_the_developers_units_are_one_head_with_their_area_summed(world):
    world.resident_of = {}
    owned = world.unit("100.00", ["业主甲"])
    world.resident_of[owned.id] = world.owner(owned)
    unsold = [world.unit(a, developer=True) for a in ("50.00", "60.50", "70.25")]
    motion = world.open_motion()
    assert (str(motion.total_area), motion.total_heads) == ("280.75", 2)
    ballots.enter_ballot(
        world.committee,
        motion,
        unsold[1].id,
        channel=Channel.proxy,
        scan_photo_id=world.scan(),
        proxy_name="开发商代表",
        choice="agree",
        now=DURING,
    )
    commit()
    ballot = ballots.resident_ballot(world.resident_of[owned.id], motion)
    assert ballot is None
    figures = _result(world, motion)
    assert (figures["participating_area"], figures["participating_heads"]) == ("180.75", 1)


def test_an_owner_of_two_units_is_one_head_with_both_areas(world):
    first = world.unit("100.00", ["张三"])
    second = world.unit("80.50", ["张三"])
    other = world.unit("90.00", ["李四"])
    zhang = world.owner(first)
    world.owner(second, resident=zhang)
    li = world.owner(other)
    motion = world.open_motion()
    assert (str(motion.total_area), motion.total_heads) == ("270.50", 2)
    ballot = ballots.cast_online(zhang, motion, choice="agree", now=DURING)
    assert (str(ballot.area), ballot.heads) == ("180.50", 1)
    ballots.cast_online(li, motion, choice="agree", now=DURING)
    commit()
    assert _result(world, motion)["participation_head_ratio"] == "1/1"


def test_co_owners_are_one_head_and_share_one_ballot(world):
    shared = world.unit("120.00", ["王五", "赵六"])
    other = world.unit("60.00", ["钱七"])
    wang, zhao = world.owner(shared), world.owner(shared)
    world.owner(other)
    motion = world.open_motion()
    assert motion.total_heads == 2
    ballots.cast_online(zhao, motion, choice="oppose", now=DURING)
    commit()
    assert ballots.resident_ballot(wang, motion).choice == "oppose"


def test_two_decimal_areas_are_exact_where_floats_are_wrong(world):
    # 1.00 + 4.64 = 5.64 is exactly 2/3 of 8.46; in floats (1.0 + 4.64) / 8.46 < 2/3
    assert (1.00 + 4.64) / 8.46 < 2 / 3
    units, motion = _estate(world, ["1.00", "4.64", "2.82"])
    _vote(world, motion, [(units[0], "agree"), (units[1], "agree")])
    figures = _result(world, motion)
    assert figures["participation_area_ratio"] == "2/3"
    assert figures["participating_area"] == "5.64"
    assert figures["result"] == "passed"


def _election(world, seats, candidates, choices):
    world.resident_of = {}
    units = []
    for i in range(len(choices)):
        unit = world.unit("100.00", [f"选民{i}"])
        world.resident_of[unit.id] = world.owner(unit)
        units.append(unit)
    motion = world.open_motion(3, kind=MotionKind.election, seats=seats, candidates=candidates)
    for unit, chosen in zip(units, choices, strict=True):
        ballots.cast_online(world.resident_of[unit.id], motion, candidates=chosen, now=DURING)
        commit()
    return _result(world, motion)


def test_an_election_with_more_candidates_than_seats_elects_the_most_agreed(world):
    figures = _election(
        world,
        2,
        ["张三", "李四", "王五", "赵六"],
        [[1, 2], [1, 2], [1, 3], [1, 3], [2, 4]],
    )
    by_number = {c["number"]: c for c in figures["candidates"]}
    assert by_number[1]["agree_head_ratio"] == "4/5"
    assert by_number[2]["agree_head_ratio"] == "3/5" and by_number[2]["result"] == "passed"
    assert by_number[3]["agree_head_ratio"] == "2/5" and by_number[3]["result"] == "failed"
    assert figures["elected"] == [1, 2]
    assert (figures["tied"], figures["unfilled_seats"]) == ([], 0)


def test_a_seat_no_candidate_wins_by_double_majority_stays_unfilled(world):
    figures = _election(
        world,
        2,
        ["张三", "李四", "王五"],
        [[1, 2], [1, 3], [1, 2], [1, 3], [1]],
    )
    # 李四 and 王五 have 2/5 each: not a majority, so the second seat is unfilled
    assert figures["elected"] == [1]
    assert figures["tied"] == []
    assert figures["unfilled_seats"] == 1


def test_an_election_tie_for_the_last_seat_leaves_it_unfilled(world):
    figures = _election(
        world,
        2,
        ["张三", "李四", "王五"],
        [[1, 2], [1, 3], [2, 3], [1, 2], [1, 3], [2, 3]],
    )
    # 张三 4/6, 李四 4/6, 王五 4/6: all pass, three tied for two seats
    assert figures["elected"] == []
    assert figures["tied"] == [1, 2, 3]
    assert figures["unfilled_seats"] == 2
