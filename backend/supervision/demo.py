"""Demo supervision (监管演示数据): a year of ticket history over the demo street, so the
street officer's dashboard has figures, trends and breakdowns at once; 督办 orders (one
answered, one waiting); and what later parts of supervision add (inspections,
evaluations, the red and black list) when their services are there.

The history is written in bulk (a few ``INSERT``s of tickets and their events, then one
rebuild of the rollups from those raw events), so ``seed-demo`` stays quick: about 600
closed tickets with their six to nine events each (the rebuild reads each ticket's
service contract, so more would slow ``seed-demo`` down).
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from backend.accounts.models import Resident
from backend.core.time import SHANGHAI, month_start, utcnow
from backend.extensions import db
from backend.org.models import Unit
from backend.supervision import orders, rollups
from backend.tickets.models import Ticket, TicketEvent, TicketKind, TicketState, Urgency

#: days of history, and tickets per estate per day (on average)
DAYS = 365
PER_DAY = {"嘉绿景苑": 0.9, "紫桂花园": 0.7}
#: the history stops this many days ago (the tickets feature's demo tickets are recent)
GAP_DAYS = 3
#: (kind, weight, descriptions)
KINDS = (
    (
        TicketKind.home_repair,
        50,
        ("厨房水龙头漏水", "卫生间下水道堵塞", "入户门锁坏了", "阳台推拉门卡住"),
    ),
    (TicketKind.shared_repair, 25, ("楼道灯不亮", "电梯按钮失灵", "单元门禁坏了", "地下车库积水")),
    (
        TicketKind.complaint,
        15,
        ("楼下商铺夜间噪音扰民", "保洁不及时，垃圾桶满溢", "绿化带杂草丛生"),
    ),
    (TicketKind.report, 10, ("消防通道被车辆堵塞", "楼道内飞线充电", "顶楼违章搭建")),
)
#: each company's service: median minutes to respond and hours to resolve (the second
#: company answers slower, and both improve over the year)
SERVICE = {"嘉禾": (25, 20), "绿庭": (70, 40)}
HISTORY_OPENID = "o-demo-history-{:02d}"
NOTE_HISTORY = "（历史数据）"


def seed(demo) -> None:
    """``seed-demo``: the year of history and the orders, once (after the tickets feature's
    demo tickets)."""
    if demo.existing:
        return
    now = utcnow()
    seed_history(demo, now)
    seed_orders(demo, now)
    seed_inspections(demo, now)
    seed_evaluations(demo, now)
    seed_filings(demo, now)


def _staff(demo, username: str):
    return demo.staff.get(username)


def seed_history(demo, now: datetime) -> int:
    """About a year of closed tickets over the demo street's company-run estates, written in
    bulk, then the rollups rebuilt from the raw events. Returns the number of tickets."""
    rng = demo.rng
    residents = [
        Resident(openid=HISTORY_OPENID.format(i), nickname=f"住户{i:02d}", name=f"住户{i:02d}")
        for i in range(1, 21)
    ]
    db.session.add_all(residents)
    db.session.flush()
    resident_ids = [r.id for r in residents]
    desks = {"嘉禾": _staff(demo, "jiahe.kefu"), "绿庭": _staff(demo, "lvting.kefu")}
    tech = _staff(demo, "jiahe.weixiu")
    today = now.astimezone(SHANGHAI).date()
    tickets, plans = [], []
    for name, rate in PER_DAY.items():
        estate = demo.estates.get(name)
        if estate is None or estate.company is None:
            continue
        company = "嘉禾" if "嘉禾" in estate.company.name else "绿庭"
        desk = desks[company]
        units = list(db.session.scalars(sa.select(Unit.id).where(Unit.estate_id == estate.id)))
        for back in range(DAYS, GAP_DAYS, -1):
            day = today - timedelta(days=back)
            progress = 1 - back / DAYS  # 0 a year ago → 1 now: service gets better
            for _ in range(_poisson(rng, rate)):
                kind = _pick_kind(rng)
                descriptions = next(d for k, _, d in KINDS if k == kind)
                minute = rng.randint(7 * 60, 21 * 60)
                local = datetime.combine(day, time(minute // 60, minute % 60), SHANGHAI)
                created = local.astimezone(now.tzinfo)
                respond_median, resolve_median = SERVICE[company]
                improve = 1 - 0.35 * progress
                respond = max(3, rng.lognormvariate(math.log(respond_median * improve), 0.8))
                resolve = max(1, rng.lognormvariate(math.log(resolve_median * improve), 0.7))
                if kind == TicketKind.complaint:
                    respond, resolve = respond * 6, resolve * 3
                tickets.append(
                    {
                        "estate_id": estate.id,
                        "unit_id": rng.choice(units) if kind == TicketKind.home_repair else None,
                        "location": "" if kind == TicketKind.home_repair else "公共区域",
                        "kind": kind,
                        "category": "",
                        "urgency": Urgency.urgent if rng.random() < 0.1 else Urgency.normal,
                        "description": rng.choice(descriptions),
                        "state": TicketState.closed,
                        "resident_id": rng.choice(resident_ids),
                        "created_at": created,
                        "rating": None,
                        "rating_comment": "",
                    }
                )
                plans.append((created, respond, resolve, desk, company))
    if not tickets:
        return 0
    for row, (_, _, _, _, company) in zip(tickets, plans, strict=True):
        row["rating"] = _rating(rng, company)
    # Core inserts (no ORM bookkeeping): one statement for the tickets, one for the events
    ids = (
        db.session.execute(
            sa.insert(Ticket.__table__).returning(
                Ticket.__table__.c.id, sort_by_parameter_order=True
            ),
            tickets,
        )
        .scalars()
        .all()
    )
    events = []
    for ticket_id, row, (created, respond, resolve, desk, company) in zip(
        ids, tickets, plans, strict=True
    ):
        events.extend(
            _lifecycle(rng, ticket_id, row, created, respond, resolve, desk, tech, company)
        )
    db.session.execute(sa.insert(TicketEvent.__table__), events)
    escalated = [
        {"tid": e["ticket_id"], "at": e["at"]} for e in events if e["action"] == "escalate"
    ]
    if escalated:
        table = Ticket.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("tid"))
            .values(escalated_at=sa.bindparam("at")),
            escalated,
        )
    rollups.rebuild()
    return len(ids)


def _lifecycle(rng, ticket_id, row, created, respond, resolve, desk, tech, company):
    """The events of one closed ticket: submitted, accepted, assigned, started, resolved
    (some reopened and resolved again, some escalated first), closed and often rated."""
    resident = row["resident_id"]
    staff_id = desk.id if desk else None
    worker = tech.id if (tech and company == "嘉禾") else staff_id
    at = created
    h = timedelta(hours=1)

    def event(action, when, from_state, to_state, *, by=None, by_resident=False, note=""):
        return {
            "ticket_id": ticket_id,
            "at": when,
            "action": action,
            "from_state": from_state,
            "to_state": to_state,
            "resident_id": resident if by_resident else None,
            "staff_id": by,
            "note": note or NOTE_HISTORY,
        }

    S = TicketState
    out = [event("created", at, None, S.submitted.value, by_resident=True, note=row["description"])]
    at = created + timedelta(minutes=respond)
    out.append(event("accept", at, S.submitted.value, S.accepted.value, by=staff_id))
    out.append(event("assign", at + 0.2 * h, S.accepted.value, S.assigned.value, by=staff_id))
    out.append(event("start", at + 0.5 * h, S.assigned.value, S.in_progress.value, by=worker))
    state = S.in_progress.value
    done = created + timedelta(hours=resolve)
    if rng.random() < 0.04:  # resolution overdue: escalated to the street office first
        escalated = done
        done = escalated + timedelta(hours=rng.uniform(4, 48))
        out.append(
            event("escalate", escalated, state, S.escalated.value, note="解决超时，上报街道")
        )
        state = S.escalated.value
    out.append(event("resolve", done, state, S.resolved.value, by=worker, note="已处理完毕"))
    if rng.random() < 0.05:  # the resident was not satisfied
        again = done + timedelta(hours=rng.uniform(2, 30))
        out.append(
            event("reopen", again, S.resolved.value, S.reopened.value, by_resident=True,
                  note="问题没有解决")
        )  # fmt: skip
        out.append(
            event("accept", again + 0.5 * h, S.reopened.value, S.accepted.value, by=staff_id)
        )
        out.append(
            event("assign", again + 0.6 * h, S.accepted.value, S.assigned.value, by=staff_id)
        )
        done = again + timedelta(hours=rng.uniform(3, 24))
        out.append(event("resolve", done, S.assigned.value, S.resolved.value, by=worker,
                         note="已再次处理"))  # fmt: skip
    out.append(event("close", done + 24 * h, S.resolved.value, S.closed.value, note="自动关闭"))
    if row["rating"] is not None:
        out.append(event("rate", done + 25 * h, None, None, by_resident=True, note="满意"))
    return out


def _rating(rng, company: str) -> int | None:
    """Almost half the residents rate; the second company a little lower."""
    if rng.random() >= 0.45:
        return None
    if company == "嘉禾":
        return rng.choices((5, 4, 3), weights=(80, 17, 3))[0]
    return rng.choices((5, 4, 3, 2, 1), weights=(35, 25, 20, 12, 8))[0]


def _poisson(rng, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _pick_kind(rng) -> TicketKind:
    return rng.choices([k for k, _, _ in KINDS], weights=[w for _, w, _ in KINDS])[0]


def seed_orders(demo, now: datetime) -> None:
    """督办 orders of the street officer on the tickets of the street office's list: one
    answered by the company, one still waiting."""
    officer = _staff(demo, "wenxin.jiedao")
    desk = _staff(demo, "jiahe.kefu")
    if officer is None or desk is None:
        return
    escalated = list(
        db.session.scalars(
            sa.select(Ticket)
            .where(Ticket.escalated_at.is_not(None), Ticket.state == TicketState.escalated)
            .order_by(Ticket.id)
        )
    )
    d, h = timedelta(days=1), timedelta(hours=1)
    if escalated:
        waiting = escalated[0]
        orders.issue_order(
            officer, waiting.id, "请于三日内修复并向住户说明原因，逾期将记入信用记录。",
            now + 3 * d, now=now - 2 * h,
        )  # fmt: skip
    if len(escalated) > 1:
        answered = escalated[1]
        order = orders.issue_order(
            officer, answered.id, "住户多次反映未解决，请两日内处理完毕并回复。",
            now + 2 * d, now=now - 20 * h,
        )  # fmt: skip
        desk = next(
            (
                s
                for s in demo.staff.values()
                if s.company_id == order.company_id and s.role.value == "service_desk"
            ),
            None,
        )
        if desk is None:
            return
        orders.answer_order(
            desk, order.id, "已安排维修师傅今天下午上门，材料已备齐，预计明天完工。",
            now=now - 3 * h,
        )  # fmt: skip
        # history, not news (as the tickets' demo): the demo resident is told nothing
        from backend.notify.models import Notification

        db.session.execute(
            sa.delete(Notification).where(
                Notification.resident_id == answered.resident_id,
                Notification.kind == "supervision_answered",
            )
        )


def seed_inspections(demo, now: datetime) -> int:
    """A monthly inspection of each company-run estate by the street officer over the year:
    嘉禾 keeps its estate in good order, 绿庭 slips."""
    from backend.supervision import evaluation

    officer = _staff(demo, "wenxin.jiedao")
    if officer is None:
        return 0
    rng, today = demo.rng, now.astimezone(SHANGHAI).date()
    made = 0
    for name in PER_DAY:
        estate = demo.estates.get(name)
        if estate is None or estate.company is None:
            continue
        good = "嘉禾" in estate.company.name
        for back in range(11, -1, -1):
            month = month_start(today, -back)
            day = min(month.replace(day=rng.randint(5, 25)), today)
            items = [
                {
                    "name": item,
                    "max_points": top,
                    "points": top - rng.randint(0, 1 if good else max(3, top // 3)),
                    "note": "",
                }
                for item, top in evaluation.INSPECTION_ITEMS
            ]
            note = "现场整洁，台账齐全" if good else "楼道堆物未及时清理，消防设施巡检记录不全"
            evaluation.record_inspection(officer, estate.id, day, items, note)
            made += 1
    return made


def seed_evaluations(demo, now: datetime) -> None:
    """The monthly evaluations of the year, an award and two upheld complaints in the
    credit records, and this year's red/black list (published to the boards)."""
    from backend.supervision import credit, evaluation
    from backend.supervision.models import CreditSource

    officer, admin = _staff(demo, "wenxin.jiedao"), _staff(demo, "admin")
    today = now.astimezone(SHANGHAI).date()
    for back in range(11, 0, -1):
        evaluation.evaluate_month(month_start(today, -back))
    companies = {c.name: c for c in demo.companies.values()}
    jiahe = next((c for n, c in companies.items() if "嘉禾" in n), None)
    lvting = next((c for n, c in companies.items() if "绿庭" in n), None)
    if officer is not None and jiahe is not None and lvting is not None:
        credit.record_entry(
            officer, jiahe.id, CreditSource.award, 5, "疫情期间保障小区运转，街道通报表扬",
            month_start(today, -6).replace(day=15),
        )  # fmt: skip
        for back, reason in ((8, "住户投诉电梯长期故障未修，经查属实"),
                             (3, "住户投诉收费未公示，经查属实")):  # fmt: skip
            credit.record_entry(
                officer, lvting.id, CreditSource.complaint_upheld, -15, reason,
                month_start(today, -back).replace(day=10),
            )  # fmt: skip
    if admin is not None:
        evaluation.compile_lists(admin, today.year if today.month > 1 else today.year - 1)


def seed_filings(demo, now: datetime) -> None:
    """Filings with the street office: the service contracts and the committee (filed and
    approved), and 嘉禾's project manager (waiting for review)."""
    from backend.org.models import Committee, ServiceContract
    from backend.supervision import filings

    officer, company_admin = _staff(demo, "wenxin.jiedao"), _staff(demo, "jiahe.admin")
    if officer is None:
        return
    contracts = db.session.scalars(sa.select(ServiceContract).order_by(ServiceContract.id))
    committees = db.session.scalars(sa.select(Committee).order_by(Committee.id))
    for filing in [filings.file_contract(officer, c.id) for c in contracts] + [
        filings.file_committee(officer, c.id) for c in committees
    ]:
        filings.review(officer, filing.id, True, "材料齐全，予以备案")
    estate = demo.estates.get("嘉绿景苑")
    if company_admin is not None and estate is not None:
        today = now.astimezone(SHANGHAI).date()
        filings.file_manager(
            company_admin, estate.id, "陈志刚", month_start(today, -14), "13900001234",
            "ZJWY-2024-0312",
        )  # fmt: skip
