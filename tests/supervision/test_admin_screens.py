"""The supervision screens over HTTP: an officer of street A sees nothing of street B (pages,
ticket lists behind figures, the overdue list, 督办 orders and every Excel export), and a
督办 order goes from the officer to the company's ticket page and back with its answer."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from backend.core.db import commit
from backend.core.time import local_today
from backend.supervision import orders
from backend.tickets import services
from backend.tickets.models import TicketKind
from backend.tickets.services import Actor
from tests.admin.conftest import login
from tests.supervision.conftest import T0

H = timedelta(hours=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cells(resp) -> str:
    """Every cell of every sheet of an .xlsx answer, as one text."""
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == XLSX
    book = load_workbook(io.BytesIO(resp.data), read_only=True)
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


@pytest.fixture
def two_streets(world, other, clock):
    """A complaint in each street, both escalated (overdue) and each with a 督办 order
    from its own officer."""
    clock.now = T0
    a = world.ticket(kind=TicketKind.complaint, now=T0)
    b = other.ticket(at=T0)
    for ticket in (a, b):
        services.apply(Actor(), ticket, "escalate", now=T0 + 300 * H)
    deadline, at = T0 + 400 * H, T0 + 301 * H
    orders.issue_order(world.street, a.id, "甲街道督办要求", deadline, now=at)
    orders.issue_order(other.street, b.id, "乙街道督办要求", deadline, now=at)
    commit()
    return a, b


def _since() -> dict:
    today = local_today()
    return {"start": (today - timedelta(days=400)).isoformat(), "end": today.isoformat()}


def test_an_officer_of_street_a_sees_nothing_of_street_b(client, world, other, two_streets):
    a, b = two_streets
    login(client, world.street)
    since = _since()

    page = client.get("/admin/supervision", query_string={**since, "by": "estate"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert world.estate.name in text and other.estate.name not in text

    behind = client.get("/admin/supervision/tickets", query_string=since).get_data(as_text=True)
    assert f"T{a.id}<" in behind and f"T{b.id}<" not in behind

    overdue = client.get("/admin/supervision/overdue").get_data(as_text=True)
    assert f"overdue-{a.id}" in overdue and f"overdue-{b.id}" not in overdue

    listed = client.get("/admin/supervision/orders").get_data(as_text=True)
    assert "甲街道督办要求" in listed and "乙街道督办要求" not in listed

    # another street's ticket, estate or company: not found, never shown or acted on
    assert client.get(f"/admin/supervision/tickets/{b.id}").status_code == 404
    assert client.get(f"/admin/supervision/tickets/{a.id}").status_code == 200
    resp = client.post(
        f"/admin/supervision/tickets/{b.id}/orders",
        data={"deadline": "2030-01-01T10:00", "instructions": "越权督办"},
    )
    assert resp.status_code == 404
    for path in ("/admin/supervision", "/admin/supervision/tickets", "/admin/supervision/overdue"):
        assert client.get(path, query_string={"estate_id": other.estate.id}).status_code == 404
    other_company = other.estate.company_id
    assert (
        client.get("/admin/supervision", query_string={"company_id": other_company}).status_code
        == 404
    )


def test_every_export_of_street_a_leaves_out_street_b(client, world, other, two_streets):
    a, b = two_streets
    login(client, world.street)
    since = _since()
    for by in ("company", "estate", "kind"):
        cells = _cells(
            client.get("/admin/supervision/breakdown.xlsx", query_string={**since, "by": by})
        )
        assert other.estate.name not in cells and other.estate.company.name not in cells
    estates = _cells(
        client.get("/admin/supervision/breakdown.xlsx", query_string={**since, "by": "estate"})
    )
    assert world.estate.name in estates
    trend = _cells(client.get("/admin/supervision/trend.xlsx", query_string=since))
    assert "工单数" in trend
    tickets = _cells(client.get("/admin/supervision/tickets.xlsx", query_string=since))
    assert f"T{a.id}\t" in tickets and f"T{b.id}\t" not in tickets
    overdue = _cells(client.get("/admin/supervision/overdue.xlsx"))
    assert f"T{a.id}\t" in overdue and f"T{b.id}\t" not in overdue
    listed = _cells(client.get("/admin/supervision/orders.xlsx"))
    assert "甲街道督办要求" in listed and "乙街道督办要求" not in listed
    assert (
        client.get(
            "/admin/supervision/tickets.xlsx", query_string={"estate_id": other.estate.id}
        ).status_code
        == 404
    )


def test_the_bureau_sees_both_streets_of_its_district(client, world, other, bureau, two_streets):
    a, b = two_streets
    login(client, bureau)
    text = client.get("/admin/supervision/tickets", query_string=_since()).get_data(as_text=True)
    assert f"T{a.id}<" in text and f"T{b.id}<" in text


def test_company_staff_cannot_open_the_dashboard(client, world, two_streets):
    login(client, world.desk)
    assert client.get("/admin/supervision").status_code == 403
    assert client.get("/admin/supervision/overdue.xlsx").status_code == 403


def test_an_order_goes_to_the_company_and_its_answer_comes_back(client, world, other, clock):
    clock.now = T0
    ticket = world.ticket(kind=TicketKind.complaint, now=T0)
    commit()
    login(client, world.street)
    resp = client.post(
        f"/admin/supervision/tickets/{ticket.id}/orders",
        data={"deadline": "2031-01-05T18:00", "instructions": "请三日内处理并回复住户"},
    )
    assert resp.status_code == 302
    order = orders.orders_query(world.street, ticket_id=ticket.id).limit(1)
    order = services.db.session.scalars(order).one()

    # the company: its ticket page and its list of orders show it, with the answer form
    client.post("/admin/logout")
    login(client, world.desk)
    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert "请三日内处理并回复住户" in page and f"answer-form-{order.id}" in page
    assert f"answer-form-{order.id}" in client.get("/admin/supervision/orders").get_data(
        as_text=True
    )
    # another company's desk sees no such order and cannot answer it
    client.post("/admin/logout")
    login(client, other.desk)
    assert "请三日内处理并回复住户" not in client.get("/admin/supervision/orders").get_data(
        as_text=True
    )
    resp = client.post(f"/admin/supervision/orders/{order.id}/answer", data={"answer": "越权"})
    assert resp.status_code == 404

    client.post("/admin/logout")
    login(client, world.desk)
    resp = client.post(
        f"/admin/supervision/orders/{order.id}/answer",
        data={"answer": "已安排师傅明天上门", "back": "ticket"},
    )
    assert resp.status_code == 302 and resp.location.endswith(f"/admin/tickets/{ticket.id}")

    # the officer sees the answer on the ticket and in the list of orders
    client.post("/admin/logout")
    login(client, world.street)
    view = client.get(f"/admin/supervision/tickets/{ticket.id}").get_data(as_text=True)
    assert "已安排师傅明天上门" in view and 'data-status="answered"' in view
    assert "已安排师傅明天上门" in client.get("/admin/supervision/orders").get_data(as_text=True)


def test_a_refused_order_shows_the_page_again_with_the_message(client, world, clock):
    clock.now = T0
    ticket = world.ticket(kind=TicketKind.complaint, now=T0)
    commit()
    login(client, world.street)
    resp = client.post(
        f"/admin/supervision/tickets/{ticket.id}/orders",
        data={"deadline": "2020-01-01T10:00", "instructions": "期限已过"},
    )
    assert resp.status_code == 422
    assert "办理期限须晚于现在" in resp.get_data(as_text=True)
    resp = client.post(
        f"/admin/supervision/tickets/{ticket.id}/orders",
        data={"deadline": "", "instructions": ""},
    )
    assert resp.status_code == 422
    assert "请填写办理期限" in resp.get_data(as_text=True)


def test_evaluations_inspections_credit_lists_and_filings_stay_in_the_street(
    client, app, world, other, bureau
):
    """Street B's company, inspections, credit entries, evaluations, list entries and
    filings are nowhere in street A's pages or exports."""
    from datetime import date

    from backend.supervision import credit, evaluation, filings
    from backend.supervision.models import CreditSource, Evaluation

    today = local_today()
    for officer, estate, reason in (
        (world.street, world.estate, "甲街道表彰"),
        (other.street, other.estate, "乙街道表彰"),
    ):
        items = [{"name": "环境卫生", "max_points": 20, "points": 15}]
        evaluation.record_inspection(officer, estate.id, today, items, f"{reason}检查")
        credit.record_entry(officer, estate.company_id, CreditSource.award, 5, reason)
        services.db.session.add(
            Evaluation(company_id=estate.company_id, month=date(2026, 10, 1), score=91, parts={})
        )
        filings.file_manager(officer, estate.id, f"{reason}经理", date(2026, 1, 1))
    commit()
    evaluation.compile_lists(bureau, 2026)
    commit()

    login(client, world.street)
    b_company = other.estate.company.name
    for path in (
        "/admin/supervision/evaluations",
        "/admin/supervision/inspections",
        "/admin/supervision/credit",
        "/admin/supervision/lists",
        "/admin/supervision/filings",
    ):
        text = client.get(path).get_data(as_text=True)
        assert "乙街道" not in text and b_company not in text, path
    assert world.estate.company.name in client.get("/admin/supervision/credit").get_data(
        as_text=True
    )
    assert "甲街道表彰经理" in client.get("/admin/supervision/filings").get_data(as_text=True)
    for path in (
        "/admin/supervision/evaluations.xlsx",
        "/admin/supervision/credit.xlsx",
        "/admin/supervision/lists.xlsx",
        "/admin/supervision/filings.xlsx",
    ):
        cells = _cells(client.get(path))
        assert "乙街道" not in cells and b_company not in cells, path
    other_inspection = services.db.session.scalars(
        evaluation.inspections_query(other.street)
    ).first()
    assert client.get(f"/admin/supervision/inspections/{other_inspection.id}").status_code == 404


