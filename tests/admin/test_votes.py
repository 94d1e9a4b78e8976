"""The panel's vote screens: drafting and announcing a motion, live participation against
the 2/3 bars, paper and proxy ballots with their scans, corrections of the electorate,
closing and publishing, the tally's figures, the published file and the Excel list."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from backend.core.time import to_local, utcnow
from backend.extensions import db as _db
from backend.votes import ballots, motions
from backend.votes.models import Ballot, Channel, Motion, MotionKind, MotionState
from tests.votes.conftest import VoteWorld, png_bytes
from tests.votes.conftest import world as votes_world  # noqa: F401  (the votes' small world)


@pytest.fixture
def vw(votes_world) -> VoteWorld:  # noqa: F811
    """An estate of four units (three owners and the developer's two unsold units)."""
    votes_world.unit("100.00", owners=["张伟"])
    votes_world.unit("80.50", owners=["李娜"])
    votes_world.unit("60.25", owners=["王芳"])
    votes_world.unit("50.00", developer=True)
    votes_world.unit("40.00", developer=True)
    return votes_world


def _local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _scan(name="scan.png"):
    return (io.BytesIO(png_bytes()), name)


def _motion(motion_id: int) -> Motion:
    _db.session.expire_all()
    return _db.session.get(Motion, motion_id)


def test_a_committee_member_drafts_and_announces_a_motion(as_staff, vw):
    client = as_staff(vw.committee)
    assert client.get("/admin/votes").status_code == 200
    page = client.get("/admin/votes/new")
    assert page.status_code == 200 and "《民法典》第二百七十八条" in page.text
    opens = utcnow() + timedelta(days=16)
    resp = client.post(
        "/admin/votes/new",
        data={
            "estate_id": vw.estate.id,
            "item": "6",
            "kind": "ordinary",
            "title": "筹集电梯更新维修资金",
            "body": "第一行\n第二行",
            "opens_at": _local(opens),
            "closes_at": _local(opens + timedelta(days=7)),
            "documents": [_scan("plan.png")],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    motion = _db.session.scalars(sa.select(Motion)).one()
    assert (motion.state, motion.item, motion.body) == (MotionState.draft, 6, "第一行\n第二行")
    assert len(motion.documents) == 1
    # the wall-clock time typed is Shanghai's
    assert to_local(motion.opens_at).strftime("%Y-%m-%dT%H:%M") == _local(opens)

    resp = client.post(f"/admin/votes/{motion.id}/announce")
    assert resp.status_code == 302
    motion = _motion(motion.id)
    assert motion.state == MotionState.announced and motion.total_heads == 4
    page = client.get(f"/admin/votes/{motion.id}").text
    assert "公告期 15 天" in page and "participation-bars" in page
    assert "双四分之三" in page


def test_a_motion_opening_inside_the_notice_period_is_refused_on_announcement(as_staff, vw):
    client = as_staff(vw.committee)
    motion = vw.motion(
        opens_at=utcnow() + timedelta(days=3), closes_at=utcnow() + timedelta(days=9)
    )
    resp = client.post(f"/admin/votes/{motion.id}/announce")
    assert resp.status_code == 422
    assert "公告期至少 15 天" in resp.text
    assert _motion(motion.id).state == MotionState.draft


def test_an_election_is_drafted_with_its_candidates_and_seats(as_staff, vw):
    client = as_staff(vw.committee)
    opens = utcnow() + timedelta(days=16)
    resp = client.post(
        "/admin/votes/new",
        data={
            "estate_id": vw.estate.id,
            "item": "3",
            "kind": "election",
            "title": "选举第二届业主委员会委员",
            "seats": "2",
            "candidates": "赵敏\n\n钱多多\n孙立\n",
            "opens_at": _local(opens),
            "closes_at": _local(opens + timedelta(days=7)),
        },
    )
    assert resp.status_code == 302, resp.text
    motion = _db.session.scalars(sa.select(Motion)).one()
    assert motion.kind == MotionKind.election and motion.seats == 2
    assert [c.name for c in motion.candidates] == ["赵敏", "钱多多", "孙立"]


def test_a_refused_draft_shows_the_form_again_with_the_message(as_staff, vw):
    client = as_staff(vw.committee)
    resp = client.post(
        "/admin/votes/new",
        data={"estate_id": vw.estate.id, "item": "12", "title": "", "opens_at": "soon"},
    )
    assert resp.status_code == 422
    assert "请填写表决事项" in resp.text and "请填写投票开始时间" in resp.text
    assert "第（一）至（九）项" in resp.text
    assert _db.session.scalar(sa.select(sa.func.count(Motion.id))) == 0


def test_a_draft_is_edited_and_a_refused_one_deleted_but_an_announced_one_stays(as_staff, vw):
    """Issue 19 defect 7: a draft opens in its edit form with what it says, is saved with
    changes (audited); a draft can be deleted (audited, gone from the list); once announced a
    motion can be neither edited nor deleted."""
    from backend.audit.models import AuditEntry
    from backend.votes.models import Candidate

    client = as_staff(vw.committee)
    opens = utcnow() + timedelta(days=20)
    motion = vw.motion(
        item=3,
        kind=MotionKind.election,
        seats=1,
        candidates=["赵敏"],
        title="选举业委会委员（草稿）",
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
    )
    page = client.get(f"/admin/votes/{motion.id}")
    assert 'id="edit-draft"' in page.text and 'id="delete-draft"' in page.text
    form = client.get(f"/admin/votes/{motion.id}/edit")
    assert form.status_code == 200
    assert 'value="选举业委会委员（草稿）"' in form.text and _local(opens) in form.text
    resp = client.post(
        f"/admin/votes/{motion.id}/edit",
        data={
            "item": "3",
            "title": "选举第二届业委会委员",
            "body": "第一行\n第二行",
            "opens_at": _local(opens + timedelta(days=1)),
            "closes_at": _local(opens + timedelta(days=8)),
        },
    )
    assert resp.status_code == 302, resp.text
    edited = _motion(motion.id)
    assert (edited.title, edited.body) == ("选举第二届业委会委员", "第一行\n第二行")
    assert _local(edited.opens_at) == _local(opens + timedelta(days=1))
    # a refused edit shows the form again and changes nothing
    resp = client.post(
        f"/admin/votes/{motion.id}/edit",
        data={"item": "3", "title": "", "opens_at": _local(opens), "closes_at": _local(opens)},
    )
    assert resp.status_code == 422 and "请填写表决事项" in resp.text
    assert _motion(motion.id).title == "选举第二届业委会委员"

    resp = client.post(f"/admin/votes/{motion.id}/delete")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/votes")
    assert _motion(motion.id) is None
    assert _db.session.scalar(sa.select(sa.func.count(Candidate.id))) == 0
    actions = _db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_id == str(motion.id))
    ).all()
    assert {"motion.update", "motion.delete"} <= set(actions)
    listing = client.get("/admin/votes").text
    assert "已删除草稿：选举第二届业委会委员" in listing
    assert f'href="/admin/votes/{motion.id}"' not in listing

    announced = vw.motion(
        opens_at=utcnow() + timedelta(days=16), closes_at=utcnow() + timedelta(days=23)
    )
    assert client.post(f"/admin/votes/{announced.id}/announce").status_code == 302
    assert client.get(f"/admin/votes/{announced.id}/edit").status_code == 409
    assert client.post(f"/admin/votes/{announced.id}/delete").status_code == 409
    assert _motion(announced.id).state == MotionState.announced


def test_participation_is_drawn_against_the_two_thirds_bar_and_polled(as_staff, vw):
    motion = vw.open_motion()
    owner = vw.owner(vw.units[0])
    ballots.cast_online(owner, motion, choice="agree")
    _db.session.commit()
    client = as_staff(vw.committee)
    page = client.get(f"/admin/votes/{motion.id}").text
    # 100.00 of 330.75 m², 1 of 4 heads; the mark at 2/3
    assert "100.00 m² / 330.75 m²" in page and "1 人 / 4 人" in page
    assert 'x1="66.667"' in page and "400/1323" in page
    fragment = client.get(f"/admin/votes/{motion.id}/participation", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'hx-trigger="every 5s"' in fragment.text and "<html" not in fragment.text


def test_a_paper_ballot_is_entered_with_its_scan_and_a_second_one_refused(as_staff, vw):
    motion = vw.open_motion()
    client = as_staff(vw.committee)
    unit = vw.units[1]
    form = {
        "channel": "paper",
        "building_id": str(vw.building.id),
        "number": unit.number,
        "choice": "oppose",
        "scan": _scan(),
    }
    resp = client.post(
        f"/admin/votes/{motion.id}/ballots", data=form, content_type="multipart/form-data"
    )
    assert resp.status_code == 302, resp.text
    ballot = _db.session.scalars(sa.select(Ballot)).one()
    assert (ballot.channel, ballot.choice, ballot.scan_photo_id is not None) == (
        Channel.paper,
        "oppose",
        True,
    )
    page = client.get(f"/admin/votes/{motion.id}").text
    assert ballot.receipt in page and "扫描件" in page
    again = client.post(
        f"/admin/votes/{motion.id}/ballots",
        data={**form, "choice": "agree", "scan": _scan()},
        content_type="multipart/form-data",
    )
    assert again.status_code == 409
    assert _db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 1


def test_a_proxy_ballot_needs_the_proxys_name_and_a_scan(as_staff, vw):
    motion = vw.open_motion()
    client = as_staff(vw.committee)
    base = {"channel": "proxy", "unit_id": str(vw.units[2].id), "choice": "agree"}
    no_name = client.post(
        f"/admin/votes/{motion.id}/ballots",
        data={**base, "scan": _scan()},
        content_type="multipart/form-data",
    )
    assert no_name.status_code == 422 and "受托人" in no_name.text
    no_scan = client.post(f"/admin/votes/{motion.id}/ballots", data={**base, "proxy_name": "张三"})
    assert no_scan.status_code == 422 and "扫描件" in no_scan.text
    ok = client.post(
        f"/admin/votes/{motion.id}/ballots",
        data={**base, "proxy_name": "张三", "scan": _scan()},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    assert _db.session.scalars(sa.select(Ballot)).one().proxy_name == "张三"


def test_a_unit_outside_the_electorate_is_named_as_such(as_staff, vw):
    motion = vw.open_motion()
    client = as_staff(vw.committee)
    resp = client.post(
        f"/admin/votes/{motion.id}/ballots",
        data={
            "channel": "paper",
            "building_id": str(vw.building.id),
            "number": "9999",
            "choice": "agree",
            "scan": _scan(),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 404 and "不在本次表决的表决人名册中" in resp.text


def test_the_electorate_is_corrected_with_a_reason_and_shown(as_staff, vw):
    motion = vw.open_motion()
    client = as_staff(vw.committee)
    page = client.get(f"/admin/votes/{motion.id}/electorate")
    assert page.status_code == 200 and "建设单位" in page.text
    assert client.get(f"/admin/votes/{motion.id}/electorate?q=李娜").text.count("voter-") == 1
    no_reason = client.post(
        f"/admin/votes/{motion.id}/electorate",
        data={"unit_id": vw.units[0].id, "area": "101.00", "reason": ""},
    )
    assert no_reason.status_code == 422
    resp = client.post(
        f"/admin/votes/{motion.id}/electorate",
        data={"unit_id": vw.units[0].id, "area": "101.00", "reason": "不动产登记面积有误"},
    )
    assert resp.status_code == 302
    assert str(_motion(motion.id).total_area) == "331.75"
    assert "不动产登记面积有误" in client.get(f"/admin/votes/{motion.id}").text


def test_closing_publishing_and_the_downloads(as_staff, vw, monkeypatch):
    motion = vw.open_motion(item=4)
    for unit, choice in zip(vw.units[:3], ("agree", "agree", "abstain"), strict=True):
        ballots.cast_online(vw.owner(unit), motion, choice=choice)
    _db.session.commit()
    client = as_staff(vw.committee)
    early = client.post(f"/admin/votes/{motion.id}/close")
    assert early.status_code == 409 and "尚未到时间" in early.text
    assert client.get(f"/admin/votes/{motion.id}/result.json").status_code == 409

    monkeypatch.setattr(motions, "utcnow", lambda: motion.closes_at + timedelta(minutes=1))
    assert client.post(f"/admin/votes/{motion.id}/close").status_code == 302
    page = client.get(f"/admin/votes/{motion.id}").text
    # 240.75 of 330.75 m² and 3 of 4 heads took part; 180.50 m² and 2 heads agreed
    assert "计票结果（尚未公布）" in page and "表决通过" in page
    assert client.post(f"/admin/votes/{motion.id}/publish").status_code == 302
    page = client.get(f"/admin/votes/{motion.id}").text
    assert "计票结果（已公布）" in page and "107/147" in page and "722/963" in page

    document = json.loads(client.get(f"/admin/votes/{motion.id}/result.json").data)
    assert document["tally"]["result"] == "passed"
    assert document["tally"]["participation_area_ratio"] == "107/147"
    sheet = load_workbook(io.BytesIO(client.get(f"/admin/votes/{motion.id}/ballots.xlsx").data))
    rows = list(sheet.active.iter_rows(values_only=True))
    header = rows.index(("序号", "回执码", "选择", "面积（m²）", "人数", "前一哈希", "本票哈希"))
    listed = rows[header + 1 :]
    assert [r[1] for r in listed] == [b["receipt"] for b in document["ballots"]]
    assert [r[2] for r in listed] == ["同意", "同意", "弃权"]
    # anonymous: no owner's name anywhere in the file
    assert not any("张伟" in str(cell) for row in rows for cell in row if cell)


def test_an_officer_reads_but_does_not_enter_ballots(as_staff, vw):
    motion = vw.open_motion()
    client = as_staff(vw.street)
    page = client.get(f"/admin/votes/{motion.id}")
    assert page.status_code == 200 and "ballot-form" not in page.text
    resp = client.post(
        f"/admin/votes/{motion.id}/ballots",
        data={"channel": "paper", "unit_id": vw.units[0].id, "choice": "agree"},
    )
    assert resp.status_code == 403


def test_an_elections_count_shows_each_candidate_and_the_unfilled_seat(as_staff, vw, monkeypatch):
    motion = vw.open_motion(
        item=3, kind=MotionKind.election, seats=2, candidates=["赵敏", "钱多多", "孙立"]
    )
    for unit, chosen in zip(vw.units[:3], ([1], [1, 2], [1]), strict=True):
        ballots.cast_online(vw.owner(unit), motion, candidates=chosen)
    _db.session.commit()
    client = as_staff(vw.committee)
    page = client.get(f"/admin/votes/{motion.id}").text
    assert "ballot-candidates" in page and "最多 2 名" in page
    monkeypatch.setattr(motions, "utcnow", lambda: motion.closes_at + timedelta(minutes=1))
    assert client.post(f"/admin/votes/{motion.id}/close").status_code == 302
    page = client.get(f"/admin/votes/{motion.id}").text
    # 赵敏 chosen by all three voters (3 of 3 participating heads); 钱多多 by one: not elected
    assert "应选 2 名，当选 1 名" in page and "空缺 1 席" in page
    assert page.count('data-elected="true"') == 1
    assert client.post(f"/admin/votes/{motion.id}/publish").status_code == 302
    sheet = load_workbook(io.BytesIO(client.get(f"/admin/votes/{motion.id}/ballots.xlsx").data))
    choices = [row[2] for row in sheet.active.iter_rows(values_only=True)][-3:]
    assert choices == ["选：1. 赵敏", "选：1. 赵敏、2. 钱多多", "选：1. 赵敏"]
