"""代客报修: the desk takes a ticket for a resident who phoned or came to the counter. The
ticket is the resident's (in their list, rated by them), its source says how it came in, the
audit log says who took it; only a resident bound to the unit can be the caller, and only the
desk and admins of the unit's company take one."""

from __future__ import annotations

import io

import sqlalchemy as sa

from backend.accounts.models import ResidencyRole
from backend.audit.models import AuditEntry
from backend.authz.roles import StaffRole
from backend.tickets.models import Ticket, TicketSource
from tests.admin.conftest import login
from tests.factories import ResidencyFactory, StaffFactory, UnitFactory
from tests.helpers import bearer
from tests.media.conftest import jpeg


def _desk_and_caller(client):
    unit = UnitFactory(number="201", building__name="1幢")
    caller = ResidencyFactory(unit=unit, resident__name="冯淑芬").resident
    desk = StaffFactory(role=StaffRole.service_desk, company=unit.estate.company, name="小周")
    login(client, desk)
    return unit, caller, desk


def test_the_desk_finds_the_unit_as_typed_and_files_a_ticket_the_resident_sees(app, client, db):
    unit, caller, desk = _desk_and_caller(client)
    found = client.get("/admin/tickets/call", query_string={"q": "1幢 201"})
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/admin/tickets/call/units/{unit.id}")
    page = client.get(f"/admin/tickets/call/units/{unit.id}")
    assert page.status_code == 200 and "冯淑芬" in page.text
    resp = client.post(
        f"/admin/tickets/call/units/{unit.id}",
        data={
            "resident_id": caller.id,
            "source": "phone",
            "kind": "home_repair",
            "urgency": "urgent",
            "description": "卫生间水管爆了，水流到楼下",
            "photos": (io.BytesIO(jpeg((120, 90))), "leak.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    ticket = db.session.scalars(sa.select(Ticket).where(Ticket.unit_id == unit.id)).one()
    assert ticket.source == TicketSource.phone and ticket.resident_id == caller.id
    assert ticket.filed_by_id == desk.id and ticket.reporter_label == "电话代报 · 小周"
    assert len(ticket.events[0].photos) == 1
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "ticket.file")
    ).one()
    assert entry.staff_id == desk.id and entry.after["caller"] == "冯淑芬"
    assert entry.after["source"] == "phone"
    # the resident sees it as hers, with its whole timeline, and may rate it later
    mine = client.get("/api/v1/me/tickets", headers=bearer(caller)).json
    assert [t["id"] for t in mine] == [ticket.id]
    detail = client.get(f"/api/v1/me/tickets/{ticket.id}", headers=bearer(caller)).json
    assert detail["urgency"] == "urgent" and len(detail["photos"]) == 1


def test_the_caller_must_live_in_the_unit(client, db):
    unit, _caller, _desk = _desk_and_caller(client)
    elsewhere = ResidencyFactory(unit=UnitFactory(building=unit.building, number="202"))
    for resident_id in (elsewhere.resident_id, 2**31 - 1):
        resp = client.post(
            f"/admin/tickets/call/units/{unit.id}",
            data={
                "resident_id": resident_id,
                "source": "counter",
                "kind": "home_repair",
                "urgency": "normal",
                "description": "门锁坏了",
            },
        )
        assert resp.status_code == 422
        assert "绑定" in resp.text
    assert db.session.scalars(sa.select(Ticket)).all() == []


def test_a_unit_without_residents_says_how_to_go_on(client, db):
    unit, _caller, _desk = _desk_and_caller(client)
    empty = UnitFactory(building=unit.building, number="203")
    resp = client.get(f"/admin/tickets/call/units/{empty.id}")
    assert resp.status_code == 200 and "还没有已绑定的住户" in resp.text


def test_a_tenant_calls_too_and_a_technician_cannot_take_calls(client, app, db):
    unit, _caller, _desk = _desk_and_caller(client)
    from datetime import timedelta

    from backend.core.time import local_today

    tenant = ResidencyFactory(
        unit=unit, role=ResidencyRole.tenant, ends_on=local_today() + timedelta(days=100)
    ).resident
    resp = client.post(
        f"/admin/tickets/call/units/{unit.id}",
        data={
            "resident_id": tenant.id,
            "source": "counter",
            "kind": "home_repair",
            "urgency": "normal",
            "description": "热水器不出热水",
        },
    )
    assert resp.status_code == 302
    tech_client = app.test_client()
    login(tech_client, StaffFactory(role=StaffRole.technician, company=unit.estate.company))
    assert tech_client.get(f"/admin/tickets/call/units/{unit.id}").status_code == 403
