"""催办: the resident who reported an open ticket (or a family member helping through a help
request) urges it, at most once per ``TICKET_URGE_HOURS``; the timeline records each urge
and staff see 已催办 ×N in the queue and on the ticket page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.accounts.models import ResidencyRole
from backend.core.db import commit
from backend.core.errors import Conflict, NotFound
from backend.core.time import local_today, utcnow
from backend.tickets import services
from backend.tickets.models import Ticket, TicketEvent, TicketKind
from backend.tickets.services import Actor
from tests.admin.conftest import login
from tests.factories import ResidencyFactory
from tests.helpers import bearer


def _urges(db, ticket_id) -> list[TicketEvent]:
    return list(
        db.session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "urge")
            .order_by(TicketEvent.id)
        )
    )


def test_once_per_interval_to_the_second(world, db):
    ticket = world.ticket()
    start = utcnow()
    services.urge(world.resident, ticket, now=start)
    assert ticket.urge_count == 1 and ticket.urged_at == start

    with pytest.raises(Conflict) as too_soon:
        services.urge(world.resident, ticket, now=start + timedelta(hours=1))
    assert too_soon.value.message == "已催办，请于 23 小时后再试"
    with pytest.raises(Conflict) as last_second:
        services.urge(world.resident, ticket, now=start + timedelta(hours=24, seconds=-1))
    assert last_second.value.message == "已催办，请于 1 小时后再试"

    services.urge(world.resident, ticket, now=start + timedelta(hours=24))
    assert ticket.urge_count == 2
    assert [e.resident_id for e in _urges(db, ticket.id)] == [world.resident.id] * 2


def test_the_interval_is_a_setting(world, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "TICKET_URGE_HOURS", 2)
    ticket = world.ticket()
    start = utcnow()
    services.urge(world.resident, ticket, now=start)
    with pytest.raises(Conflict, match="请于 2 小时后再试"):
        services.urge(world.resident, ticket, now=start + timedelta(minutes=1))
    services.urge(world.resident, ticket, now=start + timedelta(hours=2))
    assert ticket.urge_count == 2


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (("resolve",), "工单已解决，无需催办"),
        (("resolve", "close"), "工单已关闭，无需催办"),
    ],
)
def test_a_finished_ticket_is_not_urged(world, db, steps, message):
    ticket = world.ticket()
    services.accept_and_assign(world.desk, ticket, world.tech.id)
    for step in steps:
        services.apply(Actor(staff=world.desk if step == "close" else world.tech), ticket, step)
    assert services.urge_refusal(ticket) == message
    with pytest.raises(Conflict, match=message):
        services.urge(world.resident, ticket)
    assert ticket.urge_count == 0 and _urges(db, ticket.id) == []


def test_a_rejected_ticket_is_not_urged(world, db):
    ticket = world.ticket()
    services.apply(Actor(staff=world.desk), ticket, "reject", note="不属于物业服务范围")
    with pytest.raises(Conflict, match="工单已驳回，无需催办"):
        services.urge(world.resident, ticket)


def test_only_the_reporter_urges_her_ticket(world, db):
    ticket = world.ticket()
    neighbour = ResidencyFactory(unit__building=world.residency.unit.building).resident
    with pytest.raises(NotFound):
        services.urge(neighbour, ticket)
    assert ticket.urge_count == 0


def test_a_tenant_urges_the_ticket_she_reported(client, world, db):
    tenant = ResidencyFactory(
        unit=world.residency.unit,
        role=ResidencyRole.tenant,
        ends_on=local_today() + timedelta(days=300),
    ).resident
    ticket, _ = services.create_ticket(
        tenant,
        kind=TicketKind.home_repair,
        description="热水器不出热水",
        unit_id=world.residency.unit_id,
    )
    commit()
    resp = client.post(f"/api/v1/me/tickets/{ticket.id}/urge", headers=bearer(tenant))
    assert resp.status_code == 200, resp.json
    assert resp.json["timeline"][-1]["actor"] == "住户"
    # the owner of the unit did not report it: not hers to urge
    other = client.post(f"/api/v1/me/tickets/{ticket.id}/urge", headers=bearer(world.resident))
    assert other.status_code == 404


def test_api_urges_shows_the_wait_then_the_timeline(client, world, db):
    ticket = world.ticket()
    commit()
    headers = bearer(world.resident)
    before = client.get(f"/api/v1/me/tickets/{ticket.id}", headers=headers).json
    assert "urge" in before["actions"] and before["urge_refusal"] == ""

    first = client.post(f"/api/v1/me/tickets/{ticket.id}/urge", headers=headers)
    assert first.status_code == 200, first.json
    body = first.json
    assert body["urge_count"] == 1 and body["urged_at"]
    assert "urge" not in body["actions"]
    assert body["urge_refusal"] == "已催办，请于 24 小时后再试"
    event = body["timeline"][-1]
    assert (event["action"], event["action_label"], event["actor"]) == ("urge", "催办", "住户")

    second = client.post(f"/api/v1/me/tickets/{ticket.id}/urge", headers=headers)
    assert second.status_code == 409
    assert second.json["message"] == "已催办，请于 24 小时后再试"
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).urge_count == 1
    assert client.post("/api/v1/me/tickets/2147483647/urge", headers=headers).status_code == 404


def test_staff_see_how_often_and_when_a_ticket_was_urged(client, world, db):
    ticket = world.ticket()
    quiet = world.ticket(description="阳台门关不上")
    start = utcnow() - timedelta(hours=30)
    services.urge(world.resident, ticket, now=start)
    services.urge(world.resident, ticket, now=start + timedelta(hours=25))
    commit()
    login(client, world.desk)

    queue = client.get("/admin/tickets").get_data(as_text=True)
    assert f'id="urged-{ticket.id}"' in queue and "已催办 ×2" in queue
    assert f'id="urged-{quiet.id}"' not in queue
    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="ticket-urged"' in page and "已催办 ×2" in page
    assert 'data-action="urge"' in page


def test_urges_are_rate_limited_per_resident(client, world, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_TICKET_URGE", "3 per hour")
    ticket = world.ticket()
    commit()
    headers = bearer(world.resident)
    statuses = [
        client.post(f"/api/v1/me/tickets/{ticket.id}/urge", headers=headers).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 409, 409, 429, 429]
