r"""Inspections, the monthly evaluation of each company on a 100-point scale, and the yearly
red/black list (红黑名单) published to the boards of the company's estates.

The formula (``FORMULA``, shown on the page and in README):

=============================  ======  ==========================================
component                      points  fraction earned
=============================  ======  ==========================================
response within SLA            15      responded in time ÷ responded
resolution within SLA          15      resolved in time ÷ resolved
reopenings                     10      1 − reopened ÷ (resolved + reopened)
督办 orders                     10      1 − 0.2 × orders − 0.3 × missed (≥ 0)
inspections by officers        30      average inspection score ÷ 100
resident satisfaction          20      (average rating − 1) ÷ 4
safety (设施设备安全)             10 *    (tasks done on their due day + patrol points
                                       checked) ÷ (tasks due + points due)
=============================  ======  ==========================================

\* the city's ``SUPERVISION_SAFETY_POINTS`` (default 10; 0 leaves it out); its figures are
``backend.safety.figures.company_month``: maintenance tasks and patrol points of the
company's estates falling due in the month.

All figures are the month's: tickets submitted in it (rollups of the month), 督办 orders
issued in it, inspections done in it, over all the estates the company served. A component
without data that month (no ticket resolved, no inspection, no rating) is left out and the
others are scaled up to 100 (score = 100 × Σ points earned ÷ Σ points of the components
with data); with no data at all there is no evaluation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app

from backend.audit import services as audit
from backend.authz import scope
from backend.core import board_hook
from backend.core.errors import Invalid, NotFound
from backend.core.feature import load
from backend.core.time import SHANGHAI, local_today, month_end, month_start
from backend.extensions import db
from backend.media import services as media
from backend.org.models import Company, Estate
from backend.supervision import credit
from backend.supervision.common import NOT_FOUND, text
from backend.supervision.models import (
    CreditRecord,
    CreditSource,
    Evaluation,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    ListEntry,
    ListKind,
    OrderStatus,
    SupervisionOrder,
    rollup_table,
)
from backend.supervision.rollups import apply_pending

log = logging.getLogger(__name__)

#: the board section evaluations, credit stars and the lists are published in
BOARD_SECTION = "evaluations"


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    points: int
    rule: str


FORMULA: tuple[Component, ...] = (
    Component("response", "按时响应", 15, "按时响应的工单 ÷ 已响应的工单"),
    Component("resolution", "按时解决", 15, "按时解决的工单 ÷ 已解决的工单"),
    Component("reopen", "重新打开", 10, "1 − 重新打开的工单 ÷（已解决 + 重新打开）"),
    Component("supervision", "督办", 10, "1 − 0.2 × 督办次数 − 0.3 × 逾期未回复次数（最低 0）"),
    Component("inspection", "检查评分", 30, "当月检查平均分 ÷ 100"),
    Component("satisfaction", "住户满意度", 20, "（平均评分 − 1）÷ 4"),
)
#: the safety component (issue 23); its points are the city's ``SUPERVISION_SAFETY_POINTS``
SAFETY = Component(
    "safety", "设施设备安全", 10, "（按期完成的维保任务 + 已签到的巡查点）÷（到期任务 + 应查点）"
)


def formula() -> tuple[Component, ...]:
    """The formula in force: ``FORMULA`` and the safety component at the city's weight."""
    points = current_app.config.get("SUPERVISION_SAFETY_POINTS", SAFETY.points)
    if not points:
        return FORMULA
    return (*FORMULA, Component(SAFETY.code, SAFETY.label, int(points), SAFETY.rule))


FORMULA_NOTE = (
    "按当月提交的工单、当月下达的督办和当月的检查计算，覆盖该企业服务的全部小区。"
    "某项当月没有数据（无已解决工单、无检查、无评价）时不计入，其余各项按比例折算为百分制；"
    "全部无数据时不评价。"
)
#: monthly scores that write a credit entry (see ``credit.POINTS``)
EXCELLENT, POOR = 90, 60

