"""Compliance: which required sections are missing or stale, by a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from backend.board.compliance import board_compliance, compliance_overview
from backend.core.time import utcnow
from tests.factories import EstateFactory


def _status(board, code):
    return next(s for s in board.statuses if s.section.code == code)


def test_a_board_without_posts_misses_every_required_section(world):
    board = board_compliance(world.estate.id)
    assert not board.compliant
    assert _status(board, "public_income").state == "missing"
    assert _status(board, "manager").state == "missing"
    assert "vote_results" not in [s.section.code for s in board.statuses]  # not required


def test_a_quarterly_section_older_than_a_quarter_is_stale(world):
    post = world.publish(
        section="public_income", title="第三季度公共收益公示", body="<p>见附表</p>"
    )
    now = post.published_at
    assert _status(board_compliance(world.estate.id, now), "public_income").state == "ok"
    at_the_edge = now + timedelta(days=92)
    assert _status(board_compliance(world.estate.id, at_the_edge), "public_income").state == "ok"
    later = now + timedelta(days=93)
    status = _status(board_compliance(world.estate.id, later), "public_income")
    assert status.state == "stale" and status.overdue_days == 1
    assert status.due_at is not None


def test_a_half_yearly_section_is_fresh_after_a_quarter(world):
    world.publish(world.committee, section="repair_fund", title="维修资金使用公示", body="<p>x</p>")
    later = utcnow() + timedelta(days=100)
    assert _status(board_compliance(world.estate.id, later), "repair_fund").state == "ok"
    much_later = utcnow() + timedelta(days=190)
    assert _status(board_compliance(world.estate.id, much_later), "repair_fund").state == "stale"


def test_an_on_change_section_never_goes_stale(world):
    world.publish(section="manager")
    years = utcnow() + timedelta(days=3650)
    assert _status(board_compliance(world.estate.id, years), "manager").state == "ok"


def test_a_correction_counts_as_a_new_publication(world):
    from backend.board import services
    from backend.board.services import Content
    from backend.core.db import commit

    post = world.publish(section="public_income", title="公共收益公示", body="<p>x</p>")
    services.correct(world.company, post.id, Content(title="公共收益公示", body="<p>y</p>"), "更新")
    commit()
    assert _status(board_compliance(world.estate.id), "public_income").state == "ok"


def test_a_withdrawn_post_does_not_count(world):
    from backend.board import services
    from backend.core.db import commit

    post = world.publish(section="manager")
    services.withdraw(world.company, post.id, "信息有误")
    commit()
    assert _status(board_compliance(world.estate.id), "manager").state == "missing"


def test_the_street_sees_its_estates_most_overdue_first(world):
    third = EstateFactory(community=world.estate.community, name="最后一个小区")
    post = world.publish(section="public_income", title="公共收益公示", body="<p>x</p>")
    world.publish(world.other_company, estate_id=world.other_estate.id, section="manager")
    boards = compliance_overview(world.street, post.published_at + timedelta(days=120))
    # nothing published at all; then a quarterly statement 28 days overdue; then on time
    assert [b.estate.id for b in boards] == [third.id, world.estate.id, world.other_estate.id]
    assert [b.overdue_days for b in boards] == [0, 28, 0]
    now = utcnow()
    by_name = compliance_overview(world.street, now, order="name")
    assert [b.estate.name for b in by_name] == sorted(b.estate.name for b in by_name)


def test_a_company_sees_only_its_own_boards(world):
    boards = compliance_overview(world.company)
    assert [b.estate.id for b in boards] == [world.estate.id]


def test_each_publisher_home_counts_its_own_sections_behind_and_the_street_the_boards(
    client, world
):
    """Issue 19: the home page's to-dos. Publishing the manager section takes one off the
    company's count; the street also sees how many boards are not compliant."""
    from backend.board.compliance import todo
    from backend.board.sections import Publisher, sections
    from tests.admin.conftest import login

    def company_sections():
        return sum(1 for s in sections() if s.required and s.publisher == Publisher.company)

    before = {t.label: t.count for t in todo(world.company)}
    assert before == {"待更新的公示栏目": company_sections()}
    world.publish(section="manager")
    assert todo(world.company)[0].count == company_sections() - 1
    assert todo(world.tech) == []  # technicians publish nothing
    street = {t.label: t.count for t in todo(world.street)}
    assert street["公示不合规的小区"] >= 1
    login(client, world.street)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="todo-board_compliance-missing"' in home
