"""The permission matrix: what every route answers every actor (one table per feature).

Each entry is ``"METHOD /path/{param}"`` (the OpenAPI document's notation, also for panel
routes) → its cases. A case names the ids it sends (``"estate_id=x"``: estate X's id;
``"-"``: no ids; several are joined by commas; the names are resolved in ``TARGETS`` of
``test_permission_matrix.py``) and gives one status per actor, in the column order below.
``json`` / ``form`` / ``query`` give the request's body or query; ``{name}`` in them is the
case's value (``{seq}``: a number unique to the call).

The actors (built in ``conftest.py``):

========  ===========================================================================
anon      nobody signed in
resX      resident, owner of unit X-101 in estate X
famX      resident, family member in X-101
tenX      resident, tenant in X-101
resY      resident, owner of unit Y-101 in estate Y
admA      company admin of company A (serves estate X, street A, 西湖区)
dskA      service desk of company A
tecA      technician of company A
admB      company admin of company B (serves estate Y, street B, 拱墅区)
dskB      service desk of company B
tecB      technician of company B
comX      committee member of estate X
strA      street officer of street A
strB      street officer of street B
bur       bureau officer of 西湖区 (street A's district)
plat      platform admin
========  ===========================================================================

Statuses: 200/201 done, 302 done and redirected (panel forms), 401 not signed in (for the
panel: sent to the login page), 403 role lacks the permission, 404 not found or out of
scope (never revealing what another company holds), 409/422 allowed but refused by a rule
or by validation (the case still shows that authorization let the actor through).
Residents hold no panel session and staff no resident token: to the other side they are
anonymous.

To add a route: add its entry to its feature's table (or a new table joined in ``ROUTES``),
with a case for one's own ids and one for someone else's; run
``LINLI_MATRIX_RECORD=1 .venv/bin/pytest tests/security/test_permission_matrix.py -s -k answers``
to see what the app answers, and write down what it *should* answer.
"""

from __future__ import annotations

from tests.security.matrix_board import BOARD, BOARD_UI
from tests.security.matrix_elder import ELDER_API
from tests.security.matrix_fees_extra import ADMIN_FEES_EXTRA
from tests.security.matrix_fund import FUND
from tests.security.matrix_mediation import MEDIATION
from tests.security.matrix_open311 import OPEN311
from tests.security.matrix_outbox import OUTBOX_PANEL
from tests.security.matrix_safety import ADMIN_SAFETY, SAFETY_API
from tests.security.matrix_supervision import ADMIN_SUPERVISION
from tests.security.matrix_surveys import SURVEYS_API, SURVEYS_PANEL
from tests.security.matrix_votes import VOTES_API, VOTES_PANEL

ACTORS = (
    "anon", "resX", "famX", "tenX", "resY",
    "admA", "dskA", "tecA", "admB", "dskB", "tecB",
    "comX", "strA", "strB", "bur", "plat",
)  # fmt: skip

#: keys of an entry that describe the request rather than a case
REQUEST_OPTIONS = {"json", "form", "query"}


def statuses(row: str) -> list[int]:
    """``"401 200 404 …"`` → one status per actor."""
    values = [int(word) for word in row.split()]
    if len(values) != len(ACTORS):
        raise ValueError(f"row has {len(values)} statuses for {len(ACTORS)} actors: {row!r}")
    return values


# fmt: off

