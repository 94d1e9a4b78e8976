"""The committee's home page shows its votes' work (issue 19): drafts to announce, motions
whose notice period is over, votes running and results to publish, each linking to the
list filtered by that state."""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import commit
from backend.core.time import utcnow
from backend.votes import motions
from tests.admin.conftest import login


def test_the_committee_home_counts_each_stage_of_its_votes(client, world):
    world.unit("100.00", ["甲"])
    world.motion(title="草稿一")
    world.open_motion(title="进行中")
    world.close(world.open_motion(title="已截止"))
    later = world.motion(
        title="公告期中",
        opens_at=utcnow() + timedelta(days=20),
        closes_at=utcnow() + timedelta(days=27),
    )
    motions.announce(world.committee, later)
    ready = world.motion(title="公告期满")
    motions.announce(world.committee, ready, now=ready.opens_at - timedelta(days=16))
    commit()
    login(client, world.committee)

    home = client.get("/admin/").get_data(as_text=True)

    assert 'id="todo-votes-draft">1<' in home
    assert 'id="todo-votes-announced">1<' in home  # the one still in its notice period: no
    assert 'id="todo-votes-open">1<' in home
    assert 'id="todo-votes-closed">1<' in home
    listed = client.get("/admin/votes?state=draft").get_data(as_text=True)
    assert "草稿一" in listed and "进行中" not in listed


def test_officers_without_vote_management_see_no_vote_to_dos(client, world, db):
    from backend.accounts.models import StaffRole
    from backend.org.models import Street
    from tests.factories import StaffFactory

    district = db.session.get(Street, world.estate.street_id).district
    bureau = StaffFactory(role=StaffRole.bureau_officer, district=district)
    world.motion()
    commit()
    login(client, bureau)
    assert "todo-votes-" not in client.get("/admin/").get_data(as_text=True)
