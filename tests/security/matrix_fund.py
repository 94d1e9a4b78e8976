"""Permission-matrix rows of the maintenance fund (joined in ``ROUTES`` of ``matrix.py``), the
uses they act on (``seed_fund``, called by the guardrails' world) and their ids (``TARGETS``).

Each estate has a use in review that charges only its owner's unit X-101 / Y-101 (applied
for by its company) and one whose payment order went to the bank; estate Z has a use that
no actor may see. The streets' city (杭州市) names the street office as reviewer
(``backend/fund/rules.toml``). The fund's bank is no actor here: its rows are in
``tests/fund/test_panel.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from backend.core.db import commit
from backend.extensions import db
from backend.fund import ledger, orders
from backend.fund.models import FundUse, FundUseUnit, UseKind, UseState
from tests.factories import UnitFactory


def _use(estate, unit_ids, state, company_id, title) -> FundUse:
    use = FundUse(
        estate_id=estate.id,
        kind=UseKind.ordinary,
        state=state,
        title=title,
        budget_fen=10_000_00,
        company_id=company_id,
    )
    db.session.add(use)
    db.session.flush()
    db.session.add_all([FundUseUnit(use_id=use.id, unit_id=u) for u in unit_ids])
    return use


def seed_fund(w) -> None:
    """Each estate: a use in review and one ordered from the bank; estate Z: one use."""
    for side, company in ((w.x, w.company_a), (w.y, w.company_b)):
        ledger.post_initial_deposits(side.estate.id, Decimal("100"), date(2020, 1, 1))
        side.fund_review = _use(
            side.estate, [side.unit.id], UseState.review, company.id, "屋面维修"
        )
        # its review is past its deadline: the officers may 督办 it
        side.fund_review.review_due_at = datetime(2026, 1, 5, tzinfo=UTC)
        side.fund_ordered = _use(
            side.estate, [side.unit.id], UseState.bank_notified, company.id, "水泵更换"
        )
    z_unit = UnitFactory()
    w.fund_z = _use(z_unit.estate, [z_unit.id], UseState.review, None, "小区Z外墙维修")
    db.session.flush()
    w.fund_order_code_x = orders.order_code(w.x.fund_ordered)
    commit()


TARGETS = {
    "use_id=review_x": lambda w: w.x.fund_review.id,
    "use_id=review_y": lambda w: w.y.fund_review.id,
    "use_id=ordered_x": lambda w: w.x.fund_ordered.id,
    "use_id=ordered_y": lambda w: w.y.fund_ordered.id,
    "use_id=z": lambda w: w.fund_z.id,
    "action=return": lambda w: "return",
    "code=fund_order_x": lambda w: w.fund_order_code_x,
    "code=forged": lambda w: "WzEsIDEwMDBd.forged",
}

# fmt: off

FUND = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    # --- resident API: owners see their units' accounts and the uses that charge them ---
    "GET /api/v1/me/fund": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/fund/uses": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    # only an owner of a unit in the 列支范围: not its family member or tenant, not
    # the owner of another unit of the estate
    "GET /api/v1/me/fund/uses/{use_id}": {
        "use_id=review_x":                     "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "use_id=z":                            "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    # --- the public page a payment order's QR code opens ---
    "GET /fund-orders/{code}": {
        "code=fund_order_x":                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "code=forged":                         "404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404",
    },
    "GET /fund-orders/{code}/qr.png": {
        "code=fund_order_x":                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "code=forged":                         "404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404",
    },
    # --- the panel: readers in scope; a company only what it applied for ---
    "GET /admin/fund": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  200  200  200  200  200",
    },
    "GET /admin/fund/orders": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  403  403  403  200",
    },
    "GET /admin/fund/new": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  200  403  403  403  403",
    },
    # no 列支范围 chosen: refused by the rule once the estate is in scope
    "POST /admin/fund/new": {
        "form": {"estate_id": "{estate_id}", "title": "屋面维修", "budget": "100"},
        "estate_id=x":                         "401  401  401  401  401  422  403  403  404  403  403  422  403  403  403  403",
    },
    "GET /admin/fund/uses/{use_id}": {
        "use_id=review_x":                     "401  401  401  401  401  200  200  403  404  404  403  200  200  404  200  200",
        "use_id=review_y":                     "401  401  401  401  401  404  404  403  200  200  403  404  404  200  404  200",
    },
    # returning without a reason: only the city's reviewer (the street office) gets that far
    "POST /admin/fund/uses/{use_id}/actions/{action}": {
        "use_id=review_x,action=return":       "401  401  401  401  401  403  403  403  404  404  403  403  422  404  403  403",
        "use_id=review_y,action=return":       "401  401  401  401  401  404  404  403  403  403  403  404  404  422  404  403",
    },
    # recording a payment: the fund's bank only (no actor here; its form is tested with the
    # bank in tests/fund/test_panel.py)
    "POST /admin/fund/uses/{use_id}/payments": {
        "use_id=ordered_x":                    "401  401  401  401  401  403  403  403  403  403  403  403  403  403  403  403",
    },
    # documents: the applicants (the company for what it applied for, the committee); no
    # file chosen is refused once the use is in scope and the role may attach
    "POST /admin/fund/uses/{use_id}/documents": {
        "form": {"kind": "quote"},
        "use_id=review_x":                     "401  401  401  401  401  422  403  403  404  404  403  422  403  404  403  403",
        "use_id=review_y":                     "401  401  401  401  401  404  404  403  422  403  403  404  404  403  404  403",
    },
    # 督办 of a review past its deadline: the officers in whose jurisdiction it is; a new
    # deadline more than 30 days ahead is refused
    "POST /admin/fund/uses/{use_id}/supervise": {
        "form": {"instructions": "请于三日内完成审核", "deadline": "2099-01-01T09:00"},
        "use_id=review_x":                     "401  401  401  401  401  403  403  403  403  403  403  403  422  404  422  422",
        "use_id=review_y":                     "401  401  401  401  401  403  403  403  403  403  403  403  404  422  404  422",
    },
    "GET /admin/fund/uses/{use_id}/order": {
        "use_id=ordered_x":                    "401  401  401  401  401  200  200  403  404  404  403  200  200  404  200  200",
        "use_id=review_x":                     "401  401  401  401  401  404  404  403  404  404  403  404  404  404  404  404",
    },
    "GET /admin/fund/estates/{estate_id}": {
        "estate_id=x":                         "401  401  401  401  401  200  200  403  404  404  403  200  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  404  404  403  200  200  403  404  404  200  404  200",
    },
    # the ledger's keepers (the committee, the platform); no file chosen is refused
    "POST /admin/fund/estates/{estate_id}/statement": {
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  422  403  403  403  422",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  404  403  403  403  422",
    },
    "POST /admin/fund/estates/{estate_id}/openings": {
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  422  403  403  403  422",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  404  403  403  403  422",
    },
    # interest: the ledger's keepers; an amount of nothing is refused
    "POST /admin/fund/estates/{estate_id}/interest": {
        "form": {"amount": "0.00", "booked_on": "2026-06-21", "reference": "INT-1", "confirm": "1"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  422  403  403  403  422",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  404  403  403  403  422",
    },
}

# fmt: on
