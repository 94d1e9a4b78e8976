"""The monthly evaluation on a small known data set (computed by hand), inspections,
credit records and stars, the configurable red/black list and its board posts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.core import board_hook, outbox
from backend.core.errors import Forbidden, Invalid, NotFound
from backend.core.outbox import CommandState, OutboxCommand
from backend.supervision import board, credit, evaluation, orders
from backend.supervision.models import CreditRecord, CreditSource, ListKind
from backend.tickets import services
from backend.tickets.models import TicketKind
from backend.tickets.services import Actor
from tests.supervision.conftest import T0

H = timedelta(hours=1)
M = timedelta(minutes=1)
NOV = date(2026, 11, 1)
ITEMS = [
    {"name": "综合管理", "max_points": 20, "points": 18},
    {"name": "环境卫生", "max_points": 20, "points": 17},
    {"name": "秩序维护", "max_points": 20, "points": 16},
    {"name": "设施设备", "max_points": 25, "points": 20},
    {"name": "绿化养护", "max_points": 15, "points": 12, "note": "草坪有斑秃"},
]


def _handled(world, respond, resolve, at):
    ticket = world.ticket(now=at)
    desk = Actor(staff=world.desk)
    services.apply(desk, ticket, "accept", now=at + respond)
    services.apply(desk, ticket, "assign", assignee_id=world.tech.id, now=at + respond)
    services.apply(Actor(staff=world.tech), ticket, "resolve", now=at + resolve)
    return ticket


def _november(world, clock):
    """A: answered in 10 min, resolved in 5 h, rated 5. B: answered after 3 h (late),
    resolved in 10 h, rated 3. C: answered in 30 min, resolved in 5 h, reopened.
    D: a complaint with a 督办 order whose deadline was missed. One inspection: 83/100."""
    a = _handled(world, 10 * M, 5 * H, T0)
    b = _handled(world, 3 * H, 10 * H, T0 + H)
    c = _handled(world, 30 * M, 5 * H, T0 + 2 * H)
    clock.now = T0 + 12 * H
    services.rate(world.resident, a, 5)
    services.rate(world.resident, b, 3)
    services.apply(Actor(resident=world.resident), c, "reopen", note="没修好", now=T0 + 12 * H)
    d = world.ticket(kind=TicketKind.complaint, now=T0 + 3 * H)
    orders.issue_order(world.street, d.id, "限期处理", T0 + 24 * H, now=T0 + 4 * H)
    orders.mark_missed(T0 + 25 * H)
    evaluation.record_inspection(world.street, world.estate.id, date(2026, 11, 10), ITEMS)


def test_formula_on_a_known_month(world, clock):
    _november(world, clock)

    result = evaluation.evaluate(world.estate.company_id, NOV)

    # by hand: response 2/3 × 15 = 10; resolution 2/2 × 15 = 15; reopen (1 − 1/3) × 10 =
    # 6.67; 督办 (1 − 0.2 − 0.3) × 10 = 5; inspection 83/100 × 30 = 24.9; satisfaction
    # (4 − 1)/4 × 20 = 15 → 76.57 → 76.6
    assert result.score == Decimal("76.6")
    points = {
        code: part["points"]
        for code, part in result.parts.items()
        if code != "figures" and part["points"] is not None  # no safety work that month
    }
    assert points == {
        "response": "10.0",
        "resolution": "15.0",
        "reopen": "6.7",
        "supervision": "5.0",
        "inspection": "24.9",
        "satisfaction": "15.0",
    }
    assert result.parts["figures"]["orders"] == 1 and result.parts["figures"]["missed"] == 1
    # recomputing replaces the month's row
    assert evaluation.evaluate(world.estate.company_id, NOV).id == result.id
    assert evaluation.total_points() == 100 + 10  # the safety component (city setting)


def test_components_without_data_are_left_out_and_the_rest_scaled(world, clock):
    evaluation.record_inspection(world.street, world.estate.id, date(2026, 11, 10), ITEMS)
    # only an inspection: 83 of its 30 points → scaled to 100
    assert evaluation.evaluate(world.estate.company_id, NOV).score == Decimal("83.0")
    assert evaluation.evaluate(world.estate.company_id, date(2026, 10, 1)) is None


def test_an_excellent_or_poor_month_writes_one_credit_entry(world, clock):
    perfect = [{"name": "综合管理", "max_points": 10, "points": 10}]
    evaluation.record_inspection(world.street, world.estate.id, date(2026, 11, 10), perfect)
    evaluation.evaluate(world.estate.company_id, NOV)
    evaluation.evaluate(world.estate.company_id, NOV)
    entries = services.db.session.scalars(sa.select(CreditRecord)).all()
    assert [(e.source, e.points) for e in entries] == [(CreditSource.evaluation, 5)]


def test_inspection_score_and_checks(world, other, clock):
    inspection = evaluation.record_inspection(
        world.street, world.estate.id, date(2026, 11, 10), ITEMS, note="整体良好"
    )
    assert inspection.score == Decimal("83.0")
    assert [i.name for i in inspection.items][-1] == "绿化养护"
    with pytest.raises(NotFound):
        evaluation.record_inspection(other.street, world.estate.id, date(2026, 11, 10), ITEMS)
    with pytest.raises(Forbidden):
        evaluation.record_inspection(world.desk, world.estate.id, date(2026, 11, 10), ITEMS)
    too_many = [{"name": "设施设备", "max_points": 10, "points": 11}]
    with pytest.raises(Invalid):
        evaluation.record_inspection(world.street, world.estate.id, date(2026, 11, 10), too_many)
    with pytest.raises(Invalid):
        evaluation.record_inspection(world.street, world.estate.id, date(2026, 11, 10), [])
    with pytest.raises(Invalid):
        evaluation.record_inspection(world.street, world.estate.id, date(2099, 1, 1), ITEMS)
    assert services.db.session.scalars(evaluation.inspections_query(other.street)).all() == []


def test_officer_credit_entries_and_stars(world, other, clock):
    company_id = world.estate.company_id
    credit.record_entry(world.street, company_id, CreditSource.award, 10, "抗台表现突出")
    credit.record_entry(
        world.street, company_id, CreditSource.complaint_upheld, -5, "投诉属实：电梯停运"
    )
    summary = credit.summary(company_id)
    assert (summary.score, summary.good, summary.bad) == (105, 1, 1)
    assert summary.stars == 4
    with pytest.raises(NotFound):
        credit.record_entry(other.street, company_id, CreditSource.award, 5, "越界")
    with pytest.raises(Invalid):
        credit.record_entry(world.street, company_id, CreditSource.award, -5, "表彰却扣分")
    with pytest.raises(Invalid):
        credit.record_entry(world.street, company_id, CreditSource.evaluation, 5, "系统来源")
    assert services.db.session.scalars(credit.entries(other.street)).all() == []
    assert len(services.db.session.scalars(credit.entries(world.street)).all()) == 2
    scores = (130, 120, 119, 90, 70, 69, 0, -50)
    assert [credit.stars(s) for s in scores] == [5, 5, 4, 3, 2, 1, 1, 1]


def test_lists_follow_the_configured_rules_and_reach_the_boards(
    world, clock, bureau, app, monkeypatch
):
    _november(world, clock)
    evaluation.evaluate(world.estate.company_id, NOV)

    # default rules: one month at 76.6, one missed order (−10): neither list
    assert evaluation.compile_lists(bureau, 2026) == []

    monkeypatch.setitem(app.config, "SUPERVISION_LIST_RULES", {"black_min_missed_orders": 1})
    [entry] = evaluation.compile_lists(bureau, 2026)
    assert (entry.kind, entry.company_id) == (ListKind.black, world.estate.company_id)
    assert "督办逾期 1 次" in entry.reason
    # the board's refresh waits in the outbox, in this transaction
    refreshed = services.db.session.scalars(
        sa.select(OutboxCommand.args).where(
            OutboxCommand.command == outbox.command_path(board_hook.refresh_section),
            OutboxCommand.state == CommandState.pending,
        )
    ).all()
    assert [world.estate.id, "evaluations"] in refreshed

    red = {"red_min_months": 1, "red_min_average": 70, "red_max_bad_entries": 1}
    monkeypatch.setitem(app.config, "SUPERVISION_LIST_RULES", red)
    [entry] = evaluation.compile_lists(bureau, 2026)
    assert entry.kind == ListKind.red

    posts = {item.key: item for item in board.items(world.estate.id)}
    company_id = world.estate.company_id
    assert f"list-2026-{company_id}" in posts
    assert "红名单" in posts[f"list-2026-{company_id}"].title
    assert "76.6" in posts[f"evaluations-{company_id}"].body
    assert posts[f"credit-{company_id}"].data["bad"] == 1
    with pytest.raises(Forbidden):
        evaluation.compile_lists(world.street, 2026)


def test_unknown_list_rules_are_refused(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_LIST_RULES", {"red_min_avg": 80})
    with pytest.raises(ValueError):
        evaluation.list_rules()


def test_evaluate_month_and_compile_lists_commands(app, world, clock):
    from backend.accounts.models import StaffRole
    from tests.factories import StaffFactory

    StaffFactory(role=StaffRole.platform_admin)
    evaluation.record_inspection(world.street, world.estate.id, date(2026, 11, 10), ITEMS)
    services.db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evaluate-month", "2026-11"])
    assert result.exit_code == 0 and "已评价 1 家物业企业" in result.output
    result = runner.invoke(args=["compile-lists", "2026"])
    assert result.exit_code == 0 and "共 0 家" in result.output
    assert runner.invoke(args=["evaluate-month", "2026/11"]).exit_code != 0


def test_inspection_photos_come_from_the_media_pipeline(world, clock):
    from backend.media import services as media
    from tests.media.conftest import jpeg

    photos = [media.upload_photo(jpeg(), staff_id=world.street.id) for _ in range(2)]
    inspection = evaluation.record_inspection(
        world.street,
        world.estate.id,
        date(2026, 11, 10),
        ITEMS,
        photo_ids=[p.id for p in photos],
    )
    services.db.session.expire(inspection, ["photos"])
    assert [p.id for p in inspection.photos] == [p.id for p in photos]
    # a photo is used once; someone else's is refused
    with pytest.raises(Invalid):
        evaluation.record_inspection(
            world.street, world.estate.id, date(2026, 11, 10), ITEMS, photo_ids=[photos[0].id]
        )
    theirs = media.upload_photo(jpeg(color=(1, 2, 3)), staff_id=world.desk.id)
    with pytest.raises(Invalid):
        evaluation.record_inspection(
            world.street, world.estate.id, date(2026, 11, 10), ITEMS, photo_ids=[theirs.id]
        )
