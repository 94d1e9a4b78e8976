"""Every validation message of the API is Chinese, written at the source."""

from __future__ import annotations

import json
import re

import marshmallow as ma

from backend.core import api as core_api
from tests.factories import ResidencyFactory, ResidentFactory
from tests.helpers import bearer

#: ASCII words allowed in a message: format names people are shown
ALLOWED_WORDS = {"JSON", "ISO", "YYYY", "MM", "DD", "HH", "NaN"}
#: values every field of every route is sent, one field at a time
BAD_VALUES = [
    None,
    12345,
    1.5,
    True,
    [],
    {},
    "",
    "x" * 10_000,
    "ab\ud800cd",
    "a\x00b",
    "line\nbreak",
    "2026-13-45",
    -1,
    2**80,
]


def ascii_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_WORDS


def messages_of(body) -> list[str]:
    """Every text a client is shown in an error body."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in {"code", "status"}:
                continue
            found += messages_of(value)
    elif isinstance(body, list):
        for item in body:
            found += messages_of(item)
    elif isinstance(body, str):
        found.append(body)
    return found


def _json(body) -> dict:
    # escaped, so that a lone surrogate travels as the JSON text "\ud800" it would be
    return {"data": json.dumps(body), "content_type": "application/json"}


def _operations(app):
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            yield path, method, op, body.get("schema")


def _resolve(spec_schema, app):
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    if spec_schema and "$ref" in spec_schema:
        return spec["components"]["schemas"][spec_schema["$ref"].rsplit("/", 1)[-1]]
    return spec_schema or {}


def test_no_api_error_message_contains_english_words(app, client, db):
    """Bad values in every field of every route, one at a time: every message is Chinese."""
    residency = ResidencyFactory()
    headers = bearer(residency.resident)
    seen = 0
    english: dict[str, set[str]] = {}
    for path, method, op, body_schema in _operations(app):
        url = re.sub(r"\{residency_id\}", str(residency.id), path)
        url = re.sub(r"\{[a-z_]+\}", "1", url)
        fields = list(_resolve(body_schema, app).get("properties", {}))
        queries = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
        sends = []
        for field in fields:
            sends += [_json({field: value}) for value in BAD_VALUES]
        if body_schema is not None:
            sends += [_json([]), _json("text"), _json({"no_such_field": 1})]
            sends += [{"data": "{not json", "content_type": "application/json"}]
        for name in queries:
            for value in ["", "x" * 10_000, "a\x00b", "-1", "abc", "1.5", "9" * 30]:
                sends.append({"query_string": {name: value}})
        for kwargs in sends:
            resp = client.open(url, method=method.upper(), headers=headers, **kwargs)
            assert resp.status_code < 500, (method, url, kwargs, resp.get_data(as_text=True))
            if resp.status_code >= 400 and resp.is_json:
                seen += 1
                for text in messages_of(resp.json):
                    if ascii_words(text):
                        english.setdefault(f"{method} {path}", set()).add(text)
    assert seen > 100
    assert english == {}


def _all_schemas(cls=core_api.Schema):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_schemas(sub)


def _field_messages(field: ma.fields.Field, value) -> list[str]:
    try:
        field.deserialize(value)
    except ma.ValidationError as exc:
        return messages_of(exc.messages)
    return []


def test_every_field_of_every_schema_speaks_chinese(app, db):
    """Declared messages and validators of each field of each schema say nothing in English
    (the app has imported every feature's schemas by now)."""
    schemas = list(_all_schemas())
    english = []
    for schema_cls in schemas:
        for name, field in schema_cls().fields.items():
            texts = list(field.error_messages.values())
            for value in BAD_VALUES:
                texts += _field_messages(field, value)
            english += [(schema_cls.__name__, name, t) for t in texts if ascii_words(t)]
    assert len(schemas) > 10
    assert english == []


def test_length_errors_name_the_limit_in_chinese(client, db):
    """The issue's three examples: a 22-character phone, a long note, a long search."""
    headers = bearer(ResidentFactory())
    body = {"unit_id": 1, "role": "owner", "name": "张伟", "phone": "1" * 22, "note": "长" * 10_000}

    binding = client.post("/api/v1/bindings/requests", json=body, headers=headers)
    search = client.get("/api/v1/estates", query_string={"q": "苑" * 41}, headers=headers)

    assert binding.status_code == 422
    assert binding.json["errors"] == {"phone": ["最多 20 个字符"], "note": ["最多 200 个字符"]}
    assert search.status_code == 422
    assert search.json["errors"] == {"q": ["最多 40 个字符"]}


def test_unknown_fields_and_wrong_types_are_named_in_chinese(client, db):
    headers = bearer(ResidentFactory())

    resp = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": "一", "role": "owner", "name": [], "phone": "1", "x": 1},
        headers=headers,
    )

    assert resp.status_code == 422
    assert resp.json["errors"] == {
        "unit_id": ["应为整数"],
        "name": ["应为文本"],
        "x": ["不支持的字段"],
    }
