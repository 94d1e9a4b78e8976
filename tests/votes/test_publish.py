"""The published file is the recount format: the recount command reproduces the server's
figures from it, and a stored ballot changed afterwards breaks the chain."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.core.db import commit
from backend.extensions import db
from backend.votes import ballots, publication, recount
from backend.votes.models import Ballot, MotionState
from tests.votes.conftest import DURING

FIELDS = (
    "total_area", "total_heads", "participating_area", "participating_heads",
    "participation_area_ratio", "participation_head_ratio", "agree_area", "agree_heads",
    "agree_area_ratio", "agree_head_ratio", "threshold_class", "result", "failed_condition",
)  # fmt: skip


@pytest.fixture
def published(world):
    areas = ["89.50", "120.25", "76.10", "101.01", "66.66"]
    choices = ["agree", "agree", "oppose", "abstain", None]
    residents = []
    for i, area in enumerate(areas):
        unit = world.unit(area, [f"业主{i}"])
        residents.append(world.owner(unit))
    motion = world.open_motion(5, title="使用维修资金更换电梯")
    for resident, choice in zip(residents, choices, strict=True):
        if choice:
            ballots.cast_online(resident, motion, choice=choice, now=DURING)
            commit()
    world.close(motion)
    document = publication.publish(world.committee, motion, now=motion.closes_at)
    commit()
    return motion, document


def _recount_file(tmp_path, document) -> dict:
    path = tmp_path / "published.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "backend.votes.recount", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_published_file_is_recounted_to_the_same_figures(published, tmp_path):
    motion, document = published
    assert motion.state == MotionState.published
    assert set(document) >= {"motion", "total_area", "total_heads", "ballots", "chain_head"}
    assert document["motion"] == {"id": motion.id, "item": 5, "title": "使用维修资金更换电梯"}
    assert [set(b) for b in document["ballots"]] == [
        {"receipt", "choice", "area", "heads", "prev", "hash"}
    ] * 4
    figures = _recount_file(tmp_path, document)
    assert figures["chain_valid"] is True
    assert {k: figures[k] for k in FIELDS} == {k: document["tally"][k] for k in FIELDS}
    assert document["tally"]["participating_heads"] == 4


def test_a_changed_stored_ballot_makes_the_chain_invalid(published, tmp_path):
    motion, _ = published
    first = db.session.scalars(
        sa.select(Ballot).where(Ballot.motion_id == motion.id).order_by(Ballot.seq)
    ).first()
    first.choice = "oppose"
    commit()
    tampered = publication.published_document(motion)
    assert _recount_file(tmp_path, tampered)["chain_valid"] is False
    first.choice, first.area = "agree", Decimal("89.51")
    commit()
    assert recount.recount(publication.published_document(motion))["chain_valid"] is False


def test_a_receipt_is_found_in_the_published_list(published):
    motion, document = published
    receipt = document["ballots"][2]["receipt"]
    found = ballots.check_receipt(motion, receipt.lower())
    assert found["position"] == 3 and found["choice"] == "oppose"
    assert ballots.check_receipt(motion, "AAAA-BBBB-CCCC") is None


def test_an_election_is_published_with_every_candidates_figures(world):
    residents = [world.owner(world.unit("100.00", [f"选民{i}"])) for i in range(3)]
    motion = world.open_motion(3, kind="election", seats=1, candidates=["张三", "李四"])
    for resident, chosen in zip(residents, [[1], [1], [2]], strict=True):
        ballots.cast_online(resident, motion, candidates=chosen, now=DURING)
        commit()
    world.close(motion)
    document = publication.publish(world.committee, motion, now=motion.closes_at)
    assert document["motion"]["kind"] == "election"
    assert [b["choice"] for b in document["ballots"]] == ["elect:1", "elect:1", "elect:2"]
    assert document["tally"]["elected"] == [1]
    assert motion.passed is True


def test_an_election_file_is_recounted_by_the_command(world, tmp_path):
    residents = [world.owner(world.unit("100.00", [f"选民{i}"])) for i in range(4)]
    motion = world.open_motion(3, kind="election", seats=2, candidates=["张三", "李四", "王五"])
    for resident, chosen in zip(residents, [[1, 2], [1, 3], [1, 2], []], strict=True):
        ballots.cast_online(resident, motion, candidates=chosen, now=DURING)
        commit()
    world.close(motion)
    document = publication.publish(world.committee, motion, now=motion.closes_at)
    commit()
    figures = _recount_file(tmp_path, document)
    assert figures.pop("chain_valid") is True
    assert figures == document["tally"]
    assert figures["elected"] == [1] and figures["unfilled_seats"] == 1
    # the abstaining ballot (nobody chosen) takes part
    assert figures["participating_heads"] == 4
    first = db.session.scalars(
        sa.select(Ballot).where(Ballot.motion_id == motion.id).order_by(Ballot.seq)
    ).first()
    first.choice = "elect:2"
    commit()
    assert recount.recount(publication.published_document(motion))["chain_valid"] is False