SITE = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /": {
        "-":                                   "302  302  302  302  302  302  302  302  302  302  302  302  302  302  302  302",
    },
    "GET /favicon.ico": {
        "-":                                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /healthz": {
        "-":                                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    # readiness for load balancers: public, says only whether PostgreSQL and Redis answer
    "GET /readyz": {
        "-":                                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /static/{filename}": {
        "filename=swagger":                    "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /api/v1/openapi.json": {
        "-":                                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /api/v1/docs": {
        "-":                                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
}

ACCOUNTS_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "POST /api/v1/auth/wechat": {
        "json": {"code": "{code}"},
        "code=wechat":                         "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /api/v1/me": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/residencies": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/residencies/{residency_id}": {
        "residency_id=owner_x":                "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "residency_id=tenant_x":               "401  404  404  200  404  401  401  401  401  401  401  401  401  401  401  401",
        "residency_id=owner_y":                "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/units": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/units/{unit_id}": {
        "unit_id=x":                           "401  200  200  200  404  401  401  401  401  401  401  401  401  401  401  401",
        "unit_id=y":                           "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/bindings/invite": {
        "json": {"code": "{code}"},
        "code=fresh_x":                        "401  201  201  201  201  401  401  401  401  401  401  401  401  401  401  401",
        "code=fresh_y":                        "401  201  201  201  201  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/bindings/requests": {
        "json": {"unit_id": "{unit_id}", "role": "family", "name": "张三", "phone": "13800000000"},
        "unit_id=fresh_x":                     "401  201  201  201  201  401  401  401  401  401  401  401  401  401  401  401",
        "unit_id=fresh_y":                     "401  201  201  201  201  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/residencies/{residency_id}/invites": {
        "json": {"role": "family"},
        "residency_id=owner_x":                "401  201  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "residency_id=family_x":               "401  404  403  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "residency_id=tenant_x":               "401  404  404  403  404  401  401  401  401  401  401  401  401  401  401  401",
        "residency_id=owner_y":                "401  404  404  404  201  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/residencies/{residency_id}/invites/{code}/qr.png": {
        "residency_id=owner_x,code=owner_x":   "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "residency_id=family_x,code=owner_x":  "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "residency_id=owner_y,code=owner_y":   "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
}

ORG_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/estates": {
        "query": {"q": "小区"},
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/estates/{estate_id}/buildings": {
        "estate_id=x":                         "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "estate_id=y":                         "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/buildings/{building_id}/units": {
        "building_id=x":                       "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "building_id=y":                       "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
}

NOTIFY_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/me/subscriptions": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/subscriptions": {
        "json": {"tmpl-residency-active": "accept"},
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/messages": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/messages/unread-count": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/messages/{message_id}/read": {
        "message_id=x":                        "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "message_id=y":                        "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/messages/read-all": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
}

ADMIN_NOTIFY = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/notifications": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "POST /admin/notifications/{notification_id}/resend": {
        "notification_id=none":                "401  401  401  401  401  404  404  403  404  404  403  403  403  403  403  404",
    },
}

FEES_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/me/bills": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/bills/{bill_id}": {
        "bill_id=x":                           "401  200  200  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "bill_id=y":                           "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    # WeChat Pay is the fake server's; an order for a bill of someone else's unit is refused
    "POST /api/v1/me/payments": {
        "json": {"bill_ids": ["{bill_id}"]},
        "bill_id=x":                           "401  201  409  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "bill_id=y":                           "401  404  404  404  201  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/bills/prepay": {
        "json": {"unit_id": "{unit_id}", "fee_item_id": "{item_id}", "months": 1},
        "unit_id=x,item_id=x":                 "401  201  201  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "unit_id=y,item_id=y":                 "401  404  404  404  201  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/payments": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/payments/{payment_id}/receipt": {
        "payment_id=x":                        "401  200  200  200  404  401  401  401  401  401  401  401  401  401  401  401",
        "payment_id=y":                        "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
}

FEES_PUBLIC = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    # WeChat Pay's notification: signed XML, checked by signature (an empty body is refused
    # with an XML FAIL answer, status 200, as WeChat Pay expects)
    "POST /api/v1/payments/wechat/notify": {
        "-":                                   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    # anyone holding a receipt may verify it; the code is signed, nothing else is shown
    "GET /receipts/{code}": {
        "code=receipt_x":                      "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /receipts/{code}/qr.png": {
        "code=receipt_x":                      "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /receipts/static/{filename}": {
        "filename=receipt":                    "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
}

#: fees.read (per-unit bills, payments, receipts, arrears, reminders): the company's desk and
#: admins only (403 for committee, street and bureau officers: privacy); fees.rates (fee
#: standards, collection rates): every staff role but technicians
ADMIN_FEES = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/fees": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  200  200  200  200  200",
    },
    # empty forms: an allowed actor gets the form's 422, which still shows it was let through
    "POST /admin/fees": {
        "-":                                   "401  401  401  401  401  302  403  403  302  403  403  403  403  403  403  302",
    },
    "GET /admin/fees/{item_id}": {
        "item_id=x":                           "401  401  401  401  401  200  200  403  404  404  403  200  200  404  200  200",
        "item_id=y":                           "401  401  401  401  401  404  404  403  200  200  403  404  404  200  404  200",
    },
    "POST /admin/fees/{item_id}/prices": {
        "form": {"price": "2.50", "effective_from": "2027-01-01"},
        "item_id=x":                           "401  401  401  401  401  302  403  403  404  403  403  403  403  403  403  409",
        "item_id=y":                           "401  401  401  401  401  404  403  403  302  403  403  403  403  403  403  409",
    },
    "POST /admin/fees/generate": {
        "-":                                   "401  401  401  401  401  302  403  403  302  403  403  403  403  403  403  302",
    },
    "GET /admin/bills": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/bills/{bill_id}": {
        "bill_id=x":                           "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "bill_id=y":                           "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
    "POST /admin/bills/{bill_id}/adjust": {
        "form": {"kind": "waiver", "amount": "1.00", "reason": "测试减免"},
        "bill_id=x":                           "401  401  401  401  401  409  422  403  404  404  403  403  403  403  403  409",
        "bill_id=y":                           "401  401  401  401  401  404  404  403  409  422  403  403  403  403  403  409",
    },
    "POST /admin/payments": {
        "-":                                   "401  401  401  401  401  302  302  403  302  302  403  403  403  403  403  302",
    },
    "GET /admin/payments": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/payments/day-end": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/payments/{payment_id}": {
        "payment_id=x":                        "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "payment_id=y":                        "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/payments/{payment_id}/qr.png": {
        "payment_id=x":                        "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "payment_id=y":                        "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
    "POST /admin/payments/{payment_id}/refund": {
        "payment_id=x":                        "401  401  401  401  401  422  403  403  404  403  403  403  403  403  403  422",
        "payment_id=y":                        "401  401  401  401  401  404  403  403  422  403  403  403  403  403  403  422",
    },
    "GET /admin/arrears": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "POST /admin/units/{unit_id}/reminders": {
        "form": {"channel": "written"},
        "unit_id=x":                           "401  401  401  401  401  302  302  403  404  404  403  403  403  403  403  302",
        "unit_id=y":                           "401  401  401  401  401  404  404  403  302  302  403  403  403  403  403  302",
    },
    "GET /admin/reminders": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/reminders/{reminder_id}/notice": {
        "reminder_id=x":                       "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "reminder_id=y":                       "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/fee-reports": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  200  200  200  200  200",
    },
    # per-unit lists (arrears with names) are the company's; committees, street and bureau
    # officers get the aggregated collection rates only (fees.rates, not fees.read)
    "GET /admin/fee-reports/{kind}.xlsx": {
        "kind=collection":                     "401  401  401  401  401  200  200  403  200  200  403  200  200  200  200  200",
        "kind=arrears":                        "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
}

ADMIN_AUTH = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/login": {
        "-":                                   "200  200  200  200  200  302  302  302  302  302  302  302  302  302  302  302",
    },
    "POST /admin/login": {
        "form": {"username": "nobody{seq}", "password": "wrong-password-1"},
        "-":                                   "401  401  401  401  401  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /admin/logout": {
        "-":                                   "302  302  302  302  302  302  302  302  302  302  302  302  302  302  302  302",
    },
    "GET /admin/": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /admin/static/{filename}": {
        "filename=admin":                      "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
}

ADMIN_ORG = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/estates": {
        "query": {"q": "小区"},
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /admin/estates/{estate_id}": {
        "estate_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
    "GET /admin/buildings/{building_id}": {
        "building_id=x":                       "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "building_id=y":                       "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
    "GET /admin/units/{unit_id}": {
        "unit_id=x":                           "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "unit_id=y":                           "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
    "GET /admin/estates/{estate_id}/import": {
        "estate_id=x":                         "401  401  401  401  401  200  403  403  404  403  403  403  403  403  403  200",
        "estate_id=y":                         "401  401  401  401  401  404  403  403  200  403  403  403  403  403  403  200",
    },
    # no file: an allowed actor gets the form's 422, which still shows it was let through
    "POST /admin/estates/{estate_id}/import": {
        "estate_id=x":                         "401  401  401  401  401  422  403  403  404  403  403  403  403  403  403  422",
        "estate_id=y":                         "401  401  401  401  401  404  403  403  422  403  403  403  403  403  403  422",
    },
    "GET /admin/import/template.xlsx": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
    },
}

ADMIN_RESIDENCIES = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/reviews": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "POST /admin/reviews/{residency_id}/approve": {
        "residency_id=pending_x":              "401  401  401  401  401  302  302  403  404  404  403  403  403  403  403  302",
        "residency_id=pending_y":              "401  401  401  401  401  404  404  403  302  302  403  403  403  403  403  302",
    },
    "POST /admin/reviews/{residency_id}/reject": {
        "form": {"reason": "材料不全"},
        "residency_id=pending_x":              "401  401  401  401  401  302  302  403  404  404  403  403  403  403  403  302",
        "residency_id=pending_y":              "401  401  401  401  401  404  404  403  302  302  403  403  403  403  403  302",
    },
    "POST /admin/units/{unit_id}/invites": {
        "form": {"role": "owner", "ends_on": ""},
        "unit_id=x":                           "401  401  401  401  401  302  302  403  404  404  403  403  403  403  403  302",
        "unit_id=y":                           "401  401  401  401  401  404  404  403  302  302  403  403  403  403  403  302",
    },
    # an owner's own invite is private to the owner: not found for every staff member
    "GET /admin/invites/{invite_id}": {
        "invite_id=x":                         "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "invite_id=y":                         "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
        "invite_id=owner_x":                   "401  401  401  401  401  404  404  403  404  404  403  403  403  403  403  404",
    },
    "GET /admin/invites/{invite_id}/qr.png": {
        "invite_id=x":                         "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "invite_id=y":                         "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
}

ADMIN_STAFF = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/staff": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
    },
    "GET /admin/staff/new": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
    },
    "GET /admin/staff/scope-fields": {
        "query": {"role": "technician"},
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
    },
    # a company admin's new staff always join its own company, whatever company_id says
    "POST /admin/staff/new": {
        "form": {
            "username": "new.staff{seq}", "name": "新员工", "password": "Linli2026pw",
            "phone": "13800000002", "role": "technician", "company_id": "{company_id}",
        },
        "company_id=a":                        "401  401  401  401  401  302  403  403  302  403  403  403  403  403  403  302",
        "company_id=b":                        "401  401  401  401  401  302  403  403  302  403  403  403  403  403  403  302",
    },
    "GET /admin/staff/{staff_id}": {
        "staff_id=a":                          "401  401  401  401  401  200  403  403  404  403  403  403  403  403  403  200",
        "staff_id=b":                          "401  401  401  401  401  404  403  403  200  403  403  403  403  403  403  200",
    },
    "POST /admin/staff/{staff_id}/active": {
        "form": {"active": "1"},
        "staff_id=a":                          "401  401  401  401  401  302  403  403  404  403  403  403  403  403  403  302",
        "staff_id=b":                          "401  401  401  401  401  404  403  403  302  403  403  403  403  403  403  302",
    },
    "POST /admin/staff/{staff_id}/password": {
        "form": {"password": "Linli2027pw"},
        "staff_id=a":                          "401  401  401  401  401  302  403  403  404  403  403  403  403  403  403  302",
        "staff_id=b":                          "401  401  401  401  401  404  403  403  302  403  403  403  403  403  403  302",
    },
}

ADMIN_RESIDENTS = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/residents": {
        "query": {"q": "业主"},
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
}

ADMIN_AUDIT = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/audit": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
    },
    # filters never widen the scope: another company's estate narrows an admin's own log to
    # nothing (tests/admin/test_audit.py checks the rows); a bad date is ignored
    "GET /admin/audit/export.xlsx": {
        "query": {"estate_id": "{estate_id}", "from": "2026-01-01", "to": "bad", "action": "x"},
        "estate_id=x":                         "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
        "estate_id=y":                         "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
    },
}
# fmt: on


