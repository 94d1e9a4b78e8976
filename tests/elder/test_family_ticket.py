"""请家人帮忙 on a ticket: the message opens the ticket for the family member of the same
unit, who reads it, adds a follow-up and rates it for the asker, and the timeline says who
did it; nobody else (a tenant, another unit, the asker's other homes) gets anything but 404."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.accounts.models import ResidencyRole
from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.core.time import local_today
from backend.notify.models import Notification
from backend.tickets import services as tickets
from backend.tickets.models import Ticket, TicketState
from backend.tickets.services import Actor
from tests.factories import ResidencyFactory, StaffFactory, UnitFactory
from tests.helpers import bearer
from tests.media.conftest import jpeg, upload


def _asked(client, db):
    """冯淑芬 (owner) reports a leak in 3-502 and asks her son; a tenant lives there too."""
    unit = UnitFactory(number="3-502")
    elder = ResidencyFactory(unit=unit, resident__name="冯淑芬").resident
    son = ResidencyFactory(unit=unit, role=ResidencyRole.family, resident__name="张伟").resident
    tenant = ResidencyFactory(
        unit=unit, role=ResidencyRole.tenant, ends_on=local_today() + timedelta(days=300)
    ).resident
    created = client.post(
        "/api/v1/tickets",
        json={"kind": "home_repair", "unit_id": unit.id, "description": "厨房水龙头漏水"},
        headers=bearer(elder),
    )
    assert created.status_code == 201, created.json
    ticket_id = created.json["id"]
    asked = client.post(
        "/api/v1/me/help-requests", json={"ticket_id": ticket_id}, headers=bearer(elder)
    )
    assert asked.status_code == 201, asked.json
    return unit, elder, son, tenant, ticket_id


def test_the_message_opens_the_ticket_for_the_family_member(client, db):
    _unit, _elder, son, _tenant, ticket_id = _asked(client, db)
    message = db.session.scalars(
        sa.select(Notification).where(Notification.resident_id == son.id)
    ).one()
    assert message.page == f"pages/family/ticket?id={ticket_id}"
    resp = client.get(f"/api/v1/me/family-tickets/{ticket_id}", headers=bearer(son))
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["id"] == ticket_id and body["description"] == "厨房水龙头漏水"
    assert body["state"] == "submitted" and body["asked_by"] == "冯淑芬"
    assert body["actions"] == ["follow_up", "urge"]
    assert [e["action"] for e in body["timeline"]] == ["created"]


def test_the_family_member_adds_a_follow_up_with_a_photo_named_as_family(client, db):
    _unit, elder, son, _tenant, ticket_id = _asked(client, db)
    photo = upload(client, bearer(son), jpeg((120, 90)))
    assert photo.status_code == 201
    resp = client.post(
        f"/api/v1/me/family-tickets/{ticket_id}/follow-ups",
        json={"note": "师傅下午三点后家里有人", "photo_ids": [photo.json["id"]]},
        headers=bearer(son),
    )
    assert resp.status_code == 200, resp.json
    event = resp.json["timeline"][-1]
    assert event["action"] == "follow_up" and event["note"] == "师傅下午三点后家里有人"
    assert event["actor"] == "家人 张伟" and event["action_label"] == "代为补充说明"
    assert [p["id"] for p in event["photos"]] == [photo.json["id"]]
    # the asker sees the same honest record on her own ticket
    mine = client.get(f"/api/v1/me/tickets/{ticket_id}", headers=bearer(elder)).json
    assert mine["timeline"][-1]["actor"] == "家人 张伟"
    # the state did not move
    assert mine["state"] == "submitted"
    empty = client.post(
        f"/api/v1/me/family-tickets/{ticket_id}/follow-ups", json={}, headers=bearer(son)
    )
    assert empty.status_code == 422


def test_the_family_member_rates_a_resolved_ticket_once_for_the_asker(client, db):
    unit, elder, son, _tenant, ticket_id = _asked(client, db)
    early = client.post(
        f"/api/v1/me/family-tickets/{ticket_id}/rating", json={"score": 5}, headers=bearer(son)
    )
    assert early.status_code == 409
    ticket = tickets.resident_ticket(elder, ticket_id)
    desk = StaffFactory(role=StaffRole.service_desk, company=unit.estate.company)
    tech = StaffFactory(role=StaffRole.technician, company=unit.estate.company)
    tickets.accept_and_assign(desk, ticket, tech.id)
    for action in ("start", "resolve"):
        tickets.apply(Actor(staff=tech), ticket, action, note="已更换阀芯")
    assert ticket.state == TicketState.resolved
    commit()
    body = client.get(f"/api/v1/me/family-tickets/{ticket_id}", headers=bearer(son)).json
    assert "rate" in body["actions"]
    resp = client.post(
        f"/api/v1/me/family-tickets/{ticket_id}/rating",
        json={"score": 4, "comment": "修好了"},
        headers=bearer(son),
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["rating"] == 4 and "rate" not in resp.json["actions"]
    assert resp.json["timeline"][-1]["action_label"] == "代为评价"
    mine = client.get(f"/api/v1/me/tickets/{ticket_id}", headers=bearer(elder)).json
    assert mine["rating"] == 4 and "rate" not in mine["actions"]
    again = client.post(
        f"/api/v1/me/tickets/{ticket_id}/rating", json={"score": 1}, headers=bearer(elder)
    )
    assert again.status_code == 409


def test_the_family_member_urges_for_the_asker_within_the_same_interval(client, db):
    _unit, elder, son, _tenant, ticket_id = _asked(client, db)
    resp = client.post(f"/api/v1/me/family-tickets/{ticket_id}/urge", headers=bearer(son))
    assert resp.status_code == 200, resp.json
    assert resp.json["urge_count"] == 1 and "urge" not in resp.json["actions"]
    event = resp.json["timeline"][-1]
    assert event["actor"] == "家人 张伟" and event["action_label"] == "代为催办"
    # one interval per ticket, whoever urged: the asker herself waits too, and so does he
    mine = client.post(f"/api/v1/me/tickets/{ticket_id}/urge", headers=bearer(elder))
    assert mine.status_code == 409 and mine.json["message"] == "已催办，请于 24 小时后再试"
    again = client.post(f"/api/v1/me/family-tickets/{ticket_id}/urge", headers=bearer(son))
    assert again.status_code == 409
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.urge_count == 1 and ticket.events[-1].resident_id == son.id


def test_only_the_household_of_that_unit_may_help(client, db):
    unit, elder, son, tenant, ticket_id = _asked(client, db)
    # another unit's resident, even of the same estate
    neighbour = ResidencyFactory(unit=UnitFactory(building=unit.building, number="3-501"))
    # the son's family member in another home, and the asker herself
    for who in (tenant, neighbour.resident, elder):
        for method, path, body in (
            ("get", f"/api/v1/me/family-tickets/{ticket_id}", None),
            ("post", f"/api/v1/me/family-tickets/{ticket_id}/follow-ups", {"note": "看看"}),
            ("post", f"/api/v1/me/family-tickets/{ticket_id}/rating", {"score": 5}),
            ("post", f"/api/v1/me/family-tickets/{ticket_id}/urge", None),
        ):
            resp = getattr(client, method)(path, json=body, headers=bearer(who))
            assert resp.status_code == 404, (who.id, path)
    # a ticket nobody asked about is not opened to the family
    other = client.post(
        "/api/v1/tickets",
        json={"kind": "home_repair", "unit_id": unit.id, "description": "阳台门关不上"},
        headers=bearer(elder),
    ).json
    assert (
        client.get(f"/api/v1/me/family-tickets/{other['id']}", headers=bearer(son)).status_code
        == 404
    )


def test_a_family_member_who_moved_out_no_longer_helps(client, db):
    _unit, _elder, son, _tenant, ticket_id = _asked(client, db)
    from backend.accounts.models import Residency, ResidencyStatus

    residency = db.session.scalars(
        sa.select(Residency).where(Residency.resident_id == son.id)
    ).one()
    residency.status = ResidencyStatus.ended
    commit()
    resp = client.get(f"/api/v1/me/family-tickets/{ticket_id}", headers=bearer(son))
    assert resp.status_code == 404
