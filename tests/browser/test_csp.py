"""Every page of the panel, and the API's Swagger UI, in Chromium under the strict
Content-Security-Policy: no violation and no error in the console."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from flask import url_for

from backend.accounts.models import ResidencyStatus, StaffRole
from backend.extensions import db as _db
from backend.fees.models import FeeBasis, PaymentMethod, ReminderChannel
from backend.fees.payments import record_offline_payment
from backend.fees.reminders import send_reminder
from tests.factories import (
    TEST_PASSWORD,
    AuditEntryFactory,
    BillFactory,
    FeeItemFactory,
    InviteFactory,
    ResidencyFactory,
    StaffFactory,
    UnitFactory,
)

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Response

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture
def page_ids(db) -> dict[str, int]:
    """One row of each kind a panel page shows, by the name of its URL parameter."""
    unit = UnitFactory(number="1-101")
    admin = StaffFactory(username="csp.admin", name="平台管理员", role=StaffRole.platform_admin)
    colleague = StaffFactory(
        username="csp.kefu", role=StaffRole.service_desk, company=unit.building.estate.company
    )
    pending = ResidencyFactory(
        unit=unit,
        status=ResidencyStatus.pending,
        source=None,
        applicant_name="赵磊",
        applicant_phone="13900000004",
    )
    invite = InviteFactory(unit=unit, created_by_staff_id=admin.id)
    AuditEntryFactory(staff_id=admin.id)
    # a metered item, so that its meter-readings page opens too
    water = FeeItemFactory(estate=unit.building.estate, name="水费", basis=FeeBasis.metered)
    bill = BillFactory(unit=unit, fee_item=water)
    payment = record_offline_payment(admin, [bill.id], PaymentMethod.cash)
    reminder_bill = BillFactory(unit=unit, fee_item=bill.fee_item, period=date(2026, 12, 1))
    reminder = send_reminder(admin, reminder_bill.unit_id, ReminderChannel.written)
    _db.session.commit()
    ticket = _ticket_with_photo(unit)
    post = _board_post(unit)
    evaluation_id, inspection_id = _supervision_rows(admin, unit.building.estate)
    return {
        "bill_id": bill.id,
        "item_id": bill.fee_item_id,
        "payment_id": payment.id,
        "reminder_id": reminder.id,
        "kind": "arrears",
        "estate_id": unit.building.estate_id,
        "building_id": unit.building_id,
        "unit_id": unit.id,
        "residency_id": pending.id,
        "invite_id": invite.id,
        "staff_id": colleague.id,
        "ticket_id": ticket.id,
        "post_id": post.id,
        "fmt": "png",
        "evaluation_id": evaluation_id,
        "inspection_id": inspection_id,
        "motion_id": _published_motion(unit, admin).id,
        # a page that only a draft has
        "admin.motion_edit:motion_id": _draft_motion(unit, admin).id,
        "use_id": _fund_use(unit, admin).id,
        **_safety_rows(unit),
        "case_id": _mediation_case(unit),
        "document": "agreement",
        "partner_id": _open311_partner(unit),
        "survey_id": _survey(unit, admin).id,
        "code": "annual_satisfaction",
    }


def _open311_partner(unit) -> int:
    """An Open311 partner of the unit's street (its request log page)."""
    from backend.core.db import commit
    from backend.open311.services import create_partner

    partner, _ = create_partner(None, "12345热线", unit.building.estate.street_id, "hotline")
    commit()
    return partner.id


def _mediation_case(unit) -> int:
    """A neighbours' case of the unit's estate with its agreement (the printable page)."""
    from tests.mediation.helpers import agreed_case

    return agreed_case(unit.building.estate).id


def _survey(unit, admin):
    """An open survey of the unit's estate (its page, print and export)."""
    from datetime import timedelta

    from backend.core.db import commit
    from backend.core.time import utcnow
    from backend.surveys import services

    now = utcnow()
    survey = services.create_survey(
        admin,
        estate_ids=[unit.building.estate_id],
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        template_code=services.ANNUAL,
    )
    services.open_survey(admin, survey, now=now)
    commit()
    return survey


def _fund_use(unit, admin):
    """A maintenance-fund use drafted for the unit (its page and its payment order)."""
    from backend.core.db import commit
    from backend.fund import uses

    company_admin = StaffFactory(
        username="csp.jiahe",
        role=StaffRole.company_admin,
        company=unit.building.estate.company,
    )
    use = uses.create_use(
        company_admin,
        unit.building.estate_id,
        title="更换屋面防水层",
        unit_ids=[unit.id],
        budget_fen=1_200_000,
        items="屋面防水",
        contractor="杭州某防水工程有限公司",
    )
    commit()
    return use


