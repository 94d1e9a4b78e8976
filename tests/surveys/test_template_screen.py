"""The panel's editor of a city's questionnaire template: the bureau of that city adds,
removes and reorders questions (categories, kinds, scales, options), errors read in
Chinese, every change is audited, 恢复为默认模板 drops the city's version, and a survey
created from the template uses the city's version; the bureau of another city gets 404."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.surveys import services
from backend.surveys.models import SurveyTemplate
from tests.admin.conftest import login
from tests.factories import StaffFactory, StreetFactory

URL = f"/admin/surveys/templates/{services.ANNUAL}"


def _form(city, rows, title="杭州市物业服务满意度测评"):
    data = {"city": city, "title": title, "description": "请如实评价", "rows": str(len(rows))}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{key}-{i}"] = value
    return data


def _bureau(world):
    return StaffFactory(role=StaffRole.bureau_officer, district=world.street.district)


def test_the_bureau_edits_reorders_removes_adds_and_resets(client, world):
    bureau = _bureau(world)
    city = world.street.city
    login(client, bureau)
    listing = client.get("/admin/surveys/templates").get_data(as_text=True)
    assert "默认模板" in listing and city in listing
    page = client.get(URL).get_data(as_text=True)
    assert "客服接待与投诉处理" in page and "恢复为默认模板" not in page

    rows = [
        {"order": "2", "kind": "scale5", "category": "客服", "text": "客服态度"},
        {"order": "1", "kind": "scale10", "category": "总体", "text": "推荐意愿"},
        {"order": "3", "kind": "single", "category": "维修", "text": "维修", "remove": "1"},
        {"order": "4", "kind": "multiple", "category": "改进", "text": "希望改进",
         "options": "保洁\n绿化\n安保", "new": "1"},
        {"order": "5", "kind": "text", "category": "", "text": "", "new": "1"},
    ]  # fmt: skip
    saved = client.post(URL, data=_form(city, rows))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    row = db.session.scalars(sa.select(SurveyTemplate)).one()
    assert [(q["number"], q["kind"], q["text"]) for q in row.questions] == [
        (1, "scale10", "推荐意愿"),
        (2, "scale5", "客服态度"),
        (3, "multiple", "希望改进"),
    ]
    assert row.questions[2]["options"] == ["保洁", "绿化", "安保"]
    audit = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "survey.template")
    ).all()
    assert len(audit) == 1

    survey = world.survey()
    assert survey.title == "杭州市物业服务满意度测评" and len(survey.questions) == 3
    assert "本市版本" in client.get(URL).get_data(as_text=True)

    reset = client.post(f"{URL}/reset", data={"city": city})
    assert reset.status_code == 302
    assert db.session.scalars(sa.select(SurveyTemplate)).all() == []
    assert len(services.template_for(city, services.ANNUAL)["questions"]) == 10
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "survey.template"))
        == 2
    )


def test_bad_questions_are_refused_in_chinese_and_nothing_is_saved(client, world):
    login(client, _bureau(world))
    city = world.street.city
    cases = [
        ([{"order": "1", "kind": "single", "category": "", "text": "选一项", "options": "是"}],
         "第 1 题须有 2–20 个选项"),
        ([{"order": "1", "kind": "scale5", "category": "", "text": ""}], "请填写第 1 题"),
        ([{"order": "x", "kind": "scale5", "category": "", "text": "总体"}],
         "第 1 行的顺序须为整数"),
        ([{"order": "1", "kind": "scale7", "category": "", "text": "总体"}], "第 1 题的题型无效"),
        ([{"order": "1", "kind": "scale5", "text": "总体", "remove": "1"}], "问卷至少要有一个问题"),
    ]  # fmt: skip
    for rows, message in cases:
        response = client.post(URL, data=_form(city, rows))
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True)
    empty_title = client.post(
        URL, data=_form(city, [{"order": "1", "kind": "scale5", "text": "总体"}], title="")
    )
    assert empty_title.status_code == 422 and "请填写标题" in empty_title.get_data(as_text=True)
    assert db.session.scalars(sa.select(SurveyTemplate)).all() == []


def test_another_citys_bureau_gets_404_and_a_street_officer_403(client, world):
    other = StreetFactory(city="宁波市", district="海曙区")
    login(client, StaffFactory(role=StaffRole.bureau_officer, district=other.district))
    city = world.street.city
    assert client.get(URL, query_string={"city": city}).status_code == 404
    rows = [{"order": "1", "kind": "scale5", "text": "总体"}]
    assert client.post(URL, data=_form(city, rows)).status_code == 404
    assert client.post(f"{URL}/reset", data={"city": city}).status_code == 404
    assert client.get(URL).status_code == 200  # its own city: 宁波市
    client.post("/admin/logout")
    login(client, world.officer)
    assert client.get(URL).status_code == 403
