"""A post's declared service phone (issue 17): the one number a publisher means to show is
shown in full on the public board; every other mobile in the post stays masked."""

from __future__ import annotations

import pytest

from backend.board import services
from backend.board.services import Content
from backend.core.errors import Invalid
from tests.admin.conftest import login


def test_a_declared_service_phone_stays_visible_while_other_numbers_are_masked(client, world):
    post = world.publish(
        title="维修服务",
        body="<p>维修请拨 13912345678；业主李四 13812340102 已缴费</p>",
        service_phone="+86 139-1234-5678",
    )

    detail = client.get(f"/api/v1/estates/{world.estate.id}/board/posts/{post.id}")
    page = client.get(f"/board/{world.estate.id}/posts/{post.id}").get_data(as_text=True)
    board = client.get(f"/api/v1/estates/{world.estate.id}/board").get_data(as_text=True)

    assert detail.json["service_phone"] == "13912345678"
    for shown in (detail.get_data(as_text=True), page, board):
        assert "13912345678" in shown
        assert "13812340102" not in shown
    assert 'href="tel:13912345678"' in page


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0571-88886666", "0571-88886666"), ("0086 13912345678", "13912345678"), ("", "")],
)
def test_a_service_phone_is_a_mobile_or_a_landline(typed, stored):
    assert services.service_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "1391234567x", "+1 415 555 0100", "95588"])
def test_anything_else_is_refused_in_chinese(world, typed):
    with pytest.raises(Invalid, match="服务电话"):
        services.publish(
            world.company,
            world.estate.id,
            "manager",
            Content(title="维修服务", body="<p>x</p>", service_phone=typed),
        )


def test_the_correction_form_keeps_the_statement_and_service_phone(client, world):
    post = world.publish(
        section="public_income",
        title="公共收益公示",
        body="",
        statement={
            "opening_balance_fen": -1050,
            "lines": [{"item": "广告", "income_fen": 120000, "expense_fen": 0}],
        },
        service_phone="13912345678",
    )
    login(client, world.company)

    form = client.get(f"/admin/board/posts/{post.id}/correct")

    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert 'value="-10.50"' in text and 'value="13912345678"' in text
