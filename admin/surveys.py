"""Surveys in the panel: create one from a template for estates in scope, preview, open,
close, results with charts (aggregates only: no screen shows who answered what), the
Excel export of aggregates, paper answers entered by code and the printable paper
questionnaire with each unit's QR code. Every rule is in ``backend.surveys``."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, NumberRange, Optional, ValidationError

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.charts import Series, bar_chart
from admin.forms import BAD_CHOICE, Form, LocalDateTimeField
from admin.page import ListSpec, arg_enum, arg_text, paginate_rows
from backend.core.db import rollback
from backend.core.errors import DomainError, Invalid, NotFound
from backend.core.sheets import write_xlsx
from backend.core.time import local_today
from backend.surveys import board, panel, services
from backend.surveys.models import QuestionKind, Respondents, Runner, Survey, SurveyState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFIRM = "请勾选确认"
#: paper questionnaires per printed page
PRINT_PER_PAGE = 50


class SurveyForm(Form):
    template_code = StringField(validators=[DataRequired("请选择模板")])
    title = StringField(validators=[Optional()])
    description = TextAreaField(validators=[Optional()])
    respondents = StringField(
        validators=[AnyOf([r.value for r in Respondents], message=BAD_CHOICE)],
        default=Respondents.owners.value,
    )
    min_answers = IntegerField(
        validators=[Optional(), NumberRange(1, 1000, message="最少答卷数须在 1–1000 之间")]
    )
    opens_at = LocalDateTimeField(validators=[DataRequired("请填写开始时间")])
    closes_at = LocalDateTimeField(validators=[DataRequired("请填写结束时间")])

    def validate_template_code(self, field) -> None:
        if field.data not in services.shipped_templates():
            raise ValidationError(BAD_CHOICE)


def _estate_ids() -> list[int]:
    values = request.form.getlist("estate_ids")
    ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 9]
    if len(ids) != len(values):
        raise Invalid(BAD_CHOICE, {"estate_ids": [BAD_CHOICE]})
    return ids


SURVEYS = ListSpec(
    sorts=services.SURVEY_SORTS,
    default="-id",
    filters=("q", "state", "runner"),
    tiebreak=(Survey.id,),
)


@blueprint.get("/surveys")
@login_required
@permission_required("survey.read")
def surveys():
    """满意度测评与征询：管辖范围内各小区的问卷（按标题、状态、发起单位筛选，按列排序）。"""
    stmt = services.surveys_query(
        current_staff(),
        q=arg_text("q"),
        state=arg_enum("state", SurveyState),
        runner=arg_enum("runner", Runner),
    )
    return render_template(
        "admin/surveys/list.html",
        listing=SURVEYS.page(stmt),
        states=list(SurveyState),
        runners=list(Runner),
        sort_labels={
            "id": "创建顺序",
            "title": "问卷",
            "runner": "发起单位",
            "state": "状态",
            "opens": "答题时间",
        },
    )


def _new_page(form=None, errors=None, status=200):
    staff = current_staff()
    return (
        render_template(
            "admin/surveys/new.html",
            form=form or SurveyForm(formdata=None),
            errors=errors or {},
            estates=panel.estates_for(staff),
            chosen=set(request.form.getlist("estate_ids")),
            templates=services.shipped_templates(),
            respondents=Respondents.choices(),
        ),
        status,
    )


@blueprint.get("/surveys/new")
@login_required
@permission_required("survey.manage")
def survey_new():
    """从模板创建问卷：选择小区、答题时间、作答范围与公布下限。"""
    return _new_page()


@blueprint.post("/surveys/new")
@login_required
@permission_required("survey.manage")
def survey_create():
    """保存问卷草稿（开始前可预览）。"""
    form = SurveyForm()
    try:
        data = form.checked()
        survey = services.create_survey(
            current_staff(),
            estate_ids=_estate_ids(),
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            template_code=data["template_code"],
            title=data["title"] or None,
            description=data["description"] or None,
            respondents=Respondents(data["respondents"]),
            min_answers=data["min_answers"],
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        rollback()
        return _new_page(form, exc.errors or {"_": [exc.message]}, exc.status)
    flash(f"已创建问卷草稿：{survey.title}", "success")
    return redirect(url_for("admin.survey", survey_id=survey.id))


def _charts(shown):
    """One bar chart per scale question: the mean of each estate shown (the overall mean
    first)."""
    lines = [line for line in shown.estates if line.figures.shown]
    if not lines or not shown.overall.questions:
        return []
    charts = []
    labels = [q.category or str(q.number) for q in shown.overall.questions if q.mean is not None]
    if labels:
        series = [
            Series(
                line.name,
                [float(q.mean) for q in line.figures.questions if q.mean is not None],
            )
            for line in lines[:6]
        ]
        charts.append(bar_chart("各项平均分（按小区）", labels, series, unit="分"))
    for q in shown.overall.questions:
        if q.kind in (QuestionKind.single.value, QuestionKind.multiple.value):
            names = [q.labels[v] for v in q.distribution]
            charts.append(
                bar_chart(
                    f"第 {q.number} 题：{q.text}"[:40],
                    names,
                    [Series("户数", [float(c) for c in q.distribution.values()])],
                    unit="户",
                )
            )
    return charts


def _survey_page(survey_id: int, errors=None, status=200):
    staff = current_staff()
    survey = services.survey_for(staff, survey_id)
    shown = panel.staff_results(staff, survey) if survey.state != SurveyState.draft else None
    return (
        render_template(
            "admin/surveys/survey.html",
            survey=survey,
            shown=shown,
            charts=_charts(shown) if shown else [],
            method=board.method_text(survey),
            errors=errors or {},
            estates_in_scope=services.estates_in_scope(staff, survey),
            answerable=services.is_answerable(survey),
            kinds=QuestionKind,
        ),
        status,
    )


@blueprint.get("/surveys/<int:survey_id>")
@login_required
@permission_required("survey.read")
def survey(survey_id: int):
    """问卷：题目预览、小区、参与率与结果图表（仅汇总）、纸质问卷录入。"""
    return _survey_page(survey_id)[0]


@blueprint.post("/surveys/<int:survey_id>/open")
@login_required
@permission_required("survey.manage")
def survey_open(survey_id: int):
    """开始问卷：冻结各小区户数与物业企业，并通知住户（经其订阅同意）。"""
    return _act(survey_id, "open")


@blueprint.post("/surveys/<int:survey_id>/close")
@login_required
@permission_required("survey.manage")
def survey_close(survey_id: int):
    """结束问卷（不可撤销）：停止作答，结果公布到各小区公示栏。"""
    return _act(survey_id, "close")


def _act(survey_id: int, action: str):
    staff = current_staff()
    survey = services.survey_for(staff, survey_id)
    try:
        if request.form.get("confirm") != "1":
            raise Invalid(CONFIRM, {"confirm": [CONFIRM]})
        if action == "open":
            services.open_survey(staff, survey)
        else:
            services.close_survey(staff, survey)
    except DomainError as exc:
        if exc.status == 404:
            raise
        rollback()
        flash(exc.message, "error")
        return _survey_page(survey_id, exc.errors, exc.status)
    flash(f"{survey.title}：已{'开始' if action == 'open' else '结束'}", "success")
    return redirect(url_for("admin.survey", survey_id=survey_id))


def _paper_items(survey) -> dict:
    """The paper form's answers as the service reads them (question number → value)."""
    items: dict = {}
    for q in survey.questions:
        name = f"q_{q['number']}"
        if q["kind"] == QuestionKind.multiple.value:
            values = request.form.getlist(name)
            if values:
                items[str(q["number"])] = [_int(v) for v in values]
        elif q["kind"] == QuestionKind.text.value:
            items[str(q["number"])] = request.form.get(name, "")
        elif request.form.get(name, "") != "":
            items[str(q["number"])] = _int(request.form[name])
    return items


