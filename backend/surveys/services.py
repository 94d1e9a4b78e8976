"""Survey rules: questionnaires and templates, the window, one answer per household.
Services flush, never commit.

- One answer per unit and survey (``uq_survey_answers_survey_id_unit_id``): the first
  resident of a unit who answers speaks for it (owners only, or every resident, per
  survey); they may change the answer until the close, another member of the household
  is told the unit has answered (409). Paper answers entered by staff count the same.
- Outside the window (before ``opens_at``, from ``closes_at`` on, or not open) an answer
  is refused with 409.
- Every answer moves the estate's tallies (:class:`SurveyTally`) in its transaction, so
  results never read the answers themselves.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from backend.accounts.models import ResidencyRole
from backend.audit import services as audit
from backend.authz import resident as resident_scope
from backend.authz import scope
from backend.core import board_hook
from backend.core.db import defer, insert, transition
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.core.text import TextRefused, clean_text
from backend.core.time import utcnow
from backend.extensions import db
from backend.org.models import Estate, Street, Unit
from backend.surveys.models import (
    ANSWERED,
    AnswerChannel,
    QuestionKind,
    Respondents,
    Runner,
    Survey,
    SurveyAnswer,
    SurveyEstate,
    SurveyState,
    SurveyTally,
    SurveyTemplate,
    SurveyUnit,
)

if TYPE_CHECKING:
    from backend.accounts.models import Resident, Staff

TEMPLATES_FILE = Path(__file__).with_name("templates.toml")
#: the board section of survey results (``board.py``)
BOARD_SECTION = "survey_results"
MAX_QUESTIONS = 60
MAX_OPTIONS = 20
MAX_TEXT = 500
SCALES = {QuestionKind.scale5: (1, 5), QuestionKind.scale10: (0, 10)}
ANNUAL = "annual_satisfaction"
#: a unit registered after the survey opened (its households were frozen then)
OUTSIDE_SCOPE = "该房屋在问卷开始后才登记，不在本次问卷的作答范围内"


# --- templates -------------------------------------------------------------------------------


@cache
def shipped_templates() -> dict[str, dict]:
    """The questionnaires shipped in ``templates.toml``: code → title, description,
    questions (checked and numbered)."""
    with TEMPLATES_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return {
        code: {
            "code": code,
            "title": entry["title"],
            "description": entry.get("description", ""),
            "questions": check_questions(entry["questions"]),
        }
        for code, entry in data.items()
    }


def template_for(city: str, code: str) -> dict:
    """Template ``code`` as ``city`` has edited it, else as shipped (:class:`NotFound`)."""
    row = db.session.scalar(
        sa.select(SurveyTemplate).where(SurveyTemplate.city == city, SurveyTemplate.code == code)
    )
    if row is not None:
        return {
            "code": code,
            "title": row.title,
            "description": row.description,
            "questions": row.questions,
        }
    shipped = shipped_templates().get(code)
    if shipped is None:
        raise NotFound("未找到该问卷模板")
    return shipped


def save_template(
    staff: Staff, city: str, code: str, title: str, description: str, questions: list
) -> SurveyTemplate:
    """Store ``city``'s version of template ``code`` (audited, before and after): only the
    bureau of that city (or the platform) may."""
    scope.require(staff, "survey.template")
    _require_city(staff, city, code)
    city = _text(city, "城市", 80, required=True)
    fields = {
        "title": _text(title, "标题", 100, required=True),
        "description": _text(description, "说明", 2000),
        "questions": check_questions(questions),
    }
    row = db.session.scalar(
        sa.select(SurveyTemplate).where(SurveyTemplate.city == city, SurveyTemplate.code == code)
    )
    before = None
    if row is None:
        row = SurveyTemplate(city=city, code=code, **fields)
        db.session.add(row)
    else:
        before = {"title": row.title, "questions": row.questions}
        for key, value in fields.items():
            setattr(row, key, value)
    row.updated_by_id = staff.id
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        staff,
        "survey.template",
        "survey_template",
        row.id,
        before=before,
        after={"title": row.title, "questions": row.questions},
    )
    return row


TEMPLATE_NOT_FOUND = "未找到该问卷模板，或不在您的管辖范围内"


def _require_city(staff: Staff, city: str, code: str) -> None:
    if code not in shipped_templates() or not scope.edits_templates_of(staff, city):
        raise NotFound(TEMPLATE_NOT_FOUND)


def template_cities(staff: Staff) -> list[str]:
    """The cities whose templates ``staff`` may edit (the platform: every city with a
    street)."""
    cities = scope.template_cities(staff)
    if cities is not None:
        return cities
    return sorted(db.session.scalars(sa.select(Street.city).where(Street.city != "").distinct()))


def city_templates(staff: Staff, city: str) -> list[dict]:
    """Each shipped template as ``city`` uses it, with ``edited`` (a city's version)."""
    scope.require(staff, "survey.template")
    if not scope.edits_templates_of(staff, city):
        raise NotFound(TEMPLATE_NOT_FOUND)
    edited = dict(
        db.session.execute(
            sa.select(SurveyTemplate.code, SurveyTemplate.updated_at).where(
                SurveyTemplate.city == city
            )
        ).all()
    )
    return [
        {**template_for(city, code), "edited": code in edited, "updated_at": edited.get(code)}
        for code in shipped_templates()
    ]


def city_template(staff: Staff, city: str, code: str) -> dict:
    """Template ``code`` as ``city`` uses it, for its editor (NotFound out of scope)."""
    scope.require(staff, "survey.template")
    _require_city(staff, city, code)
    found = template_for(city, code)
    edited = db.session.scalar(
        sa.select(SurveyTemplate.id).where(SurveyTemplate.city == city, SurveyTemplate.code == code)
    )
    return {**found, "edited": edited is not None}


def reset_template(staff: Staff, city: str, code: str) -> bool:
    """Drop ``city``'s version of template ``code``: new surveys use the shipped one again
    (audited; False if the city had none)."""
    scope.require(staff, "survey.template")
    _require_city(staff, city, code)
    row = db.session.scalar(
        sa.select(SurveyTemplate).where(SurveyTemplate.city == city, SurveyTemplate.code == code)
    )
    if row is None:
        return False
    before = {"title": row.title, "questions": row.questions}
    row_id = row.id
    db.session.delete(row)
    db.session.flush()
    audit.record(staff, "survey.template", "survey_template", row_id, before=before, after=None)
    return True


def templates_for_staff(staff: Staff) -> dict[str, dict]:
    """The templates a survey ``staff`` creates starts from: their city's versions (the
    city of the first estate in their scope), else as shipped."""
    first = db.session.scalar(scope.scoped(sa.select(Estate.id), staff, Estate.id).limit(1))
    city = _city_of(first) if first is not None else ""
    return {code: template_for(city, code) for code in shipped_templates()}


def _text(value, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise Invalid(f"请填写{label}")
    if len(value) > limit:
        raise Invalid(f"{label}过长（最多 {limit} 个字）")
    try:
        return clean_text(value) if value else ""
    except TextRefused as exc:
        raise Invalid(f"{label}{exc.message}") from None


def check_questions(questions) -> list[dict]:
    """``questions`` checked and numbered 1…n: kind, text, category, options."""
    if not isinstance(questions, list) or not questions:
        raise Invalid("问卷至少要有一个问题")
    if len(questions) > MAX_QUESTIONS:
        raise Invalid(f"问题过多（最多 {MAX_QUESTIONS} 个）")
    out = []
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            raise Invalid(f"第 {number} 题格式无效")
        try:
            kind = QuestionKind(question.get("kind"))
        except ValueError:
            raise Invalid(f"第 {number} 题的题型无效") from None
        options = question.get("options") or []
        if kind in (QuestionKind.single, QuestionKind.multiple):
            if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
                raise Invalid(f"第 {number} 题须有 2–{MAX_OPTIONS} 个选项")
            options = [_text(str(o), f"第 {number} 题的选项", 50, required=True) for o in options]
        else:
            options = []
        out.append(
            {
                "number": number,
                "kind": kind.value,
                "text": _text(question.get("text"), f"第 {number} 题", 200, required=True),
                "category": _text(question.get("category"), f"第 {number} 题的类别", 20),
                "options": options,
            }
        )
    return out


# --- surveys ---------------------------------------------------------------------------------


def _city_of(estate_id: int) -> str:
    return (
        db.session.scalar(
            sa.select(Street.city)
            .join(Estate, Estate.street_id == Street.id)
            .where(Estate.id == estate_id)
        )
        or ""
    )


def create_survey(
    staff: Staff,
    *,
    estate_ids: list[int],
    opens_at: datetime,
    closes_at: datetime,
    template_code: str | None = None,
    title: str | None = None,
    description: str | None = None,
    questions: list | None = None,
    respondents: Respondents = Respondents.owners,
    min_answers: int | None = None,
) -> Survey:
    """A draft survey of the estates ``estate_ids`` (all in ``staff``'s scope), run by the
    body ``staff`` acts for, from a template (the city's version) or given questions."""
    scope.require(staff, "survey.manage")
    runner = scope.runner_of(staff)
    estate_ids = sorted(set(estate_ids or []))
    if not estate_ids:
        raise Invalid("请选择至少一个小区")
    if runner is None or not scope.covers(staff, estate_ids):
        raise NotFound("未找到该小区，或不在您的管辖范围内")
    if closes_at <= opens_at:
        raise Invalid("结束时间须晚于开始时间")
    if template_code:
        template = template_for(_city_of(estate_ids[0]), template_code)
        title = title or template["title"]
        description = template["description"] if description is None else description
        questions = questions or template["questions"]
    minimum = current_app.config["SURVEY_MIN_ANSWERS"] if min_answers is None else min_answers
    if minimum < 1:
        raise Invalid("最少答卷数须至少为 1")
    survey = Survey(
        title=_text(title, "标题", 100, required=True),
        description=_text(description, "说明", 2000),
        template_code=template_code,
        runner=Runner(runner),
        respondents=respondents,
        min_answers=minimum,
        questions=check_questions(questions),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=staff.id,
    )
    survey.estates = [SurveyEstate(estate_id=e) for e in estate_ids]
    db.session.add(survey)
    db.session.flush()
    audit.record(staff, "survey.create", "survey", survey.id, after=_record(survey))
    return survey


def _record(survey: Survey) -> dict:
    return {
        "title": survey.title,
        "runner": survey.runner.value,
        "respondents": survey.respondents.value,
        "min_answers": survey.min_answers,
        "state": survey.state.value,
        "opens_at": survey.opens_at.isoformat(),
        "closes_at": survey.closes_at.isoformat(),
        "estates": [e.estate_id for e in survey.estates],
    }


#: how the survey list sorts (``admin.page.ListSpec``), by ``?sort=``
SURVEY_SORTS = {
    "id": Survey.id,
    "title": Survey.title,
    "runner": Survey.runner,
    "state": Survey.state,
    "opens": Survey.opens_at,
}


def surveys_query(
    staff: Staff,
    *,
    q: str = "",
    state: SurveyState | None = None,
    runner: Runner | None = None,
) -> sa.Select:
    """Surveys that ask any estate in ``staff``'s scope, newest first; ``q`` in the title,
    of one state or one runner."""
    scope.require(staff, "survey.read")
    stmt = sa.select(Survey).order_by(Survey.id.desc())
    if q:
        stmt = stmt.where(Survey.title.contains(q, autoescape=True))
    if state:
        stmt = stmt.where(Survey.state == state)
    if runner:
        stmt = stmt.where(Survey.runner == runner)
    ids = scope.estate_ids(staff)
    if ids is None:
        return stmt
    asked = sa.select(SurveyEstate.survey_id).where(SurveyEstate.estate_id.in_(ids))
    return stmt.where(Survey.id.in_(asked))


def todo(staff: Staff) -> list:
    """The surveys running in the estates of a company admin's company (the residents'
    verdict on its service): one statement."""
    from backend.core.feature import ToDo

    if not (scope.can(staff, "survey.read") and scope.manages_company(staff)):
        return []
    running = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            surveys_query(staff, state=SurveyState.open).order_by(None).subquery()
        )
    )
    return [ToDo("进行中的满意度测评", running, "admin.surveys", (("state", "open"),))]


