"""Permission matrix rows of supervision's panel screens (admin/supervision.py), joined in
``ROUTES`` of ``matrix.py``; the ids (``ticket_id=sup_x``: a fresh complaint in estate X;
``order_id=sup_x``: a fresh 督办 order of street A's officer on one) are made by
``SUPERVISION_TARGETS``, merged into ``TARGETS`` of ``test_permission_matrix.py``.

Officers (street, bureau, platform) read the dashboard of their jurisdiction; a company's
admin and service desk read and answer the orders addressed to their company; anything of
another street or company is 404.
"""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import commit
from backend.core.time import utcnow
from backend.supervision import orders
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency


def _ticket(w, side: str):
    residency = w.owner_x if side == "x" else w.owner_y
    ticket, _ = services.create_ticket(
        residency.resident,
        kind=TicketKind.complaint,
        urgency=Urgency.normal,
        description="楼道堆放杂物",
        estate_id=getattr(w, side).estate.id,
        location="1幢楼道",
    )
    commit()
    return ticket


def _order(w, side: str):
    ticket = _ticket(w, side)
    officer = w.staff.strA if side == "x" else w.staff.strB
    order = orders.issue_order(officer, ticket.id, "请三日内处理", utcnow() + timedelta(days=3))
    commit()
    return order