def _safety_rows(unit) -> dict[str, int]:
    """A lift of the unit's estate and one task of its schedule (a task page, a QR code)."""
    from backend.core.db import commit
    from backend.safety import services as safety
    from backend.safety.models import SafetyTask
    from tests.safety.conftest import lift

    row = lift(unit.building.estate, start=date(2027, 1, 10))
    safety.generate_tasks(date(2027, 1, 10), date(2027, 1, 10), [unit.building.estate_id])
    commit()
    task = _db.session.scalars(
        sa.select(SafetyTask).where(SafetyTask.equipment_id == row.id)
    ).first()
    from backend.core.time import local_today
    from backend.safety import patrols
    from backend.safety.models import PatrolRound
    from tests.factories import StaffFactory

    admin = StaffFactory()  # the platform admin
    route = patrols.add_route(
        admin, unit.building.estate_id, "日常巡查", ["消防车通道"], local_today()
    )
    patrols.generate_rounds(local_today(), local_today(), [unit.building.estate_id])
    commit()
    patrol = _db.session.scalars(
        sa.select(PatrolRound).where(PatrolRound.route_id == route.id)
    ).one()
    return {
        "equipment_id": row.id,
        "task_id": task.id,
        "round_id": patrol.id,
        "point_id": route.points[0].id,
    }


def _draft_motion(unit, admin):
    from backend.core.db import commit
    from backend.core.time import utcnow
    from backend.votes import motions

    opens = utcnow() + timedelta(days=20)
    motion = motions.create_motion(
        admin,
        unit.building.estate_id,
        item=4,
        title="增设电动自行车充电桩（草稿）",
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
    )
    commit()
    return motion


def _supervision_rows(admin, estate) -> tuple[int, int]:
    """A monthly evaluation of the estate's company and an inspection of the estate."""
    from backend.core.db import commit
    from backend.supervision import evaluation
    from backend.supervision.models import Evaluation

    row = Evaluation(company_id=estate.company_id, month=date(2026, 1, 1), score=88, parts={})
    _db.session.add(row)
    items = [{"name": "环境卫生", "max_points": 20, "points": 18}]
    inspection = evaluation.record_inspection(admin, estate.id, date(2026, 1, 5), items)
    commit()
    return row.id, inspection.id


def _published_motion(unit, admin):
    """A motion of ``unit``'s estate, voted on paper with a scan (shown by a signed URL),
    closed and published: every vote page, the JSON and the Excel list answer."""

    from backend.core.db import commit
    from backend.core.time import utcnow
    from backend.media.services import upload_photo
    from backend.votes import ballots, motions, publication
    from backend.votes.models import Channel
    from tests.votes.conftest import png_bytes

    estate = unit.building.estate
    member = StaffFactory(username="csp.weiyuan", role=StaffRole.committee_member, estate=estate)
    opens = utcnow() - timedelta(days=10)
    motion = motions.create_motion(
        admin,
        estate.id,
        item=4,
        title="续聘物业",
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
    )
    motions.announce(admin, motion, now=opens - timedelta(days=16))
    motions.open_voting(admin, motion, now=opens)
    scan = upload_photo(png_bytes(), staff_id=member.id)
    ballots.enter_ballot(
        member,
        motion,
        unit.id,
        channel=Channel.paper,
        scan_photo_id=scan.id,
        choice="agree",
        now=opens + timedelta(days=1),
    )
    motions.close_voting(admin, motion, now=motion.closes_at)
    publication.publish(admin, motion, now=motion.closes_at)
    commit()
    return motion


def _ticket_with_photo(unit):
    """A repair of ``unit`` with a photo (its thumbnail is loaded from a signed URL)."""
    from backend.core.db import commit
    from backend.media.services import upload_photo
    from backend.tickets.models import TicketKind
    from backend.tickets.services import create_ticket
    from tests.media.conftest import jpeg

    resident = ResidencyFactory(unit=unit).resident
    photo = upload_photo(jpeg((120, 90)), resident_id=resident.id)
    ticket, _ = create_ticket(
        resident,
        kind=TicketKind.home_repair,
        description="水管漏水",
        unit_id=unit.id,
        photo_ids=[photo.id],
    )
    commit()
    return ticket


#: pages only a publisher opens (the platform admin publishes nothing): visited as the
#: estate's company admin
#: pages only a company admin opens (publishing, applying to use the maintenance fund)
PUBLISHER_PAGES = {"admin.board_compose", "admin.board_correct", "admin.fund_use_new"}
#: pages that exist only once a record has come a long way, rendered by their own browser test
LATER_STATE_PAGES = {
    # a use's payment order (划款通知), once the review approved it: tests/browser/test_fund.py
    "admin.fund_use_order",
}


