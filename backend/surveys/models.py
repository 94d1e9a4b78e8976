"""Models of surveys: questionnaires, their estates, one answer per unit and the tallies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class QuestionKind(LabeledEnum):
    single = "single", "单选"
    multiple = "multiple", "多选"
    scale5 = "scale5", "1–5 分"
    scale10 = "scale10", "0–10 分"
    text = "text", "文字意见"


class Runner(LabeledEnum):
    """Who runs a survey, and so whose scope it targets."""

    street = "street", "街道办事处"  # the annual satisfaction survey of companies
    bureau = "bureau", "住房和城乡建设局"
    committee = "committee", "业主委员会"  # a consultation of its owners
    company = "company", "物业服务企业"  # its own service survey


class Respondents(LabeledEnum):
    owners = "owners", "仅业主"
    residents = "residents", "全体住户（业主、家属、租户）"


class SurveyState(LabeledEnum):
    draft = "draft", "草稿"
    open = "open", "进行中"
    closed = "closed", "已结束"


class AnswerChannel(LabeledEnum):
    online = "online", "小程序"
    paper = "paper", "纸质问卷"


class SurveyTemplate(db.Model):
    """A city's version of a shipped questionnaire (``templates.toml``), edited by staff."""

    __tablename__ = "survey_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(sa.String(80))
    code: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    questions: Mapped[list] = mapped_column(sa.JSON)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("city", "code"),)

    def __str__(self) -> str:
        return f"{self.city} {self.title}"


class Survey(db.Model):
    """Survey: a questionnaire put to the households of some estates in a window.

    ``questions`` is a list of ``{"number", "kind", "text", "category", "options"}``,
    frozen when the survey opens. ``draft → open → closed``, each move one conditional
    UPDATE; answers are taken only while open and ``opens_at <= now < closes_at``.
    """

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    template_code: Mapped[str | None] = mapped_column(sa.String(40))
    runner: Mapped[Runner] = mapped_column(sa.Enum(Runner, native_enum=False, length=20))
    respondents: Mapped[Respondents] = mapped_column(
        sa.Enum(Respondents, native_enum=False, length=20), default=Respondents.owners
    )
    #: an estate's result is shown only from this many answers (no small building unmasked)
    min_answers: Mapped[int] = mapped_column(default=10)
    questions: Mapped[list] = mapped_column(sa.JSON)
    state: Mapped[SurveyState] = mapped_column(
        sa.Enum(SurveyState, native_enum=False, length=20), default=SurveyState.draft, index=True
    )
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: households that had not answered were reminded (once) before the close
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    estates: Mapped[list[SurveyEstate]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyEstate.estate_id"
    )

    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="window"),
        sa.CheckConstraint("min_answers >= 1", name="min_answers"),
    )

    def __str__(self) -> str:
        return self.title

    def question(self, number: int) -> dict | None:
        return next((q for q in self.questions if q["number"] == number), None)


class SurveyEstate(db.Model):
    """An estate a survey asks, with what is frozen when it opens: the company serving it
    (the one rated) and its households (the response rate's denominator); ``answered``
    counts its households' answers (moved in the answer's transaction)."""

    __tablename__ = "survey_estates"

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"), primary_key=True)
    estate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("estates.id"), primary_key=True, index=True
    )
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    households: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0, server_default="0")

    survey: Mapped[Survey] = relationship(back_populates="estates")
    estate = relationship("Estate")


class SurveyUnit(db.Model):
    """A household a survey asks: the units of its estates when it opened (frozen then,
    like the counts of :class:`SurveyEstate`). Answers reference these rows, so a unit
    added to an estate afterwards cannot answer, and the answered households are always a
    part of the households in scope (the response rate never passes 100 %)."""

    __tablename__ = "survey_units"

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True, index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"))


class SurveyAnswer(db.Model):
    """A household's answer: one per unit and survey (the unique constraint), replaced in
    place until the close, and only from a unit the survey asks (the foreign key to
    :class:`SurveyUnit`). ``resident_id`` is who speaks for the unit online (only they may
    change it); it is never shown to staff, and the company sees aggregates only."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"))
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    channel: Mapped[AnswerChannel] = mapped_column(
        sa.Enum(AnswerChannel, native_enum=False, length=10), default=AnswerChannel.online
    )
    #: paper answers: the staff member who entered the form
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    #: question number (as text) → a choice index, a list of them, a score or a text
    answers: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "unit_id"),
        sa.ForeignKeyConstraint(
            ["survey_id", "unit_id"], ["survey_units.survey_id", "survey_units.unit_id"]
        ),
        sa.Index("ix_survey_answers_survey_estate", "survey_id", "estate_id"),
    )


class SurveyTally(db.Model):
    """Running counts of one survey's answers per estate, question and value, moved in the
    answer's transaction, so results read a few thousand rows, never the answers.

    ``value``: a choice index or a score; :data:`ANSWERED` counts the households that
    answered the question at all (a multiple choice's ``n``, a text question's count).
    """

    __tablename__ = "survey_tallies"

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"), primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), primary_key=True)
    question: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)


#: the tally value that counts a question's respondents
ANSWERED = -1
