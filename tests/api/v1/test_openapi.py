"""The OpenAPI document tells the truth about what the API sends (issue 6, item 2).

The fuzz test in ``tests/security`` checks generated requests; these pin the places where
the document and the answers once disagreed.
"""

from __future__ import annotations

import json
import re

import pytest

from backend.accounts.models import ResidencyRole
from backend.accounts.services import create_owner_invite
from tests.factories import EstateFactory, ResidencyFactory
from tests.helpers import bearer


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def _responses(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield f"{method.upper()} {path}", operation["responses"]


def test_no_operation_hides_its_errors_behind_a_default_response(document):
    for label, responses in _responses(document):
        assert "default" not in responses, label
        assert any(code.startswith("2") for code in responses), label


#: operations that take no bearer token: sign-in itself, and a photo's file, whose
#: short-lived signed URL is the permission (a bad or expired signature is 403/410)
PUBLIC_OPERATIONS = {
    "POST /api/v1/auth/wechat",
    "GET /api/v1/media/photos/{photo_id}/{variant}.jpg",
    "GET /api/v1/media/documents/{document_id}",
    "GET /api/v1/media/voice-notes/{voice_note_id}.m4a",
    # the disclosure board is public, as the paper board on the wall
    "GET /api/v1/estates/{estate_id}/board",
    "GET /api/v1/estates/{estate_id}/board/posts/{post_id}",
}


def test_every_signed_in_operation_documents_401(document):
    for label, responses in _responses(document):
        if label not in PUBLIC_OPERATIONS:
            assert "401" in responses, label


def test_area_is_documented_as_the_string_it_is(client, document):
    residency = ResidencyFactory()
    area = document["components"]["schemas"]["UnitBrief"]["properties"]["area"]
    sent = client.get("/api/v1/me/units", headers=bearer(residency.resident)).json[0]["area"]
    assert area["type"] == "string"
    assert isinstance(sent, str) and re.match(area["pattern"], sent)


def test_pagination_header_is_documented_as_json_text(client, document):
    EstateFactory()  # and the resident's own estate below
    header = document["paths"]["/api/v1/estates"]["get"]["responses"]["200"]["headers"][
        "X-Pagination"
    ]
    schema_ref = header["content"]["application/json"]["schema"]["$ref"]
    response = client.get("/api/v1/estates", headers=bearer(ResidencyFactory().resident))
    metadata = json.loads(response.headers["X-Pagination"])
    documented = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]["properties"]
    assert metadata["total"] == 2 and set(metadata) <= set(documented)  # one per factory


def test_invite_qr_is_documented_as_png(client, db, document):
    owner = ResidencyFactory(role=ResidencyRole.owner)
    invite = create_owner_invite(owner.resident, owner.id, ResidencyRole.family, None)
    db.session.commit()
    path = "/api/v1/me/residencies/{residency_id}/invites/{code}/qr.png"
    content = document["paths"][path]["get"]["responses"]["200"]["content"]
    response = client.get(
        f"/api/v1/me/residencies/{owner.id}/invites/{invite.code}/qr.png",
        headers=bearer(owner.resident),
    )
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert list(content) == ["image/png"]


def test_phone_and_lease_rules_are_documented(document):
    properties = document["components"]["schemas"]["BindingRequest"]["properties"]
    pattern = re.compile(properties["phone"]["pattern"])
    for accepted in ("13800000001", "+86 138-0000-0001", "138 0000 0001"):
        assert pattern.match(accepted), accepted
    for refused in ("12800000001", "1380000000", "phone"):
        assert not pattern.match(refused), refused
    for schema in ("BindingRequest", "OwnerInvite"):
        assert (
            "二十年"
            in document["components"]["schemas"][schema]["properties"]["ends_on"]["description"]
        )
