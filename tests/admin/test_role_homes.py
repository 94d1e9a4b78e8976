"""Role home pages (issue 19, item 7): the company admin's work of the day and the bureau's
district street by street, each figure a count that links to the filtered list, computed in
a fixed number of SQL statements whatever the number of rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.fees.models import BillStatus
from backend.fund.models import FundUse, UseKind, UseState
from backend.mediation import services as mediation
from backend.supervision import orders
from backend.supervision.models import ListEntry, ListKind
from backend.surveys.models import Respondents, Runner, Survey, SurveyEstate, SurveyState
from backend.tickets import services as tickets
from backend.tickets.models import Ticket, TicketKind, TicketSource
from backend.tickets.services import SYSTEM
from tests.factories import (
    BillFactory,
    CommunityFactory,
    EstateFactory,
    StaffFactory,
    StreetFactory,
    UnitFactory,
)
from tests.helpers import counted_statements


def figure(page: str, key: str) -> str:
    """The figure a home page shows under ``id="<key>"``."""
    found = re.search(rf'id="{re.escape(key)}">([^<]*)<', page)
    assert found, f"no figure {key}"
    return found.group(1).strip()


def _ticket(estate, staff, *, late: bool = False) -> Ticket:
    ticket, _ = tickets.file_ticket(
        TicketSource.staff,
        estate_id=estate.id,
        kind=TicketKind.shared_repair,
        description="楼道灯不亮",
        location="1幢一单元",
        staff=staff,
    )
    if late:  # submitted three days ago: far past the time to respond
        ticket.created_at = utcnow() - timedelta(days=3)
        db.session.flush()
    return ticket


def _survey(estate, state=SurveyState.open) -> Survey:
    now = utcnow()
    survey = Survey(
        title="2026 年度物业服务满意度测评",
        runner=Runner.company,
        respondents=Respondents.owners,
        questions=[],
        state=state,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
    )
    db.session.add(survey)
    db.session.flush()
    db.session.add(SurveyEstate(survey_id=survey.id, estate_id=estate.id))
    return survey


def _fund_use(estate, state: UseState) -> FundUse:
    """An application of the company serving ``estate``, put straight into ``state``."""
    use = FundUse(
        estate_id=estate.id,
        company_id=estate.company_id,
        kind=UseKind.ordinary,
        state=state,
        title="屋面防水",
        budget_fen=100,
    )
    db.session.add(use)
    db.session.flush()
    return use


def _company_day(world, n: int = 1):
    """Company A's day, ``n`` times over: new tickets (one late), a 督办 order open and
    one sent back, this month's bills (one paid, one not), a returned fund application, an
    open survey. Company B's rows are never counted."""
    officer = StaffFactory(role=StaffRole.street_officer, street=world.street_a)
    month = local_today().replace(day=1)
    now = utcnow()
    for _ in range(n):
        _ticket(world.estate_a, world.desk_a)
        late = _ticket(world.estate_a, world.desk_a, late=True)
        _ticket(world.estate_b, world.admin_b, late=True)
        orders.issue_order(officer, late.id, "请三日内修复", now + timedelta(days=3))
        sent_back = orders.issue_order(officer, late.id, "请回访业主", now + timedelta(days=3))
        orders.answer_order(world.desk_a, sent_back.id, "已处理")
        orders.return_answer(officer, sent_back.id, "未说明结果", now + timedelta(days=5))
        paid = UnitFactory(building=world.building_a)
        BillFactory(unit=paid, period=month, status=BillStatus.paid)
        owing = UnitFactory(building=world.building_a)
        BillFactory(unit=owing, period=month)
        BillFactory(unit=world.unit_b, period=month)
        _fund_use(world.estate_a, UseState.returned)
        _survey(world.estate_a)
        _survey(world.estate_a, SurveyState.closed)
    commit()


def test_the_company_admins_home_counts_its_work_of_the_day(world, as_staff):
    _company_day(world)

    page = as_staff(world.admin_a).get("/admin/").get_data(as_text=True)

    assert figure(page, "todo-tickets-submitted") == "2"  # both new ones, not company B's
    assert figure(page, "todo-tickets-1") == "1"  # the late one
    assert figure(page, "todo-supervision_orders-unanswered") == "2"  # open + sent back
    assert figure(page, "todo-fee_reports-period") == "50.0%"  # one bill of two paid
    assert figure(page, "todo-arrears") == "1"
    assert figure(page, "todo-safety_tasks-overdue") == "0"
    assert figure(page, "todo-fund-returned") == "1"
    assert figure(page, "todo-surveys-open") == "1"
    # each figure opens the filtered list it counts
    period = f"{local_today():%Y-%m}"
    for link in (
        "/admin/tickets?state=submitted",
        "/admin/tickets?overdue=1",
        "/admin/supervision/orders?status=unanswered",
        f"/admin/fee-reports?group=period&amp;from={period}&amp;to={period}",
        "/admin/arrears",
        "/admin/fund?state=returned",
        "/admin/surveys?state=open",
    ):
        assert f'href="{link}"' in page, link
    client = as_staff(world.admin_a)
    unanswered = client.get("/admin/supervision/orders?status=unanswered").get_data(as_text=True)
    assert unanswered.count("请三日内修复") == 1 and unanswered.count("请回访业主") == 1
    running = client.get("/admin/surveys?state=open").get_data(as_text=True)
    assert running.count("2026 年度物业服务满意度测评") == 1