#: inspection items officers usually score (the page offers them; others may be added)
INSPECTION_ITEMS: tuple[tuple[str, int], ...] = (
    ("综合管理", 20),
    ("环境卫生", 20),
    ("秩序维护", 20),
    ("设施设备", 25),
    ("绿化养护", 15),
)

#: the red/black list rules (setting ``SUPERVISION_LIST_RULES`` overrides any of them)
DEFAULT_LIST_RULES = {
    # red: a year of good work — at least this many months evaluated, averaging this much,
    # with no missed 督办 and no upheld complaint in the credit record
    "red_min_average": 90,
    "red_min_months": 10,
    "red_max_bad_entries": 0,
    # black: any of these
    "black_max_average": 60,
    "black_min_missed_orders": 3,
    "black_max_credit_points": -30,
}


def _one(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- inspections -----------------------------------------------------------------------------


def record_inspection(
    officer,
    estate_id: int,
    inspected_on: date,
    items: list[dict],
    note: str = "",
    photo_ids: list[int] | None = None,
) -> Inspection:
    """An officer's inspection of an estate, item by item (name, max_points, points,
    note); its score is the points over their maximum on a 100-point scale. Photos come
    from ``backend.media`` (uploaded by the officer first)."""
    scope.require(officer, "supervision.inspect")
    estate = scope.get_scoped(Estate, estate_id, officer)
    if estate.company_id is None:
        raise Invalid("该小区没有物业企业，无需检查评分", {"estate_id": ["无物业企业"]})
    if inspected_on > local_today():
        raise Invalid("检查日期不能晚于今天", {"inspected_on": ["不能晚于今天"]})
    if not items:
        raise Invalid("请至少填写一个检查项目", {"items": ["必填项"]})
    inspection = Inspection(
        estate_id=estate.id,
        company_id=estate.company_id,
        officer_id=officer.id,
        inspected_on=inspected_on,
        note=text(note, "note", "备注", multiline=True, required=False, max_length=2000),
        score=0,
    )
    total = got = 0
    for item in items:
        max_points, points = item.get("max_points"), item.get("points")
        if not isinstance(max_points, int) or not isinstance(points, int):
            raise Invalid("分值须为整数", {"items": ["分值须为整数"]})
        if max_points <= 0 or not 0 <= points <= max_points:
            raise Invalid("得分须在 0 与满分之间", {"items": ["得分超出范围"]})
        inspection.items.append(
            InspectionItem(
                name=text(item.get("name"), "items", "检查项目", max_length=60),
                max_points=max_points,
                points=points,
                note=text(item.get("note"), "items", "说明", max_length=500, required=False),
            )
        )
        total += max_points
        got += points
    inspection.score = _one(Decimal(got) * 100 / Decimal(total))
    db.session.add(inspection)
    db.session.flush()
    photos = media.attach_photos(photo_ids or [], staff_id=officer.id)
    for position, photo in enumerate(photos):
        db.session.add(
            InspectionPhoto(inspection_id=inspection.id, photo_id=photo.id, position=position)
        )
    db.session.flush()
    audit.record(
        officer,
        "inspection.record",
        "inspection",
        inspection.id,
        after={"score": str(inspection.score), "inspected_on": inspected_on.isoformat()},
        estate_id=estate.id,
    )
    return inspection


def inspections_query(
    staff, company_id: int | None = None, estate_id: int | None = None
) -> sa.Select:
    """Inspections of the estates in ``staff``'s scope, newest first (of one company, one
    estate, if given)."""
    stmt = scope.scoped(sa.select(Inspection), staff, Inspection.estate_id)
    if company_id is not None:
        stmt = stmt.where(Inspection.company_id == company_id)
    if estate_id is not None:
        stmt = stmt.where(Inspection.estate_id == estate_id)
    return stmt.order_by(Inspection.inspected_on.desc(), Inspection.id.desc())


#: the inspections list's sort keys (``admin.supervision.INSPECTIONS``)
INSPECTION_SORTS = {
    "inspected": Inspection.inspected_on,
    "estate": sa.select(Estate.name).where(Estate.id == Inspection.estate_id).scalar_subquery(),
    "score": Inspection.score,
}


def inspection_for(staff, inspection_id: int) -> Inspection:
    return scope.get_scoped(Inspection, inspection_id, staff)


# --- the monthly evaluation ------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    """What the formula reads for one company and month."""

    submitted: int = 0
    responded: int = 0
    response_in_sla: int = 0
    resolved: int = 0
    resolution_in_sla: int = 0
    reopened: int = 0
    rated: int = 0
    satisfaction_sum: int = 0
    orders: int = 0
    missed: int = 0
    inspection_average: Decimal | None = None
    #: maintenance tasks and patrol points of the month: on time, and due
    safety_on_time: int = 0
    safety_due: int = 0


def month_figures(company_id: int, month: date) -> MonthFigures:
    """The figures of ``company_id`` for ``month`` (first day), from the month rollups,
    the 督办 orders issued and the inspections done that month."""
    apply_pending()
    c = rollup_table.c
    names = (
        "submitted",
        "responded",
        "response_in_sla",
        "resolved",
        "resolution_in_sla",
        "reopened",
    )
    names += ("rated", "satisfaction_sum")
    row = (
        db.session.execute(
            sa.select(*(sa.func.coalesce(sa.func.sum(c[n]), 0).label(n) for n in names)).where(
                c.grain == "month", c.period == month, c.company_id == company_id
            )
        )
        .mappings()
        .one()
    )
    start, end = _month_bounds(month)
    orders = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case(
                        (
                            SupervisionOrder.status.in_(
                                (OrderStatus.missed, OrderStatus.answered_late)
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
        ).where(
            SupervisionOrder.company_id == company_id,
            SupervisionOrder.issued_at >= start,
            SupervisionOrder.issued_at < end,
        )
    ).one()
    average = db.session.scalar(
        sa.select(sa.func.avg(Inspection.score)).where(
            Inspection.company_id == company_id,
            Inspection.inspected_on >= month,
            Inspection.inspected_on < month_start(month, 1),
        )
    )
    safety_on_time, safety_due = load("backend.safety.figures:company_month")(company_id, month)
    return MonthFigures(
        **{n: int(row[n]) for n in names},
        safety_on_time=safety_on_time,
        safety_due=safety_due,
        orders=int(orders[0]),
        missed=int(orders[1]),
        inspection_average=None if average is None else Decimal(str(average)),
    )


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(month, time.min, tzinfo=SHANGHAI),
        datetime.combine(month_start(month, 1), time.min, tzinfo=SHANGHAI),
    )


def score(figures: MonthFigures, extra: dict | None = None) -> tuple[Decimal | None, dict]:
    """The month's score by ``FORMULA`` and each component's figures and points (None:
    no data at all). ``extra``: components other features add (``Feature.
    evaluation_sources``: code → :class:`EvaluationPart`), counted as the formula's own."""
    f = figures
    extra = {code: part for code, part in (extra or {}).items() if part and part.points}
    fractions: dict[str, Decimal | None] = {
        "response": _ratio(f.response_in_sla, f.responded),
        "resolution": _ratio(f.resolution_in_sla, f.resolved),
        "reopen": None
        if not f.resolved + f.reopened
        else 1 - Decimal(f.reopened) / Decimal(f.resolved + f.reopened),
        "supervision": None
        if not (f.submitted or f.orders)
        else max(Decimal(0), 1 - Decimal("0.2") * f.orders - Decimal("0.3") * f.missed),
        "inspection": None if f.inspection_average is None else f.inspection_average / 100,
        "satisfaction": None if not f.rated else (Decimal(f.satisfaction_sum) / f.rated - 1) / 4,
        "safety": _ratio(f.safety_on_time, f.safety_due),
    }
    if all(fraction is None for fraction in fractions.values()) and not extra:
        return None, {}
    parts = {}
    earned = possible = Decimal(0)
    for component in formula():
        fraction = fractions[component.code]
        if fraction is None:
            parts[component.code] = {"label": component.label, "points": None, "of": 0}
            continue
        points = fraction * component.points
        earned += points
        possible += component.points
        parts[component.code] = {
            "label": component.label,
            "points": str(_one(points)),
            "of": component.points,
        }
    for code, part in extra.items():
        points = Decimal(str(part.fraction)) * part.points
        earned += points
        possible += part.points
        parts[code] = {
            "label": part.label,
            "points": str(_one(points)),
            "of": part.points,
            "rule": part.rule,
            "figures": dict(part.figures),
        }
    parts["figures"] = {
        key: (str(value) if isinstance(value, Decimal) else value)
        for key, value in f.__dict__.items()
    }
    if not possible:  # only a component the city leaves out had data
        return None, {}
    return _one(earned * 100 / possible), parts


def extra_parts(company_id: int, month: date) -> dict:
    """The components other features add to ``company_id``'s evaluation of ``month``
    (``Feature.evaluation_sources``), those with data."""
    from backend.core.feature import load
    from backend.features import FEATURES

    found = {}
    for feature in FEATURES:
        for code, path in feature.evaluation_sources.items():
            part = load(path)(company_id, month)
            if part is not None:
                found[code] = part
    return found


def _ratio(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


def evaluate(company_id: int, month: date) -> Evaluation | None:
    """Compute (or recompute) ``company_id``'s evaluation for ``month``; a score of 90 or
    more, or below 60, writes one credit entry. The boards of its estates are refreshed."""
    month = month.replace(day=1)
    value, parts = score(month_figures(company_id, month), extra_parts(company_id, month))
    existing = db.session.scalars(
        sa.select(Evaluation).where(Evaluation.company_id == company_id, Evaluation.month == month)
    ).first()
    if value is None:
        return existing
    if existing is None:
        existing = Evaluation(company_id=company_id, month=month, score=value, parts=parts)
        db.session.add(existing)
    else:
        existing.score, existing.parts = value, parts
    db.session.flush()
    _credit_for(existing)
    publish(company_id)
    return existing


def _credit_for(evaluation: Evaluation) -> None:
    db.session.execute(sa.delete(CreditRecord).where(CreditRecord.evaluation_id == evaluation.id))
    value = Decimal(str(evaluation.score))
    if value >= EXCELLENT or value < POOR:
        key = "evaluation_excellent" if value >= EXCELLENT else "evaluation_poor"
        credit.add_entry(
            evaluation.company_id,
            CreditSource.evaluation,
            credit.POINTS[key],
            f"{evaluation.month:%Y年%m月}月度评价 {value} 分",
            month_end(evaluation.month),
            evaluation_id=evaluation.id,
        )


def evaluate_month(month: date) -> int:
    """Evaluate every company serving an estate, for ``month``; returns how many."""
    companies = db.session.scalars(
        sa.select(Company.id)
        .where(Company.id.in_(sa.select(Estate.company_id)))
        .order_by(Company.id)
    ).all()
    return sum(evaluate(company_id, month) is not None for company_id in companies)


def evaluations_query(staff, company_id: int | None = None, year: int | None = None) -> sa.Select:
    """Evaluations of the companies in ``staff``'s scope, newest month first."""
    stmt = sa.select(Evaluation).where(
        Evaluation.company_id.in_(credit.companies_in_scope(staff).with_only_columns(Company.id))
    )
    if company_id is not None:
        stmt = stmt.where(Evaluation.company_id == company_id)
    if year is not None:
        stmt = stmt.where(
            Evaluation.month >= date(year, 1, 1), Evaluation.month < date(year + 1, 1, 1)
        )
    return stmt.order_by(Evaluation.month.desc(), Evaluation.score.desc())


#: the evaluations list's sort keys (``admin.supervision.EVALUATIONS``)
EVALUATION_SORTS = {
    "month": Evaluation.month,
    "score": Evaluation.score,
    "company": sa.select(Company.name).where(Company.id == Evaluation.company_id).scalar_subquery(),
}


def evaluation_for(staff, evaluation_id: int) -> Evaluation:
    row = db.session.scalars(
        evaluations_query(staff).where(Evaluation.id == evaluation_id).order_by(None)
    ).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


# --- the red/black list ------------------------------------------------------------------------


def list_rules() -> dict:
    """The rules in force: the defaults, overridden by ``SUPERVISION_LIST_RULES``."""
    rules = dict(DEFAULT_LIST_RULES)
    override = current_app.config.get("SUPERVISION_LIST_RULES") or {}
    if isinstance(override, str):
        import json

        override = json.loads(override)
    unknown = set(override) - set(rules)
    if unknown:
        raise ValueError(f"unknown SUPERVISION_LIST_RULES keys: {sorted(unknown)}")
    rules.update(override)
    return rules


def rules_text(rules: dict | None = None) -> list[str]:
    """The rules in force, in Chinese (for the page and the board)."""
    r = rules or list_rules()
    return [
        f"红名单：全年至少 {r['red_min_months']} 个月有评价、月度平均分不低于 "
        f"{r['red_min_average']} 分，且全年督办逾期与投诉属实记录不超过 "
        f"{r['red_max_bad_entries']} 条。",
        f"黑名单（满足任一项）：月度平均分低于 {r['black_max_average']} 分；全年督办逾期 "
        f"{r['black_min_missed_orders']} 次及以上；全年信用分值合计不高于 "
        f"{r['black_max_credit_points']}。",
    ]


@dataclass
class YearStanding:
    company_id: int
    months: int
    average: Decimal | None
    bad_entries: int
    missed_orders: int
    credit_points: int


def standing(company_id: int, year: int) -> YearStanding:
    """The figures the list rules read for one company and year."""
    scores = db.session.scalars(
        sa.select(Evaluation.score).where(
            Evaluation.company_id == company_id,
            Evaluation.month >= date(year, 1, 1),
            Evaluation.month < date(year + 1, 1, 1),
        )
    ).all()
    entries = db.session.execute(
        sa.select(CreditRecord.source, CreditRecord.points).where(
            CreditRecord.company_id == company_id,
            CreditRecord.occurred_on >= date(year, 1, 1),
            CreditRecord.occurred_on < date(year + 1, 1, 1),
        )
    ).all()
    bad_sources = (CreditSource.supervision_missed, CreditSource.complaint_upheld)
    return YearStanding(
        company_id=company_id,
        months=len(scores),
        average=_one(sum(Decimal(str(s)) for s in scores) / len(scores)) if scores else None,
        bad_entries=sum(1 for source, _ in entries if source in bad_sources),
        missed_orders=sum(1 for source, _ in entries if source == CreditSource.supervision_missed),
        credit_points=sum(points for _, points in entries),
    )


def classify(s: YearStanding, rules: dict) -> tuple[ListKind, str] | None:
    """Which list (if any) a standing puts the company on, and why."""
    reasons = []
    if s.average is not None and s.average < rules["black_max_average"]:
        reasons.append(f"月度平均分 {s.average} 分")
    if s.missed_orders >= rules["black_min_missed_orders"]:
        reasons.append(f"督办逾期 {s.missed_orders} 次")
    if s.credit_points <= rules["black_max_credit_points"]:
        reasons.append(f"信用分值合计 {s.credit_points}")
    if reasons:
        return ListKind.black, "；".join(reasons)
    if (
        s.average is not None
        and s.months >= rules["red_min_months"]
        and s.average >= rules["red_min_average"]
        and s.bad_entries <= rules["red_max_bad_entries"]
    ):
        return ListKind.red, f"{s.months} 个月平均 {s.average} 分，无督办逾期与投诉属实记录"
    return None


def compile_lists(actor, year: int) -> list[ListEntry]:
    """Draw up ``year``'s red/black list from the evaluations and credit records by the
    rules in force, replacing an earlier version, and publish it to the boards of every
    estate of the companies concerned (before or now)."""
    scope.require(actor, "supervision.evaluate")
    rules = list_rules()
    before = set(db.session.scalars(sa.select(ListEntry.company_id).where(ListEntry.year == year)))
    db.session.execute(sa.delete(ListEntry).where(ListEntry.year == year))
    companies = db.session.scalars(
        sa.select(Evaluation.company_id)
        .where(Evaluation.month >= date(year, 1, 1), Evaluation.month < date(year + 1, 1, 1))
        .distinct()
    ).all()
    companies = sorted(
        set(companies)
        | set(
            db.session.scalars(
                sa.select(CreditRecord.company_id).where(
                    CreditRecord.occurred_on >= date(year, 1, 1),
                    CreditRecord.occurred_on < date(year + 1, 1, 1),
                )
            )
        )
    )
    entries = []
    for company_id in companies:
        s = standing(company_id, year)
        found = classify(s, rules)
        if found is None:
            continue
        kind, reason = found
        entry = ListEntry(
            year=year,
            company_id=company_id,
            kind=kind,
            reason=reason,
            average_score=s.average,
            credit_points=s.credit_points,
        )
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()
    audit.record(
        actor,
        "supervision.lists",
        "list_entry",
        year,
        after={
            "red": [e.company_id for e in entries if e.kind == ListKind.red],
            "black": [e.company_id for e in entries if e.kind == ListKind.black],
        },
    )
    rated = {c for c, band in star_bands(companies, year).items() if band != UNRATED}
    for company_id in before | rated | {e.company_id for e in entries}:
        publish(company_id)
    return entries


#: how a company no star source rated reads
UNRATED = "未评定"


def star_bands(company_ids, year: int) -> dict[int, str]:
    """Company id → its yearly star band for ``year`` from the features that rate companies
    (``Feature.star_sources``, such as the annual satisfaction survey), :data:`UNRATED`
    where none does. Published with the red/black list, on the panel and the boards."""
    from backend.features import FEATURES

    wanted = sorted(set(company_ids))
    found: dict[int, str] = {}
    if wanted:
        for feature in FEATURES:
            for path in feature.star_sources.values():
                for company_id, band in load(path)(wanted, year).items():
                    found.setdefault(company_id, band)
    return {company_id: found.get(company_id, UNRATED) for company_id in wanted}


def stars_in_scope(staff, year: int) -> list[tuple[Company, str]]:
    """The companies in ``staff``'s scope with their star band for ``year``: the rated ones
    first, best band first, then by name (:data:`UNRATED` last)."""
    companies = list(db.session.scalars(credit.companies_in_scope(staff)))
    bands = star_bands([c.id for c in companies], year)
    order = {band: i for i, band in enumerate(("五星", "四星", "三星", "二星", "一星"))}
    return sorted(
        ((c, bands[c.id]) for c in companies),
        key=lambda pair: (order.get(pair[1], len(order)), pair[0].name),
    )


def list_entries(staff, year: int | None = None) -> sa.Select:
    """Red/black list entries of the companies in ``staff``'s scope."""
    stmt = sa.select(ListEntry).where(
        ListEntry.company_id.in_(credit.companies_in_scope(staff).with_only_columns(Company.id))
    )
    if year is not None:
        stmt = stmt.where(ListEntry.year == year)
    return stmt.order_by(ListEntry.year.desc(), ListEntry.kind, ListEntry.company_id)


def publish(company_id: int) -> None:
    """Refresh the evaluations section of the boards of the estates ``company_id`` serves."""
    for estate_id in db.session.scalars(
        sa.select(Estate.id).where(Estate.company_id == company_id).order_by(Estate.id)
    ):
        board_hook.source_changed(estate_id, BOARD_SECTION)


def last_month(today: date | None = None) -> date:
    """The first day of the month before ``today``'s (the month a run on the 1st evaluates)."""
    today = today or local_today()
    return month_start(today, -1)


def total_points() -> int:
    """The formula's points add up to this (100 without the safety component)."""
    return sum(component.points for component in formula())
