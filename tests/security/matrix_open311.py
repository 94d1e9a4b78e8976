"""Permission matrix rows of Open311 (backend/open311/public.py, admin/open311.py), joined
in ``ROUTES`` of ``matrix.py``. The endpoint knows no session or resident token: every
actor gets the same answer, decided by the ``api_key`` alone (``key=o311_a``: a fresh
partner key of street A; ``o311_wrong``: no such key). The panel's partner screens are the
street officers' (their street's partners) and the platform's.
"""

from __future__ import annotations

from itertools import count

from backend.core.db import commit
from backend.open311 import services

_refs = count()


def _partner(w, street):
    partner, key = services.create_partner(None, f"接入{next(_refs)}", street.id, "hotline")
    commit()
    return partner, key


def _request(w, code="shared_repair"):
    partner, _ = _partner(w, w.street_a)
    row = services.file_request(
        partner,
        {
            "jurisdiction_id": str(w.street_a.id),
            "service_code": code,
            "address_string": "1幢",
            "attribute[estate]": str(w.x.estate.id),
            "attribute[ref]": f"m-{next(_refs)}",
            "description": "楼道灯不亮",
        },
    )
    commit()
    return row


OPEN311_TARGETS = {
    "fmt=o311_json": lambda w: "json",
    "fmt=o311_xml": lambda w: "xml",
    "service_code=o311_repair": lambda w: "shared_repair",
    "key=o311_a": lambda w: _partner(w, w.street_a)[1],
    "key=o311_wrong": lambda w: "o311_wrong",
    "partner_id=o311_a": lambda w: _partner(w, w.street_a)[0].id,
    "partner_id=o311_b": lambda w: _partner(w, w.street_b)[0].id,
    "token_id=o311_a": lambda w: _request(w).token,
    "token_id=o311_none": lambda w: "nothing",
    "service_request_id=o311_public": lambda w: _request(w).id,
    "service_request_id=o311_complaint": lambda w: _request(w, "complaint").id,
}

_REPORT = {
    "api_key": "{key}",
    "jurisdiction_id": "{street_id}",
    "service_code": "shared_repair",
    "address_string": "1幢1单元",
    "attribute[estate]": "{estate_id}",
    "attribute[ref]": "r{seq}",
    "description": "楼道灯不亮",
}
ALL = "  ".join(["{}"] * 16)

# fmt: off

OPEN311 = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /open311/v2/services.{fmt}": {
        "fmt=o311_json":                       ALL.format(*[200] * 16),
        "fmt=o311_xml":                        ALL.format(*[200] * 16),
    },
    "GET /open311/v2/services/{service_code}.{fmt}": {
        "query": {"jurisdiction_id": "{street_id}"},
        "service_code=o311_repair,fmt=o311_json,street_id=med_a": ALL.format(*[200] * 16),
        "service_code=o311_repair,fmt=o311_xml,street_id=med_a":  ALL.format(*[200] * 16),
    },
    "POST /open311/v2/requests.{fmt}": {
        "form": _REPORT,
        "fmt=o311_json,key=o311_a,street_id=med_a,estate_id=x":     ALL.format(*[200] * 16),
        "fmt=o311_xml,key=o311_wrong,street_id=med_a,estate_id=x":  ALL.format(*[403] * 16),
    },
    "GET /open311/v2/tokens/{token_id}.{fmt}": {
        "token_id=o311_a,fmt=o311_json":       ALL.format(*[200] * 16),
        "token_id=o311_none,fmt=o311_xml":     ALL.format(*[404] * 16),
    },
    "GET /open311/v2/requests.{fmt}": {
        "query": {"jurisdiction_id": "{street_id}"},
        "fmt=o311_json,street_id=med_a":       ALL.format(*[200] * 16),
        "fmt=o311_xml,street_id=med_a":        ALL.format(*[200] * 16),
    },
    # a complaint is never public: only its partner, with its key, reads it
    "GET /open311/v2/requests/{service_request_id}.{fmt}": {
        "service_request_id=o311_public,fmt=o311_json":    ALL.format(*[200] * 16),
        "service_request_id=o311_complaint,fmt=o311_xml":  ALL.format(*[404] * 16),
    },
    "GET /admin/open311": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  200  200  403  200",
    },
    "POST /admin/open311": {
        "form": {"name": "网格{seq}", "street_id": "{street_id}", "channel": "grid"},
        "street_id=med_a":                     "401  401  401  401  401  403  403  403  403  403  403  403  201  404  403  201",
    },
    "GET /admin/open311/{partner_id}": {
        "partner_id=o311_a":                   "401  401  401  401  401  403  403  403  403  403  403  403  200  404  403  200",
        "partner_id=o311_b":                   "401  401  401  401  401  403  403  403  403  403  403  403  404  200  403  200",
    },
    "POST /admin/open311/{partner_id}/revoke": {
        "partner_id=o311_a":                   "401  401  401  401  401  403  403  403  403  403  403  403  302  404  403  302",
        "partner_id=o311_b":                   "401  401  401  401  401  403  403  403  403  403  403  403  404  302  403  302",
    },
}

# fmt: on
