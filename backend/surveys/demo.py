"""Demo surveys (满意度测评演示数据): last quarter's annual satisfaction survey of the demo
street's estates, closed, with the answers of 嘉绿景苑's bound owners (two on paper), and
the committee's open consultation on parking, for the simulator."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyRole, Resident
from backend.core.time import utcnow
from backend.extensions import db
from backend.surveys import services

ESTATE = "嘉绿景苑"
OFFICER = "wenxin.jiedao"
COMMITTEE = "jljy.yeweihui"
PARKING = [
    {
        "kind": "single",
        "category": "停车",
        "text": "您是否同意地面临时停车位夜间收费（每晚 5 元）？",
        "options": ["同意", "不同意", "无所谓"],
    },
    {"kind": "scale5", "category": "停车", "text": "您对目前的停车秩序满意吗？"},
    {"kind": "text", "category": "意见", "text": "其他建议（选填）"},
]


def seed(demo) -> None:
    """``seed-demo``: the closed annual survey and the open consultation, once."""
    estate = demo.estates.get(ESTATE)
    officer = demo.staff.get(OFFICER)
    if demo.existing or estate is None or officer is None:
        return
    now = utcnow().replace(second=0, microsecond=0)
    annual = services.create_survey(
        officer,
        estate_ids=[e.id for e in demo.estates.values()],
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30),
        template_code=services.ANNUAL,
    )
    services.open_survey(officer, annual, now=annual.opens_at)
    owners = db.session.execute(
        sa.select(Resident, Residency.unit_id)
        .join(Residency, Residency.resident_id == Resident.id)
        .where(
            Residency.estate_id == estate.id,
            Residency.role == ResidencyRole.owner,
            Residency.is_current,
        )
        .order_by(Residency.unit_id)
    ).all()
    at = annual.opens_at + timedelta(days=2)
    # one answer per unit: the first owner of each speaks for it
    owners = list({unit_id: (resident, unit_id) for resident, unit_id in reversed(owners)}.values())
    for number, (resident, unit_id) in enumerate(owners):
        answer = {str(q): demo.rng.choice([3, 4, 4, 5, 5]) for q in range(1, 8)}
        answer["8"] = demo.rng.randint(5, 10)
        answer["9"] = sorted(demo.rng.sample(range(7), 2))
        if number % 7 == 0:
            answer["10"] = "希望电梯维修再及时一些，地库照明也要改善。"
        if number < 2:
            services.enter_paper(officer, annual, unit_id, answer, now=at)
        else:
            services.answer(resident, annual, answer, unit_id=unit_id, now=at)
    services.close_survey(officer, annual, now=annual.closes_at)
    committee = demo.staff.get(COMMITTEE)
    if committee is not None:
        parking = services.create_survey(
            committee,
            estate_ids=[estate.id],
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=14),
            title="地面停车管理征询",
            description="业委会拟调整地面停车管理办法，请每户一位代表填写。",
            questions=PARKING,
            respondents=services.Respondents.residents,
        )
        services.open_survey(committee, parking, now=parking.opens_at)
    db.session.flush()
