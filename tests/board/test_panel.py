"""The panel's board screens: compose with a sanitised preview, publish, correct and
withdraw with a reason, the version history, compliance and read statistics."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from backend.audit.models import AuditEntry
from backend.board import services
from backend.board.models import Post
from backend.core.db import commit
from backend.extensions import db as _db
from tests.admin.conftest import login


@pytest.fixture
def panel(client):
    def sign_in(staff):
        assert login(client, staff).status_code == 302
        return client

    return sign_in


def _post_form(world, **overrides) -> dict:
    form = {
        "estate_id": world.estate.id,
        "section": "public_income",
        "title": "2026 年第三季度公共收益收支",
        "body": "<p>电梯广告与停车收益如下。</p>",
        "statement_title": "第三季度",
        "opening_balance": "1000.00",
        "line_item": ["电梯广告", "绿化养护", ""],
        "line_income": ["3600", "", ""],
        "line_expense": ["", "1200.50", ""],
        "action": "publish",
    }
    form.update(overrides)
    return form


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def test_every_board_screen_opens_for_staff_in_scope(panel, world):
    post = world.publish()
    for staff in (world.company, world.committee, world.street, world.tech):
        client = panel(staff)
        for path in (
            "/admin/board",
            f"/admin/board?estate_id={world.estate.id}",
            "/admin/board/compliance",
            "/admin/board/compliance?order=name",
            "/admin/board/compliance?order=missing",
            "/admin/board/reads",
            f"/admin/board/posts/{post.id}",
        ):
            assert client.get(path).status_code == 200, (staff.role, path)
        client.post("/admin/logout")


def test_the_preview_shows_the_body_as_the_sanitiser_leaves_it_and_saves_nothing(panel, world):
    client = panel(world.company)
    resp = client.post(
        "/admin/board/compose",
        data=_post_form(
            world,
            body='<p onclick="steal()">电梯维保<script>alert(1)</script>'
            '<a href="javascript:alert(2)">链接</a></p>',
            action="preview",
        ),
    )
    assert resp.status_code == 200
    page = resp.text
    preview = page[page.index('id="preview"') : page.index('id="post-form"')]
    assert "电梯维保" in preview
    assert "<script" not in preview and "onclick" not in preview and "javascript:" not in preview
    assert 'id="preview-sanitized"' in preview
    # the statement is shown as checked, with its totals
    assert "¥3,600.00" in preview and "¥3,399.50" in preview
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_a_statement_that_does_not_add_up_is_refused_with_the_form_kept(panel, world):
    client = panel(world.company)
    resp = client.post("/admin/board/compose", data=_post_form(world, total_income="3700"))
    assert resp.status_code == 422
    assert "收支不平" in resp.text
    assert 'value="电梯广告"' in resp.text
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_a_company_publishes_then_corrects_then_withdraws_from_the_panel(panel, world):
    client = panel(world.company)
    resp = client.post(
        "/admin/board/compose",
        data={**_post_form(world), "files": (io.BytesIO(_png()), "广告合同.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    post = _db.session.scalars(sa.select(Post)).one()
    assert resp.headers["Location"].endswith(f"/admin/board/posts/{post.id}")
    version = post.current
    assert version.statement["closing_balance_fen"] == 100000 + 360000 - 120050
    assert len(version.attachments) == 1 and version.attachments[0].photo_id

    # the correction form starts from the current version, attachments kept
    form = client.get(f"/admin/board/posts/{post.id}/correct").text
    assert 'value="2026 年第三季度公共收益收支"' in form and 'value="3600.00"' in form
    assert f'name="photo_ids" value="{version.attachments[0].photo_id}" checked' in form

    resp = client.post(
        f"/admin/board/posts/{post.id}/correct",
        data=_post_form(
            world,
            title="2026 年第三季度公共收益收支（更正）",
            line_income=["3800", "", ""],
            reason="电梯广告收入少记 200 元",
            photo_ids=str(version.attachments[0].photo_id),
        ),
    )
    assert resp.status_code == 302, resp.text
    page = client.get(f"/admin/board/posts/{post.id}").text
    assert "第 2 版" in page and "电梯广告收入少记 200 元" in page
    assert 'id="version-1"' in page and "2026 年第三季度公共收益收支</strong>" in page
    _db.session.expire_all()
    post = _db.session.get(Post, post.id)
    assert [v.number for v in post.versions] == [1, 2]
    assert len(post.current.attachments) == 1

    # a correction without a reason is refused, nothing added
    resp = client.post(f"/admin/board/posts/{post.id}/correct", data=_post_form(world, reason=""))
    assert resp.status_code == 422 and "更正原因" in resp.text

    resp = client.post(f"/admin/board/posts/{post.id}/withdraw", data={"reason": "重复发布"})
    assert resp.status_code == 302
    page = client.get(f"/admin/board/posts/{post.id}").text
    assert "已撤回" in page and "重复发布" in page
    actions = _db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_id == str(post.id))
    ).all()
    assert set(actions) >= {"board.publish", "board.correct", "board.withdraw"}


def test_a_company_cannot_publish_in_the_committees_section_from_the_panel(panel, world):
    client = panel(world.company)
    resp = client.post(
        "/admin/board/compose",
        data={
            "estate_id": world.estate.id,
            "section": "committee_notices",
            "title": "业主大会会议通知",
            "body": "<p>定于下月召开</p>",
            "action": "publish",
        },
    )
    assert resp.status_code == 403
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0
    # and its compose form offers only its own sections
    form = client.get("/admin/board/compose").text
    assert 'value="public_income"' in form and 'value="committee_notices"' not in form


def test_another_companys_post_is_not_found(panel, world):
    post = world.publish()
    client = panel(world.other_company)
    assert client.get(f"/admin/board/posts/{post.id}").status_code == 404
    assert client.get(f"/admin/board/posts/{post.id}/correct").status_code == 404
    resp = client.post(f"/admin/board/posts/{post.id}/withdraw", data={"reason": "不该我撤"})
    assert resp.status_code == 404
    assert client.get(f"/admin/board?estate_id={world.estate.id}").status_code == 404
    assert client.get(f"/admin/board/{world.estate.id}/poster.png").status_code == 404


def test_read_statistics_show_the_share_of_owners_by_heads(panel, world):
    post = world.publish(title="业主大会表决公告", must_read=True)
    services.mark_read(world.owners[0], post)
    services.mark_read(world.tenant, post)  # a tenant is no owner: not counted
    commit()
    client = panel(world.committee)
    page = client.get("/admin/board/reads").text
    assert "业主大会表决公告" in page and "1 / 3" in page and "33.3%" in page
    page = client.get(f"/admin/board/posts/{post.id}").text
    assert 'id="read-percent">33.3%' in page


def test_compliance_lists_missing_sections_most_overdue_first(panel, world):
    world.publish()
    client = panel(world.street)
    page = client.get("/admin/board/compliance").text
    assert world.estate.name in page and world.other_estate.name in page
    # the other estate has published nothing: more sections missing, listed first
    assert page.index(world.other_estate.name) < page.index(world.estate.name)
    assert client.get("/admin/board/compliance?order=bogus").status_code == 200


def test_the_panel_serves_the_estates_poster(panel, world):
    client = panel(world.company)
    png = client.get(f"/admin/board/{world.estate.id}/poster.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")
    pdf = client.get(f"/admin/board/{world.estate.id}/poster.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]


def test_an_unknown_form_action_is_refused(panel, world):
    client = panel(world.company)
    resp = client.post("/admin/board/compose", data=_post_form(world, action="x" * 1000))
    assert resp.status_code == 422
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_a_post_typed_with_line_breaks_is_published_as_paragraphs(panel, world):
    """Issue 19 defect 1: plain text with line breaks is accepted, not refused as "不能换行";
    a blank line starts a paragraph, a single line break stays a line break."""
    client = panel(world.company)
    typed = "第一行\n第二行\r\n\r\n第二段 <不是标签> & 符号"
    resp = client.post("/admin/board/compose", data=_post_form(world, body=typed, action="preview"))
    assert resp.status_code == 200 and "不能换行" not in resp.text
    assert "<p>第一行<br>第二行</p>" in resp.text
    resp = client.post("/admin/board/compose", data=_post_form(world, body=typed))
    assert resp.status_code == 302, resp.text
    post = _db.session.scalars(sa.select(Post)).one()
    assert post.current.body_html == (
        "<p>第一行<br>第二行</p><p>第二段 &lt;不是标签&gt; &amp; 符号</p>"
    )
