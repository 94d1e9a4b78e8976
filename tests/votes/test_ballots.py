"""Ballots: one per voter by a database constraint, owners only online, paper and proxy with
scans, co-owners share one, nothing outside the window, every ballot chained."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.accounts.models import ResidencyRole, ResidencyStatus
from backend.core.db import commit, rollback
from backend.core.errors import Conflict, Forbidden, Invalid
from backend.extensions import db
from backend.votes import ballots, chain, motions
from backend.votes.models import Ballot, Channel, MotionKind
from tests.votes.conftest import DURING, T0


@pytest.fixture
def flat(world):
    """Unit 1 co-owned by 甲 and 乙 (both bound), unit 2 owned by 丙 with family and tenant."""
    world.u1 = world.unit("100.00", ["甲", "乙"])
    world.u2 = world.unit("80.00", ["丙"])
    world.jia = world.owner(world.u1)
    world.yi = world.owner(world.u1)
    world.bing = world.owner(world.u2)
    world.family = world.owner(world.u2, ResidencyRole.family)
    world.tenant = world.owner(world.u2, ResidencyRole.tenant)
    return world


def test_an_owner_casts_one_ballot_with_a_receipt_on_the_chain(flat):
    motion = flat.open_motion()
    ballot = ballots.cast_online(flat.bing, motion, choice="agree", now=DURING)
    commit()
    assert ballot.channel == Channel.online
    assert len(ballot.receipt) == 14
    assert ballot.prev_hash == chain.GENESIS
    assert ballot.hash == chain.ballot_hash(chain.GENESIS, ballot.receipt, "agree", ballot.area, 1)
    assert motion.chain_head == ballot.hash and motion.ballot_count == 1
    with pytest.raises(Conflict, match="不能重复投票"):
        ballots.cast_online(flat.bing, motion, choice="oppose", now=DURING)


def test_family_members_and_tenants_cannot_vote(flat):
    motion = flat.open_motion()
    for resident in (flat.family, flat.tenant):
        with pytest.raises(Forbidden, match="业主本人"):
            ballots.cast_online(resident, motion, choice="agree", now=DURING)


def test_an_owner_whose_binding_is_pending_cannot_vote(flat):
    pending = flat.owner(flat.u2, status=ResidencyStatus.pending)
    motion = flat.open_motion()
    with pytest.raises(Forbidden):
        ballots.cast_online(pending, motion, choice="agree", now=DURING)


def test_co_owners_share_one_ballot_the_first_stands_and_the_other_sees_it(flat):
    motion = flat.open_motion()
    first = ballots.cast_online(flat.jia, motion, choice="oppose", now=DURING)
    commit()
    with pytest.raises(Conflict, match="共有人"):
        ballots.cast_online(flat.yi, motion, choice="agree", now=DURING)
    rollback()
    seen = ballots.resident_ballot(flat.yi, motion)
    assert seen.id == first.id and seen.choice == "oppose"
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 1


def test_a_paper_ballot_needs_a_scan_and_refuses_a_later_online_one(flat):
    motion = flat.open_motion()
    with pytest.raises(Invalid, match="扫描件"):
        ballots.enter_ballot(
            flat.committee,
            motion,
            flat.u2.id,
            channel=Channel.paper,
            scan_photo_id=None,
            choice="agree",
            now=DURING,
        )
    ballot = ballots.enter_ballot(
        flat.committee,
        motion,
        flat.u2.id,
        channel=Channel.paper,
        scan_photo_id=flat.scan(),
        choice="agree",
        now=DURING,
    )
    commit()
    assert ballot.staff_id == flat.committee.id and ballot.scan_photo_id
    with pytest.raises(Conflict, match="纸质表决票"):
        ballots.cast_online(flat.bing, motion, choice="oppose", now=DURING)


def test_a_proxy_ballot_names_the_proxy_and_an_online_one_refuses_it(flat):
    motion = flat.open_motion()
    ballots.cast_online(flat.jia, motion, choice="agree", now=DURING)
    commit()
    with pytest.raises(Invalid, match="受托人"):
        ballots.enter_ballot(
            flat.committee,
            motion,
            flat.u2.id,
            channel=Channel.proxy,
            scan_photo_id=flat.scan(),
            choice="agree",
            now=DURING,
        )
    scan = flat.scan()
    with pytest.raises(Conflict, match="不能重复投票"):
        ballots.enter_ballot(
            flat.committee,
            motion,
            flat.u1.id,
            channel=Channel.proxy,
            scan_photo_id=scan,
            proxy_name="王律师",
            choice="oppose",
            now=DURING,
        )
    rollback()
    # the refused entry did not use up the scan
    ballot = ballots.enter_ballot(
        flat.committee,
        motion,
        flat.u2.id,
        channel=Channel.proxy,
        scan_photo_id=scan,
        proxy_name="王律师",
        choice="abstain",
        now=DURING,
    )
    assert ballot.proxy_name == "王律师" and ballot.seq == 2


def test_the_street_office_cannot_enter_ballots(flat):
    motion = flat.open_motion()
    from backend.core.errors import Forbidden as Refused

    with pytest.raises(Refused):
        ballots.enter_ballot(
            flat.street,
            motion,
            flat.u2.id,
            channel=Channel.paper,
            scan_photo_id=1,
            choice="agree",
            now=DURING,
        )


def test_nothing_is_cast_before_opening_or_after_the_close(flat):
    motion = flat.motion()
    motions.announce(flat.committee, motion, now=T0 - timedelta(days=16))
    commit()
    with pytest.raises(Conflict, match="尚未开始"):
        ballots.cast_online(flat.bing, motion, choice="agree", now=T0 + timedelta(hours=1))
    motions.open_voting(flat.committee, motion, now=T0)
    commit()
    with pytest.raises(Conflict, match="已截止"):
        ballots.cast_online(flat.bing, motion, choice="agree", now=motion.closes_at)
    flat.close(motion)
    with pytest.raises(Conflict, match="已截止"):
        ballots.cast_online(flat.bing, motion, choice="agree", now=DURING)


def test_the_database_refuses_a_second_ballot_of_a_voter(flat):
    motion = flat.open_motion()
    ballot = ballots.cast_online(flat.bing, motion, choice="agree", now=DURING)
    commit()
    db.session.add(
        Ballot(
            motion_id=motion.id,
            voter_id=ballot.voter_id,
            seq=2,
            receipt="TEST-TEST-TEST",
            choice="oppose",
            area=ballot.area,
            heads=1,
            channel=Channel.online,
            resident_id=flat.bing.id,
            prev_hash=ballot.hash,
            hash="0" * 64,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    rollback()


def test_an_election_ballot_chooses_up_to_the_seats(flat):
    motion = flat.open_motion(
        3, kind=MotionKind.election, seats=2, candidates=["张三", "李四", "王五"]
    )
    with pytest.raises(Invalid, match="最多选择 2 名"):
        ballots.cast_online(flat.bing, motion, candidates=[1, 2, 3], now=DURING)
    with pytest.raises(Invalid, match="候选人无效"):
        ballots.cast_online(flat.bing, motion, candidates=[4], now=DURING)
    with pytest.raises(Invalid):
        ballots.cast_online(flat.bing, motion, choice="agree", now=DURING)
    ballot = ballots.cast_online(flat.bing, motion, candidates=[3, 1], now=DURING)
    assert ballot.choice == "elect:1,3"


def test_an_ordinary_ballot_needs_a_valid_choice(flat):
    motion = flat.open_motion()
    with pytest.raises(Invalid):
        ballots.cast_online(flat.bing, motion, choice="maybe", now=DURING)
    with pytest.raises(Invalid):
        ballots.cast_online(flat.bing, motion, candidates=[1], now=DURING)
