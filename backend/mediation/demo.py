"""Demo mediation (人民调解演示数据): 文新街道's committee of three (钱文博 of the demo
staff and two more mediators), and four cases at 嘉绿景苑: a resident's request from a
closed ticket waiting to be accepted, a neighbours' dispute in session, an agreement in
effect for 26 days (reminded of the 30 days for judicial confirmation) and an overdue case.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.accounts.models import Resident, Staff, StaffRole
from backend.core.time import utcnow
from backend.extensions import db
from backend.mediation import services
from backend.mediation.models import CaseState, MediationCase
from backend.tickets.models import Ticket, TicketState

ESTATE = "嘉绿景苑"
OFFICER = "wenxin.jiedao"
MEDIATORS = (("wenxin.tiaojie1", "周慧敏"), ("wenxin.tiaojie2", "吴建国"))
#: a 1×1 transparent PNG: the demo's drawn signatures
PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBg"
    "AAAABQABpfZFQAAAAABJRU5ErkJggg=="
)


def seed(demo) -> None:
    """``seed-demo``: the committee and the demo cases, once (after tickets)."""
    estate = demo.estates.get(ESTATE)
    if demo.existing or estate is None or OFFICER not in demo.staff:
        return
    officer = demo.staff[OFFICER]
    members = [officer]
    for username, name in MEDIATORS:
        staff = Staff(
            username=username,
            name=name,
            role=StaffRole.street_officer,
            street_id=officer.street_id,
            password_hash=officer.password_hash,
        )
        db.session.add(staff)
        db.session.flush()
        demo.staff[username] = staff
        members.append(staff)
    for i, member in enumerate(members):
        services.add_mediator(officer, member.id, "主任" if i == 0 else "委员")
    now = utcnow()
    _requested(estate, now)
    _in_session(officer, estate, now - timedelta(days=6))
    _in_effect(officer, members[1], estate, now - timedelta(days=30))
    _overdue(officer, estate, now - timedelta(days=40))
    services.remind_confirmations(now)


def _requested(estate, now) -> None:
    ticket = db.session.scalars(
        sa.select(Ticket)
        .where(Ticket.estate_id == estate.id, Ticket.state == TicketState.closed)
        .order_by(Ticket.id)
    ).first()
    if ticket is None:
        return
    resident = db.session.get(Resident, ticket.resident_id)
    services.request_from_ticket(
        resident,
        ticket.id,
        "repairs",
        "报修处理后问题反复出现，与物业协商未果，申请调解。",
        now=now,
    )


def _neighbours(officer, estate, at, matter, category="neighbours") -> MediationCase:
    case = services.open_case(
        officer,
        estate.id,
        category,
        matter,
        [
            {"kind": "neighbour", "side": "applicant", "name": "孙桂兰", "phone": "13800000021"},
            {"kind": "neighbour", "side": "respondent", "name": "郑海涛", "phone": ""},
        ],
        now=at,
    )
    services.act(officer, case.id, "accept", {}, now=at + timedelta(hours=2))
    for party in case.parties:
        services.staff_answer(officer, case.id, party.id, True, "当面确认同意调解")
    return case


def _in_session(officer, estate, at) -> None:
    case = _neighbours(officer, estate, at, "5幢 602 装修噪音影响楼下老人休息，双方多次争执。")
    services.act(
        officer,
        case.id,
        "record_session",
        {
            "place": "文新街道调解室",
            "attendees": "孙桂兰、郑海涛、嘉禾物业项目经理、调解员钱文博",
            "record": "双方陈述事实；调解员告知装修管理规约，双方同意再商量施工时间。",
        },
        now=at + timedelta(days=2),
    )


def _in_effect(officer, second, estate, at) -> None:
    case = _neighbours(officer, estate, at, "车位被长期占用，双方协商无果。", "parking")
    services.act(
        officer,
        case.id,
        "record_session",
        {"attendees": "孙桂兰、郑海涛、调解员钱文博", "record": "双方同意错峰使用车位。"},
        now=at + timedelta(days=1),
    )
    services.act(
        officer,
        case.id,
        "agree",
        {"agreement": "郑海涛于协议生效后三日内将车辆移出孙桂兰名下车位，此后不再占用。"},
        now=at + timedelta(days=2),
    )
    signed = at + timedelta(days=4)
    for signer in services.missing_signers(case):
        if signer == "mediator":
            services.staff_sign(officer, case.id, "agreement", signer, "drawn", PNG, now=signed)
        elif signer == "committee":
            services.staff_sign(second, case.id, "agreement", signer, "seal", now=signed)
        else:
            services.staff_sign(
                officer, case.id, "agreement", signer, "scan", "纸质签署", now=signed
            )
    assert case.state == CaseState.in_effect


def _overdue(officer, estate, at) -> None:
    _neighbours(officer, estate, at, "宠物狗夜间吠叫扰民。", "pets")
