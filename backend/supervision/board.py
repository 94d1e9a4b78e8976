"""The disclosure board's generated section ``evaluations``: the serving company's recent
monthly evaluations, its credit stars and its red/black list entries."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.feature import BoardItem
from backend.extensions import db
from backend.org.models import Estate
from backend.supervision import credit
from backend.supervision.evaluation import UNRATED, formula, rules_text, star_bands
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
    entries = db.session.scalars(
        sa.select(ListEntry)
        .where(ListEntry.company_id == company_id)
        .order_by(ListEntry.year.desc())
        .limit(3)
    ).all()
    for entry in entries:
        band = star_bands([company_id], entry.year)[company_id]
        posts.append(
            BoardItem(
                key=f"list-{entry.year}-{company_id}",
                title=f"{entry.year}年度{entry.kind.label}：{name}",
                body=f"{name}列入{entry.year}年度{entry.kind.label}。\n\n依据：{entry.reason}。"
                f"\n\n年度满意度星级：{band}。{STAR_METHOD}" + "\n\n" + "\n".join(rules_text()),
                data={"year": entry.year, "list": entry.kind.value, "stars": band},
            )
        )
    # the star band of the latest year a list was published, for a company not on it
    latest = db.session.scalar(sa.select(sa.func.max(ListEntry.year)))
    if latest is not None and latest not in {e.year for e in entries}:
        band = star_bands([company_id], latest)[company_id]
        if band != UNRATED:
            posts.append(
                BoardItem(
                    key=f"stars-{latest}-{company_id}",
                    title=f"{latest}年度满意度星级：{name}",
                    body=f"{name}{latest}年度满意度星级：{band}。\n\n" + STAR_METHOD,
                    data={"year": latest, "stars": band},
                )
            )
    return posts


#: how the yearly star band reads on the board
STAR_METHOD = (
    "星级按该年度最后一次年度满意度测评的满意度得分，在全市参评物业服务企业中按百分位分档"
    "（五星至一星），与红黑名单一同公示。"
)
