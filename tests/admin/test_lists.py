"""Every list screen on the shared list mechanism (``admin.page.ListSpec`` and the list
macros of ``_macros.html``): the count shows, each sortable header sorts both ways, a
filter narrows, a bad sort or page size falls back without error, the page size is
honoured and the phone-width table stays cards."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

import admin.audit
import admin.board
import admin.fees
import admin.mediation
import admin.open311
import admin.org
import admin.residencies
import admin.residents
import admin.safety
import admin.staff
import admin.supervision
import admin.surveys
import admin.votes
from backend.accounts.models import ResidencyRole, ResidencyStatus
from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.fees.models import (
    BillStatus,
    Payment,
    PaymentMethod,
    Reminder,
    ReminderChannel,
    payment_bills,
)
from backend.mediation.models import CaseSource, CaseState, Category, MediationCase
from backend.org.models import ManagementMode
from backend.safety.models import Equipment, EquipmentKind
from backend.votes import motions
from tests.factories import (
    AuditEntryFactory,
    BillFactory,
    BuildingFactory,
    EstateFactory,
    FeeItemFactory,
    ResidencyFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
)


@dataclass
class Screen:
    path: str
    spec: object
    table: str
    #: the rows' ids in the table start so (``resident-`` …)
    row: str
    viewer: str
    seed: Callable
    sorts: tuple[str, ...]
    #: query arguments that keep some rows and drop others
    narrow: dict = field(default_factory=dict)


def _residents(world):
    units = [UnitFactory(building=world.building_a, number=n) for n in ("101", "1202", "303")]
    roles = (ResidencyRole.owner, ResidencyRole.tenant, ResidencyRole.family)
    statuses = (ResidencyStatus.active, ResidencyStatus.pending, ResidencyStatus.active)
    for i, (unit, name) in enumerate(zip(units, ("王芳", "李强", "赵敏"), strict=True)):
        ResidencyFactory(
            unit=unit,
            resident=ResidentFactory(name=name),
            role=roles[i],
            status=statuses[i],
            created_at=utcnow() - timedelta(days=i),
            ends_on=date(2030, 1, 1) if roles[i] == ResidencyRole.tenant else None,
        )
    ResidencyFactory(unit=world.unit_b, resident=ResidentFactory(name="外区"))  # out of scope
    return 3


def _bill_rows(world):
    item = FeeItemFactory(estate=world.estate_a, name="物业服务费")
    units = [
        UnitFactory(building=world.building_a, number=n, area=a)
        for n, a in (("201", 80), ("1101", 120), ("302", 95))
    ]
    bills = [
        BillFactory(unit=u, fee_item=item, period=date(2026, m, 1), status=s)
        for u, m, s in zip(
            units, (9, 11, 10), (BillStatus.unpaid, BillStatus.paid, BillStatus.unpaid), strict=True
        )
    ]
    BillFactory(unit=world.unit_b)  # another company's
    return bills


def _bills(world):
    _bill_rows(world)
    return 3


def _payments(world):
    bills = _bill_rows(world)
    now = utcnow()
    for i, (bill, method, payer) in enumerate(
        zip(
            bills,
            (PaymentMethod.cash, PaymentMethod.transfer, PaymentMethod.pos),
            ("张三", "李四", "王五"),
            strict=True,
        )
    ):
        payment = Payment(
            estate_id=bill.estate_id,
            method=method,
            amount_fen=1000 * (i + 1) + (500 if i == 1 else 0),
            payer_name=payer,
            cashier_name="收费员",
            receipt_no=f"R2026{i:06d}",
            paid_at=now - timedelta(days=3 * i),
        )
        db.session.add(payment)
        db.session.flush()
        db.session.execute(
            payment_bills.insert().values(
                payment_id=payment.id, bill_id=bill.id, amount_fen=payment.amount_fen
            )
        )
    commit()
    return 3


def _staff(world):
    for name, role in (("甲客服", StaffRole.service_desk), ("乙师傅", StaffRole.technician)):
        StaffFactory(name=name, role=role, company=world.company_a)
    # admin_a manages company A: admin_a, desk_a, technician_a and the two above
    return 5


def _estates(world):
    EstateFactory(
        name="阳光花园",
        community=world.estate_a.community,
        company=world.company_a,
        management_mode=ManagementMode.company,
    )
    # admin_a sees 翠苑一区, 文华苑 and 阳光花园
    return 3


def _audit(world):
    for i, action in enumerate(("fees.bill.adjust", "org.estate.update", "accounts.staff.create")):
        AuditEntryFactory(
            action=action,
            company_id=world.company_a.id,
            staff_id=world.admin_a.id,
            entity_type="estate",
            entity_id=str(10 + i),
            ip=f"10.0.0.{i}",
            at=utcnow() - timedelta(hours=i),
        )
    AuditEntryFactory(action="org.estate.update", company_id=world.company_b.id)
    return 3


def _votes(world):
    opens = utcnow() + timedelta(days=30)
    for i, title in enumerate(("续聘物业", "改造电梯", "增设充电桩")):
        motions.create_motion(
            world.committee_a,
            world.estate_a.id,
            item=(4, 5, 7)[i],
            title=title,
            opens_at=opens + timedelta(days=i),
            closes_at=opens + timedelta(days=10 + i),
        )
    commit()
    return 3


def _mediation(world):
    now = utcnow()
    rows = (
        (Category.neighbours, CaseState.requested, None),
        (Category.repairs, CaseState.accepted, now + timedelta(days=20)),
        (Category.parking, CaseState.accepted, now + timedelta(days=5)),
    )
    for i, (category, state, deadline) in enumerate(rows):
        db.session.add(
            MediationCase(
                street_id=world.estate_b.community.street_id,
                estate_id=world.estate_b.id,
                category=category,
                matter=f"纠纷{i}",
                state=state,
                source=CaseSource.officer,
                requested_at=now - timedelta(days=i),
                deadline=deadline,
            )
        )
    commit()
    return 3


def _surveys(world):
    from backend.surveys import services as surveys

    start = utcnow() + timedelta(days=2)
    for i, title in enumerate(("2026年度满意度测评", "停车收费征询", "电梯加装意向")):
        surveys.create_survey(
            world.street_officer_b,
            estate_ids=[world.estate_b.id],
            opens_at=start + timedelta(days=i),
            closes_at=start + timedelta(days=9 + i),
            template_code=surveys.ANNUAL,
            title=title,
        )
    commit()
    return 3


def _reminders(world):
    units = [UnitFactory(building=world.building_a, number=n) for n in ("201", "1101", "302")]
    channels = (ReminderChannel.wechat, ReminderChannel.written, ReminderChannel.wechat)
    for i, (unit, channel) in enumerate(zip(units, channels, strict=True)):
        db.session.add(
            Reminder(
                estate_id=unit.estate_id,
                unit_id=unit.id,
                channel=channel,
                text=f"催缴{i}",
                bill_ids=[],
                total_fen=1000 * (3 - i),
                sent_by_id=world.admin_a.id,
                created_at=utcnow() - timedelta(days=i),
            )
        )
    commit()
    return 3


def _equipment(world):
    rows = (
        (EquipmentKind.lift, "1号梯", "1幢", "奥的斯", date(2027, 6, 30)),
        (EquipmentKind.hydrant, "东门消火栓", "东门", "消防维保", None),
        (EquipmentKind.lift, "2号梯", "2幢", "三菱", date(2027, 3, 1)),
    )
    for kind, name, location, company, expires in rows:
        db.session.add(
            Equipment(
                estate_id=world.estate_a.id,
                kind=kind,
                name=name,
                location=location,
                maintenance_company=company,
                certificate_expires_on=expires,
                schedule_start=date(2027, 1, 10),
            )
        )
    commit()
    return 3


def _safety_task(world, estate, kind, name, item, due, *, done=False):
    from tests.safety.conftest import equipment_task

    return equipment_task(estate.id, kind, name, item, due, done=done)


def _safety_overdue(world):
    rows = (
        (EquipmentKind.lift, "1号梯", "half_month", 3),
        (EquipmentKind.hydrant, "东门消火栓", "quarter", 10),
        (EquipmentKind.lift, "2号梯", "year", 30),
    )
    for kind, name, item, late in rows:
        _safety_task(world, world.estate_a, kind, name, item, local_today() - timedelta(days=late))
    commit()
    return 3


def _safety_tasks(world):
    today, lift, hydrant = local_today(), EquipmentKind.lift, EquipmentKind.hydrant
    _safety_task(world, world.estate_a, lift, "1号梯", "half_month", today - timedelta(days=3))
    _safety_task(world, world.estate_a2, hydrant, "东门消火栓", "month", today + timedelta(days=5))
    _safety_task(world, world.estate_a, lift, "2号梯", "year", today)
    # done, and another company's: not on company A's list of open tasks
    _safety_task(world, world.estate_a, lift, "3号梯", "quarter", today, done=True)
    _safety_task(world, world.estate_b, lift, "外区梯", "year", today)
    commit()
    return 3


def _board_posts(world):
    from backend.board import services as board

    phone = "<p>服务中心电话 0571-88886666</p>"
    rows = (
        (world.estate_a, "manager", "项目负责人：物业服务中心", 1),
        (world.estate_a2, "service_standards", "2026年服务标准", 5),
        (world.estate_a, "service_standards", "电梯维保安排", 9),
        (world.estate_b, "manager", "外区项目负责人", 2),  # company B's
    )
    for estate, section, title, days in rows:
        staff = world.admin_b if estate is world.estate_b else world.admin_a
        post = board.publish(staff, estate.id, section, board.Content(title=title, body=phone))
        post.published_at = utcnow() - timedelta(days=days)
    commit()
    return 3


def _fee_items(world):
    from backend.fees.models import FeeBasis

    for name, basis in (("物业服务费", FeeBasis.per_area), ("垃圾清运费", FeeBasis.fixed)):
        FeeItemFactory(estate=world.estate_a, name=name, basis=basis)
    FeeItemFactory(estate=world.estate_a2, name="停车费", basis=FeeBasis.fixed)
    FeeItemFactory(estate=world.estate_b, name="外区物业费")
    return 3


def _arrears(world):
    item = FeeItemFactory(estate=world.estate_a, name="物业服务费")
    month = local_today().replace(day=1)

    def months_ago(n: int) -> date:
        y, m = divmod(month.year * 12 + month.month - 1 - n, 12)
        return date(y, m + 1, 1)

    # 1, 2 and 3 unpaid months; only the third unit owes for over a year
    for number, ages in (("201", (1,)), ("1101", (3, 4)), ("302", (24, 25, 26))):
        unit = UnitFactory(building=world.building_a, number=number, area=100)
        for n in ages:
            BillFactory(unit=unit, fee_item=item, period=months_ago(n))
    paid = UnitFactory(building=world.building_a, number="909")
    BillFactory(unit=paid, fee_item=item, status=BillStatus.paid)
    BillFactory(unit=world.unit_b)  # another company's
    return 3


def _readings(world):
    from backend.fees.models import FeeBasis, MeterReading
    from backend.fees.services import current_period

    item = FeeItemFactory(estate=world.estate_a, name="水费", basis=FeeBasis.metered)
    other = BuildingFactory(estate=world.estate_a, name="2幢")
    rows = (
        (world.building_a, "101", 10, 25),
        (world.building_a, "1202", 40, 45),
        (other, "303", 5, 90),
    )
    for building, number, previous, current in rows:
        unit = UnitFactory(building=building, number=number)
        db.session.add(
            MeterReading(
                fee_item_id=item.id,
                unit_id=unit.id,
                period=current_period(),
                previous=previous,
                current=current,
            )
        )
    commit()
    return 3, {"item": item.id, "building": other.id}


def _open311_log(world):
    from backend.open311 import services as open311
    from backend.open311.models import RequestLog

    partner, _ = open311.create_partner(None, "12345热线", world.estate_b.community.street_id)
    calls = (("GET", "/open311/v2/services.json", 200), ("POST", "/open311/v2/requests.json", 201))
    calls += (("POST", "/open311/v2/requests.json", 400),)
    for i, (method, path, status) in enumerate(calls):
        db.session.add(
            RequestLog(
                partner_id=partner.id,
                at=utcnow() - timedelta(minutes=i),
                method=method,
                path=path,
                status=status,
            )
        )
    commit()
    return 3, {"partner": partner.id}


def _evaluations(world):
    from backend.supervision.models import Evaluation

    other = EstateFactory(
        name="星河二期", community=world.estate_b.community, company=world.company_a
    )
    rows = ((world.company_b, date(2025, 12, 1), 88.5), (world.company_b, date(2026, 10, 1), 72))
    rows += ((other.company, date(2026, 11, 1), 95),)
    for company, month, score in rows:
        db.session.add(Evaluation(company_id=company.id, month=month, score=score, parts={}))
    commit()
    return 3


def _credit(world):
    from backend.supervision.models import CreditRecord, CreditSource

    rows = (
        (CreditSource.award, 5, date(2026, 3, 1)),
        (CreditSource.complaint_upheld, -3, date(2026, 5, 1)),
        (CreditSource.other, 1, date(2026, 1, 1)),
    )
    for source, points, on in rows:
        db.session.add(
            CreditRecord(
                company_id=world.company_b.id,
                source=source,
                points=points,
                reason=f"记录{points}",
                occurred_on=on,
            )
        )
    commit()
    return 3


def _inspections(world):
    from backend.supervision.models import Inspection

    other = EstateFactory(
        name="星河二期", community=world.estate_b.community, company=world.company_b
    )
    rows = ((world.estate_b, date(2026, 3, 1), 88.5), (other, date(2026, 5, 1), 72))
    rows += ((world.estate_b, date(2026, 1, 1), 95),)
    for estate, on, score in rows:
        db.session.add(
            Inspection(
                estate_id=estate.id,
                company_id=world.company_b.id,
                officer_id=world.street_officer_b.id,
                inspected_on=on,
                score=score,
            )
        )
    commit()
    return 3, {"estate": other.id}


def _filings(world):
    from backend.supervision.models import Filing, FilingKind, FilingState

    rows = (
        (FilingKind.company, FilingState.submitted, None, 2),
        (FilingKind.contract, FilingState.approved, date(2028, 6, 30), 0),
        (FilingKind.committee, FilingState.rejected, date(2029, 1, 31), 1),
    )
    for kind, state, expires, days in rows:
        db.session.add(
            Filing(
                kind=kind,
                subject_id=world.company_b.id,
                estate_id=world.estate_b.id,
                street_id=world.estate_b.community.street_id,
                state=state,
                expires_on=expires,
                submitted_at=utcnow() - timedelta(days=days),
            )
        )
    commit()
    return 3


def _reviews(world):
    units = [UnitFactory(building=world.building_a, number=n) for n in ("101", "1202", "303")]
    roles = (ResidencyRole.owner, ResidencyRole.tenant, ResidencyRole.family)
    for i, (unit, name) in enumerate(zip(units, ("王芳", "李强", "赵敏"), strict=True)):
        ResidencyFactory(
            unit=unit,
            resident=ResidentFactory(name=name),
            applicant_name=name,
            role=roles[i],
            status=ResidencyStatus.pending,
            created_at=utcnow() - timedelta(days=i),
            ends_on=date(2030, 1, 1) if roles[i] == ResidencyRole.tenant else None,
        )
    ResidencyFactory(unit=units[0], status=ResidencyStatus.active)  # decided
    ResidencyFactory(unit=world.unit_b, status=ResidencyStatus.pending)  # out of scope
    return 3


def _orders(world):
    from backend.supervision.models import OrderStatus, SupervisionOrder
    from backend.tickets import services as tickets
    from backend.tickets.models import TicketKind, TicketSource

    now = utcnow()
    statuses = (OrderStatus.open, OrderStatus.answered, OrderStatus.accepted)
    for i, status in enumerate(statuses):
        ticket, _ = tickets.file_ticket(
            TicketSource.staff,
            estate_id=world.estate_b.id,
            kind=TicketKind.shared_repair,
            description=f"楼道灯不亮{i}",
            location="1幢一单元",
            staff=world.admin_b,
        )
        db.session.add(
            SupervisionOrder(
                ticket_id=ticket.id,
                estate_id=world.estate_b.id,
                company_id=world.company_b.id,
                officer_id=world.street_officer_b.id,
                instructions=f"督办{i}",
                deadline=now + timedelta(days=(5, 2, 9)[i]),
                issued_at=now - timedelta(days=(2, 0, 1)[i]),
                status=status,
            )
        )
    commit()
    return 3


SCREENS = [
    Screen(
        "/admin/residents",
        admin.residents.RESIDENTS,
        "residents-table",
        "resident-",
        "admin_a",
        _residents,
        ("name", "unit", "role", "status", "created"),
        {"unit": "1幢 12"},
    ),
    Screen(
        "/admin/bills",
        admin.fees.BILLS,
        "bills-table",
        "bill-",
        "admin_a",
        _bills,
        ("unit", "period", "amount", "status"),
        {"status": "paid"},
    ),
    Screen(
        "/admin/payments",
        admin.fees.PAYMENTS,
        "payments-table",
        "payment-",
        "admin_a",
        _payments,
        ("receipt", "amount", "method", "paid"),
        {"payer": "李"},
    ),
    Screen(
        "/admin/staff",
        admin.staff.STAFF,
        "staff-table",
        "staff-",
        "admin_a",
        _staff,
        ("username", "name", "role", "active", "login"),
        {"role": "technician"},
    ),
    Screen(
        "/admin/estates",
        admin.org.ESTATES,
        "estates-table",
        "estate-",
        "admin_a",
        _estates,
        ("name", "company", "units"),
        {"q": "阳光"},
    ),
    Screen(
        "/admin/audit",
        admin.audit.ENTRIES,
        "audit-table",
        "audit-",
        "admin_a",
        _audit,
        ("at", "action", "entity", "ip"),
        {"entity_id": "11"},
    ),
    Screen(
        "/admin/votes",
        admin.votes.MOTIONS,
        "motions-table",
        "motion-",
        "committee_a",
        _votes,
        ("title", "item", "opens"),
        {"q": "电梯"},
    ),
    Screen(
        "/admin/mediation",
        admin.mediation.CASES,
        "mediation-cases",
        "case-",
        "street_officer_b",
        _mediation,
        ("id", "category", "state", "requested", "deadline"),
        {"state": "requested"},
    ),
    Screen(
        "/admin/surveys",
        admin.surveys.SURVEYS,
        "surveys-table",
        "survey-",
        "street_officer_b",
        _surveys,
        ("title", "opens"),
        {"q": "征询"},
    ),
    Screen(
        "/admin/reminders",
        admin.fees.REMINDERS,
        "reminders-table",
        "reminder-",
        "admin_a",
        _reminders,
        ("created", "unit", "channel", "total"),
        {"unit": "1幢 110"},
    ),
    Screen(
        "/admin/fees",
        admin.fees.FEE_ITEMS,
        "fee-items-table",
        "fee-item-",
        "admin_a",
        _fee_items,
        ("estate", "name", "basis"),
        {"q": "物业"},
    ),
    Screen(
        "/admin/safety",
        admin.safety.EQUIPMENT,
        "safety-equipment",
        "equipment-",
        "admin_a",
        _equipment,
        ("name", "location", "company", "certificate"),
        {"kind": "lift"},
    ),
    Screen(
        "/admin/safety/overdue",
        admin.safety.OVERDUE,
        "safety-overdue",
        "overdue-",
        "admin_a",
        _safety_overdue,
        ("due", "estate", "equipment", "item"),
        {"kind": "lift"},
    ),
    Screen(
        "/admin/safety/tasks",
        admin.safety.TASKS,
        "safety-tasks",
        "task-",
        "admin_a",
        _safety_tasks,
        ("due", "estate", "equipment", "item"),
        {"state": "overdue"},
    ),
    Screen(
        "/admin/board/posts",
        admin.board.POSTS,
        "board-posts",
        "post-",
        "admin_a",
        _board_posts,
        ("published", "estate", "section"),
        {"q": "服务"},
    ),
    Screen(
        "/admin/arrears",
        admin.fees.ARREARS,
        "arrears-table",
        "arrears-",
        "admin_a",
        _arrears,
        ("oldest", "due", "unit"),
        {"age": "365"},
    ),
    Screen(
        "/admin/fees/{item}/readings",
        admin.fees.READINGS,
        "readings-table",
        "reading-",
        "admin_a",
        _readings,
        ("unit", "previous", "current", "consumption"),
        {"building_id": "{building}"},
    ),
    Screen(
        "/admin/open311/{partner}",
        admin.open311.LOG,
        "open311-log",
        "call-",
        "street_officer_b",
        _open311_log,
        ("at", "method", "path", "status"),
        {"result": "refused"},
    ),
    Screen(
        "/admin/supervision/evaluations",
        admin.supervision.EVALUATIONS,
        "evaluations-table",
        "evaluation-",
        "street_officer_b",
        _evaluations,
        ("month", "company", "score"),
        {"year": "2026"},
    ),
    Screen(
        "/admin/supervision/credit",
        admin.supervision.CREDIT,
        "credit-entries",
        "credit-",
        "street_officer_b",
        _credit,
        ("occurred", "source", "points"),
        {"source": "award"},
    ),
    Screen(
        "/admin/supervision/inspections",
        admin.supervision.INSPECTIONS,
        "inspections-table",
        "inspection-",
        "street_officer_b",
        _inspections,
        ("inspected", "estate", "score"),
        {"estate_id": "{estate}"},
    ),
    Screen(
        "/admin/supervision/filings",
        admin.supervision.FILINGS,
        "filings-table",
        "filing-",
        "street_officer_b",
        _filings,
        ("id", "kind", "state", "submitted", "expires"),
        {"state": "approved"},
    ),
    Screen(
        "/admin/reviews",
        admin.residencies.REVIEWS,
        "reviews-table",
        "review-",
        "admin_a",
        _reviews,
        ("created", "name", "unit", "role"),
        {"role": "tenant"},
    ),
    Screen(
        "/admin/supervision/orders",
        admin.supervision.ORDERS,
        "orders-list",
        "order-",
        "street_officer_b",
        _orders,
        ("issued", "deadline", "status", "ticket"),
        {"status": "unanswered"},
    ),
]


def _rows(html: str, screen: Screen) -> list[str]:
    table = re.search(rf'<table[^>]*id="{screen.table}".*?</table>', html, re.S)
    if table is None:
        return []
    body = table[0].split("<tbody>", 1)[1]
    return re.findall(rf'<tr id="({re.escape(screen.row)}\d+)"', body)


@pytest.mark.parametrize(
    "screen", SCREENS, ids=lambda s: "-".join(p for p in s.path.split("/")[2:] if "{" not in p)
)
def test_every_list_counts_sorts_filters_and_pages(screen, world, as_staff, monkeypatch):
    total = screen.seed(world)
    path, ids = screen.path, {}
    if isinstance(total, tuple):  # a list under an entity (a fee item's readings)
        total, ids = total
        path = path.format(**ids)
    narrow = {name: value.format(**ids) for name, value in screen.narrow.items()}
    client = as_staff(getattr(world, screen.viewer))

    page = client.get(path)
    assert page.status_code == 200, page.text
    html = page.text
    assert f"共 {total} 条" in html
    assert len(_rows(html, screen)) == total
    assert 'class="table table-cards' in html and "data-label=" in html
    assert (
        'class="filters list-filters"' in html and ">查询</button>" in html and ">重置</a>" in html
    )

    for key in screen.sorts:
        assert key in screen.spec.sorts, key
        assert f'id="sort-{key}"' in html, key
        ascending = client.get(f"{path}?sort={key}&dir=asc")
        descending = client.get(f"{path}?sort={key}&dir=desc")
        assert ascending.status_code == descending.status_code == 200
        up, down = _rows(ascending.text, screen), _rows(descending.text, screen)
        assert sorted(up) == sorted(down) and len(up) == total, key
        assert up != down, key
        assert (
            'aria-sort="ascending"' in ascending.text
            and 'aria-sort="descending"' in descending.text
        )

    narrowed = client.get(path, query_string=narrow)
    assert narrowed.status_code == 200
    kept = _rows(narrowed.text, screen)
    assert 0 < len(kept) < total, narrow
    assert f"共 {len(kept)} 条" in narrowed.text
    # a sort link keeps the filter and goes back to the first page
    link = re.search(r'id="sort-\w+" href="([^"]+)"', narrowed.text)[1]
    for name in screen.narrow:
        assert f"{name}=" in link
    assert "page=" not in link

    bad = client.get(f"{path}?sort=nonsense&dir=sideways&per_page=7&page=abc")
    assert bad.status_code == 200
    assert sorted(_rows(bad.text, screen)) == sorted(_rows(html, screen))
    assert f'<option value="{screen.spec.sizes[0]}" selected>' in bad.text

    monkeypatch.setattr(screen.spec, "sizes", (2, *screen.spec.sizes))
    small = client.get(f"{path}?per_page=2")
    assert len(_rows(small.text, screen)) == 2
    assert '<option value="2" selected>每页 2 条</option>' in small.text
    assert f"共 {total} 条" in small.text
    second = client.get(f"{path}?per_page=2&page=2")
    assert len(_rows(second.text, screen)) == min(2, total - 2)


def test_a_list_spec_reads_the_request_safely(app):
    spec = admin.fees.BILLS
    for query, expected in {
        "": ("period", True, 20),
        "?sort=amount": ("amount", False, 20),
        "?sort=amount&dir=desc&per_page=50": ("amount", True, 50),
        "?sort=period&dir=asc": ("period", False, 20),
        "?sort=__class__&dir=up&per_page=-1": ("period", True, 20),
        "?per_page=100000": ("period", True, 20),
    }.items():
        with app.test_request_context(f"/admin/bills{query}"):
            assert (*spec.chosen(), spec.per_page()) == expected, query