def test_the_company_admins_home_says_when_nothing_waits(world, as_staff):
    from tests.factories import CompanyFactory

    page = as_staff(world.admin_a).get("/admin/").get_data(as_text=True)
    assert figure(page, "todo-fee_reports-period") == "—"
    assert "本月暂无账单" in page
    # the boards of its estates are behind: that is work, so no "nothing waits"
    assert 'id="todo-clear"' not in page

    new = StaffFactory(role=StaffRole.company_admin, company=CompanyFactory())
    page = as_staff(new).get("/admin/").get_data(as_text=True)
    assert 'id="todo-clear"' in page and "眼下没有等您处理的事项" in page
    assert "您的管辖范围内暂无小区" in page


def test_the_company_admins_home_costs_the_same_statements_for_more_rows(world, as_staff):
    _company_day(world, 1)
    client = as_staff(world.admin_a)
    client.get("/admin/")
    with counted_statements() as one:
        client.get("/admin/")
    _company_day(world, 4)
    with counted_statements() as five:
        page = client.get("/admin/").get_data(as_text=True)

    assert figure(page, "todo-tickets-submitted") == "10"
    assert len(five) == len(one), "\n".join(five)
    assert len(one) <= 40


# --- the bureau ------------------------------------------------------------------------------


@pytest.fixture
def district(world):
    """西湖区: street A (翠苑一区, company A) and 文新街道 (two estates of company B)."""
    # the national rules (the bureau reviews fund uses) in street A's city; 杭州市 has its
    # streets review them (backend/fund/rules.toml)
    world.street_a.city = "测试市"
    street_c = StreetFactory(name="文新街道", district="西湖区", city="杭州市")
    community = CommunityFactory(street=street_c)
    world.street_c = street_c
    world.estate_c = EstateFactory(name="金都花园", community=community, company=world.company_b)
    world.estate_c2 = EstateFactory(
        name="新金都城市花园", community=community, company=world.company_b
    )
    world.officer_a = StaffFactory(role=StaffRole.street_officer, street=world.street_a)
    world.officer_c = StaffFactory(role=StaffRole.street_officer, street=street_c)
    return world


def _city_day(w, n: int = 1):
    """``n`` times: tickets escalated to the street office (two in street A, one in 文新),
    a 督办 order unanswered in each street and one answered in 文新, a mediation case
    requested, a fund application under the bureau's review; and last year's red/black list."""
    now = utcnow()
    for _ in range(n):
        escalated = []
        for estate, staff in (
            (w.estate_a, w.desk_a),
            (w.estate_a, w.desk_a),
            (w.estate_c, w.admin_b),
        ):
            ticket = _ticket(estate, staff)
            tickets.apply(SYSTEM, ticket, "escalate")
            escalated.append(ticket)
        _ticket(w.estate_c2, w.admin_b)  # new, on nobody's list
        orders.issue_order(w.officer_a, escalated[0].id, "限期修复", now + timedelta(days=2))
        orders.issue_order(w.officer_c, escalated[2].id, "限期修复", now + timedelta(days=2))
        answered = orders.issue_order(w.officer_c, escalated[2].id, "回访", now + timedelta(days=2))
        orders.answer_order(w.admin_b, answered.id, "已回访")
        mediation.open_case(
            w.officer_c,
            w.estate_c.id,
            "neighbours",
            "楼上漏水",
            [{"kind": "resident", "side": "applicant", "name": "张女士"}],
        )
        _fund_use(w.estate_a, UseState.review)
        _fund_use(w.estate_c, UseState.review)  # reviewed by 文新街道, not the bureau
        _fund_use(w.estate_c, UseState.returned)
    year = local_today().year - 1
    if not db.session.query(ListEntry).filter_by(year=year).count():
        for company, kind in ((w.company_a, ListKind.red), (w.company_b, ListKind.black)):
            db.session.add(ListEntry(year=year, company_id=company.id, kind=kind, reason="规则"))
    commit()


