"""GeoReport v2 conformance: every method in .json and .xml, against the spec's field
lists, its W3C datetimes and its error format."""

from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree

SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
CREATED = {"service_request_id", "service_notice", "account_id"}
TOKEN = {"service_request_id", "token"}
REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
BASE = "/open311/v2"


def rows(response, fmt: str, root: str, item: str) -> list[dict]:
    """The answer as a list of dicts of its top-level fields, either format."""
    if fmt == "json":
        assert response.content_type == "application/json; charset=utf-8"
        body = response.json
        return body if isinstance(body, list) else [body]
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    tree = ElementTree.fromstring(response.data)
    assert tree.tag == root
    elements = tree.findall(item) if item else [tree]
    return [{child.tag: (child.text or "") for child in element} for element in elements]


def errors(response, fmt: str, status: int) -> str:
    assert response.status_code == status
    found = rows(response, fmt, "errors", "error")
    assert len(found) == 1 and set(found[0]) == {"code", "description"}
    assert int(found[0]["code"]) == status and found[0]["description"]
    return found[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_method(client, world, fmt):
    services = rows(client.get(f"{BASE}/services.{fmt}"), fmt, "services", "service")
    assert {s["service_code"] for s in services} >= {"shared_repair", "mediation"}
    assert all(set(s) == SERVICE and s["type"] == "realtime" for s in services)

    definition = client.get(
        f"{BASE}/services/shared_repair.{fmt}?jurisdiction_id={world.street_id}"
    )
    assert definition.status_code == 200
    if fmt == "json":
        body = definition.json
        attributes = body["attributes"]
        assert set(body) == {"service_code", "attributes"}
        assert all(set(a) == ATTRIBUTE and a["datatype"] in DATATYPES for a in attributes)
        estate = next(a for a in attributes if a["code"] == "estate")
        assert estate["datatype"] == "singlevaluelist"
        assert estate["values"] == [{"key": str(world.estate.id), "name": "翠苑一区"}]
    else:
        tree = ElementTree.fromstring(definition.data)
        assert tree.tag == "service_definition"
        attributes = tree.findall("attributes/attribute")
        assert all({c.tag for c in a} == ATTRIBUTE for a in attributes)
        values = tree.findall("attributes/attribute/values/value")
        assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
            (str(world.estate.id), "翠苑一区")
        ]

    created = rows(client.post(f"{BASE}/requests.{fmt}", data=world.form()), fmt,
                   "service_requests", "request")  # fmt: skip
    assert len(created) == 1 and set(created[0]) == CREATED
    request_id = created[0]["service_request_id"]

    from backend.extensions import db
    from backend.open311.models import ServiceRequest

    token = db.session.get(ServiceRequest, int(request_id)).token
    tokens = rows(client.get(f"{BASE}/tokens/{token}.{fmt}"), fmt, "service_requests", "request")
    assert tokens == [{"service_request_id": request_id, "token": token}]

    listing = client.get(f"{BASE}/requests.{fmt}?jurisdiction_id={world.street_id}")
    listed = rows(listing, fmt, "service_requests", "request")
    assert [r["service_request_id"] for r in listed] == [request_id]
    one = rows(client.get(f"{BASE}/requests/{request_id}.{fmt}"), fmt, "service_requests",
               "request")  # fmt: skip
    for item in (*listed, *one):
        assert set(item) == REQUEST
        assert item["status"] == "open"
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert W3C.match(item[name]), (name, item[name])
        assert item["requested_datetime"].endswith("+08:00")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_in_the_spec_format(client, world, fmt):
    bad_key = client.post(f"{BASE}/requests.{fmt}", data=world.form(api_key="o311_wrong"))
    assert "api_key" in errors(bad_key, fmt, 403)
    no_key = world.form()
    del no_key["api_key"]
    errors(client.post(f"{BASE}/requests.{fmt}", data=no_key), fmt, 403)
    unknown = client.post(f"{BASE}/requests.{fmt}", data=world.form(service_code="graffiti"))
    assert "service_code" in errors(unknown, fmt, 404)
    nowhere = world.form(address_string="")
    assert "位置" in errors(client.post(f"{BASE}/requests.{fmt}", data=nowhere), fmt, 400)
    errors(client.get(f"{BASE}/requests.{fmt}"), fmt, 400)  # jurisdiction_id missing
    errors(client.get(f"{BASE}/services/graffiti.{fmt}?jurisdiction_id=1"), fmt, 404)
    errors(client.get(f"{BASE}/requests/999999.{fmt}"), fmt, 404)
    errors(client.get(f"{BASE}/tokens/nothing.{fmt}"), fmt, 404)
    other = client.post(f"{BASE}/requests.{fmt}", data=world.form(api_key=world.other_key))
    errors(other, fmt, 403)  # a key of another street


def test_lat_and_long_are_a_location(client, world):
    form = world.form(address_string="", lat="30.2741", long="120.1551")
    response = client.post(f"{BASE}/requests.json", data=form)
    assert response.status_code == 200
    item = client.get(f"{BASE}/requests/{response.json[0]['service_request_id']}.json").json[0]
    assert (item["lat"], item["long"]) == (30.2741, 120.1551)
