"""Bad input into every text field of every route: a clean 4xx, never a 5xx, nothing written.

The routes and their requests are the permission matrix's (``matrix.py``); the text fields
are the strings of each entry's ``json`` / ``form`` / ``query`` and of the path, and, for
the resident API, every string property and query parameter its OpenAPI document declares.
Each is sent by an actor the matrix lets through, so the bad value reaches the parsing.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import sqlalchemy as sa

from backend.extensions import db, limiter
from tests.security import matrix
from tests.security.conftest import SUMMARY
from tests.security.test_permission_matrix import TARGETS, _fill, _parse_case

#: what the probe sent (issue 6, item 5); the lone surrogate only fits in JSON (a form or a
#: query string carries bytes, and no UTF-8 byte sequence is a lone surrogate)
CORPUS = {
    "NUL byte": "a\x00b",
    "control character": "a\x1b[31mb",
    "100k characters": "x" * 100_000,
    "lone surrogate": "ab\ud800cd",
}
JSON_ONLY = {"lone surrogate"}
#: JSON nested 100,000 deep, sent as the whole body of every JSON route
DEEP_JSON = "[" * 100_000 + "]" * 100_000
#: fields where any value is fine: a choice that falls back to its default and is never stored
ANY_VALUE = {
    ("GET /admin/staff/scope-fields", "query", "role"),
    # the audit log's filters: a value that is not one offered means "all" (never widens
    # the scope, never stored)
    *(
        ("GET /admin/audit/export.xlsx", "query", name)
        for name in ("estate_id", "from", "to", "action")
    ),
}
#: statuses that show the actor was let through (so that the bad value reaches the parser)
ADMITTED = {200, 201, 302, 409, 422}


def _actor_and_case(entry: dict) -> tuple[str, str]:
    """The first case of a route and the first actor the matrix lets through in it."""
    case, row = next((c, r) for c, r in entry.items() if c not in matrix.REQUEST_OPTIONS)
    statuses = matrix.statuses(row)
    for actor, status in zip(matrix.ACTORS, statuses, strict=True):
        if status in ADMITTED:
            return actor, case
    return "anon", case


def _documented_text_fields(document: dict, key: str) -> list[tuple[str, str]]:
    method, path = key.split(" ", 1)
    operation = document["paths"].get(path, {}).get(method.lower())
    if not operation:
        return []
    fields = [
        ("query", p["name"])
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("schema", {}).get("type") == "string"
    ]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        ref = body["schema"]["$ref"].rsplit("/", 1)[1]
        properties = document["components"]["schemas"][ref]["properties"]
        fields += [("json", n) for n, p in properties.items() if p.get("type") == "string"]
    return fields


def text_fields(key: str, entry: dict, document: dict) -> list[tuple[str, str]]:
    """``(location, name)`` of every text field of a route."""
    fields = {
        (location, name)
        for location in ("json", "form", "query")
        for name, value in entry.get(location, {}).items()
        if isinstance(value, str)
    }
    fields.update(_documented_text_fields(document, key))
    # ids are integers that routing refuses before any view; other path values are text
    fields.update(
        ("path", name) for name in re.findall(r"\{(\w+)\}", key) if not name.endswith("_id")
    )
    return sorted(fields)


def _row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: conn.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def _request(client, key, entry, case, world, location=None, name=None, bad=None, raw=None):
    method, path = key.split(" ", 1)
    values = {"seq": 0}
    for target in _parse_case(case):
        param = target.split("=", 1)[0]
        values[param] = TARGETS[target](world)
    kwargs = {
        option: _fill(entry[option], values)
        for option in ("json", "form", "query")
        if option in entry
    }
    if location == "path":
        values[name] = quote(bad, safe="")
    elif location:
        kwargs.setdefault(location, {})[name] = bad
    before = _row_counts()
    url = path.format(**values)
    if raw is not None:
        response = client.open(url, method=method, data=raw, content_type="application/json")
    elif "json" in kwargs:
        # json.dumps escapes a lone surrogate as \ud800, as a client's JSON library would
        response = client.open(
            url,
            method=method,
            data=json.dumps(kwargs["json"]),
            content_type="application/json",
            query_string=kwargs.get("query"),
        )
    else:
        response = client.open(
            url, method=method, data=kwargs.get("form"), query_string=kwargs.get("query")
        )
    return response, before, _row_counts()


def _attempts(key: str, entry: dict, document: dict):
    """``(label, field, request options)`` of every bad input for one route."""
    fields = text_fields(key, entry, document)
    for location, name in fields:
        for label, bad in CORPUS.items():
            if location == "json" or label not in JSON_ONLY:
                field = (key, location, name)
                yield (
                    f"{location} {name}: {label}",
                    field,
                    {"location": location, "name": name, "bad": bad},
                )
    if "json" in entry or any(location == "json" for location, _ in fields):
        yield "body: JSON nested 100,000 deep", None, {"raw": DEEP_JSON}


def _send_corpus(app, world, actors, fake_wechat, wanted) -> tuple[list[str], int]:
    """Send the corpus to the fields ``wanted(field)`` picks; the problems found and the count."""
    world.fake_wechat = fake_wechat
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    problems, sent = [], 0
    # hundreds of requests from one address would meet the rate limits (tested elsewhere)
    limiter.enabled = False
    try:
        for key, entry in matrix.ROUTES.items():
            if key == "POST /admin/logout":
                continue  # no input, and it would end the sessions the other cases use
            actor, case = _actor_and_case(entry)
            for label, field, options in _attempts(key, entry, document):
                if not wanted(field):
                    continue
                sent += 1
                try:
                    response, before, after = _request(
                        actors[actor], key, entry, case, world, **options
                    )
                except Exception as exc:  # the test app propagates what would be a 500
                    problems.append(f"{key} as {actor}, {label}: {type(exc).__name__}")
                    db.session.rollback()
                    continue
                if not 400 <= response.status_code < 500:
                    problems.append(f"{key} as {actor}, {label}: {response.status_code}")
                elif before != after:
                    changed = sorted(t for t in after if after[t] != before.get(t))
                    problems.append(f"{key} as {actor}, {label}: wrote to {changed}")
    finally:
        limiter.enabled = True
    return problems, sent


def test_bad_input_in_every_text_field_is_refused_cleanly(app, world, actors, fake_wechat):
    problems, sent = _send_corpus(
        app, world, actors, fake_wechat, lambda field: field not in ANY_VALUE
    )
    SUMMARY.append(f"bad-input corpus: {sent} requests")
    assert not problems, f"{len(problems)} of {sent} bad inputs not refused cleanly:\n" + (
        "\n".join(problems)
    )