def test_the_bureaus_home_shows_its_district_street_by_street(district, as_staff):
    w = district
    _city_day(w)

    page = as_staff(w.bureau_xihu).get("/admin/").get_data(as_text=True)

    a, c = w.street_a.id, w.street_c.id
    assert figure(page, f"street-{a}-overdue") == "2"
    assert figure(page, f"street-{c}-overdue") == "1"
    assert figure(page, f"street-{a}-orders") == "1"
    assert figure(page, f"street-{c}-orders") == "1"  # the answered one waits on nobody
    # no board has published anything: every estate of the district is behind
    assert figure(page, f"street-{a}-boards") == "1"
    assert figure(page, f"street-{c}-boards") == "2"
    assert figure(page, "street-total-overdue") == "3"
    assert figure(page, "city-mediation") == "1"
    assert figure(page, "city-fund") == "1"
    assert figure(page, "city-lists") == "红 1 · 黑 1"
    assert f"{local_today().year - 1} 年度红黑名单" in page
    assert "米市巷街道" not in page  # 拱墅区 is another bureau's
    # each street's figure opens the list of that street
    client = as_staff(w.bureau_xihu)
    overdue = client.get(f"/admin/supervision/overdue?street_id={c}").get_data(as_text=True)
    assert "共 1 件" in overdue  # 文新街道's one ticket, not street A's two
    # the filter bars show the street (and the status) the figure chose
    assert f'<option value="{c}" selected>{w.street_c.name}</option>' in overdue
    listed = client.get(f"/admin/supervision/orders?status=unanswered&street_id={a}")
    assert listed.get_data(as_text=True).count("限期修复") == 1
    assert f'<option value="{a}" selected>{w.street_a.name}</option>' in listed.text
    assert '<option value="unanswered" selected>' in listed.text
    assert "共 1 条" in listed.text
    boards = client.get(f"/admin/board/compliance?order=missing&street_id={c}")
    assert "新金都城市花园" in boards.get_data(as_text=True)
    assert "翠苑一区" not in boards.get_data(as_text=True)


def _linked(page: str, key: str) -> tuple[str, int]:
    """The link and the figure a home page shows under ``id="<key>"``."""
    found = re.search(rf'href="([^"]+)"[^>]*>\s*<span class="stat-value" id="{key}">(\d+)<', page)
    found = found or re.search(rf'href="([^"]+)" id="{key}">(\d+)<', page)
    assert found, f"no linked figure {key}"
    return found[1].replace("&amp;", "&"), int(found[2])


def test_the_bureaus_overdue_figure_of_a_street_is_what_its_link_lists(district, as_staff):
    w = district
    _city_day(w)
    late = _ticket(w.estate_a, w.desk_a)
    late.created_at = utcnow() - timedelta(days=5)  # past its time to respond and to resolve
    tickets.apply(SYSTEM, late, "escalate")
    commit()
    client = as_staff(w.bureau_xihu)

    page = client.get("/admin/").get_data(as_text=True)

    for street, expected in ((w.street_a, 3), (w.street_c, 1)):
        link, shown = _linked(page, f"street-{street.id}-overdue")
        listed = client.get(link).get_data(as_text=True)
        rows = re.findall(r'<tr id="overdue-\d+"', listed)
        assert shown == len(rows) == expected, street.name
        assert f"共 {expected} 件" in listed
    # one figure is called 超时工单; the to-do's (escalated tickets past a time limit now)
    # has its own name and opens the queue that lists exactly those
    assert '<span class="stat-label">超时工单</span>' not in page
    assert "已上报街道或被标记超时" not in page
    link, shown = _linked(page, "todo-tickets-1")
    assert "已上报且超过处理时限的工单" in page
    queue = client.get(link).get_data(as_text=True)
    assert shown == len(re.findall(r'<tr id="ticket-\d+"', queue)) == 1


def test_the_bureaus_home_says_when_the_list_is_not_drawn_up(district, as_staff):
    page = as_staff(district.bureau_xihu).get("/admin/").get_data(as_text=True)

    assert figure(page, "city-lists") == "未评定"
    assert f"{local_today().year - 1} 年度待评定" in page
    assert figure(page, "street-total-overdue") == "0"


def test_the_bureaus_home_without_estates_has_an_empty_state(db, as_staff):
    lonely = StaffFactory(role=StaffRole.bureau_officer, district="无小区区")
    page = as_staff(lonely).get("/admin/").get_data(as_text=True)

    assert 'id="city-empty"' in page and "辖区内暂无街道和小区" in page


def test_only_the_bureau_has_the_city_overview(world, as_staff):
    for who in ("platform", "admin_a", "street_officer_b", "committee_a"):
        page = as_staff(getattr(world, who)).get("/admin/").get_data(as_text=True)
        assert 'id="city"' not in page, who


def test_the_bureaus_home_costs_the_same_statements_for_more_rows(district, as_staff):
    _city_day(district, 1)
    client = as_staff(district.bureau_xihu)
    client.get("/admin/")
    with counted_statements() as one:
        client.get("/admin/")
    _city_day(district, 4)
    with counted_statements() as five:
        page = client.get("/admin/").get_data(as_text=True)

    assert figure(page, "street-total-overdue") == "15"
    assert len(five) == len(one), "\n".join(five)
    assert len(one) <= 40