def survey_for(staff: Staff, survey_id: int) -> Survey:
    """Survey ``survey_id`` if it asks an estate in ``staff``'s scope, else NotFound."""
    survey = db.session.scalar(surveys_query(staff).where(Survey.id == survey_id))
    if survey is None:
        raise NotFound("未找到该问卷，或不在您的管辖范围内")
    return survey


def estates_in_scope(staff: Staff, survey: Survey) -> list[int]:
    """The estates of ``survey`` that ``staff`` may see results of."""
    ids = [e.estate_id for e in survey.estates]
    allowed = scope.estate_ids(staff)
    if allowed is None:
        return ids
    return sorted(db.session.scalars(allowed.where(Estate.id.in_(ids))))


def _require_manager(staff: Staff, survey: Survey) -> None:
    scope.require(staff, "survey.manage")
    if not scope.runs_as(staff, survey.runner.value) or not scope.covers(
        staff, [e.estate_id for e in survey.estates]
    ):
        raise Forbidden("只有发起本问卷的单位可以操作")


def open_survey(staff: Staff, survey: Survey, now: datetime | None = None) -> Survey:
    """Open a draft: freeze each estate's company and households, and tell the households
    (a subscribe message to whoever consented, after commit)."""
    _require_manager(staff, survey)
    now = now or utcnow()
    if survey.closes_at <= now:
        raise Conflict("结束时间已过，请修改时间后再开始")
    if not transition(
        Survey, survey.id, Survey.state, SurveyState.draft, state=SurveyState.open, opened_at=now
    ):
        raise Conflict("问卷已开始或已结束")
    db.session.refresh(survey)
    ids = [e.estate_id for e in survey.estates]
    companies = dict(
        db.session.execute(sa.select(Estate.id, Estate.company_id).where(Estate.id.in_(ids))).all()
    )
    # the households in scope: the units of its estates now, one row each (answers can
    # only come from these rows), and their counts (the response rate's denominator)
    db.session.execute(
        sa.insert(SurveyUnit).from_select(
            ["survey_id", "unit_id", "estate_id"],
            sa.select(sa.literal(survey.id), Unit.id, Unit.estate_id).where(
                Unit.estate_id.in_(ids)
            ),
        )
    )
    households = dict(
        db.session.execute(
            sa.select(SurveyUnit.estate_id, sa.func.count())
            .where(SurveyUnit.survey_id == survey.id)
            .group_by(SurveyUnit.estate_id)
        ).all()
    )
    for row in survey.estates:
        row.company_id = companies.get(row.estate_id)
        row.households = households.get(row.estate_id, 0)
    db.session.flush()
    from backend.surveys.jobs import announce_survey_job

    defer(announce_survey_job, survey.id, key=f"survey-open-{survey.id}")
    audit.record(
        staff,
        "survey.open",
        "survey",
        survey.id,
        before={"state": "draft"},
        after={"state": "open"},
    )
    return survey


