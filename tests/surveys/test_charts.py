"""The results charts: 1–5 and 0–10 means never share an axis (one chart per scale, its top
stated), and counts of households are drawn on whole-number ticks."""

from __future__ import annotations

import re
from datetime import timedelta

from admin import charts
from admin.surveys import _charts
from backend.surveys import panel, services
from tests.admin.conftest import login
from tests.surveys.conftest import DURING, full_answer


def _closed(world):
    owners = world.households(10, world.estates[0])
    survey = world.open(world.survey(estates=[world.estates[0]]))
    for n, owner in enumerate(owners):
        answer = full_answer(4)
        answer["9"] = [n % 7]  # options 0–2 chosen twice, 3–6 once: a largest count of 2
        services.answer(owner, survey, answer, now=DURING)
    return world.close(survey, now=DURING + timedelta(hours=1))


def _labels(chart):
    return [t.label for t in chart.y_ticks]


def test_each_scale_has_its_own_chart_and_counts_have_whole_ticks(world, app):
    survey = _closed(world)
    drawn = _charts(panel.staff_results(world.officer, survey))
    five, ten, choice = drawn
    assert "1–5" in five.title and "满分 5 分" in five.title
    assert _labels(five)[-1] == "5" and len(five.x_labels) == 7
    assert all("：4分" in m.title for s in five.series for m in s.marks)
    assert "0–10" in ten.title and "满分 10 分" in ten.title
    assert _labels(ten)[-1] == "10" and len(ten.x_labels) == 1
    assert [m.title.rsplit("：", 1)[1] for s in ten.series for m in s.marks] == ["8分"]
    # a bar of 4 on the 0–5 axis stands higher than a bar of 8 on the 0–10 axis would at 4
    bar5 = five.series[0].marks[0]
    bar10 = ten.series[0].marks[0]
    assert bar5.height == bar10.height  # 4 of 5 and 8 of 10: the same share of each axis
    assert _labels(choice) == ["0", "1", "2"]


def test_integer_ticks_never_fall_between_whole_numbers():
    for top in (1, 2, 3, 7, 9, 13, 250):
        ticks = charts.nice_ticks(top, integer=True)
        assert all(float(t).is_integer() for t in ticks), (top, ticks)
        assert ticks[-1] >= top
    assert charts.nice_ticks(2) == [0, 0.5, 1, 1.5, 2]  # the plain ticks are unchanged


def test_the_page_draws_one_svg_per_scale(client, world):
    survey = _closed(world)
    login(client, world.officer)
    page = client.get(f"/admin/surveys/{survey.id}").get_data(as_text=True)
    captions = re.findall(r"<figcaption>(.*?)<span", page)
    assert captions[:2] == [
        "1–5 分题平均分（按小区，满分 5 分）",
        "0–10 分题平均分（按小区，满分 10 分）",
    ]
    choice = page[page.index('id="survey-chart-3"') :]
    choice = choice[: choice.index("</figure>")]
    ticks = re.findall(r'text-anchor="end" font-size="12" fill="#646a73">([^<]*)<', choice)
    assert ticks == ["0", "1", "2"]
