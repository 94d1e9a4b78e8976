"""Resident API of votes: my estate's motions, casting, my receipt, results, the download
and the receipt check (a motion only its estate's residents see)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from backend.accounts.models import ResidencyRole
from backend.core.db import commit
from backend.votes import motions, publication, recount
from tests.factories import EstateFactory, ResidencyFactory, UnitFactory
from tests.helpers import bearer, counted_statements, subscribe


@pytest.fixture
def live(world):
    """An open motion (window around now) of two co-owned units and one sole owner."""
    world.u1 = world.unit("100.00", ["甲", "乙"])
    world.u2 = world.unit("80.00", ["丙"])
    world.jia, world.yi = world.owner(world.u1), world.owner(world.u1)
    world.bing = world.owner(world.u2)
    world.tenant = world.owner(world.u2, ResidencyRole.tenant)
    motion = world.live_motion(body="说明")
    world.live = motion
    return world


def test_an_owner_lists_sees_and_votes_and_gets_a_receipt(client, live):
    listing = client.get("/api/v1/me/motions", headers=bearer(live.bing))
    assert listing.status_code == 200
    (row,) = listing.get_json()
    assert row["can_vote"] is True and row["threshold_class"] == "majority"
    cast = client.post(
        f"/api/v1/me/motions/{live.live.id}/ballot",
        json={"choice": "agree"},
        headers=bearer(live.bing),
    )
    assert cast.status_code == 201, cast.get_json()
    receipt = cast.get_json()["receipt"]
    mine = client.get(f"/api/v1/me/motions/{live.live.id}/ballot", headers=bearer(live.bing))
    assert mine.get_json()["receipt"] == receipt and mine.get_json()["mine"] is True
    detail = client.get(f"/api/v1/me/motions/{live.live.id}", headers=bearer(live.bing))
    assert detail.get_json()["my_ballot"]["receipt"] == receipt
    assert detail.get_json()["can_vote"] is False


def test_a_co_owner_gets_a_chinese_409_and_sees_the_first_ballot(client, live):
    url = f"/api/v1/me/motions/{live.live.id}/ballot"
    assert client.post(url, json={"choice": "oppose"}, headers=bearer(live.jia)).status_code == 201
    second = client.post(url, json={"choice": "agree"}, headers=bearer(live.yi))
    assert second.status_code == 409
    assert "不能重复投票" in second.get_json()["message"]
    seen = client.get(url, headers=bearer(live.yi)).get_json()
    assert seen["choice"] == "oppose" and seen["mine"] is False


def test_a_tenant_is_refused_and_an_outsider_sees_nothing(client, live):
    url = f"/api/v1/me/motions/{live.live.id}/ballot"
    refused = client.post(url, json={"choice": "agree"}, headers=bearer(live.tenant))
    assert refused.status_code == 403
    outsider = ResidencyFactory(unit=UnitFactory(building__estate=EstateFactory())).resident
    assert client.post(url, json={"choice": "agree"}, headers=bearer(outsider)).status_code == 404
    assert client.get("/api/v1/me/motions", headers=bearer(outsider)).get_json() == []


def test_a_draft_is_not_shown_to_residents(client, live):
    draft = live.motion(title="草稿事项")
    assert (
        client.get(f"/api/v1/me/motions/{draft.id}", headers=bearer(live.bing)).status_code == 404
    )


def test_results_download_and_receipt_check(client, live, tmp_path, fake_wechat):
    subscribe(fake_wechat, live.bing, {"tmpl-vote-result": "accept"})
    url = f"/api/v1/me/motions/{live.live.id}"
    receipt = client.post(
        f"{url}/ballot", json={"choice": "agree"}, headers=bearer(live.bing)
    ).get_json()["receipt"]
    client.post(f"{url}/ballot", json={"choice": "agree"}, headers=bearer(live.jia))
    assert client.get(f"{url}/result", headers=bearer(live.bing)).status_code == 409
    motions.close_voting(live.committee, live.live, now=live.live.closes_at)
    publication.publish(live.committee, live.live, now=live.live.closes_at)
    commit()
    result = client.get(f"{url}/result", headers=bearer(live.bing)).get_json()
    assert result["tally"]["result"] == "passed" and result["ballot_count"] == 2
    download = client.get(f"{url}/published.json", headers=bearer(live.tenant))
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    document = json.loads(download.data)
    # residents get no per-ballot area (tests/security/test_ballot_secrecy.py)
    assert all("area" not in b for b in document["ballots"])
    assert recount.recount(publication.oversight_document(live.committee, live.live))["chain_valid"]
    check = client.get(
        f"{url}/receipt-check", query_string={"receipt": receipt}, headers=bearer(live.bing)
    ).get_json()
    assert check["found"] is True and check["choice"] == "agree"
    missing = client.get(
        f"{url}/receipt-check",
        query_string={"receipt": "XXXX-XXXX-XXXX"},
        headers=bearer(live.bing),
    ).get_json()
    assert missing["found"] is False
    results = client.get("/api/v1/me/motion-results", headers=bearer(live.bing)).get_json()
    assert [r["id"] for r in results] == [live.live.id] and results[0]["passed"] is True
    # the owners were told: in the message center, and on WeChat with consent
    assert any(
        m["template_id"] == "tmpl-vote-result" for m in fake_wechat.messages(live.bing.openid)
    )


def test_announcing_tells_the_owners(client, world, fake_wechat):
    unit = world.unit("100.00", ["甲"])
    owner = world.owner(unit)
    world.owner(unit, ResidencyRole.family)
    subscribe(fake_wechat, owner, {"tmpl-vote-announced": "accept"})
    motion = world.motion()
    from tests.votes.conftest import T0

    motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
    commit()
    sent = fake_wechat.messages(owner.openid)
    assert [m["template_id"] for m in sent] == ["tmpl-vote-announced"]
    inbox = client.get("/api/v1/me/messages", headers=bearer(owner)).get_json()
    assert any(m["event"] == "vote_announced" for m in inbox)


def test_my_motions_are_paginated_in_a_bounded_number_of_statements(client, live):
    """/me/motions costs the same few statements for 1 motion or 12, pages them (with a true
    X-Pagination header) and never reads a motion's published file."""
    headers = bearer(live.bing)
    commit()  # both requests start from an empty identity map
    with counted_statements() as one:
        assert len(client.get("/api/v1/me/motions", headers=headers).get_json()) == 1
    for n in range(11):
        live.live_motion(title=f"事项{n}")
    commit()
    with counted_statements() as twelve:
        response = client.get("/api/v1/me/motions?page_size=5&page=3", headers=headers)
    # the same statements, and the count that a list longer than one page needs
    assert len(twelve) == len(one) + 1
    # (the count's subquery names every column; the database reads none of them)
    loaded = [s for s in twelve if not s.startswith("SELECT count(")]
    read = [s for s in loaded if re.search(r"motions\.(published|body)\b", s)]
    assert not read, "\n".join(read)
    rows = response.get_json()
    assert len(rows) == 2 and all(r["can_vote"] for r in rows)
    assert json.loads(response.headers["X-Pagination"])["total"] == 12


def test_one_announcement_sends_one_message(client, world, fake_wechat):
    """Issue 19 defect 8: the owner gets 表决公告, not also 必读公告 for the board's notice
    of the same motion, neither at once nor from the hourly must-read reminder."""
    from backend.board.jobs import remind_must_read_job
    from tests.votes.conftest import T0

    unit = world.unit("100.00", ["甲"])
    owner = world.owner(unit)
    subscribe(
        fake_wechat, owner, {"tmpl-vote-announced": "accept", "tmpl-must-read-notice": "accept"}
    )
    motions.announce(world.committee, world.motion(), now=T0 - timedelta(days=16))
    commit()
    remind_must_read_job()
    commit()
    assert [m["template_id"] for m in fake_wechat.messages(owner.openid)] == ["tmpl-vote-announced"]
    inbox = client.get("/api/v1/me/messages", headers=bearer(owner)).get_json()
    assert [m["event"] for m in inbox] == ["vote_announced"]