def close_survey(staff: Staff | None, survey: Survey, now: datetime | None = None) -> Survey:
    """Close an open survey (staff, or the clock at ``closes_at``): answers stop, results
    are published to the estates' boards."""
    if staff is not None:
        _require_manager(staff, survey)
    now = now or utcnow()
    if not transition(
        Survey, survey.id, Survey.state, SurveyState.open, state=SurveyState.closed, closed_at=now
    ):
        raise Conflict("问卷未在进行中")
    db.session.refresh(survey)
    if staff is not None and now < survey.closes_at:
        survey.closes_at = now
    for row in survey.estates:
        board_hook.source_changed(row.estate_id, BOARD_SECTION)
    db.session.flush()
    if staff is not None:
        audit.record(
            staff,
            "survey.close",
            "survey",
            survey.id,
            before={"state": "open"},
            after={"state": "closed"},
        )
    return survey


def advance_surveys(now: datetime | None = None) -> dict:
    """Close the open surveys whose window has ended; remind (once) the households of
    surveys closing within ``SURVEY_REMINDER`` that have not answered."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Survey).where(Survey.state == SurveyState.open, Survey.closes_at <= now)
    ).all()
    for survey in due:
        close_survey(None, survey, now=now)
    lead = current_app.config["SURVEY_REMINDER"]
    reminding = db.session.scalars(
        sa.select(Survey).where(
            Survey.state == SurveyState.open,
            Survey.reminded_at.is_(None),
            Survey.closes_at <= now + lead,
            Survey.closes_at > now,
        )
    ).all()
    reminded = 0
    for survey in reminding:
        if transition(Survey, survey.id, Survey.reminded_at, None, reminded_at=now):
            from backend.surveys.jobs import remind_survey_job

            defer(remind_survey_job, survey.id, key=f"survey-remind-{survey.id}")
            reminded += 1
    return {"closed": len(due), "reminded": reminded}


def is_answerable(survey: Survey, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return survey.state == SurveyState.open and survey.opens_at <= now < survey.closes_at


# --- answers ---------------------------------------------------------------------------------


def check_answers(survey: Survey, items) -> dict[str, object]:
    """``items`` (question number → choice index / indexes / score / text) checked against
    the questions; unanswered questions are left out. Raises :class:`Invalid`."""
    if not isinstance(items, dict):
        raise Invalid("答卷格式无效")
    out: dict[str, object] = {}
    for key, value in items.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            raise Invalid(f"题号“{key}”无效") from None
        question = survey.question(number)
        if question is None:
            raise Invalid(f"没有第 {number} 题")
        kind = QuestionKind(question["kind"])
        if value is None or value == "" or value == []:
            continue
        if kind == QuestionKind.text:
            if not isinstance(value, str):
                raise Invalid(f"第 {number} 题须填写文字")
            out[str(number)] = _text(value, f"第 {number} 题", MAX_TEXT)
        elif kind == QuestionKind.multiple:
            if not isinstance(value, list) or not all(_is_int(v) for v in value):
                raise Invalid(f"第 {number} 题须选择选项")
            chosen = sorted(set(value))
            if chosen[0] < 0 or chosen[-1] >= len(question["options"]):
                raise Invalid(f"第 {number} 题的选项无效")
            out[str(number)] = chosen
        else:
            if not _is_int(value):
                raise Invalid(f"第 {number} 题须选择一项")
            low, high = SCALES.get(kind, (0, len(question["options"]) - 1))
            if not low <= value <= high:
                raise Invalid(f"第 {number} 题的答案须在 {low}–{high} 之间")
            out[str(number)] = value
    if not out:
        raise Invalid("请至少回答一个问题")
    return out


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tally_rows(answers: dict) -> list[tuple[int, int]]:
    """(question, value) pairs an answer counts in."""
    rows = []
    for key, value in answers.items():
        number = int(key)
        rows.append((number, ANSWERED))
        if isinstance(value, list):
            rows.extend((number, v) for v in value)
        elif _is_int(value):
            rows.append((number, value))
    return rows


def _move_tallies(survey_id: int, estate_id: int, old: dict | None, new: dict) -> None:
    """Move the estate's tallies from ``old`` to ``new``, in key order (two answers of one
    estate never wait on each other's rows in opposite orders)."""
    delta: dict[tuple[int, int], int] = {}
    for key in _tally_rows(new):
        delta[key] = delta.get(key, 0) + 1
    for key in _tally_rows(old or {}):
        delta[key] = delta.get(key, 0) - 1
    rows = [
        {
            "survey_id": survey_id,
            "estate_id": estate_id,
            "question": question,
            "value": value,
            "count": change,
        }
        for (question, value), change in sorted(delta.items())
        if change
    ]
    if not rows:
        return
    # one statement for the whole answer, whatever the number of questions (one upsert run
    # over all the rows, which SQLAlchemy sends as one multi-row INSERT; its compiled form is
    # cached): the rows are added to (or created) in key order, each by its own change
    table = SurveyTally.__table__
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["survey_id", "estate_id", "question", "value"],
        set_={"count": table.c.count + stmt.excluded.count},
    )
    db.session.execute(stmt, rows)


