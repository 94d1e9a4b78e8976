"""seed-demo shows owners' votes at once: a published result, an open vote, an announced one."""

from __future__ import annotations

import sqlalchemy as sa

from backend.demo import seed_demo
from backend.notify.models import Notification
from backend.votes import recount
from backend.votes.models import Ballot, Channel, Motion, MotionState


def test_demo_has_a_published_an_open_and_an_announced_motion(db):
    seed_demo()

    motions = {m.state: m for m in db.session.scalars(sa.select(Motion))}
    assert set(motions) == {MotionState.published, MotionState.open, MotionState.announced}
    published = motions[MotionState.published]
    assert published.passed is True
    figures = recount.recount(published.published)
    assert figures["chain_valid"] is True and figures["result"] == "passed"
    channels = set(db.session.scalars(sa.select(Ballot.channel).distinct()))
    assert channels == set(Channel)
    assert motions[MotionState.open].ballot_count > 0
    assert motions[MotionState.announced].ballot_count == 0
    # history is not news: nobody was sent a message for it
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
