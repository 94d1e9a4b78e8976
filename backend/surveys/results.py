"""Survey results from the tallies: response rate, each question's distribution and mean
with its sample size, per estate, per company and overall.

The minimum-answers rule: an estate's figures are shown only once it has at least the
survey's ``min_answers`` answers (default ``SURVEY_MIN_ANSWERS`` = 10), so that a small
building cannot be unmasked. Company and overall figures add up the shown estates only
(adding a hidden estate would let anyone subtract its figures back out).

The satisfaction score (0–100) of a set of answers is the mean over its scale questions of
each question's mean mapped onto 0–100: a 1–5 score ``s`` is ``(s − 1) × 25``, a 0–10 score
``s`` is ``s × 10``. Free text never enters a score and reaches staff only through
:func:`backend.core.masking.mask_public`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from backend.core.masking import mask_public
from backend.extensions import db
from backend.surveys.models import (
    ANSWERED,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyEstate,
    SurveyTally,
)

SCALE_KINDS = (QuestionKind.scale5.value, QuestionKind.scale10.value)


@dataclass
class QuestionResult:
    number: int
    kind: str
    text: str
    category: str
    #: households that answered it
    n: int
    #: value → households (a choice index or a score); empty for text
    distribution: dict[int, int]
    #: the mean score of a scale question (2 places), else None
    mean: Decimal | None
    #: the options' or scores' labels, in the order of ``distribution``'s keys
    labels: dict[int, str]


@dataclass
class Figures:
    """Results of a group of estates (one estate, one company, all)."""

    households: int
    answered: int
    shown: bool
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def response_rate(self) -> Decimal | None:
        """Households answered ÷ households in scope (a fraction, 4 places)."""
        if not self.households:
            return None
        return (Decimal(self.answered) / Decimal(self.households)).quantize(Decimal("0.0001"))

    @property
    def score(self) -> Decimal | None:
        return satisfaction_score(self.questions) if self.shown else None


@dataclass
class SurveyResults:
    survey: Survey
    estates: dict[int, Figures]
    companies: dict[int | None, Figures]
    overall: Figures


def _labels(question: dict) -> dict[int, str]:
    kind = question["kind"]
    if kind == QuestionKind.scale5.value:
        return {v: f"{v} 分" for v in range(1, 6)}
    if kind == QuestionKind.scale10.value:
        return {v: f"{v} 分" for v in range(0, 11)}
    return dict(enumerate(question.get("options") or []))


def _mean(question: dict, counts: dict[int, int], n: int) -> Decimal | None:
    if question["kind"] not in SCALE_KINDS or not n:
        return None
    total = sum(value * count for value, count in counts.items())
    return (Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _figures(
    survey: Survey, households: int, answered: int, counts: dict, shown: bool, labels_of: dict
) -> Figures:
    figures = Figures(households=households, answered=answered, shown=shown)
    if not shown:
        return figures
    for question in survey.questions:
        number = question["number"]
        n = counts.get((number, ANSWERED), 0)
        labels = labels_of[number]
        distribution = {value: counts.get((number, value), 0) for value in labels}
        figures.questions.append(
            QuestionResult(
                number=number,
                kind=question["kind"],
                text=question["text"],
                category=question.get("category", ""),
                n=n,
                distribution=distribution,
                mean=_mean(question, distribution, n),
                labels=labels,
            )
        )
    return figures


def results(survey: Survey, estate_ids: list[int] | None = None) -> SurveyResults:
    """The results of ``survey`` for ``estate_ids`` (default: all its estates): one GROUP BY
    over the tallies (a few rows per estate and question), never over the answers."""
    estates = {
        row.estate_id: row
        for row in survey.estates
        if estate_ids is None or row.estate_id in estate_ids
    }
    stmt = sa.select(
        SurveyTally.estate_id, SurveyTally.question, SurveyTally.value, SurveyTally.count
    ).where(SurveyTally.survey_id == survey.id, SurveyTally.count != 0)
    if estate_ids is not None:
        stmt = stmt.where(SurveyTally.estate_id.in_(list(estates)))
    per_estate: dict[int, dict] = {e: {} for e in estates}
    for estate_id, question, value, count in db.session.execute(stmt):
        found = per_estate.get(estate_id)
        if found is not None:
            found[(question, value)] = count
    return _combine(survey, estates, per_estate)


def _combine(survey: Survey, estates: dict[int, SurveyEstate], per_estate: dict) -> SurveyResults:
    minimum = survey.min_answers
    labels_of = {q["number"]: _labels(q) for q in survey.questions}
    out_estates = {}
    by_company: dict[int | None, list[int]] = {}
    for estate_id, row in estates.items():
        shown = row.answered >= minimum
        out_estates[estate_id] = _figures(
            survey, row.households, row.answered, per_estate[estate_id], shown, labels_of
        )
        by_company.setdefault(row.company_id, []).append(estate_id)

    def add(into: dict, counts: dict) -> None:
        for key, count in counts.items():
            into[key] = into.get(key, 0) + count

    companies, overall_counts = {}, {}
    overall_households = overall_answered = 0
    for company, ids in by_company.items():
        shown_ids = [e for e in ids if out_estates[e].shown]
        counts: dict = {}
        for e in shown_ids:
            add(counts, per_estate[e])
        households = sum(estates[e].households for e in shown_ids)
        answered = sum(estates[e].answered for e in shown_ids)
        companies[company] = _figures(
            survey, households, answered, counts, bool(shown_ids), labels_of
        )
        # the companies' estates are disjoint: the city adds up the companies
        add(overall_counts, counts)
        overall_households += households
        overall_answered += answered
    overall = _figures(
        survey,
        overall_households,
        overall_answered,
        overall_counts,
        bool(overall_answered),
        labels_of,
    )
    return SurveyResults(survey=survey, estates=out_estates, companies=companies, overall=overall)


def satisfaction_score(questions: list[QuestionResult]) -> Decimal | None:
    """The 0–100 score of a result (see the module): the mean of the scale questions'
    means mapped onto 0–100, 2 places; None without any answered scale question."""
    points = []
    for q in questions:
        if q.mean is None:
            continue
        if q.kind == QuestionKind.scale5.value:
            points.append((q.mean - 1) * 25)
        else:
            points.append(q.mean * 10)
    if not points:
        return None
    return (sum(points) / len(points)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def free_texts(survey: Survey, estate_id: int, limit: int = 200) -> list[str]:
    """The free-text answers of a shown estate, masked (mobiles, ID numbers), newest first,
    without who or which unit wrote them; none while the estate is below the minimum."""
    row = next((e for e in survey.estates if e.estate_id == estate_id), None)
    if row is None or row.answered < survey.min_answers:
        return []
    numbers = [str(q["number"]) for q in survey.questions if q["kind"] == QuestionKind.text.value]
    if not numbers:
        return []
    answers = db.session.scalars(
        sa.select(SurveyAnswer.answers)
        .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.estate_id == estate_id)
        .order_by(SurveyAnswer.updated_at.desc())
        .limit(limit * 5)
    )
    texts = []
    for items in answers:
        for number in numbers:
            value = items.get(number)
            if isinstance(value, str) and value.strip():
                texts.append(mask_public(value))
        if len(texts) >= limit:
            break
    return texts[:limit]
