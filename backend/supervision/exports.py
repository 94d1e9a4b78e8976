"""Excel exports of the supervision tables (openpyxl, as the fees reports write them):
the dashboard's breakdown and trend, evaluations, credit records, the red/black list and
filings. Each export reads through the same scoped service as its page."""

from __future__ import annotations

from collections.abc import Iterator

from backend.authz import scope
from backend.core.sheets import write_xlsx
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.supervision import credit, dashboard, evaluation, filings
from backend.supervision.dashboard import Figures, Filter

FIGURE_HEADERS = [
    "工单数",
    "已响应",
    "响应用时中位数（分钟）",
    "响应用时 P90（分钟）",
    "已解决",
    "解决用时中位数（分钟）",
    "解决用时 P90（分钟）",
    "超时",
    "超时率（%）",
    "重新打开",
    "重新打开率（%）",
    "上报街道",
    "督办",
    "满意度（1–5）",
]


def _blank(value):
    return "" if value is None else value


def figure_cells(f: Figures) -> list:
    return [
        f.submitted,
        f.responded,
        _blank(f.response_median),
        _blank(f.response_p90),
        f.resolved,
        _blank(f.resolution_median),
        _blank(f.resolution_p90),
        f.overdue,
        _blank(f.overdue_rate),
        f.reopened,
        _blank(f.reopen_rate),
        f.escalated,
        f.supervised,
        _blank(f.satisfaction),
    ]


def export_breakdown(staff, f: Filter, by: str = "company"):
    """The dashboard's table by company, estate or kind, with its total, as .xlsx."""
    scope.require(staff, "supervision.export")
    rows = dashboard.breakdown(staff, f, by)
    total = dashboard.totals(staff, f)

    def lines() -> Iterator[list]:
        for figures in rows:
            yield [figures.label, *figure_cells(figures)]
        yield ["合计", *figure_cells(total)]

    title = f"工单统计_{dashboard.DIMENSIONS[by]}"
    return write_xlsx(title, [dashboard.DIMENSIONS[by], *FIGURE_HEADERS], lines())


def export_trend(staff, f: Filter, grain: str = "month"):
    """The dashboard's trend by week or month, as .xlsx."""
    scope.require(staff, "supervision.export")
    points = dashboard.trend(staff, f, grain)
    header = "周（起始日）" if grain == "week" else "月份"
    return write_xlsx(
        "工单趋势",
        [header, *FIGURE_HEADERS],
        ([str(p.key), *figure_cells(p)] for p in points),
    )


def export_evaluations(staff, year: int | None = None):
    scope.require(staff, "supervision.export")
    headers = ["月份", "物业企业", "总分", *(c.label for c in evaluation.formula())]

    def lines():
        for e in db.session.scalars(evaluation.evaluations_query(staff, year=year)):
            parts = e.parts or {}
            yield [
                f"{e.month:%Y-%m}",
                e.company.name,
                float(e.score),
                *(_blank((parts.get(c.code) or {}).get("points")) for c in evaluation.formula()),
            ]

    return write_xlsx("月度评价", headers, lines())


def export_credit(staff, company_id: int | None = None):
    scope.require(staff, "supervision.export")
    headers = ["日期", "物业企业", "项目经理", "来源", "分值", "事由"]

    def lines():
        for e in db.session.scalars(credit.entries(staff, company_id=company_id)):
            yield [
                e.occurred_on.isoformat(),
                e.company.name,
                e.manager.name if e.manager else "",
                e.source.label,
                e.points,
                e.reason,
            ]

    return write_xlsx("信用记录", headers, lines())


def export_lists(staff, year: int | None = None):
    scope.require(staff, "supervision.export")
    headers = ["年度", "名单", "物业企业", "年度星级", "月度平均分", "信用分值", "依据"]

    def lines():
        entries = list(db.session.scalars(evaluation.list_entries(staff, year)))
        stars = {}
        for entry_year in {e.year for e in entries}:
            bands = evaluation.star_bands(
                [e.company_id for e in entries if e.year == entry_year], entry_year
            )
            stars.update({(entry_year, c): band for c, band in bands.items()})
        for e in entries:
            yield [
                e.year,
                e.kind.label,
                e.company.name,
                stars[(e.year, e.company_id)],
                _blank(e.average_score and float(e.average_score)),
                e.credit_points,
                e.reason,
            ]

    return write_xlsx("红黑名单", headers, lines())


def export_filings(staff, kind=None, state=None):
    scope.require(staff, "supervision.export")
    headers = ["编号", "类型", "对象", "状态", "提交时间", "审核时间", "到期日", "审核意见"]

    def lines():
        for f in db.session.scalars(filings.filings_query(staff, kind, state)):
            yield [
                f.id,
                f.kind.label,
                filings.subject_label(f),
                f.state.label,
                _time(f.submitted_at),
                _time(f.reviewed_at),
                f.expires_on.isoformat() if f.expires_on else "",
                f.review_note,
            ]

    return write_xlsx("备案", headers, lines())


def _time(value) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def filename(title: str) -> str:
    """``<title>_<local time>.xlsx``."""
    return f"{title}_{to_local(utcnow()):%Y%m%d_%H%M}.xlsx"
