"""The yearly star bands published with the red/black list: each listed company carries the
band of its satisfaction survey score (not of its monthly evaluations), a company exactly
at the 10th percentile is 四星, a company without a survey reads 未评定 — on the panel, in
the Excel export and on the boards."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.time import to_local
from backend.extensions import db
from backend.supervision import board as supervision_board
from backend.supervision import evaluation as supervision
from backend.supervision.models import Evaluation
from backend.surveys import services
from tests.admin.conftest import login
from tests.factories import CommunityFactory, CompanyFactory, EstateFactory, StaffFactory
from tests.surveys.conftest import DURING

#: (the 1–5 score of the seven scale questions, the 0–10 recommendation): ten distinct
#: satisfaction scores, best first (100, 87.5, 78.1, 65.6, 56.3, 43.8, 34.4, 21.9, 12.5, 0)
ANSWERS = [(5, 10), (5, 0), (4, 10), (4, 0), (3, 10), (3, 0), (2, 10), (2, 0), (1, 10), (1, 0)]
#: with bands 10, 25, 85, 97 over ten companies: rank r sits at percentile (r − 1) × 10
EXPECTED = ["五星", "四星", "四星", "三星", "三星", "三星", "三星", "三星", "三星", "二星"]


def _estate(world, company):
    return EstateFactory(community=CommunityFactory(street=world.street), company=company)


def _rated_city(world):
    """Ten companies, one estate each, each rated by its own annual survey (one answer is
    enough with a minimum of 1), and an eleventh company that no survey asked; every one of
    them has a monthly evaluation of 50 (the same average: it cannot be what ranks them)."""
    companies, estates = [], []
    for scale, recommend in ANSWERS:
        company = CompanyFactory()
        estate = _estate(world, company)
        owner = world.resident(world.unit(estate))
        survey = world.open(world.survey(estates=[estate], min_answers=1))
        answer = {str(n): scale for n in range(1, 8)}
        answer["8"] = recommend
        services.answer(owner, survey, answer, now=DURING)
        world.close(survey, now=DURING + timedelta(hours=1))
        companies.append(company)
        estates.append(estate)
    unrated = CompanyFactory()
    estates.append(_estate(world, unrated))
    companies.append(unrated)
    year = to_local(DURING + timedelta(hours=1)).year
    for company in companies:
        db.session.add(Evaluation(company_id=company.id, month=date(year, 1, 1), score=50))
    commit()
    return companies, estates, year


def test_the_published_list_carries_each_companys_star_band(client, world):
    companies, _estates, year = _rated_city(world)
    platform = StaffFactory(role=StaffRole.platform_admin)
    entries = supervision.compile_lists(platform, year)
    commit()
    assert {e.company_id for e in entries} == {c.id for c in companies}

    bands = supervision.star_bands([c.id for c in companies], year)
    assert [bands[c.id] for c in companies[:10]] == EXPECTED
    # exactly at the 10th percentile (rank 2 of 10) is 四星, per the bands' rule
    assert bands[companies[1].id] == "四星"
    assert bands[companies[10].id] == "未评定"

    login(client, platform)
    page = client.get(f"/admin/supervision/lists?year={year}").get_data(as_text=True)
    ids = {e.company_id: e.id for e in entries}
    for company, band in zip(companies, [*EXPECTED, "未评定"], strict=True):
        row = re.search(rf'<tr id="list-{ids[company.id]}".*?</tr>', page, re.S).group(0)
        assert f'class="star-band">{band}<' in row, (company.name, band, row)
    assert "年度满意度星级" in page

    export = client.get(f"/admin/supervision/lists.xlsx?year={year}")
    sheet = load_workbook(io.BytesIO(export.data)).active
    header = [c.value for c in sheet[1]]
    column = header.index("年度星级")
    by_name = {row[2]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_name[companies[1].name] == "四星"
    assert by_name[companies[10].name] == "未评定"


def test_the_boards_show_the_band_with_the_list(world, app):
    companies, estates, year = _rated_city(world)
    supervision.compile_lists(StaffFactory(role=StaffRole.platform_admin), year)
    commit()
    second = supervision_board.items(estates[1].id)
    listed = next(p for p in second if p.key == f"list-{year}-{companies[1].id}")
    assert "年度满意度星级：四星" in listed.body and listed.data["stars"] == "四星"
    unrated = supervision_board.items(estates[10].id)
    listed = next(p for p in unrated if p.key == f"list-{year}-{companies[10].id}")
    assert "年度满意度星级：未评定" in listed.body


def test_a_survey_of_another_year_does_not_rate_this_one(world, app):
    companies, _estates, year = _rated_city(world)
    assert set(supervision.star_bands([companies[0].id], year + 1).values()) == {"未评定"}
