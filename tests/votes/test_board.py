"""The board's vote_results section and the panel's live participation figures."""

from __future__ import annotations

from backend.core.db import commit
from backend.votes import ballots, board, publication
from backend.votes.models import Channel
from tests.votes.conftest import DURING


def test_participation_shows_area_and_heads_against_the_two_thirds_bars(world):
    owners = [world.owner(world.unit(area, [f"业主{i}"])) for i, area in enumerate(
        ["100.00", "100.00", "100.00"]
    )]  # fmt: skip
    motion = world.open_motion()
    ballots.cast_online(owners[0], motion, choice="agree", now=DURING)
    ballots.enter_ballot(
        world.committee, motion, world.units[1].id, channel=Channel.paper,
        scan_photo_id=world.scan(), choice="oppose", now=DURING,
    )  # fmt: skip
    commit()
    live = publication.participation(motion)
    assert live["participation_area_ratio"] == "2/3" and live["participation_head_ratio"] == "2/3"
    assert live["area_reached"] is True and live["heads_reached"] is True
    assert live["area_percent"] == 66.67
    assert live["by_channel"] == {"online": 1, "paper": 1, "proxy": 0}


def test_the_board_shows_announcements_as_must_read_and_results_with_figures(world):
    owner = world.owner(world.unit("100.00", ["甲"]))
    motion = world.open_motion()
    (notice,) = board.items(world.estate.id)
    assert notice.must_read and notice.key == f"motion-{motion.id}-notice"
    ballots.cast_online(owner, motion, choice="agree", now=DURING)
    commit()
    world.close(motion)
    publication.publish(world.committee, motion, now=motion.closes_at)
    commit()
    (result,) = board.items(world.estate.id)
    assert result.key == f"motion-{motion.id}" and not result.must_read
    assert result.data["tally"]["result"] == "passed"
    assert result.data["ballot_count"] == 1
    assert "表决通过" in result.body


def test_announcing_and_publishing_tell_the_board(world, monkeypatch):
    from backend.core import board_hook

    calls = []
    monkeypatch.setattr(board_hook, "source_changed", lambda *a: calls.append(a))
    owner = world.owner(world.unit("100.00", ["甲"]))
    motion = world.open_motion()
    ballots.cast_online(owner, motion, choice="agree", now=DURING)
    commit()
    world.close(motion)
    publication.publish(world.committee, motion, now=motion.closes_at)
    # announced, opened, closed, published: each a new version of the section
    assert calls == [(world.estate.id, "vote_results")] * 4