def _join(*tables: dict) -> dict:
    """The tables as one mapping; a route listed twice is a mistake, not an override."""
    joined: dict = {}
    for table in tables:
        twice = joined.keys() & table.keys()
        if twice:
            raise ValueError(f"routes listed twice in the matrix: {sorted(twice)}")
        joined.update(table)
    return joined


# tickets and photos: each route with a case on an id nobody holds (placeholder rows: the
# real cross-actor checks of tickets and photos are in tests/tickets and tests/media)
# fmt: off

#: the tickets of owners X and Y (a repair with a photo, just submitted)
TICKETS = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "POST /api/v1/media/photos": {
        "-":                                   "401  422  422  422  422  401  401  401  401  401  401  401  401  401  401  401",
    },
    # the signed URL is the permission: photo X's URL serves it to whoever holds it; photo
    # Y under X's signature, or with none, serves nothing
    "GET /api/v1/media/photos/{photo_id}/{variant}.jpg": {
        "query": {"expires": "{expires}", "sig": "{sig}"},
        "photo_id=x,variant=full,expires=x,sig=x": "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "photo_id=y,variant=full,expires=x,sig=x": "403  403  403  403  403  403  403  403  403  403  403  403  403  403  403  403",
    },
    "POST /api/v1/media/voice-notes": {
        "-":                                   "401  422  422  422  422  401  401  401  401  401  401  401  401  401  401  401",
    },
    # as a photo's: voice note X's signed URL plays it to whoever holds it; note Y under
    # X's signature serves nothing
    "GET /api/v1/media/voice-notes/{voice_note_id}.m4a": {
        "query": {"expires": "{expires}", "sig": "{sig}"},
        "voice_note_id=x,expires=xv,sig=xv":   "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "voice_note_id=y,expires=xv,sig=xv":   "403  403  403  403  403  403  403  403  403  403  403  403  403  403  403  403",
    },
    "POST /api/v1/tickets": {
        "json": {},
        "-":                                   "401  422  422  422  422  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/tickets": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/tickets/{ticket_id}": {
        "ticket_id=x":                         "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=y":                         "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    # a ticket just submitted cannot be rated or reopened: its own resident gets 409,
    # everyone else 404
    "POST /api/v1/me/tickets/{ticket_id}/rating": {
        "json": {"score": 5},
        "ticket_id=x":                         "401  409  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=y":                         "401  404  404  404  409  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/tickets/{ticket_id}/reopen": {
        "json": {"note": "还是漏水"},
        "ticket_id=x":                         "401  409  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=y":                         "401  404  404  404  409  401  401  401  401  401  401  401  401  401  401  401",
    },
    # only a complaint can be handed to the street office: a repair is refused (422)
    "POST /api/v1/me/tickets/{ticket_id}/supervision": {
        "json": {},
        "ticket_id=x":                         "401  422  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=y":                         "401  404  404  404  422  401  401  401  401  401  401  401  401  401  401  401",
    },
    # 催办: a ticket made for the call (fresh_x / fresh_y), urged by its own resident only
    "POST /api/v1/me/tickets/{ticket_id}/urge": {
        "ticket_id=fresh_x":                   "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=fresh_y":                   "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /admin/tickets": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /admin/tickets/mine": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    # 代客报修 (admin/tickets.py): the desk and admins of the unit's company take a ticket for
    # a resident who phoned; a kind that does not exist is the form's 422. The search matches
    # no unit (one match would redirect to it)
    "GET /admin/tickets/call": {
        "query": {"q": "无此楼 无此房"},
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/tickets/call/units/{unit_id}": {
        "unit_id=x":                           "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "unit_id=y":                           "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
    "POST /admin/tickets/call/units/{unit_id}": {
        "form": {"kind": "barter"},
        "unit_id=x":                           "401  401  401  401  401  422  422  403  404  404  403  403  403  403  403  422",
        "unit_id=y":                           "401  401  401  401  401  404  404  403  422  422  403  403  403  403  403  422",
    },
    "GET /admin/tickets/export.xlsx": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  200  200  200  200",
    },
    # officers see only tickets escalated to the street office: 404 for one just submitted
    "GET /admin/tickets/{ticket_id}": {
        "ticket_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  200  404  404  404  200",
        "ticket_id=y":                         "401  401  401  401  401  404  404  404  200  200  200  404  404  404  404  200",
    },
    # "close" is not allowed for a submitted ticket: the company's desk and admins (let
    # through) get 409 and nothing changes; a technician or the committee, who see the
    # ticket, may not close it (403); other companies and officers: 404
    "POST /admin/tickets/{ticket_id}/{action}": {
        "ticket_id=x,action=close":            "401  401  401  401  401  409  409  403  404  404  404  403  404  404  404  409",
        "ticket_id=y,action=close":            "401  401  401  401  401  404  404  404  409  409  403  404  404  404  404  409",
        # 受理并派单 without a technician: the form's 422; who may not accept gets 403
        "ticket_id=x,action=accept_assign":    "401  401  401  401  401  422  422  403  404  404  404  403  404  404  404  422",
        # 接单 of a new ticket (issue 19): only a technician of the estate's company takes
        # it (accepted and given to them in one step); the desk and admins assign instead
        "ticket_id=x,action=take":             "401  401  401  401  401  403  403  302  404  404  404  403  404  404  404  403",
    },
    # batch assignment (issue 19) with nothing ticked: back to the queue with a message
    "POST /admin/tickets/assign": {
        "-":                                   "401  401  401  401  401  302  302  403  302  302  403  403  403  403  403  302",
    },
}

# fmt: on


ROUTES = _join(
    # first: the bindings below give residents homes in the other estate, and the board's
    # resident rows are about where each resident lives
    BOARD,
    SITE,
    ACCOUNTS_API,
    ORG_API,
    NOTIFY_API,
    FEES_API,
    FEES_PUBLIC,
    ADMIN_AUTH,
    ADMIN_ORG,
    ADMIN_RESIDENCIES,
    ADMIN_STAFF,
    ADMIN_AUDIT,
    ADMIN_RESIDENTS,
    ADMIN_NOTIFY,
    ADMIN_FEES,
    ADMIN_FEES_EXTRA,
    TICKETS,
    BOARD_UI,
    ADMIN_SUPERVISION,
    VOTES_API,
    VOTES_PANEL,
    OUTBOX_PANEL,
    FUND,
    ADMIN_SAFETY,
    SAFETY_API,
    ELDER_API,
    MEDIATION,
    OPEN311,
    SURVEYS_API,
    SURVEYS_PANEL,
)
