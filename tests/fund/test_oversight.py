"""The fund on the street's dashboard (figures, each linked to its cases), 督办 of a review
past its deadline, the owners told when a use moves on, and documents of a use."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid
from backend.core.time import SHANGHAI, utcnow
from backend.extensions import db
from backend.fund import ledger, notices, oversight, uses
from backend.fund.models import FundUseEvent, UseKind, UseState
from backend.notify.models import Notification
from tests.factories import ResidencyFactory
from tests.fund.test_panel import client_as
from tests.fund.test_uses import bare_use
from tests.helpers import bearer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday


def _in_review(w, *, started=T0, unit_ids=()):
    use = bare_use(w, UseKind.ordinary, UseState.passed)
    if unit_ids:
        from backend.fund.models import FundUseUnit

        db.session.add_all([FundUseUnit(use_id=use.id, unit_id=u) for u in unit_ids])
        db.session.flush()
    uses.act(w.company, use, "submit", now=started)
    return use


def test_the_figures_count_the_jurisdictions_fund(db, fund_world):
    low, fine = fund_world.unit("100.00"), fund_world.unit("100.00")
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("100"), date(2020, 1, 1))
    # one unit spent below 30% of its 10,000.00 deposit: the estate needs 续筹
    accounts = ledger.accounts_by_unit([low.id])
    ledger.post(accounts[low.id], ledger.EntryKind.debit, 7_500_00, date(2021, 1, 1))
    overdue = _in_review(fund_world)
    decided = _in_review(fund_world, started=T0)
    uses.act(fund_world.bureau, decided, "approve", now=T0 + timedelta(days=2))
    bare_use(fund_world, UseKind.emergency, UseState.accepted)
    figures = oversight.figures(fund_world.street, now=T0 + timedelta(days=30))
    assert figures.balance_fen == 20_000_00 - 7_500_00 and figures.accounts == 2
    assert dict(figures.by_state) == {
        UseState.review: 1,
        UseState.approved: 1,
        UseState.accepted: 1,
    }
    assert figures.overdue_reviews == 1
    assert figures.reviews_decided == 1 and figures.review_days_mean == 2.0
    assert figures.emergencies_open == 1
    assert [(e.id, n) for e, n in figures.top_up_estates] == [(fund_world.estate.id, 1)]
    assert fine.id != low.id
    listed = db.session.scalars(
        oversight.listed_uses(fund_world.street, overdue=True, now=T0 + timedelta(days=30))
    ).all()
    assert listed == [overdue]


def test_a_review_past_its_deadline_can_be_supervised_and_the_reviewer_sees_it(db, fund_world):
    use = _in_review(fund_world)
    due = use.review_due_at
    deadline = due + timedelta(days=3)
    # before the deadline: not yet
    with pytest.raises(Conflict):
        oversight.supervise(fund_world.street, use, "请尽快审核", deadline, now=due)
    # who may not issue 督办 orders
    for staff in (fund_world.company, fund_world.committee, fund_world.bank):
        with pytest.raises(Forbidden):
            oversight.supervise(staff, use, "请尽快审核", deadline, now=due + timedelta(hours=1))
    # a deadline in the past, or no instructions
    later = due + timedelta(hours=1)
    with pytest.raises(Invalid):
        oversight.supervise(
            fund_world.street, use, "请尽快审核", later - timedelta(minutes=1), now=later
        )
    with pytest.raises(Invalid):
        oversight.supervise(fund_world.street, use, "  ", deadline, now=later)
    overdue = {t.label: t for t in notices.todo(fund_world.street)}["审核超期的维修资金申请"]
    assert overdue.count == 1 and overdue.args == (("overdue", "1"),)
    event = oversight.supervise(fund_world.street, use, "请尽快审核", deadline, now=later)
    assert event.action == "supervise" and "请尽快审核" in event.note
    assert use.state == UseState.review
    todo = {t.label: t for t in notices.todo(fund_world.bureau)}
    assert todo["被督办的维修资金审核"].count == 1 and todo["被督办的维修资金审核"].urgent
    assert oversight.figures(fund_world.street, now=later).supervised == 1
    # once the review decides, it is no longer under 督办
    uses.act(fund_world.bureau, use, "approve", now=later)
    assert oversight.figures(fund_world.street, now=later).supervised == 0


def test_the_dashboard_shows_the_fund_with_links_and_the_officer_supervises_over_http(
    app, db, fund_world
):
    use = _in_review(fund_world, started=utcnow() - timedelta(days=30))
    commit()
    street = client_as(app, fund_world.street)
    page = street.get("/admin/supervision").get_data(as_text=True)
    assert 'id="fund-figures"' in page
    assert "/admin/fund?overdue=1" in page
    listed = street.get("/admin/fund?overdue=1").get_data(as_text=True)
    assert f'id="fund-use-{use.id}"' in listed and "审核超期" in listed
    detail = street.get(f"/admin/fund/uses/{use.id}").get_data(as_text=True)
    assert 'id="supervise-form"' in detail
    deadline = (utcnow() + timedelta(days=2)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    url = f"/admin/fund/uses/{use.id}/supervise"
    missing = street.post(url, data={"deadline": deadline})
    assert missing.status_code == 422
    done = street.post(url, data={"instructions": "三日内完成审核", "deadline": deadline})
    assert done.status_code == 302
    assert client_as(app, fund_world.company).post(url, data={}).status_code == 403
    db.session.expire_all()
    actions = db.session.scalars(
        sa.select(FundUseEvent.action).where(FundUseEvent.use_id == use.id)
    ).all()
    assert actions.count("supervise") == 1


def test_the_owners_in_the_scope_are_told_when_the_review_decides(db, fund_world):
    inside = fund_world.unit("80.00")
    outside = fund_world.unit("90.00")
    told = ResidencyFactory(unit=inside).resident
    not_told = ResidencyFactory(unit=outside).resident
    use = _in_review(fund_world, unit_ids=[inside.id])
    commit()
    uses.act(fund_world.bureau, use, "return", note="预算依据不足", now=T0 + timedelta(days=1))
    commit()
    rows = db.session.execute(
        sa.select(Notification.resident_id, Notification.data).where(
            Notification.kind == "fund_use_progress"
        )
    ).all()
    assert [r for r, _ in rows] == [told.id]
    assert rows[0][1]["phrase2"]["value"] == "审核退回"
    assert "预算依据不足" in rows[0][1]["thing3"]["value"]
    assert not_told.id not in {r for r, _ in rows}
    # the job run again tells nobody twice
    event = db.session.scalars(sa.select(FundUseEvent).where(FundUseEvent.action == "return")).one()
    assert notices.notify_use_progress(use.id, event.id) == 0


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"


def test_documents_of_a_use_in_the_panel_and_for_the_owners_it_charges(app, db, fund_world):
    import io

    unit = fund_world.unit("80.00")
    other = fund_world.unit("90.00")
    owner = ResidencyFactory(unit=unit).resident
    stranger = ResidencyFactory(unit=other).resident
    use = _in_review(fund_world, unit_ids=[unit.id])
    commit()
    # the committee applied (the use names no company)
    company = client_as(app, fund_world.committee)
    url = f"/admin/fund/uses/{use.id}/documents"
    sent = company.post(
        url,
        data={"kind": "quote", "file": (io.BytesIO(_pdf()), "报价单.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    refused = company.post(
        url,
        data={"kind": "quote", "file": (io.BytesIO(b"MZ not a pdf"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "PDF" in refused.get_data(as_text=True)
    bad_kind = company.post(
        url,
        data={"kind": "poster", "file": (io.BytesIO(_pdf()), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert bad_kind.status_code == 422
    # the bank reads orders only; it adds no documents
    assert client_as(app, fund_world.bank).post(url, data={}).status_code in (403, 404)
    page = company.get(f"/admin/fund/uses/{use.id}").get_data(as_text=True)
    assert "报价单.pdf" in page and 'id="use-documents"' in page
    mine = app.test_client().get(f"/api/v1/me/fund/uses/{use.id}", headers=bearer(owner))
    assert mine.status_code == 200
    docs = mine.get_json()["documents"]
    assert [(d["document_kind"], d["filename"]) for d in docs] == [("quote", "报价单.pdf")]
    assert app.test_client().get(docs[0]["url"]).status_code == 200
    other_view = app.test_client().get(f"/api/v1/me/fund/uses/{use.id}", headers=bearer(stranger))
    assert other_view.status_code == 404


def test_an_emergency_filed_from_a_ticket_of_its_estate(app, db, fund_world):
    from backend.tickets import services as tickets
    from backend.tickets.models import TicketKind, Urgency

    def ticket(residency):
        made, _ = tickets.create_ticket(
            residency.resident, kind=TicketKind.home_repair, urgency=Urgency.normal,
            description="顶楼渗漏", unit_id=residency.unit_id,
        )  # fmt: skip
        return made

    unit = fund_world.unit("80.00")
    mine = ticket(ResidencyFactory(unit=unit))
    other = ticket(ResidencyFactory())
    commit()
    committee = client_as(app, fund_world.committee)
    page = committee.get(f"/admin/fund/new?ticket_id={mine.id}").get_data(as_text=True)
    assert 'id="from-ticket"' in page
    form = {
        "estate_id": fund_world.estate.id,
        "kind": "emergency",
        "emergency_category": "roof",
        "title": "顶楼渗漏应急维修",
        "budget": "3000",
        "buildings": [fund_world.building.id],
    }
    refused = committee.post("/admin/fund/new", data={**form, "ticket_id": other.id})
    assert refused.status_code == 422 and "工单" in refused.get_data(as_text=True)
    assert committee.post("/admin/fund/new", data={**form, "ticket_id": mine.id}).status_code == 302
    db.session.expire_all()
    from backend.fund.models import FundUse

    use = db.session.scalars(sa.select(FundUse)).one()
    assert use.ticket_id == mine.id and unit.id in uses.unit_ids_of(use)


def test_the_dashboards_company_filter_narrows_the_fund_card_and_its_links(app, db, fund_world):
    from types import SimpleNamespace

    from tests.factories import EstateFactory

    mine = fund_world.estate
    theirs = EstateFactory(community=mine.community)
    bare_use(fund_world, UseKind.emergency, UseState.review)
    for _ in range(2):
        bare_use(SimpleNamespace(estate=theirs), UseKind.emergency, UseState.review)
    commit()
    street = client_as(app, fund_world.street)

    whole = street.get("/admin/supervision").get_data(as_text=True)
    assert "未结案 3 件" in whole

    page = street.get(f"/admin/supervision?company_id={mine.company_id}").get_data(as_text=True)
    assert "未结案 1 件" in page
    assert f"/admin/fund?emergency=1&amp;company={mine.company_id}" in page
    assert f"/admin/fund?state=review&amp;company={mine.company_id}" in page
    other = street.get(f"/admin/supervision?company_id={theirs.company_id}")
    assert "未结案 2 件" in other.get_data(as_text=True)
    # the link's list counts what the card counted, and says which company
    listed = street.get(f"/admin/fund?emergency=1&company={mine.company_id}")
    html = listed.get_data(as_text=True)
    assert html.count('id="fund-use-') == 1 and f"物业企业：{mine.company.name}" in html
    figures = oversight.figures(fund_world.street, company_id=theirs.company_id)
    assert figures.emergencies_open == 2 and dict(figures.by_state) == {UseState.review: 2}
