"""One input-cleaning layer: text that cannot be stored is refused with a Chinese reason."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from wtforms import Form, StringField

from backend.accounts.models import Residency, Staff
from backend.core.text import CleanText, TextRefused, clean_text, column_length
from tests.factories import ResidentFactory, UnitFactory
from tests.helpers import bearer


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", "不能包含控制字符"),
        ("ab\ud800cd", "含有无效的字符编码"),
        ("a\x1bb", "不能包含控制字符"),
        ("a\x85b", "不能包含控制字符"),
        ("a\nb", "不能换行"),
        ("a\u202eb", "不能包含文字方向控制符"),
        ("长" * 61, "最多 60 个字符"),
    ],
)
def test_text_that_cannot_be_stored_is_refused(value, message):
    with pytest.raises(TextRefused) as refused:
        clean_text(value, max_length=60)

    assert refused.value.message == message


def test_ordinary_text_passes_unchanged():
    assert clean_text("张伟 Zhang-Wei 👩‍👩‍👧", max_length=60) == "张伟 Zhang-Wei 👩‍👩‍👧"
    assert clean_text("第一行\r\n第二行\t完", multiline=True) == "第一行\r\n第二行\t完"


def test_a_model_column_gives_the_length():
    assert column_length(Staff.name) == 60
    assert clean_text("长" * 60, max_length=Staff.name)
    with pytest.raises(TextRefused, match="最多 60 个字符"):
        clean_text("长" * 61, max_length=Staff.name)


def test_panel_forms_use_the_same_check():
    class StaffForm(Form):
        name = StringField(validators=[CleanText(Staff.name)])

    good, bad = StaffForm(data={"name": "张伟"}), StaffForm(data={"name": "张\x00伟"})

    assert good.validate()
    assert not bad.validate()
    assert bad.errors == {"name": ["不能包含控制字符"]}


def _post(client, path, body, headers):
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize("name", ["ab\ud800cd", "张\x00伟", "张\u202e伟", "张\n伟"])
def test_api_refuses_unstorable_names_and_stores_nothing(client, db, name):
    unit = UnitFactory()
    body = {"unit_id": unit.id, "role": "family", "name": name, "phone": "13800000001"}

    resp = _post(client, "/api/v1/bindings/requests", body, bearer(ResidentFactory()))

    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["name"]
    assert db.session.scalar(sa.select(sa.func.count(Residency.id))) == 0


def test_a_note_may_have_line_breaks(client, db):
    unit = UnitFactory()
    body = {"unit_id": unit.id, "role": "family", "name": "张伟", "phone": "13800000001"}

    resp = _post(
        client,
        "/api/v1/bindings/requests",
        {**body, "note": "我是\n家属"},
        bearer(ResidentFactory()),
    )

    assert resp.status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("GET", "/api/v1/estates", {"query_string": "q=a%00b"}, "q"),
        ("POST", "/api/v1/bindings/invite", {"json": {"code": "AB\x00CDEF"}}, "code"),
        ("POST", "/api/v1/auth/wechat", {"json": {"code": "a\x00b"}}, "code"),
    ],
)
def test_nul_bytes_are_a_clear_422_on_every_stack(client, db, method, path, kwargs, field):
    """PostgreSQL cannot store or even compare a NUL: it must never get one."""
    resp = client.open(path, method=method, headers=bearer(ResidentFactory()), **kwargs)

    assert resp.status_code == 422
    assert resp.json["errors"] == {field: ["不能包含控制字符"]}


@pytest.mark.parametrize("path", ["/api/v1/auth/wechat", "/api/v1/bindings/invite"])
def test_json_nested_too_deeply_is_a_400(client, db, path):
    body = "[" * 100_000 + "]" * 100_000

    resp = client.post(path, data=body, content_type="application/json")

    assert resp.status_code in {400, 401}
    assert resp.json["code"] == resp.status_code


@pytest.mark.parametrize(
    "body",
    ['{"a\\u0000b": "accept"}', '{"ab\\ud800": "accept"}', '{"tmpl-residency-active": "a\\u0000"}'],
    ids=["nul-in-key", "surrogate-in-key", "nul-in-undeclared-value"],
)
def test_keys_and_undeclared_values_are_text_too(client, db, body):
    """A schema that takes undeclared fields (the subscription answers) still gets no
    unstorable key or value: a lone surrogate in a key was a 500."""
    resp = client.post(
        "/api/v1/me/subscriptions",
        data=body,
        content_type="application/json",
        headers=bearer(ResidentFactory()),
    )

    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["_schema"]
