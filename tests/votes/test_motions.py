"""Motions move draft → announced → open → closed → published, on time and only so."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.votes import ballots, motions, publication
from backend.votes.models import MotionKind, MotionState, Voter, VoterUnit
from tests.factories import EstateFactory, StaffFactory
from tests.votes.conftest import DURING, T0


@pytest.fixture
def estate_units(world):
    world.unit("100.00", ["甲"])
    world.unit("80.00", ["乙"])
    return world


def test_announcing_freezes_the_electorate_and_needs_fifteen_days_notice(estate_units):
    world = estate_units
    motion = world.motion()
    with pytest.raises(Invalid, match="公告期至少 15 天"):
        motions.announce(
            world.committee, motion, now=T0 - timedelta(days=15) + timedelta(seconds=1)
        )
    motions.announce(world.committee, motion, now=T0 - timedelta(days=15))
    commit()
    assert motion.state == MotionState.announced
    assert motion.notice_days == 15
    assert (motion.total_area, motion.total_heads) == (180, 2)
    # a unit added after announcement is not in the frozen electorate
    world.unit("50.00", ["丙"])
    assert db.session.scalar(sa.select(sa.func.count(VoterUnit.id))) == 2


def test_an_extraordinary_meeting_needs_seven_days(estate_units):
    world = estate_units
    motion = world.motion(extraordinary=True)
    with pytest.raises(Invalid, match="7 天"):
        motions.announce(world.committee, motion, now=T0 - timedelta(days=6))
    motions.announce(world.committee, motion, now=T0 - timedelta(days=7))
    assert motion.notice_days == 7


def test_the_notice_period_is_configurable_per_city(app, estate_units):
    world = estate_units
    city = world.estate.community.street.city
    app.config["VOTE_NOTICE_DAYS_BY_CITY"] = {city: {"ordinary": 20}}
    try:
        motion = world.motion()
        with pytest.raises(Invalid, match="20 天"):
            motions.announce(world.committee, motion, now=T0 - timedelta(days=19))
        motions.announce(world.committee, motion, now=T0 - timedelta(days=20))
        assert motion.notice_days == 20
    finally:
        app.config["VOTE_NOTICE_DAYS_BY_CITY"] = {}


def test_voting_cannot_open_before_the_window_or_the_notice_ends(estate_units):
    world = estate_units
    motion = world.motion()
    with pytest.raises(Conflict):
        motions.open_voting(world.committee, motion, now=T0)  # still a draft
    motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
    with pytest.raises(Conflict, match="公告期未满"):
        motions.open_voting(world.committee, motion, now=T0 - timedelta(seconds=1))
    motions.open_voting(world.committee, motion, now=T0)
    assert motion.state == MotionState.open


def test_voting_closes_only_at_the_end_of_the_window(estate_units):
    world = estate_units
    motion = world.open_motion()
    with pytest.raises(Conflict, match="尚未到时间"):
        motions.close_voting(world.committee, motion, now=motion.closes_at - timedelta(seconds=1))
    motions.close_voting(world.committee, motion, now=motion.closes_at)
    assert motion.state == MotionState.closed
    assert motion.passed is False


def test_the_clock_opens_and_closes_windows(estate_units):
    world = estate_units
    motion = world.motion()
    motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
    commit()
    assert motions.advance_due(T0 - timedelta(minutes=1)) == (0, 0)
    assert motions.advance_due(T0) == (1, 0)
    assert motions.advance_due(motion.closes_at) == (0, 1)
    assert motions.advance_due(motion.closes_at) == (0, 0)
    db.session.refresh(motion)
    assert motion.state == MotionState.closed


def test_a_motion_is_announced_once(estate_units):
    world = estate_units
    motion = world.motion()
    motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
    commit()
    with pytest.raises(Conflict):
        motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
    assert db.session.scalar(sa.select(sa.func.count(Voter.id))) == 2


def test_publish_needs_a_closed_motion(estate_units):
    world = estate_units
    motion = world.open_motion()
    with pytest.raises(Conflict, match="不能公布结果"):
        publication.publish(world.committee, motion, now=DURING)


def test_an_election_is_item_three_with_seats_and_candidates(estate_units):
    world = estate_units
    with pytest.raises(Invalid, match="第（三）项"):
        world.motion(4, kind=MotionKind.election, seats=1, candidates=["张三"])
    with pytest.raises(Invalid, match="应选名额"):
        world.motion(3, kind=MotionKind.election, seats=0, candidates=["张三"])
    with pytest.raises(Invalid, match="重复"):
        world.motion(3, kind=MotionKind.election, seats=1, candidates=["张三", "张三"])
    motion = world.motion(3, kind=MotionKind.election, seats=2, candidates=["张三", "李四", "王五"])
    assert [c.number for c in motion.candidates] == [1, 2, 3]


def test_item_must_be_one_to_nine_and_window_ordered(estate_units):
    world = estate_units
    with pytest.raises(Invalid):
        world.motion(10)
    with pytest.raises(Invalid, match="晚于"):
        world.motion(4, closes_at=T0)


def test_only_the_estates_committee_or_street_office_manage_motions(estate_units):
    world = estate_units
    other = StaffFactory(role=StaffRole.committee_member, estate=EstateFactory())
    with pytest.raises(NotFound):
        motions.create_motion(
            other, world.estate.id, item=4, title="x", opens_at=T0, closes_at=T0 + timedelta(days=1)
        )
    desk = StaffFactory(role=StaffRole.company_admin, company=world.estate.company)
    with pytest.raises(Forbidden):
        motions.create_motion(
            desk, world.estate.id, item=4, title="x", opens_at=T0, closes_at=T0 + timedelta(days=1)
        )
    motion = motions.create_motion(
        world.street,
        world.estate.id,
        item=4,
        title="街道指导",
        opens_at=T0,
        closes_at=T0 + timedelta(days=1),
    )
    assert motion.created_by_id == world.street.id


def test_electorate_corrections_are_logged_and_published(estate_units):
    world = estate_units
    motion = world.open_motion()
    unit = world.units[0]
    with pytest.raises(Invalid, match="原因"):
        motions.correct_electorate(world.committee, motion, unit.id, area="101.00", reason=" ")
    motions.correct_electorate(
        world.committee, motion, unit.id, area="101.25", reason="不动产登记面积更正"
    )
    commit()
    assert str(motion.total_area) == "181.25"
    voter = db.session.scalars(sa.select(Voter).where(Voter.motion_id == motion.id)).first()
    assert str(voter.area) == "101.25"
    world.close(motion)
    document = publication.publish(world.committee, motion, now=motion.closes_at)
    assert document["total_area"] == "181.25"
    assert document["corrections"][0]["reason"] == "不动产登记面积更正"
    assert document["corrections"][0]["area_before"] == "100.00"


def test_owners_who_have_not_voted_are_reminded_once_before_the_close(estate_units, fake_wechat):
    from backend.accounts.models import ResidencyRole
    from backend.notify.models import Notification

    world = estate_units
    voter, waiting = world.owner(world.units[0]), world.owner(world.units[1])
    world.owner(world.units[1], ResidencyRole.tenant)
    motion = world.open_motion()
    ballots.cast_online(voter, motion, choice="agree", now=DURING)
    commit()
    before = motion.closes_at - timedelta(hours=25)
    assert motions.advance_due(before) == (0, 0)
    commit()
    motions.advance_due(motion.closes_at - timedelta(hours=23))
    commit()
    motions.advance_due(motion.closes_at - timedelta(hours=22))
    commit()
    reminded = db.session.scalars(
        sa.select(Notification.resident_id).where(Notification.kind == "vote_closing")
    ).all()
    assert reminded == [waiting.id]


def test_only_a_draft_can_be_changed(estate_units):
    world = estate_units
    motion = world.motion()
    motions.update_draft(
        world.committee, motion, item=6, title="筹集维修资金", opens_at=T0,
        closes_at=T0 + timedelta(days=3),
    )  # fmt: skip
    assert (motion.item, motion.title) == (6, "筹集维修资金")
    motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
    with pytest.raises(Conflict, match="只有草稿"):
        motions.update_draft(
            world.committee, motion, item=4, title="x", opens_at=T0,
            closes_at=T0 + timedelta(days=3),
        )  # fmt: skip


def test_the_panel_lists_ballots_in_chain_order(estate_units):
    world = estate_units
    first, second = world.owner(world.units[0]), world.owner(world.units[1])
    motion = world.open_motion()
    ballots.cast_online(second, motion, choice="agree", now=DURING)
    ballots.cast_online(first, motion, choice="oppose", now=DURING)
    commit()
    chained = db.session.scalars(ballots.staff_ballots(world.street, motion)).all()
    assert [b.seq for b in chained] == [1, 2]
    assert chained[1].voter.units[0].unit_id == world.units[0].id


def test_texts_that_cannot_be_stored_are_refused(estate_units):
    world = estate_units
    with pytest.raises(Invalid):
        world.motion(title="x" * 101)
    with pytest.raises(Invalid):
        world.motion(title="续聘\x00物业")
    with pytest.raises(Invalid):
        world.motion(3, kind=MotionKind.election, seats=1, candidates=["张" * 61])
