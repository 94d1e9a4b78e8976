"""What a post may hold: sanitised rich text and money statements that add up."""

from __future__ import annotations

import pytest

from backend.board.richtext import sanitize
from backend.board.statements import check_statement
from backend.core.errors import Invalid
from backend.core.masking import mask_public as mask_personal


@pytest.mark.parametrize(
    ("dirty", "gone"),
    [
        ("<p>通知<script>alert(1)</script></p>", ["<script", "alert(1)"]),
        ('<p>图<img src="x" onerror="alert(1)"></p>', ["onerror", "alert", "<img"]),
        ('<p onclick="steal()">点我</p>', ["onclick", "steal"]),
        ('<a href="javascript:alert(1)">链接</a>', ["javascript:"]),
        ('<a href="  JaVaScRiPt:alert(1)">链接</a>', ["javascript", "JaVaScRiPt"]),
        ('<p style="width: expression(alert(1))">宽</p>', ["expression", "style="]),
        ("<style>p { background: url(javascript:x) }</style><p>样式</p>", ["<style", "url("]),
        ('<div style="background:url(javascript:x)">块</div>', ["style=", "javascript"]),
        ('<iframe src="https://evil.example"></iframe><p>框</p>', ["iframe", "evil"]),
        ('<svg onload="alert(1)"><p>图</p></svg>', ["svg", "onload"]),
        ('<a href="data:text/html,<script>alert(1)</script>">数据</a>', ["data:", "script"]),
    ],
)
def test_the_sanitiser_removes_scripts_handlers_javascript_links_and_css(dirty, gone):
    clean = sanitize(dirty)
    for fragment in gone:
        assert fragment.lower() not in clean.lower()


def test_plain_formatting_and_safe_links_stay():
    clean = sanitize(
        "<h3>停水通知</h3><p><strong>12 月 1 日</strong> 停水</p><ul><li>一</li></ul>"
        '<a href="https://gov.cn/x">依据</a><table><tr><td colspan="2">表</td></tr></table>'
    )
    assert "<h3>停水通知</h3>" in clean and "<strong>" in clean and "<li>一</li>" in clean
    assert 'href="https://gov.cn/x"' in clean and 'rel="noopener noreferrer nofollow"' in clean
    assert 'colspan="2"' in clean


def test_personal_numbers_are_masked_but_hotlines_stay():
    text = mask_personal(
        "手机 13812345678，座机 0571-88886666，热线 400-800-1234，证件 330106199001011234"
    )
    assert "13812345678" not in text and "138****5678" in text
    assert "0571-88886666" in text and "400-800-1234" in text
    assert "330106199001011234" not in text


def _statement(**over):
    statement = {
        "title": "2026 年第三季度公共收益",
        "opening_balance_fen": 100000,
        "lines": [
            {"item": "电梯广告", "income_fen": 360000, "expense_fen": 0},
            {"item": "公共水电", "income_fen": 0, "expense_fen": 120050},
        ],
        "total_income_fen": 360000,
        "total_expense_fen": 120050,
        "closing_balance_fen": 339950,
    }
    statement.update(over)
    return statement


def test_a_statement_that_adds_up_is_stored_with_running_balances():
    stored = check_statement(_statement())
    assert [line["balance_fen"] for line in stored["lines"]] == [460000, 339950]
    assert stored["closing_balance_fen"] == 339950


def test_a_statement_whose_totals_do_not_add_up_is_refused_in_chinese():
    with pytest.raises(Invalid) as refused:
        check_statement(_statement(total_income_fen=360001))
    assert "收支不平" in refused.value.message and "收入合计应为 ¥3,600.00" in refused.value.message


def test_a_wrong_closing_balance_is_refused():
    with pytest.raises(Invalid, match="期末结余应为"):
        check_statement(_statement(closing_balance_fen=340000))


def test_a_wrong_line_balance_is_refused():
    bad = _statement()
    bad["lines"][0]["balance_fen"] = 460001
    with pytest.raises(Invalid, match="第 1 行"):
        check_statement(bad)


@pytest.mark.parametrize("amount", [12.5, "100", -1, True, 10**14])
def test_amounts_are_whole_non_negative_fen(amount):
    bad = _statement()
    bad["lines"][0]["income_fen"] = amount
    with pytest.raises(Invalid):
        check_statement(bad)


def test_a_post_with_a_statement_that_does_not_add_up_is_not_published(world):
    from backend.board.models import Post
    from backend.extensions import db

    with pytest.raises(Invalid, match="收支不平"):
        world.publish(
            section="public_income", title="公共收益公示", statement=_statement(total_expense_fen=1)
        )
    db.session.rollback()
    assert db.session.query(Post).count() == 0