def test_an_officer_enters_an_inspection_with_photos_through_media(client, world):
    """The form's items are scored on 100, the photos go through backend/media (cleaned,
    signed), and a bad score shows the form again with the message."""
    from PIL import Image

    from backend.supervision.models import Inspection

    def jpeg() -> io.BytesIO:
        out = io.BytesIO()
        Image.new("RGB", (800, 600), (40, 120, 200)).save(out, "JPEG")
        out.seek(0)
        return out

    login(client, world.street)
    form = {
        "estate_id": str(world.estate.id),
        "inspected_on": local_today().isoformat(),
        "item_name_0": "环境卫生",
        "item_max_0": "20",
        "item_points_0": "15",
        "item_name_1": "秩序维护",
        "item_max_1": "30",
        "item_points_1": "30",
        "note": "楼道整洁",
        "photos": [(jpeg(), "a.jpg"), (jpeg(), "b.jpg")],
    }
    resp = client.post(
        "/admin/supervision/inspections", data=form, content_type="multipart/form-data"
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    inspection = services.db.session.scalars(
        sa.select(Inspection).order_by(Inspection.id.desc())
    ).first()
    assert float(inspection.score) == 90.0  # 45 of 50
    assert len(inspection.photos) == 2
    page = client.get(resp.location).get_data(as_text=True)
    assert page.count("<img ") == 2 and "/api/v1/media/photos/" in page

    form.update(item_points_1="31", photos=[])
    resp = client.post(
        "/admin/supervision/inspections", data=form, content_type="multipart/form-data"
    )
    assert resp.status_code == 422
    assert "得分须在 0 与满分之间" in resp.get_data(as_text=True)