def _evaluation(w, company):
    from datetime import date

    from backend.supervision.models import Evaluation

    n = next(_months)
    row = Evaluation(company_id=company.id, month=date(2000 + n // 12, n % 12 + 1, 1), score=88)
    services.db.session.add(row)
    commit()
    return row


_months = iter(range(10**6))


def _inspection(w, side: str):
    from backend.supervision import evaluation

    officer = w.staff.strA if side == "x" else w.staff.strB
    items = [{"name": "环境卫生", "max_points": 20, "points": 18}]
    row = evaluation.record_inspection(
        officer, getattr(w, side).estate.id, utcnow().date(), items, "楼道整洁"
    )
    commit()
    return row


def _filing(w, side: str):
    from datetime import date

    from backend.supervision import filings

    admin = w.staff.admA if side == "x" else w.staff.admB
    _, row = filings.file_manager(admin, getattr(w, side).estate.id, "陈志刚", date(2026, 1, 1))
    commit()
    return row


SUPERVISION_TARGETS = {
    "evaluation_id=sup_a": lambda w: _evaluation(w, w.company_a).id,
    "evaluation_id=sup_b": lambda w: _evaluation(w, w.company_b).id,
    "inspection_id=sup_x": lambda w: _inspection(w, "x").id,
    "inspection_id=sup_y": lambda w: _inspection(w, "y").id,
    "filing_id=sup_x": lambda w: _filing(w, "x").id,
    "filing_id=sup_y": lambda w: _filing(w, "y").id,
    "ticket_id=sup_x": lambda w: _ticket(w, "x").id,
    "ticket_id=sup_y": lambda w: _ticket(w, "y").id,
    "order_id=sup_x": lambda w: _order(w, "x").id,
    "order_id=sup_y": lambda w: _order(w, "y").id,
}

# fmt: off

ADMIN_SUPERVISION = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/supervision": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/breakdown.xlsx": {
        "query": {"company_id": "{company_id}"},
        "company_id=a":                        "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "company_id=b":                        "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/trend.xlsx": {
        "query": {"company_id": "{company_id}"},
        "company_id=a":                        "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "company_id=b":                        "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/tickets": {
        "query": {"estate_id": "{estate_id}", "metric": "submitted"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/tickets.xlsx": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/tickets/{ticket_id}": {
        "ticket_id=sup_x":                     "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "ticket_id=sup_y":                     "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "POST /admin/supervision/tickets/{ticket_id}/orders": {
        "form": {"deadline": "2031-01-05T18:00", "instructions": "请三日内处理并回复住户"},
        "ticket_id=sup_x":                     "401  401  401  401  401  403  403  403  403  403  403  403  302  404  302  302",
        "ticket_id=sup_y":                     "401  401  401  401  401  403  403  403  403  403  403  403  404  302  404  302",
    },
    "GET /admin/supervision/orders": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  200  200  200  200",
    },
    "GET /admin/supervision/orders.xlsx": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  200  200  200  200",
    },
    "POST /admin/supervision/orders/{order_id}/answer": {
        "form": {"answer": "已安排师傅上门处理"},
        "order_id=sup_x":                      "401  401  401  401  401  302  302  403  404  404  403  403  403  403  403  403",
        "order_id=sup_y":                      "401  401  401  401  401  404  404  403  302  302  403  403  403  403  403  403",
    },
    # the officer's review of an answer: a fresh order has none yet (409 once let in)
    "POST /admin/supervision/orders/{order_id}/review": {
        "form": {"decision": "accept"},
        "order_id=sup_x":                      "401  401  401  401  401  403  403  403  403  403  403  403  409  404  409  409",
        "order_id=sup_y":                      "401  401  401  401  401  403  403  403  403  403  403  403  404  409  404  409",
    },
    "GET /admin/supervision/overdue": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/overdue.xlsx": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/evaluations": {
        "query": {"company_id": "{company_id}"},
        "company_id=a":                        "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "company_id=b":                        "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/evaluations/{evaluation_id}": {
        "evaluation_id=sup_a":                 "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "evaluation_id=sup_b":                 "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/evaluations.xlsx": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  200  200  200  200",
    },
    "GET /admin/supervision/inspections": {
        "query": {"company_id": "{company_id}"},
        "company_id=a":                        "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "company_id=b":                        "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "POST /admin/supervision/inspections": {
        "form": {"estate_id": "{estate_id}", "inspected_on": "2026-01-05", "item_name_0": "环境卫生", "item_max_0": "20", "item_points_0": "18"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  403  302  404  302  302",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  403  404  302  404  302",
    },
    "GET /admin/supervision/inspections/{inspection_id}": {
        "inspection_id=sup_x":                 "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "inspection_id=sup_y":                 "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/credit": {
        "query": {"company_id": "{company_id}"},
        "company_id=a":                        "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "company_id=b":                        "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "POST /admin/supervision/credit": {
        "form": {"company_id": "{company_id}", "source": "award", "points": "5", "reason": "街道通报表扬"},
        "company_id=a":                        "401  401  401  401  401  403  403  403  403  403  403  403  302  404  302  302",
        "company_id=b":                        "401  401  401  401  401  403  403  403  403  403  403  403  404  302  404  302",
    },
    "GET /admin/supervision/credit.xlsx": {
        "query": {"company_id": "{company_id}"},
        "company_id=a":                        "401  401  401  401  401  403  403  403  403  403  403  403  200  404  200  200",
        "company_id=b":                        "401  401  401  401  401  403  403  403  403  403  403  403  404  200  404  200",
    },
    "GET /admin/supervision/lists": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  200  200  200  200",
    },
    "POST /admin/supervision/lists": {
        "form": {"year": "2026"},
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  403  403  302  302",
    },
    "GET /admin/supervision/lists.xlsx": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  200  200  200  200",
    },
    "GET /admin/supervision/filings": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  200  200  200  200  200",
    },
    "GET /admin/supervision/filings/expiring": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  200  200  200  200  200",
    },
    "GET /admin/supervision/filings.xlsx": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  200  200  200  200",
    },
    "POST /admin/supervision/filings": {
        "form": {"kind": "manager", "estate_id": "{estate_id}", "name": "陈志刚", "starts_on": "2026-01-01"},
        "estate_id=x":                         "401  401  401  401  401  302  403  403  404  403  403  403  302  404  403  302",
        "estate_id=y":                         "401  401  401  401  401  404  403  403  302  403  403  403  404  302  403  302",
    },
    "POST /admin/supervision/filings/{filing_id}/review": {
        "form": {"decision": "approve"},
        "filing_id=sup_x":                     "401  401  401  401  401  403  403  403  403  403  403  403  302  404  403  302",
        "filing_id=sup_y":                     "401  401  401  401  401  403  403  403  403  403  403  403  404  302  403  302",
    },
}

# fmt: on
