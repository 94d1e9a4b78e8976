"""Demo boards: posts in every section of each company-run estate, published by the
company, the committee and the street office; one post corrected, one withdrawn, one
must-read notice, a money statement, the generated fee standards, and a quarterly section
left stale (published four months ago) so that compliance has something to show."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from backend.authz.roles import StaffRole
from backend.board import generated, services
from backend.board.models import Post, PostVersion
from backend.board.services import Content
from backend.board.statements import check_statement
from backend.core.time import utcnow
from backend.extensions import db

if TYPE_CHECKING:
    from backend.demo import Demo

#: section → (title, body) of its demo post
POSTS = {
    "manager": (
        "项目负责人及投诉电话",
        "<p>项目负责人：物业服务中心主任（持证上岗）</p>"
        "<p>24 小时服务及投诉电话：<strong>0571-88886666</strong></p>"
        "<p>街道物业投诉受理：0571-12345</p>",
    ),
    "service_standards": (
        "物业服务内容与标准（二级）",
        "<h3>服务内容</h3><ul><li>公共区域清洁：每日两次</li><li>秩序维护：24 小时值守</li>"
        "<li>绿化养护：每月修剪</li><li>设施设备：按规定维保</li></ul>",
    ),
    "contractors": (
        "电梯、消防设施维保单位",
        "<table><tr><th>设施</th><th>维保单位</th><th>电话</th></tr>"
        "<tr><td>电梯</td><td>杭州安达电梯工程有限公司</td><td>0571-86001234</td></tr>"
        "<tr><td>消防</td><td>浙江消安技术服务有限公司</td><td>0571-86005678</td></tr></table>",
    ),
    "parking": (
        "车位使用情况",
        "<p>地下车位 420 个：已售 310 个，出租 85 个，空置 25 个。</p>"
        "<p>临时停车：首小时免费，之后每小时 3 元。</p>",
    ),
    "utility_apportionment": (
        "公共水电分摊（本季度）",
        "<p>公共照明、电梯用电按各户建筑面积分摊，本季度每平方米 0.12 元。</p>",
    ),
    "lift_costs": (
        "电梯维保与年检费用",
        "<p>全年电梯维保费 96,000 元，年度检验费 8,400 元，均由物业服务费列支。</p>",
    ),
}
#: a money statement for 公共收益 (fen); it adds up
STATEMENT = {
    "title": "公共收益收支明细",
    "opening_balance_fen": 1_250_000,
    "lines": [
        {"item": "电梯轿厢广告", "income_fen": 360_000, "expense_fen": 0},
        {"item": "场地租赁（快递柜）", "income_fen": 120_000, "expense_fen": 0},
        {"item": "公共设施维修", "income_fen": 0, "expense_fen": 185_050},
    ],
    "total_income_fen": 480_000,
    "total_expense_fen": 185_050,
    "closing_balance_fen": 1_544_950,
}


def _staff(demo: Demo, role: StaffRole, **scope):
    for staff in demo.staff.values():
        if staff.role == role and all(getattr(staff, k) == v for k, v in scope.items()):
            return staff
    return None


def _backdated(
    estate_id: int, section: str, title: str, body: str, days: int, statement: dict | None = None
) -> Post:
    """A company post published ``days`` ago (demo only: shows a stale section)."""
    at = utcnow() - timedelta(days=days)
    post = Post(
        estate_id=estate_id,
        section=section,
        publisher="company",
        version_count=1,
        created_at=at,
        published_at=at,
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(
        PostVersion(
            post_id=post.id,
            number=1,
            title=title,
            body_html=body,
            statement=check_statement(statement) if statement else None,
            created_at=at,
        )
    )
    return post


def seed(demo: Demo) -> None:
    if demo.existing:
        return
    street_officer = _staff(demo, StaffRole.street_officer)
    for index, estate in enumerate(demo.estates.values()):
        if estate.company_id is None:
            continue
        company = _staff(demo, StaffRole.company_admin, company_id=estate.company_id)
        if company is None:
            continue
        generated.refresh(estate.id, "fee_standards")
        for code, (title, body) in POSTS.items():
            # the manager's post declares the service desk's mobile: shown in full
            phone = "13957100001" if code == "manager" else ""
            content = Content(title=title, body=body, service_phone=phone)
            services.publish(company, estate.id, code, content)
        if index == 0:
            # a quarterly statement four months old: compliance shows the section as stale
            _backdated(
                estate.id,
                "public_income",
                "公共收益收支（上上季度）",
                "<p>详见收支明细。</p>",
                days=125,
                # the post says "see the statement": it has one
                statement={**STATEMENT, "title": "上上季度公共收益收支明细"},
            )
        else:
            services.publish(
                company,
                estate.id,
                "public_income",
                Content(
                    title="本季度物业费及公共收益收支",
                    body="<p>明细如下。</p>",
                    statement=STATEMENT,
                ),
            )
        committee = _staff(demo, StaffRole.committee_member, estate_id=estate.id)
        if committee is not None:
            _committee_posts(committee, estate.id)
        if street_officer is not None and estate.street_id == street_officer.street_id:
            services.publish(
                street_officer,
                estate.id,
                "street_notices",
                Content(
                    title="关于开展消防通道专项整治的通知",
                    body="<p>请物业服务企业于本月底前清理消防通道堆放物，街道将组织复查。</p>",
                ),
            )
    db.session.flush()


def _committee_posts(committee, estate_id: int) -> None:
    services.publish(
        committee,
        estate_id,
        "committee_notices",
        Content(
            title="关于召开 2026 年度业主大会的公告",
            body="<p>业主大会定于下月 15 日以线上表决方式召开，请各位业主按时参加表决。</p>",
        ),
        must_read=True,
    )
    db.session.flush()
    services.publish(
        committee,
        estate_id,
        "repair_fund",
        Content(
            title="维修资金使用情况（上半年）",
            body="<p>上半年使用维修资金 12.6 万元，用于 3 幢、5 幢屋面防水维修。</p>",
        ),
    )
    corrected = services.publish(
        committee,
        estate_id,
        "committee_notices",
        Content(title="业委会例会纪要", body="<p>例会于 10 月 8 日召开，议定事项三项。</p>"),
    )
    db.session.flush()
    services.correct(
        committee,
        corrected.id,
        Content(title="业委会例会纪要", body="<p>例会于 10 月 9 日召开，议定事项三项。</p>"),
        reason="会议日期写错，更正为 10 月 9 日",
    )
    withdrawn = services.publish(
        committee,
        estate_id,
        "committee_notices",
        Content(title="关于停车收费调整的征求意见", body="<p>拟调整临时停车收费标准。</p>"),
    )
    db.session.flush()
    services.withdraw(committee, withdrawn.id, "尚未经业主大会表决，暂不征求意见")
