"""The public board page a phone opens from the QR poster, and the poster itself."""

from __future__ import annotations

import io

import pypdf
import pytest
import zxingcpp
from PIL import Image

from backend.board import poster, services
from backend.board.services import Content
from backend.core.db import commit


def _qr_texts(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_public_page_shows_sections_and_current_posts_without_signing_in(client, world):
    post = world.publish(title="项目负责人：陈经理", body="<p>手机 13812345678 随时联系</p>")
    page = client.get(f"/board/{world.estate.id}")
    assert page.status_code == 200
    text = page.text
    assert world.estate.name in text
    assert "项目负责人：陈经理" in text and f"/board/{world.estate.id}/posts/{post.id}" in text
    assert "项目负责人及投诉电话" in text
    # links to the poster for the paper board
    assert f"/board/{world.estate.id}/poster.pdf" in text
    # nothing personal, on the board nor on the post
    detail = client.get(f"/board/{world.estate.id}/posts/{post.id}").text
    assert "13812345678" not in detail and "138****5678" in detail
    for staff in (world.company, world.committee):
        assert staff.name not in text and staff.name not in detail


def test_a_new_post_is_on_the_public_page_at_once(client, world):
    world.publish(title="停水通知")
    assert "停水通知" in client.get(f"/board/{world.estate.id}").text
    world.publish(title="停电通知", section="service_standards")
    assert "停电通知" in client.get(f"/board/{world.estate.id}").text


def test_a_corrected_post_shows_its_current_version_and_its_trail(client, world):
    post = world.publish(title="电梯维保单位：甲公司", body="<p>维保电话 0571-81110000</p>")
    services.correct(
        world.company,
        post.id,
        Content(title="电梯维保单位：乙公司", body="<p>维保电话 0571-82220000</p>"),
        reason="维保合同已变更",
    )
    commit()
    board = client.get(f"/board/{world.estate.id}").text
    assert "电梯维保单位：乙公司" in board and "已更正" in board
    assert "电梯维保单位：甲公司" not in board
    page = client.get(f"/board/{world.estate.id}/posts/{post.id}").text
    current = page[: page.index('id="trail"')]
    assert "电梯维保单位：乙公司" in current and "0571-82220000" in current
    assert "维保合同已变更" in current
    trail = page[page.index('id="trail"') :]
    # the earlier version stays readable, in full, with the reason of its replacement
    assert 'id="version-1"' in trail and 'id="version-2"' in trail
    assert "电梯维保单位：甲公司" in trail and "0571-81110000" in trail
    assert "首次发布" in trail


def test_a_withdrawn_post_shows_its_reason(client, world):
    post = world.publish(title="停车收费调整通知")
    services.withdraw(world.company, post.id, "未经业主大会表决，撤回")
    commit()
    board = client.get(f"/board/{world.estate.id}").text
    assert "已撤回的公示" in board and "未经业主大会表决，撤回" in board
    page = client.get(f"/board/{world.estate.id}/posts/{post.id}").text
    assert 'id="post-withdrawn"' in page and "未经业主大会表决，撤回" in page


def test_a_money_statement_is_a_table(client, world):
    post = world.publish(
        section="public_income",
        title="第三季度公共收益",
        body="",
        statement={
            "title": "2026 年第三季度",
            "opening_balance_fen": -5000,
            "lines": [
                {"item": "电梯广告", "income_fen": 360000, "expense_fen": 0},
                {"item": "公共照明电费", "income_fen": 0, "expense_fen": 12345},
            ],
        },
    )
    page = client.get(f"/board/{world.estate.id}/posts/{post.id}").text
    assert '<table class="statement">' in page
    assert "电梯广告" in page and "¥3,600.00" in page and "¥123.45" in page
    assert "-¥50.00" in page
    assert "¥3,426.55" in page  # closing: -50 + 3600 - 123.45


def test_an_unknown_estate_or_post_is_not_found(client, world):
    post = world.publish()
    assert client.get("/board/999999").status_code == 404
    assert client.get(f"/board/{world.estate.id}/posts/999999").status_code == 404
    # a post of one estate is not found under another's board
    assert client.get(f"/board/{world.other_estate.id}/posts/{post.id}").status_code == 404
    assert client.get("/board/999999/poster.png").status_code == 404
    assert client.get(f"/board/{world.estate.id}/poster.gif").status_code == 404


def test_the_public_page_passes_the_strict_csp(client, world):
    world.publish()
    resp = client.get(f"/board/{world.estate.id}")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "<script" not in resp.text and "style=" not in resp.text


# --- the poster ---------------------------------------------------------------------------


def test_the_poster_png_is_a4_with_the_qr_of_the_public_page(client, world):
    resp = client.get(f"/board/{world.estate.id}/poster.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    image = Image.open(io.BytesIO(resp.data))
    assert image.size == (poster.WIDTH, poster.HEIGHT)
    assert round(image.info["dpi"][0]) == poster.DPI
    assert _qr_texts(image) == [f"http://localhost/board/{world.estate.id}"]


def test_the_poster_pdf_is_one_a4_page_with_the_qr(client, world):
    resp = client.get(f"/board/{world.estate.id}/poster.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    # A4 is 595 × 842 points
    assert abs(float(page.mediabox.width) - 595.3) < 1
    assert abs(float(page.mediabox.height) - 841.9) < 1
    images = page.images
    assert len(images) == 1
    assert _qr_texts(images[0].image) == [f"http://localhost/board/{world.estate.id}"]


def test_the_poster_uses_the_public_address_when_one_is_set(app, client, world):
    app.config["PUBLIC_URL"] = "https://linli.example.gov.cn"
    try:
        resp = client.get(f"/board/{world.estate.id}/poster.png")
    finally:
        app.config["PUBLIC_URL"] = "http://localhost"
    image = Image.open(io.BytesIO(resp.data))
    assert _qr_texts(image) == [f"https://linli.example.gov.cn/board/{world.estate.id}"]


def test_the_poster_shows_the_estate_and_its_complaint_phone(app, world):
    world.estate.company.phone = "0571-88886666"
    commit()
    with app.test_request_context():
        facts = poster.poster_facts(poster.estate_for_poster(world.estate.id))
    assert facts.estate_name == world.estate.name
    assert facts.complaint_phone == "0571-88886666"
    assert facts.company_name == world.estate.company.name


def test_the_poster_renders_without_any_cjk_font(app, monkeypatch):
    """A machine without Chinese fonts still gets a poster (Pillow's own font), never an
    error, and its QR code still reads."""
    monkeypatch.setattr(poster, "KNOWN_FONTS", ())
    monkeypatch.setattr(poster, "_fontconfig_chinese", lambda: None)
    poster._find_font.cache_clear()
    try:
        with app.app_context():
            assert poster._font_path() is None
            facts = poster.PosterFacts(
                "阳光花园", "https://linli.example.gov.cn/board/7", "", "", "", poster.local_today()
            )
            image = poster.render(facts)
    finally:
        poster._find_font.cache_clear()
    assert _qr_texts(image) == ["https://linli.example.gov.cn/board/7"]


def test_the_poster_is_kept_until_what_it_shows_changes(client, world, monkeypatch):
    first = client.get(f"/board/{world.estate.id}/poster.png").data
    calls = []
    original = poster.render
    monkeypatch.setattr(poster, "render", lambda facts: calls.append(facts) or original(facts))
    assert client.get(f"/board/{world.estate.id}/poster.png").data == first
    assert calls == []
    world.estate.name = "阳光花园（更名）"
    commit()
    assert client.get(f"/board/{world.estate.id}/poster.png").data != first
    assert len(calls) == 1


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_the_poster_is_a_download(client, world, fmt):
    resp = client.get(f"/board/{world.estate.id}/poster.{fmt}")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition


def test_a_generated_posts_data_reads_in_chinese():
    from backend.board.public import board_data_rows

    rows = board_data_rows(
        {
            "item": "物业服务费",
            "basis": "per_area",
            "basis_label": "按面积（元/㎡/月）",
            "unit_price": "2.35",
            "buildings": ["1幢", "2幢"],
            "upcoming": [],
        }
    )
    assert rows == [
        ("项目", "物业服务费"),
        ("计费方式", "按面积（元/㎡/月）"),
        ("单价", "2.35"),
        ("适用楼栋", "1幢、2幢"),
    ]
