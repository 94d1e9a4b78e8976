"""A partner's report becomes a ticket in the company's queue with its SLA; its status
and the company's note come back; the public listing carries nothing personal; status
changes are pushed to the partner, signed, and retried; keys are revoked, rate-limited
and every call is logged."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import sqlalchemy as sa
from click.testing import CliRunner

from backend.core import outbox
from backend.core.db import commit
from backend.core.outbox import CommandState, OutboxCommand
from backend.extensions import db
from backend.mediation.models import CaseSource, MediationCase
from backend.open311 import services
from backend.open311.models import Partner, RequestLog, ServiceRequest
from backend.tickets import services as tickets
from backend.tickets import sla
from backend.tickets.models import Ticket, TicketSource, TicketState
from tests.admin.conftest import login

BASE = "/open311/v2"


def _file(client, world, **extra) -> ServiceRequest:
    response = client.post(f"{BASE}/requests.json", data=world.form(**extra))
    assert response.status_code == 200, response.json
    return db.session.get(ServiceRequest, int(response.json[0]["service_request_id"]))


def _handle(world, ticket: Ticket, note: str) -> None:
    desk = tickets.Actor(staff=world.desk)
    tickets.apply(desk, ticket, "accept")
    tickets.apply(desk, ticket, "assign", assignee_id=world.tech.id)
    tickets.apply(tickets.Actor(staff=world.tech), ticket, "resolve", note=note)
    tickets.apply(desk, ticket, "close", note="已回访来电人")
    commit()


def test_a_report_lands_in_the_company_queue_with_its_sla(client, world, monkeypatch):
    monkeypatch.setattr("requests.post", lambda *a, **k: type("R", (), {"status_code": 200})())
    request = _file(client, world)
    ticket = request.ticket
    assert (ticket.source, ticket.source_ref) == (
        TicketSource.hotline,
        f"{world.partner.id}-12345-0001",
    )
    assert ticket.estate_id == world.estate.id and ticket.resident_id is None
    assert ticket.state == TicketState.submitted and ticket.location == "3幢1单元 文三路 1 号"
    queue = db.session.scalars(tickets.staff_queue(world.desk, tickets.QueueFilter())).all()
    assert ticket in queue
    due = sla.timing(ticket, ticket.created_at).resolve_due
    assert due == ticket.created_at + timedelta(hours=72)
    item = client.get(f"{BASE}/requests/{request.id}.json").json[0]
    assert item["expected_datetime"] == services.w3c(due)

    _handle(world, ticket, "已更换楼道灯，恢复照明")
    item = client.get(f"{BASE}/requests/{request.id}.json").json[0]
    assert item["status"] == "closed" and item["status_notes"] == "已更换楼道灯，恢复照明"
    assert item["agency_responsible"] == world.estate.company.name


def test_the_same_partner_number_is_filed_once(client, world):
    first = _file(client, world)
    again = _file(client, world)
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_the_public_listing_has_nothing_personal(client, world):
    request = _file(client, world)
    _file(client, world, service_code="complaint", **{"attribute[ref]": "12345-0002"})
    listed = client.get(f"{BASE}/requests.json?jurisdiction_id={world.street_id}").json
    assert [r["service_request_id"] for r in listed] == [str(request.id)]
    text = json.dumps(listed, ensure_ascii=False)
    assert "13812345678" not in text and "138****5678" in text
    assert "张" not in text
    # the partner reading with its key sees its own complaint too, as it filed it
    mine = client.get(
        f"{BASE}/requests.json?jurisdiction_id={world.street_id}&api_key={world.key}"
    ).json
    assert {r["service_code"] for r in mine} == {"shared_repair", "complaint"}
    other = _file(client, world, service_code="complaint", **{"attribute[ref]": "12345-0003"})
    assert client.get(f"{BASE}/requests/{other.id}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{other.id}.json?api_key={world.key}").status_code == 200


def test_a_mediation_request_becomes_a_case(client, world):
    request = _file(client, world, service_code="mediation", **{"attribute[ref]": "12345-9"})
    case = db.session.get(MediationCase, request.case_id)
    assert case.source == CaseSource.outside and case.estate_id == world.estate.id
    assert case.parties[0].name == "张 伟" and case.parties[1].company_id
    item = client.get(f"{BASE}/requests/{request.id}.json?api_key={world.key}").json[0]
    assert item["status"] == "open" and item["status_notes"] == "待受理"


def test_status_changes_are_pushed_signed_and_retried(client, world, monkeypatch):
    calls = []
    answers = iter([500, 200])

    def fake_post(url, data, headers, timeout):
        calls.append((url, data, headers))
        return type("R", (), {"status_code": next(answers, 200)})()

    monkeypatch.setattr("requests.post", fake_post)
    request = _file(client, world)
    desk = tickets.Actor(staff=world.desk)
    tickets.apply(desk, request.ticket, "reject", note="非物业管理范围，已转交社区")
    commit()
    assert len(calls) == 1  # the first try failed (500): the outbox keeps it
    command = db.session.scalars(
        sa.select(OutboxCommand).where(OutboxCommand.key.like("open311-push:%"))
    ).one()
    assert command.state == CommandState.pending and command.attempts == 1
    assert outbox.execute(command.id, due_only=False) == CommandState.done
    db.session.expire_all()
    assert db.session.get(OutboxCommand, command.id).state == CommandState.done
    url, body, headers = calls[-1]
    assert url.endswith("/callback")
    key_hash = hashlib.sha256(world.key.encode()).hexdigest()
    expected = hmac.new(key_hash.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Open311-Signature"] == f"sha256={expected}"
    sent = json.loads(body)[0]
    assert sent["status"] == "closed" and sent["status_notes"] == "非物业管理范围，已转交社区"


def test_a_revoked_key_is_refused_and_calls_are_logged(client, world):
    _file(client, world)
    client.post(f"{BASE}/requests.json", data=world.form(api_key="o311_wrong"))
    from backend.accounts.models import StaffRole
    from tests.factories import StaffFactory

    officer = StaffFactory(role=StaffRole.street_officer, street_id=world.street_id)
    commit()
    login(client, officer)
    page = client.get("/admin/open311").get_data(as_text=True)
    assert "西湖区12345热线" in page and world.key not in page
    assert client.post(f"/admin/open311/{world.partner.id}/revoke").status_code == 302
    refused = client.post(f"{BASE}/requests.json", data=world.form(**{"attribute[ref]": "x2"}))
    assert refused.status_code == 403
    log = db.session.scalars(
        sa.select(RequestLog).where(RequestLog.partner_id == world.partner.id)
    ).all()
    assert [r.status for r in log] == [200]  # the refused call wrote nothing
    assert "POST" in client.get(f"/admin/open311/{world.partner.id}").get_data(as_text=True)


def test_a_key_issued_in_the_panel_is_shown_once(client, world):
    from backend.accounts.models import StaffRole
    from tests.factories import StaffFactory

    officer = StaffFactory(role=StaffRole.street_officer, street_id=world.street_id)
    commit()
    login(client, officer)
    response = client.post(
        "/admin/open311",
        data={"name": "文新网格", "street_id": world.street_id, "channel": "grid"},
    )
    assert response.status_code == 201
    key = response.get_data(as_text=True).split('id="api-key">')[1].split("<")[0]
    partner = services.partner_for(key)
    assert partner.name == "文新网格" and partner.key_hash != key
    assert key not in client.get("/admin/open311").get_data(as_text=True)
    other = client.post(
        "/admin/open311",
        data={"name": "越权", "street_id": world.other_estate.street_id, "channel": "grid"},
    )
    assert other.status_code == 404


def test_rate_limited_per_key(client, world, app):
    app.config["RATELIMIT_OPEN311"] = "2 per minute"
    try:
        url = f"{BASE}/services.json?api_key={world.key}"
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
        assert client.get(url).json == [{"code": 429, "description": "请求过于频繁，请稍后再试"}]
        # another key has its own budget
        assert client.get(f"{BASE}/services.json?api_key={world.other_key}").status_code == 200
    finally:
        app.config["RATELIMIT_OPEN311"] = "120 per minute;5000 per day"


def test_the_command_line_prints_the_key_once(app, world):
    result = CliRunner().invoke(
        app.cli,
        ["open311-key", "上城区12345", "--street", str(world.street_id), "--channel", "hotline"],
    )
    assert result.exit_code == 0, result.output
    key = result.output.splitlines()[1]
    db.session.expire_all()
    partner = services.partner_for(key)
    assert partner is not None and partner.name == "上城区12345"
    assert db.session.scalars(sa.select(Partner.key_hash)).all().count(key) == 0