def _int(value: str):
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 3):
        raise Invalid(BAD_CHOICE)
    return int(value)


@blueprint.post("/surveys/<int:survey_id>/paper")
@login_required
@permission_required("survey.enter_paper")
def survey_paper(survey_id: int):
    """录入一份纸质问卷（按问卷上的问卷码；每户一份）。"""
    staff = current_staff()
    survey = services.survey_for(staff, survey_id)
    try:
        unit_id = panel.unit_of_code(survey, request.form.get("code", ""))
        services.enter_paper(staff, survey, unit_id, _paper_items(survey))
    except DomainError as exc:
        if exc.status == 404 and not exc.message.startswith("未找到该房屋"):
            raise
        rollback()
        flash(exc.message, "error")
        return _survey_page(survey_id, exc.errors or {"code": [exc.message]}, exc.status)
    flash("已录入纸质问卷", "success")
    return redirect(url_for("admin.survey", survey_id=survey_id) + "#paper")


@blueprint.get("/surveys/<int:survey_id>/export.xlsx")
@login_required
@permission_required("survey.read")
def survey_export(survey_id: int):
    """导出结果汇总（Excel；仅汇总数据，不含任何答卷）。"""
    staff = current_staff()
    survey = services.survey_for(staff, survey_id)
    headers, rows = panel.export_sheet(staff, survey)
    title = f"{survey.title}结果"
    return send_file(
        write_xlsx(title, headers, rows),
        mimetype=XLSX,
        as_attachment=True,
        download_name=panel.export_filename(title),
    )


@blueprint.get("/surveys/<int:survey_id>/print")
@login_required
@permission_required("survey.read")
def survey_print(survey_id: int):
    """打印纸质问卷：每户一份，附该户的二维码与问卷码（录入时扫码或输入）。"""
    staff = current_staff()
    survey = services.survey_for(staff, survey_id)
    value = request.args.get("estate_id", "")
    if value:
        if not (value.isascii() and value.isdigit() and len(value) <= 9):
            raise NotFound("未找到该小区")
        estate_id = int(value)
    else:
        # the first estate in scope (a link from the survey's page names one)
        estate_id = next(iter(services.estates_in_scope(staff, survey)), 0)
    units = paginate_rows(panel.units_to_print(staff, survey, estate_id), per_page=PRINT_PER_PAGE)
    return render_template(
        "admin/surveys/print.html",
        survey=survey,
        units=units,
        estate_id=estate_id,
        code=lambda unit_id: panel.paper_code(survey.id, unit_id),
        qr=_qr_svg,
        today=local_today(),
        kinds=QuestionKind,
    )


def _qr_svg(text: str) -> str:
    """A QR code of ``text`` as an inline SVG path (allowed by the panel's CSP)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]
