"""The resident ticket API: submit with photos, idempotency, my tickets, detail, rate,
reopen, supervision; residents and staff see only what is theirs."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa

from backend.core.db import commit
from backend.notify.models import Notification
from backend.notify.services import record_subscription_answers
from backend.tickets import services
from backend.tickets.models import Ticket, TicketState
from backend.tickets.services import Actor
from tests.factories import ResidencyFactory, ResidentFactory
from tests.helpers import bearer
from tests.media.conftest import jpeg, upload


def _photo(client, headers, color=(10, 20, 30)) -> dict:
    resp = upload(client, headers, jpeg((120, 90), color=color))
    assert resp.status_code == 201
    return resp.json


def _submit(client, world, headers=None, key=None, **body):
    headers = dict(headers or bearer(world.resident))
    if key:
        headers["Idempotency-Key"] = key
    payload = {
        "kind": "home_repair",
        "urgency": "urgent",
        "unit_id": world.residency.unit_id,
        "description": "卫生间漏水到楼下",
        **body,
    }
    return client.post("/api/v1/tickets", json=payload, headers=headers)


def test_resident_submits_a_ticket_with_two_photos(client, world):
    headers = bearer(world.resident)
    photos = [_photo(client, headers, (200, 0, 0)), _photo(client, headers, (0, 200, 0))]

    resp = _submit(client, world, headers, photo_ids=[p["id"] for p in photos])

    assert resp.status_code == 201
    body = resp.json
    assert body["state"] == "submitted" and body["state_label"] == "待受理"
    assert [p["id"] for p in body["photos"]] == [p["id"] for p in photos]
    assert body["timeline"][0]["action"] == "created"
    assert body["actions"] == ["urge"] and body["urge_count"] == 0
    assert client.get(body["photos"][0]["thumbnail_url"]).status_code == 200


def test_same_idempotency_key_gives_one_ticket(client, world):
    first = _submit(client, world, key="abc-123")
    second = _submit(client, world, key="abc-123")
    other = _submit(client, world, key="abc-124")

    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"] != other.json["id"]
    assert services.db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 2


def test_same_key_from_two_residents_gives_two_tickets(client, world):
    neighbour = ResidencyFactory(unit__building=world.residency.unit.building)
    a = _submit(client, world, key="k1")
    b = _submit(client, world, bearer(neighbour.resident), key="k1", unit_id=neighbour.unit_id)
    assert a.json["id"] != b.json["id"]


def test_ticket_needs_a_unit_the_resident_lives_in(client, world):
    stranger = ResidentFactory()
    resp = _submit(client, world, bearer(stranger))
    assert resp.status_code == 404
    assert services.db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0


def test_shared_place_report_needs_estate_and_location(client, world):
    missing = _submit(client, world, kind="report", unit_id=None, estate_id=world.estate.id)
    ok = _submit(
        client,
        world,
        kind="report",
        unit_id=None,
        estate_id=world.estate.id,
        location="地下车库 B2",
        category="flying_wire",
        urgency="normal",
    )
    assert missing.status_code == 422
    assert ok.status_code == 201
    assert ok.json["place"] == "地下车库 B2" and ok.json["category"] == "flying_wire"


def test_someone_elses_photo_cannot_be_attached(client, world):
    theirs = _photo(client, bearer(ResidencyFactory().resident))
    resp = _submit(client, world, photo_ids=[theirs["id"]])
    assert resp.status_code == 422
    assert services.db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0


def test_more_than_nine_photos_are_refused(client, world):
    resp = _submit(client, world, photo_ids=list(range(1, 11)))
    assert resp.status_code == 422


def test_resident_lists_and_reads_only_their_own_tickets(client, world):
    mine = _submit(client, world).json
    neighbour = ResidencyFactory(unit__building=world.residency.unit.building)
    theirs = _submit(client, world, bearer(neighbour.resident), unit_id=neighbour.unit_id).json

    listing = client.get("/api/v1/me/tickets", headers=bearer(world.resident))
    other = client.get(f"/api/v1/me/tickets/{theirs['id']}", headers=bearer(world.resident))

    assert [t["id"] for t in listing.json] == [mine["id"]]
    assert other.status_code == 404
    for action in ("rating", "reopen", "supervision"):
        resp = client.post(
            f"/api/v1/me/tickets/{theirs['id']}/{action}",
            json={"score": 5} if action == "rating" else {"note": "x"},
            headers=bearer(world.resident),
        )
        assert resp.status_code == 404


def test_photo_url_of_another_ticket_does_not_open_this_ones_photo(client, world):
    headers = bearer(world.resident)
    first = _submit(client, world, photo_ids=[_photo(client, headers, (1, 1, 1))["id"]]).json
    second = _submit(client, world, photo_ids=[_photo(client, headers, (2, 2, 2))["id"]]).json
    url = urlsplit(first["photos"][0]["url"])
    forged = url.path.replace(
        f"/photos/{first['photos'][0]['id']}/", f"/photos/{second['photos'][0]['id']}/"
    )
    assert forged != url.path

    assert client.get(f"{forged}?{url.query}").status_code == 403


def _resolve(world, ticket_id: int) -> Ticket:
    ticket = services.db.session.get(Ticket, ticket_id)
    services.apply(Actor(staff=world.desk), ticket, "accept")
    services.apply(Actor(staff=world.desk), ticket, "assign", assignee_id=world.tech.id)
    services.apply(Actor(staff=world.tech), ticket, "resolve", note="已更换水管")
    commit()
    return ticket


def test_resident_rates_a_resolved_ticket_once(client, world):
    created = _submit(client, world).json
    early = client.post(
        f"/api/v1/me/tickets/{created['id']}/rating",
        json={"score": 5},
        headers=bearer(world.resident),
    )
    _resolve(world, created["id"])

    rated = client.post(
        f"/api/v1/me/tickets/{created['id']}/rating",
        json={"score": 4, "comment": "及时"},
        headers=bearer(world.resident),
    )
    again = client.post(
        f"/api/v1/me/tickets/{created['id']}/rating",
        json={"score": 1},
        headers=bearer(world.resident),
    )
    out_of_range = client.post(
        f"/api/v1/me/tickets/{created['id']}/rating",
        json={"score": 6},
        headers=bearer(world.resident),
    )

    assert early.status_code == 409
    assert rated.status_code == 200 and rated.json["rating"] == 4
    assert again.status_code == 409
    assert out_of_range.status_code == 422


def test_resident_reopens_with_a_reason(client, world):
    created = _submit(client, world).json
    _resolve(world, created["id"])
    url = f"/api/v1/me/tickets/{created['id']}/reopen"

    no_reason = client.post(url, json={}, headers=bearer(world.resident))
    reopened = client.post(url, json={"note": "还在漏"}, headers=bearer(world.resident))

    assert no_reason.status_code == 422
    assert reopened.status_code == 200
    assert reopened.json["state"] == "reopened"
    assert reopened.json["timeline"][-1]["note"] == "还在漏"


def test_resident_asks_the_street_to_supervise_a_complaint(client, world):
    created = _submit(
        client,
        world,
        kind="complaint",
        unit_id=None,
        estate_id=world.estate.id,
        location="小区",
        description="保洁长期不到位",
        urgency="normal",
    ).json
    assert "supervise" in created["actions"]

    resp = client.post(
        f"/api/v1/me/tickets/{created['id']}/supervision",
        json={},
        headers=bearer(world.resident),
    )

    assert resp.status_code == 200
    assert resp.json["state"] == "escalated"
    ticket = services.db.session.get(Ticket, created["id"])
    assert ticket.escalated_at is not None
    assert services.staff_ticket(world.street, ticket.id) == ticket


def test_resident_is_told_of_every_status_change(client, world, fake_wechat):
    created = _submit(client, world).json
    # the mini-app asked for consent after submitting; the resident allowed two messages
    for _ in range(2):
        choice = {"tmpl-ticket-status": "accept"}
        fake_wechat.subscribe(world.resident.openid, choice)
        record_subscription_answers(world.resident.id, choice)
    commit()
    _resolve(world, created["id"])

    told = [
        n
        for n in services.db.session.scalars(sa.select(Notification).order_by(Notification.id))
        if n.kind == "ticket_status_changed"
    ]
    assert [n.data["phrase3"]["value"] for n in told] == ["已受理", "已派单", "已解决"]
    assert [n.status.value for n in told] == ["sent", "sent", "app_only"]
    assert len(fake_wechat.messages(world.resident.openid)) == 2


def test_staff_of_another_company_get_404(world):
    ticket = world.ticket()
    commit()
    import pytest

    from backend.core.errors import NotFound

    with pytest.raises(NotFound):
        services.staff_ticket(world.other_desk, ticket.id)
    with pytest.raises(NotFound):
        services.staff_ticket(world.street, ticket.id)  # not escalated: not on the street's list
    assert services.staff_ticket(world.desk, ticket.id) == ticket
    assert ticket.state == TicketState.submitted
