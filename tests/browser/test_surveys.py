"""A satisfaction survey from end to end in Chromium: a street officer creates the annual
survey from its template for two estates and opens it (1280 px); residents answer in the
simulator (375 px) — one household twice, from two members: the second is told the household
has answered —; a paper questionnaire is entered by its printed code; the officer closes the
survey; the estate's board shows the result with its method (the smaller estate stays below
the minimum and is not shown); the company's monthly evaluation shows the survey component.
Screenshots in test-artifacts/screenshots/surveys-*.png."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backend.accounts.models import ResidencyRole, StaffRole
from backend.core.db import commit
from backend.core.time import to_local, utcnow
from backend.supervision import evaluation as supervision
from backend.surveys.models import Survey
from tests.browser.conftest import PHONE
from tests.browser.test_admin_panel import csrf_on, log_in  # noqa: F401  (CSRF on, as in production)
from tests.browser.test_simulator import answer_subscribe, committed, sign_in
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    EstateFactory,
    ResidencyFactory,
    ResidentFactory,
    StaffFactory,
    StreetFactory,
    UnitFactory,
)
from tests.helpers import bearer

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


def _shot(page, screenshot_dir, name: str, full: bool = False) -> None:
    page.screenshot(
        path=screenshot_dir / f"{name}.png", animations="disabled", caret="hide", full_page=full
    )


@pytest.fixture
def city(db):
    """嘉绿景苑 (8幢 1101: 张伟 and his family member 王芳; 1102: 李娜; 1103: answers on
    paper) and 文华苑 (one unit), both served by 嘉禾物业 in 文新街道."""
    street = StreetFactory(name="文新街道")
    company = CompanyFactory(name="嘉禾物业")
    community = CommunityFactory(street=street)
    jl = EstateFactory(name="嘉绿景苑", community=community, company=company)
    wh = EstateFactory(name="文华苑", community=community, company=company)
    building = BuildingFactory(estate=jl, name="8幢")
    units = {n: UnitFactory(building=building, number=n) for n in ("1101", "1102", "1103")}
    UnitFactory(building=BuildingFactory(estate=wh, name="1幢"), number="101")
    people = {}
    for openid, nickname, unit, role in (
        ("o-demo-zhang", "张伟（业主）", "1101", ResidencyRole.owner),
        ("o-demo-wang", "王芳（家属）", "1101", ResidencyRole.family),
        ("o-demo-li", "李娜（业主）", "1102", ResidencyRole.owner),
    ):
        people[openid] = ResidentFactory(openid=openid, nickname=nickname)
        ResidencyFactory(resident=people[openid], unit=units[unit], role=role)
    StaffFactory(username="jiedao", name="钱文博", role=StaffRole.street_officer, street=street)
    return {"estates": (jl, wh), "units": units, "company": company, "wang": people["o-demo-wang"]}


def _phone(browser, errors):
    page = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page


def _answer(page, live_stack, scores: dict, text: str = "") -> None:
    page.goto(f"{live_stack.simulator_url}#/home")
    page.get_by_test_id("home-survey").click()
    expect(page.get_by_test_id("survey-cell")).to_have_count(1)
    page.get_by_test_id("survey-cell").click()
    for number, value in scores.items():
        page.get_by_test_id(f"answer-{number}-{value}").check()
    if text:
        page.get_by_test_id("answer-10").fill(text)


def test_an_annual_survey_from_the_template_to_the_board_and_the_evaluation(
    browser, page, live_stack, db, city, screenshot_dir
):
    errors: list[str] = []
    jl, wh = city["estates"]
    now = utcnow()

    # --- the street officer creates the annual survey for both estates and opens it ---------
    log_in(page, live_stack.backend_url, "jiedao")
    page.goto(f"{live_stack.backend_url}/admin/surveys")
    page.locator("#new-survey").click()
    page.locator(f"#estate-{jl.id}").check()
    page.locator(f"#estate-{wh.id}").check()
    page.select_option("#respondents", value="residents")
    page.fill("#min_answers", "3")
    page.fill("#opens_at", to_local(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#closes_at", to_local(now + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    _shot(page, screenshot_dir, "surveys-01-panel-new")
    page.locator("#save-survey").click()
    expect(page.locator("#survey-state")).to_have_attribute("data-state", "draft")
    expect(page.locator("#questions li")).to_have_count(10)
    expect(page.locator("#questions")).to_contain_text("收费透明度")
    _shot(page, screenshot_dir, "surveys-02-panel-preview")
    page.locator("#confirm-open").check()
    page.locator("#do-open").click()
    expect(page.locator("#survey-state")).to_have_attribute("data-state", "open")
    survey_url = page.url
    survey_id = int(survey_url.rstrip("/").rsplit("/", 1)[1])

    # --- residents answer in the simulator ---------------------------------------------------
    zhang = _phone(browser, errors)
    sign_in(zhang, live_stack, "o-demo-zhang", "张伟（业主）")
    _answer(zhang, live_stack, {1: 5, 2: 4, 3: 4, 4: 5, 5: 4, 6: 3, 7: 4, 8: 9, 9: 1})
    _shot(zhang, screenshot_dir, "surveys-03-simulator-answer")
    zhang.get_by_test_id("submit-answer").click()
    answer_subscribe(zhang)  # consent to the survey messages
    expect(zhang.get_by_test_id("answered-by-me")).to_contain_text("截止前可修改")
    _shot(zhang, screenshot_dir, "surveys-04-simulator-answered")

    # the second member of 1101 finds the household's answer, not a form
    wang = _phone(browser, errors)
    sign_in(wang, live_stack, "o-demo-wang", "王芳（家属）")
    wang.get_by_test_id("home-survey").click()
    wang.get_by_test_id("survey-cell").click()
    expect(wang.get_by_test_id("household-answered")).to_contain_text("其他家庭成员")
    expect(wang.get_by_test_id("survey-form")).to_have_count(0)
    _shot(wang, screenshot_dir, "surveys-05-simulator-household")
    # and her answer sent anyway (two members at once) is refused: one per household
    refused = page.request.put(
        f"{live_stack.api_base}/me/surveys/{survey_id}/answer",
        data=json.dumps({"answers": {"1": 1}}),
        headers={**bearer(city["wang"]), "Content-Type": "application/json"},
    )
    assert refused.status == 409 and "每户一份" in refused.text()

    li = _phone(browser, errors)
    sign_in(li, live_stack, "o-demo-li", "李娜（业主）")
    _answer(
        li,
        live_stack,
        {1: 3, 2: 3, 3: 4, 4: 4, 5: 3, 6: 3, 7: 2, 8: 6},
        "电梯老坏，请打13812345678",
    )
    li.get_by_test_id("submit-answer").click()
    answer_subscribe(li)
    expect(li.get_by_test_id("answered-by-me")).to_be_visible()

    # --- the officer prints the paper questionnaire and enters 1103's ----------------------
    page.goto(f"{survey_url}/print?estate_id={jl.id}")
    code = f"S{survey_id}-U{city['units']['1103'].id}"
    expect(page.locator(f"#paper-{city['units']['1103'].id}")).to_contain_text(code)
    expect(page.locator(f"#paper-{city['units']['1103'].id} svg")).to_have_count(1)
    _shot(page, screenshot_dir, "surveys-06-panel-print")
    page.goto(survey_url)
    page.fill("#code", code)
    for number, value in {1: 4, 2: 4, 3: 3, 4: 4, 5: 5, 6: 4, 7: 3}.items():
        page.locator(f"input[name=q_{number}][value='{value}']").check()
    page.locator("#save-paper").click()
    expect(page.locator("#estate-" + str(jl.id))).to_contain_text("3")

    # --- the officer closes the survey -------------------------------------------------------
    page.locator("#confirm-close").check()
    page.locator("#do-close").click()
    expect(page.locator("#survey-state")).to_have_attribute("data-state", "closed")
    expect(page.locator(f"#estate-{jl.id}")).to_have_attribute("data-shown", "yes")
    expect(page.locator(f"#estate-{wh.id}")).to_have_attribute("data-shown", "no")
    expect(page.locator("#survey-chart-1")).to_be_visible()
    expect(page.locator("body")).to_contain_text("138****5678")
    expect(page.locator("body")).not_to_contain_text("13812345678")
    _shot(page, screenshot_dir, "surveys-07-panel-results", full=True)

    # --- the estate's board shows the result with its method --------------------------------
    board = json.loads(page.request.get(f"{live_stack.api_base}/estates/{jl.id}/board").text())
    (section,) = [s for s in board["sections"] if s["code"] == "survey_results"]
    (post,) = section["posts"]
    assert "满意度得分" in post["body_html"] and "测评方法" in post["body_html"]
    assert "13812345678" not in post["body_html"]
    hidden = json.loads(page.request.get(f"{live_stack.api_base}/estates/{wh.id}/board").text())
    (section,) = [s for s in hidden["sections"] if s["code"] == "survey_results"]
    assert "不予公布" in section["posts"][0]["body_html"]

    # the resident reads the results in the simulator
    zhang.goto(f"{live_stack.simulator_url}#/surveys/{survey_id}/results")
    expect(zhang.get_by_test_id("estate-score")).to_contain_text("分")
    expect(zhang.get_by_test_id("survey-method")).to_contain_text("每户一份")
    _shot(zhang, screenshot_dir, "surveys-08-simulator-results")

    # --- the company's monthly evaluation shows the survey component -----------------------
    (survey,) = committed(db, Survey.__table__.select().where(Survey.id == survey_id))
    month = to_local(utcnow()).date().replace(day=1)
    evaluation = supervision.evaluate(city["company"].id, month)
    commit()
    page.goto(f"{live_stack.backend_url}/admin/supervision/evaluations/{evaluation.id}")
    expect(page.locator("#evaluation-part-survey")).to_contain_text("满意度测评")
    _shot(page, screenshot_dir, "surveys-09-panel-evaluation")
    assert survey is not None

    for phone in (zhang, wang, li):
        phone.context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


def test_the_bureau_edits_its_citys_template_and_resets_it(
    page, live_stack, db, city, screenshot_dir
):
    """The bureau of 文新街道's district reorders, removes and adds questions of the annual
    template (1280 px), sees a Chinese error for a choice without options, saves, and
    restores the default after a confirmation."""
    from tests.browser.conftest import confirm

    street = city["estates"][0].community.street
    StaffFactory(
        username="zhujian", name="孙建国", role=StaffRole.bureau_officer, district=street.district
    )
    commit()
    log_in(page, live_stack.backend_url, "zhujian")
    page.goto(f"{live_stack.backend_url}/admin/surveys")
    page.locator("#survey-templates").click()
    expect(page.locator("#templates-table")).to_contain_text("默认模板")
    page.locator("#templates-table a").first.click()
    expect(page.locator("#questions-table tbody tr")).to_have_count(13)
    page.fill("#order-7", "0")  # the recommendation first
    page.locator("#remove-9").check()  # no comments question
    page.select_option("#kind-10", value="single")
    page.fill("#category-10", "停车")
    page.fill("#text-10", "您对小区停车管理是否满意")
    page.locator("#save-template").click()
    expect(page.locator(".alert")).to_contain_text("第 10 题须有 2–20 个选项")
    # the form comes back as it would be saved (reordered, the removed row gone): row 10
    expect(page.locator("#text-9")).to_have_value("您对小区停车管理是否满意")
    page.fill("#options-9", "满意\n一般\n不满意")
    page.locator("#save-template").click()
    expect(page.locator("#template-version")).to_have_text("本市版本")
    expect(page.locator("#text-0")).to_have_value("您向亲友推荐本小区物业服务的可能性（0–10 分）")
    expect(page.locator("#text-9")).to_have_value("您对小区停车管理是否满意")
    _shot(page, screenshot_dir, "surveys-10-panel-template", full=True)
    page.locator("#reset-template").click()
    confirm(page, "恢复")
    expect(page.locator("#template-version")).to_have_text("默认模板")
    expect(page.locator("#text-0")).to_have_value("客服接待与投诉处理（态度、响应速度、答复及时）")
