"""Server-drawn SVG charts (admin/charts.py, admin/templates/admin/_chart.html): the geometry
puts values where they belong, and the markup passes the panel's CSP (no style attribute,
no script) with every label escaped."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import render_template_string

from admin import charts
from admin.charts import Series

MACRO = '{% from "admin/_chart.html" import svg_chart %}{{ svg_chart(chart, "c") }}'


def _render(app, chart) -> str:
    with app.test_request_context():
        return render_template_string(MACRO, chart=chart)


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0.0, 1.0]),
        (4, [0, 1, 2, 3, 4]),
        (7, [0, 2, 4, 6, 8]),
        (10, [0, 2.5, 5, 7.5, 10]),
        (93, [0, 25, 50, 75, 100]),
        (0.4, [0, 0.1, 0.2, 0.3, 0.4]),
    ],
)
def test_grid_values_are_round_and_cover_the_maximum(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


def test_a_line_chart_puts_the_largest_value_on_the_top_line_and_zero_on_the_axis():
    chart = charts.line_chart("工单数", ["1月", "2月", "3月"], [Series("工单", [0, 4, 2])])
    top, axis = chart.y_ticks[-1].at, chart.y_ticks[0].at
    ys = [m.y for m in chart.series[0].marks]
    assert ys == [axis, top, (top + axis) / 2]
    xs = [m.x for m in chart.series[0].marks]
    assert xs == sorted(xs) and chart.left < xs[0] and xs[-1] < chart.right
    assert [t.label for t in chart.x_labels] == ["1月", "2月", "3月"]


def test_a_missing_value_breaks_the_line():
    chart = charts.line_chart("响应", list("ABCDEF"), [Series("中位数", [1, 2, None, 3, 4, None])])
    drawn = chart.series[0]
    assert len(drawn.marks) == 4
    assert len(drawn.lines) == 2
    assert all(len(run.split()) == 2 for run in drawn.lines)


def test_bars_stand_on_the_axis_side_by_side_in_each_group():
    chart = charts.bar_chart(
        "按月", ["1月", "2月"], [Series("受理", [10, 5]), Series("超时", [2, None])]
    )
    first, second = chart.series
    assert len(first.marks) == 2 and len(second.marks) == 1
    for mark in first.marks + second.marks:
        assert mark.y + mark.height == pytest.approx(chart.bottom, abs=0.2)
    assert second.marks[0].x == pytest.approx(first.marks[0].x + first.marks[0].width, abs=0.2)
    assert first.marks[0].height == pytest.approx(2 * first.marks[1].height, abs=0.2)


def test_many_categories_keep_at_most_twelve_labels():
    labels = [f"第{i}周" for i in range(53)]
    chart = charts.line_chart("按周", labels, [Series("工单", list(range(53)))])
    assert len(chart.x_labels) <= charts.MAX_X_LABELS
    assert chart.x_labels[0].label == "第0周"


def test_week_and_month_labels_in_chinese():
    assert charts.week_label(date(2026, 11, 23)) == "11/23"
    months = [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert charts.month_labels(months) == ["2025年11月", "12月", "2026年1月", "2月"]


def test_the_markup_has_no_style_attribute_escapes_labels_and_links_each_value(app):
    chart = charts.bar_chart(
        "工单<数>",
        ["<b>1月</b>", "2月"],
        [Series('嘉禾"物业', [3, 1], links=["/admin/x?a=1&b=2", None])],
        unit="件",
    )
    html = _render(app, chart)
    assert "<svg" in html and 'role="img"' in html
    assert not re.search(r"\sstyle=", html)
    assert "<script" not in html
    assert "<b>" not in html and "&lt;b&gt;1月&lt;/b&gt;" in html
    assert "工单&lt;数&gt;" in html
    assert 'href="/admin/x?a=1&amp;b=2"' in html
    assert html.count("<a ") == 1
    assert html.count("<rect ") == 2
    assert "3件" in html  # the hover title carries the value and its unit


def test_an_empty_chart_says_so(app):
    chart = charts.line_chart("按周", ["11/16", "11/23"], [Series("工单", [None, None])])
    html = _render(app, chart)
    assert chart.empty
    assert "所选期间没有数据" in html and "<svg" not in html


def test_several_series_get_a_legend_in_their_colours(app):
    chart = charts.line_chart(
        "时长", ["1月", "2月"], [Series("中位数", [1, 2]), Series("P90", [3, 5])]
    )
    html = _render(app, chart)
    assert 'class="chart-legend"' in html
    assert charts.PALETTE[0] in html and charts.PALETTE[1] in html
    assert "P90" in html