def _board_post(unit):
    """A board post of ``unit``'s estate, published by its company admin (``csp.company``)."""
    from backend.board import services as board
    from backend.core.db import commit

    company = StaffFactory(
        username="csp.company",
        role=StaffRole.company_admin,
        company=unit.building.estate.company,
    )
    post = board.publish(
        company,
        unit.building.estate_id,
        "public_income",
        board.Content(
            title="第三季度公共收益",
            body="<p>明细如下</p>",
            statement={"lines": [{"item": "电梯广告", "income_fen": 360000, "expense_fen": 0}]},
        ),
        must_read=True,
    )
    commit()
    return post


def panel_pages(app, ids: dict[str, int]) -> list[tuple[str, str]]:
    """``(endpoint, url)`` of every GET rule of the admin blueprint, with fixture ids (an
    ``"endpoint:argument"`` key gives one page its own)."""
    pages = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("admin.") or rule.endpoint == "admin.static":
                continue
            if "GET" not in rule.methods:
                continue
            missing = set(rule.arguments) - set(ids)
            assert not missing, f"{rule.rule}: add a row for {missing} to page_ids"
            values = {a: ids.get(f"{rule.endpoint}:{a}", ids[a]) for a in rule.arguments}
            pages.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return pages


def watch_console(page: Page) -> list[str]:
    """Console errors and warnings of ``page`` from now on (CSP violations are errors), and
    the failed requests of its pages (the console does not name their URL)."""
    seen: list[str] = []

    def keep(msg: ConsoleMessage) -> None:
        if msg.type in {"error", "warning"} and not msg.text.startswith("Failed to load resource"):
            seen.append(f"{msg.type}: {msg.text}")

    def failed(response: Response) -> None:
        if response.status >= 400:
            seen.append(f"{response.status}: {response.url}")

    page.on("console", keep)
    page.on("response", failed)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def sign_in(page: Page, live_url: str, username: str = "csp.admin") -> None:
    """Sign in as the platform admin of ``page_ids`` (or another of its accounts)."""
    page.goto(f"{live_url}/admin/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.locator("#login-button").click()
    page.wait_for_url(lambda url: "/admin/login" not in url)


#: what only a developer understands: a setting's name or a command line
DEVELOPER_TEXT = re.compile(r"LINLI_[A-Z_]+|python -m|backend\.[a-z_.]+")


def test_every_panel_page_loads_under_the_csp_without_console_errors(
    page, live_url, app, page_ids, screenshot
):
    console = watch_console(page)
    sign_in(page, live_url)

    pages = panel_pages(app, page_ids)
    visited = []

    def visit(endpoint: str, url: str) -> None:
        answer = page.request.get(live_url + url)
        assert answer.status < 400, f"{url}: {answer.status}"
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "unsafe" not in policy, url
        if not answer.headers["content-type"].startswith("text/html"):
            return  # the Excel template and the QR images: nothing to render
        page.goto(live_url + url)
        page.wait_for_load_state("networkidle")
        screenshot(f"csp-{endpoint.removeprefix('admin.').replace('_', '-')}")
        visited.append(endpoint)
        assert console == [], f"{url}: {console}"
        # issue 19 defect 9: no text meant for developers (settings, commands) reaches staff
        shown = page.locator("body").inner_text()
        assert not DEVELOPER_TEXT.search(shown), f"{url}: {DEVELOPER_TEXT.search(shown)[0]}"

    for endpoint, url in pages:
        if endpoint not in PUBLISHER_PAGES and endpoint not in LATER_STATE_PAGES:
            visit(endpoint, url)
    page.context.clear_cookies()
    sign_in(page, live_url, "csp.company")
    for endpoint, url in pages:
        if endpoint in PUBLISHER_PAGES:
            visit(endpoint, url)
    print(f"\n{len(visited)} panel pages rendered under the CSP: {', '.join(visited)}")
    assert len(visited) >= 12


def test_htmx_swaps_work_under_the_csp(page, live_url, page_ids):
    """The staff form swaps its scope fields in with htmx when the role changes."""
    console = watch_console(page)
    sign_in(page, live_url)

    page.goto(f"{live_url}/admin/staff/new")
    with page.expect_response(lambda r: "/admin/staff/scope-fields" in r.url):
        page.locator("select[name=role]").select_option("street_officer")
    expect(page.locator("#scope-fields select[name=street_id]")).to_be_visible()

    assert console == []


def test_swagger_ui_works_offline_under_its_csp(page, live_url, screenshot):
    console = watch_console(page)
    outside: list[str] = []
    page.route(
        lambda url: not url.startswith(live_url),
        lambda route: (outside.append(route.request.url), route.abort()),
    )

    page.goto(f"{live_url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("邻里")
    expect(page.locator(".opblock").first).to_be_visible()
    screenshot("csp-api-docs")

    assert console == []
    assert outside == []
