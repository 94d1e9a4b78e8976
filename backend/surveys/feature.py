"""Satisfaction surveys, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import COMPANY_ROLES, StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.surveys.models import Survey, SurveyTemplate

#: bodies that run surveys: the street and bureau (the annual survey of companies), the
#: committee (a consultation of its owners), the company (its own service survey)
RUNNERS = frozenset(
    {
        StaffRole.street_officer,
        StaffRole.bureau_officer,
        StaffRole.committee_member,
        StaffRole.company_admin,
        StaffRole.platform_admin,
    }
)

feature = Feature(
    name="surveys",
    label="满意度测评",
    models="backend.surveys.models",
    api="backend.surveys.api:blp",
    admin=("admin.surveys",),
    nav=(
        NavEntry(
            "admin.surveys",
            "满意度测评",
            module="admin.surveys",
            permission="survey.read",
            group="表决",
        ),
    ),
    permissions={
        # aggregates of the surveys asking estates in scope (the company: never an answer)
        "survey.read": RUNNERS | frozenset(COMPANY_ROLES),
        # create from a template, open and close (only the body that runs the survey)
        "survey.manage": RUNNERS,
        # paper questionnaires are entered by the street or the committee, not by the
        # company being rated
        "survey.enter_paper": frozenset(
            {StaffRole.street_officer, StaffRole.committee_member, StaffRole.platform_admin}
        ),
        # a city's version of the shipped questionnaires
        "survey.template": frozenset({StaffRole.bureau_officer, StaffRole.platform_admin}),
    },
    audit_actions={
        "survey.create": "创建问卷",
        "survey.open": "开始问卷",
        "survey.close": "结束问卷",
        "survey.paper": "录入纸质问卷",
        "survey.template": "修改问卷模板",
        "survey.export": "导出问卷结果",
    },
    audit_entities={
        "survey": AuditEntity("问卷", Survey),
        "survey_template": AuditEntity(
            "问卷模板", SurveyTemplate, fields={"title": "标题", "questions": "题目"}
        ),
    },
    jobs=(PeriodicJob("backend.surveys.jobs:advance_surveys_job", interval=300),),
    demo="backend.surveys.demo:seed",
    # the company admin's home: the surveys running in its estates
    todo="backend.surveys.services:todo",
    board_sources={"survey_results": "backend.surveys.board:items"},
    evaluation_sources={"survey": "backend.surveys.evaluation:part"},
    star_sources={"survey": "backend.surveys.evaluation:stars_of"},
)
