"""Finding 2: personal numbers on public pages are masked however they are typed, a declared
service phone stays visible, and an attachment's name is cleaned the same way; through the
public API, the cached fast path and the public HTML page."""

from __future__ import annotations

import pytest

from backend.core.masking import mask_public
from backend.media.documents import upload_document
from tests.board.conftest import world  # noqa: F401  (the board's small world)

SPELLINGS = [
    "138-1234-5678",
    "138 1234 5678",
    "+8613812345678",
    "0086 138 1234 5678",
    "138<b></b>12345678",
    "<p>138<span>1234</span>5678</p>",
    "１３８１２３４５６７８",
    "138－1234－5678",
    "138.1234.5678",
    "(138)1234 5678",
    "138&nbsp;1234&nbsp;5678",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_mobile_is_masked(spelling):
    shown = mask_public(f"联系人王先生{spelling}。")
    assert "12345678" not in shown.replace("<", "").replace(">", "")
    assert "1234" not in shown.replace("****", "")
    assert "138****5678" in shown


@pytest.mark.parametrize(
    "number", ["330106199001011234", "33010619900101123X", "３３０１０６１９９００１０１１２３４"]
)
def test_id_card_numbers_are_masked(number):
    assert mask_public(f"身份证：{number}") == "身份证：330106********" + number[-4:].translate(
        {ord("４"): "4", ord("３"): "3", ord("２"): "2", ord("１"): "1"}
    )


def test_landlines_hotlines_dates_and_codes_stay():
    text = "座机 0571-88886666，热线 12345、400-800-1234，2026-12-07 10:00，编号 A13812345678"
    assert mask_public(text) == text


def test_a_declared_service_phone_stays():
    assert mask_public("客服 13800001111，业主 13812345678", keep=["138-0000-1111"]) == (
        "客服 13800001111，业主 138****5678"
    )


def test_the_public_board_masks_every_spelling_and_the_attachment_name(client, world):  # noqa: F811
    body = "<p>" + "；".join(SPELLINGS) + "</p>"
    document = upload_document(
        b"%PDF-1.4\n%%EOF\n", "张三13812345678收据.pdf", staff_id=world.company.id
    )
    post = world.publish(
        section="public_income",
        title="业主 138 1234 5678 反映",
        body=body,
        document_ids=(document.id,),
    )
    board = f"/api/v1/estates/{world.estate.id}/board"
    pages = [
        client.get(board),
        client.get(board),  # the fast path
        client.get(f"{board}/posts/{post.id}"),
        client.get(f"/board/{world.estate.id}"),
        client.get(f"/board/{world.estate.id}/posts/{post.id}"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        for digits in ("12345678", "1234 5678", "1234-5678", "１２３４"):
            assert digits not in text, (page.request.path, digits)
    detail = pages[2].json
    (attachment,) = detail["versions"][0]["attachments"]
    assert "13812345678" not in attachment["filename"]
    download = client.get(attachment["url"])
    assert "13812345678" not in download.headers["Content-Disposition"]


def test_the_estates_service_phone_is_shown_whole(client, world):  # noqa: F811
    world.estate.company.phone = "13800001111"
    world.publish(title="服务中心", body="<p>客服电话 13800001111</p>")
    board = client.get(f"/api/v1/estates/{world.estate.id}/board").json
    assert board["estate"]["service_phone"] == "13800001111"
    (post,) = next(s for s in board["sections"] if s["code"] == "manager")["posts"]
    assert "13800001111" in post["body_html"]


def test_a_withdrawn_post_is_listed_with_its_reason_but_its_content_is_not_served(
    client,
    world,  # noqa: F811
):
    from backend.board import services
    from backend.core.db import commit
    from tests.helpers import bearer

    document = upload_document(b"%PDF-1.4\n%%EOF\n", "名单.pdf", staff_id=world.company.id)
    post = world.publish(
        section="public_income",
        title="欠费名单",
        body="<p>张三欠费 3,000 元，秘密内容</p>",
        document_ids=(document.id,),
    )
    services.withdraw(world.company, post.id, "含有业主个人信息")
    commit()
    board = client.get(f"/api/v1/estates/{world.estate.id}/board").json
    section = next(s for s in board["sections"] if s["code"] == "public_income")
    assert section["posts"] == []
    (listed,) = section["withdrawn"]
    assert listed["title"] == "欠费名单" and listed["withdraw_reason"] == "含有业主个人信息"
    pages = [
        client.get(f"/api/v1/estates/{world.estate.id}/board/posts/{post.id}"),
        client.get(f"/board/{world.estate.id}/posts/{post.id}"),
        client.get(f"/api/v1/me/board/posts/{post.id}", headers=bearer(world.owners[0])),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "秘密内容" not in text and "名单.pdf" not in text and "/media/" not in text
        assert "含有业主个人信息" in text
