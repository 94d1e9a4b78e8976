"""The disclosure board's generated section ``evaluations``: the serving company's recent
monthly evaluations, its credit stars and its red/black list entries."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.feature import BoardItem
from backend.extensions import db
from backend.org.models import Estate
from backend.supervision import credit
from backend.supervision.evaluation import formula, rules_text
from backend.supervision.models import Evaluation, ListEntry

#: how many recent monthly evaluations a board shows
MONTHS_SHOWN = 6


def items(estate_id: int) -> list[BoardItem]:
    """The posts of the estate's ``evaluations`` section (nothing personal in them)."""
    estate = db.session.get(Estate, estate_id)
    if estate is None or estate.company_id is None:
        return []
    company_id = estate.company_id
    name = estate.company.name
    posts = []
    evaluations = db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.company_id == company_id)
        .order_by(Evaluation.month.desc())
        .limit(MONTHS_SHOWN)
    ).all()
    if evaluations:
        posts.append(
            BoardItem(
                key=f"evaluations-{company_id}",
                title=f"{name} 月度服务评价",
                body="\n\n".join(
                    [
                        "街道办事处按月对物业服务企业进行评价（百分制）。",
                        "\n".join(f"{e.month:%Y年%m月}：{e.score} 分" for e in evaluations),
                        "评分构成："
                        + "；".join(f"{c.label} {c.points} 分" for c in formula())
                        + "。",
                    ]
                ),
                data={
                    "months": [
                        {"month": f"{e.month:%Y-%m}", "score": str(e.score)} for e in evaluations
                    ]
                },
            )
        )
    summary = credit.summary(company_id)
    posts.append(
        BoardItem(
            key=f"credit-{company_id}",
            title=f"{name} 信用星级",
            body=f"信用星级：{'★' * summary.stars}{'☆' * (5 - summary.stars)}（{summary.stars} 星）"
            f"\n\n近十二个月良好记录 {summary.good} 条，不良记录 {summary.bad} 条。",
            data={"stars": summary.stars, "good": summary.good, "bad": summary.bad},
        )
    )
    for entry in db.session.scalars(
        sa.select(ListEntry)
        .where(ListEntry.company_id == company_id)
        .order_by(ListEntry.year.desc())
        .limit(3)
    ):
        posts.append(
            BoardItem(
                key=f"list-{entry.year}-{company_id}",
                title=f"{entry.year}年度{entry.kind.label}：{name}",
                body=f"{name}列入{entry.year}年度{entry.kind.label}。\n\n依据：{entry.reason}。"
                + "\n\n"
                + "\n".join(rules_text()),
                data={"year": entry.year, "list": entry.kind.value},
            )
        )
    return posts
