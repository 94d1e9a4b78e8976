"""Races only a real database shows: 500 ballots submitted at once over HTTP, with repeats
by the same owners and co-owners of one unit, each request on its own connection."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.extensions import db
from backend.votes import publication, recount
from backend.votes.models import Ballot
from tests.conftest import STACK
from tests.helpers import bearer, send_at_once

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]

SOLE, SHARED, SUBMISSIONS = 250, 50, 500


def test_500_concurrent_ballots_give_one_per_voter_and_an_exact_tally(app, world):
    residents_of_unit = []
    for i in range(SOLE + SHARED):
        names = [f"业主{i}a", f"业主{i}b"] if i >= SOLE else [f"业主{i}"]
        unit = world.unit("88.88", names)
        residents_of_unit.append([world.owner(unit) for _ in names])
    motion = world.live_motion(title="并发投票")
    everyone = [r for group in residents_of_unit for r in group]
    rng = random.Random(10)
    # every owner once (co-owners race each other), then repeats up to 500 submissions
    senders = everyone + [rng.choice(everyone) for _ in range(SUBMISSIONS - len(everyone))]
    rng.shuffle(senders)
    headers = [bearer(r) for r in senders]
    choices = [rng.choice(["agree", "oppose", "abstain"]) for _ in senders]
    url = f"/api/v1/me/motions/{motion.id}/ballot"
    counts = send_at_once(
        app,
        SUBMISSIONS,
        lambda client, i: client.post(url, json={"choice": choices[i]}, headers=headers[i]),
    )
    assert not [s for s in counts if s >= 500], counts
    assert counts[201] == SOLE + SHARED and counts[409] == SUBMISSIONS - SOLE - SHARED, counts
    db.session.expire_all()
    voters = db.session.execute(
        sa.select(Ballot.voter_id, sa.func.count())
        .where(Ballot.motion_id == motion.id)
        .group_by(Ballot.voter_id)
    ).all()
    assert len(voters) == SOLE + SHARED and {n for _, n in voters} == {1}
    seqs = db.session.scalars(
        sa.select(Ballot.seq).where(Ballot.motion_id == motion.id).order_by(Ballot.seq)
    ).all()
    assert seqs == list(range(1, SOLE + SHARED + 1))
    figures = publication.count(motion)
    assert figures.participating_heads == SOLE + SHARED
    assert figures.participating_area == Decimal("88.88") * (SOLE + SHARED)
    document = publication.published_document(motion)
    assert recount.recount(document)["chain_valid"] is True
    assert recount.recount(document)["participating_heads"] == len(document["ballots"])