def _store(
    survey: Survey,
    unit_id: int,
    estate_id: int,
    answers: dict,
    *,
    resident_id: int | None,
    channel: AnswerChannel,
    staff_id: int | None = None,
    now: datetime,
) -> tuple[SurveyAnswer, bool]:
    """Insert the unit's answer, or find the one there (the unique constraint decides who
    is first, on both stacks). Returns the row and whether it is new. Only a unit the
    survey froze when it opened (:class:`SurveyUnit`) may answer: the row is inserted from
    that household's row (and references it), so the answered households stay a part of
    the households in scope."""
    columns = SurveyAnswer.__table__.c
    frozen = sa.select(
        SurveyUnit.survey_id,
        SurveyUnit.unit_id,
        SurveyUnit.estate_id,
        sa.literal(resident_id, columns.resident_id.type),
        sa.literal(channel, columns.channel.type),
        sa.literal(staff_id, columns.entered_by_id.type),
        sa.literal(answers, columns.answers.type),
        sa.literal(now, columns.created_at.type),
        sa.literal(now, columns.updated_at.type),
    ).where(SurveyUnit.survey_id == survey.id, SurveyUnit.unit_id == unit_id)
    stmt = (
        insert(SurveyAnswer)
        .from_select(
            [
                "survey_id",
                "unit_id",
                "estate_id",
                "resident_id",
                "channel",
                "entered_by_id",
                "answers",
                "created_at",
                "updated_at",
            ],
            frozen,
        )
        .on_conflict_do_nothing(index_elements=["survey_id", "unit_id"])
        .returning(SurveyAnswer.id)
    )
    new_id = db.session.execute(stmt).scalar()
    if new_id is not None:
        db.session.execute(
            sa.update(SurveyEstate)
            .where(SurveyEstate.survey_id == survey.id, SurveyEstate.estate_id == estate_id)
            .values(answered=SurveyEstate.answered + 1)
        )
        _move_tallies(survey.id, estate_id, None, answers)
        return db.session.get(SurveyAnswer, new_id), True
    existing = db.session.scalars(
        sa.select(SurveyAnswer)
        .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.unit_id == unit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if existing is None:
        raise Conflict(OUTSIDE_SCOPE)
    return existing, False


def _eligible_places(resident: Resident, survey: Survey) -> list:
    estates = {e.estate_id for e in survey.estates}
    return [
        p
        for p in resident_scope.current_places(resident)
        if p.estate_id in estates
        and (survey.respondents == Respondents.residents or p.role == ResidencyRole.owner)
    ]


def answer(
    resident: Resident,
    survey: Survey,
    items,
    unit_id: int | None = None,
    now: datetime | None = None,
) -> SurveyAnswer:
    """Record (or replace) the answer of the resident's household. The first resident of a
    unit who answers speaks for it; only they may change it, until the close."""
    now = now or utcnow()
    if not is_answerable(survey, now):
        raise Conflict("问卷不在答题时间内")
    places = _eligible_places(resident, survey)
    if not places:
        if survey.respondents == Respondents.owners and any(
            p.estate_id in {e.estate_id for e in survey.estates}
            for p in resident_scope.current_places(resident)
        ):
            raise Forbidden("本问卷仅限业主本人作答")
        raise NotFound("未找到该问卷")
    if unit_id is None:
        if len({p.unit_id for p in places}) > 1:
            raise Invalid("您名下有多套房屋，请选择为哪套房屋作答")
        place = places[0]
    else:
        place = next((p for p in places if p.unit_id == unit_id), None)
        if place is None:
            lives_there = any(p.unit_id == unit_id for p in resident_scope.current_places(resident))
            if lives_there:
                raise Forbidden("本问卷仅限业主本人作答")
            raise NotFound("未找到该房屋")
    answers = check_answers(survey, items)
    row, new = _store(
        survey,
        place.unit_id,
        place.estate_id,
        answers,
        resident_id=resident.id,
        channel=AnswerChannel.online,
        now=now,
    )
    if new:
        return row
    if row.resident_id != resident.id:
        raise Conflict("本户已由其他家庭成员作答（每户一份）")
    _move_tallies(survey.id, row.estate_id, row.answers, answers)
    row.answers = answers
    row.updated_at = now
    db.session.flush()
    return row


def enter_paper(
    staff: Staff, survey: Survey, unit_id: int, items, now: datetime | None = None
) -> SurveyAnswer:
    """A paper questionnaire entered by staff for ``unit_id`` (marked paper; still one per
    unit: a unit that has answered is refused with 409). Audited without its content."""
    scope.require(staff, "survey.enter_paper")
    now = now or utcnow()
    if not is_answerable(survey, now):
        raise Conflict("问卷不在答题时间内")
    estates = {e.estate_id for e in survey.estates}
    found = db.session.execute(sa.select(Unit.id, Unit.estate_id).where(Unit.id == unit_id)).first()
    if (
        found is None
        or found.estate_id not in estates
        or not scope.covers(staff, [found.estate_id])
    ):
        raise NotFound("未找到该房屋，或不在本问卷范围内")
    answers = check_answers(survey, items)
    row, new = _store(
        survey,
        unit_id,
        found.estate_id,
        answers,
        resident_id=None,
        channel=AnswerChannel.paper,
        staff_id=staff.id,
        now=now,
    )
    if not new:
        raise Conflict("该房屋已作答（每户一份）")
    audit.record(
        staff,
        "survey.paper",
        "survey",
        survey.id,
        after={"unit_id": unit_id},
        estate_id=found.estate_id,
    )
    return row


def household_answers(resident: Resident, survey_ids: list[int]) -> dict[int, SurveyAnswer]:
    """Survey id → the answer of one of the resident's units (their own first)."""
    units = resident_scope.unit_ids(resident)
    if not units or not survey_ids:
        return {}
    rows = db.session.scalars(
        sa.select(SurveyAnswer).where(
            SurveyAnswer.survey_id.in_(survey_ids), SurveyAnswer.unit_id.in_(units)
        )
    ).all()
    out: dict[int, SurveyAnswer] = {}
    for row in sorted(rows, key=lambda r: r.resident_id != resident.id):
        out.setdefault(row.survey_id, row)
    return out


# --- what residents see ----------------------------------------------------------------------


def resident_surveys(resident: Resident, answered_only: bool = False) -> sa.Select:
    """Open and closed surveys of the estates where ``resident`` lives, newest first."""
    estates = resident_scope.estate_ids(resident)
    asked = sa.select(SurveyEstate.survey_id).where(SurveyEstate.estate_id.in_(estates))
    stmt = (
        sa.select(Survey)
        .where(Survey.id.in_(asked), Survey.state != SurveyState.draft)
        .order_by(Survey.id.desc())
    )
    if answered_only:
        units = resident_scope.unit_ids(resident)
        mine = sa.select(SurveyAnswer.survey_id).where(SurveyAnswer.unit_id.in_(units))
        stmt = stmt.where(Survey.id.in_(mine))
    return stmt


def resident_survey(resident: Resident, survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    estates = set(resident_scope.estate_ids(resident))
    if (
        survey is None
        or survey.state == SurveyState.draft
        or not estates & {e.estate_id for e in survey.estates}
    ):
        raise NotFound("未找到该问卷")
    return survey


def reminder_lead() -> timedelta:
    return current_app.config["SURVEY_REMINDER"]
