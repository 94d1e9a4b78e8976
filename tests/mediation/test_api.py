"""The resident API: ask for mediation from an unsatisfying ticket, follow the case,
agree or refuse, sign the agreement; nobody else's case is visible."""

from __future__ import annotations

from backend.core.db import commit
from backend.mediation import services
from backend.mediation.models import CaseState
from tests.helpers import bearer
from tests.mediation.conftest import PNG


def test_a_resident_asks_agrees_and_signs(client, world):
    ticket = world.ticket()
    commit()
    headers = bearer(world.resident)
    response = client.post(
        "/api/v1/mediation/cases",
        json={"ticket_id": ticket.id, "category": "neighbours", "matter": "楼上夜间噪音"},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    case_id = response.json["id"]
    assert response.json["state"] == "requested"
    assert [p["side"] for p in response.json["parties"]] == ["applicant", "respondent"]
    assert response.json["ticket_ids"] == [ticket.id]

    services.act(world.officer, case_id, "accept", {})
    commit()
    mine = client.get("/api/v1/me/mediation", headers=headers).json
    assert [c["id"] for c in mine] == [case_id] and mine[0]["actions"] == ["consent", "refuse"]
    answered = client.post(
        f"/api/v1/me/mediation/{case_id}/consent", json={"agree": True}, headers=headers
    )
    assert answered.status_code == 200 and answered.json["state"] == "accepted"

    case = services.staff_case(world.officer, case_id)
    services.staff_answer(world.admin, case_id, case.parties[1].id, True)
    services.act(world.officer, case_id, "record_session", {"attendees": "双方", "record": "笔录"})
    services.act(world.officer, case_id, "agree", {"agreement": "物业更换隔音门"})
    commit()
    detail = client.get(f"/api/v1/me/mediation/{case_id}", headers=headers).json
    assert detail["state"] == "agreed" and "sign" in detail["actions"]
    assert len(detail["missing_signatures"]) == 4 and detail["sessions"][0]["record"] == "笔录"
    signed = client.post(
        f"/api/v1/me/mediation/{case_id}/signature", json={"image": PNG}, headers=headers
    )
    assert signed.status_code == 200 and len(signed.json["missing_signatures"]) == 3
    again = client.post(
        f"/api/v1/me/mediation/{case_id}/signature", json={"image": PNG}, headers=headers
    )
    assert again.status_code == 409
    assert services.staff_case(world.officer, case_id).state == CaseState.agreed


def test_a_refusal_through_the_api_ends_the_case(client, world):
    case = world.case()
    services.act(world.officer, case.id, "accept", {})
    commit()
    response = client.post(
        f"/api/v1/me/mediation/{case.id}/consent",
        json={"agree": False, "note": "不愿调解"},
        headers=bearer(world.resident),
    )
    assert response.status_code == 200 and response.json["state"] == "ended"


def test_nobody_elses_case(client, world):
    case = world.case()
    commit()
    other = bearer(world.other_residency.resident)
    assert client.get(f"/api/v1/me/mediation/{case.id}", headers=other).status_code == 404
    assert client.get("/api/v1/me/mediation", headers=other).json == []
    assert client.get(f"/api/v1/me/mediation/{case.id}").status_code == 401
    response = client.post(
        f"/api/v1/me/mediation/{case.id}/consent", json={"agree": True}, headers=other
    )
    assert response.status_code == 404


def test_an_unanswered_ticket_cannot_be_taken_to_mediation(client, world):
    from backend.tickets.models import TicketState

    ticket = world.ticket(state=TicketState.submitted)
    commit()
    response = client.post(
        "/api/v1/mediation/cases",
        json={"ticket_id": ticket.id, "category": "repairs", "matter": "维修不到位"},
        headers=bearer(world.resident),
    )
    assert response.status_code == 409 and "处理" in response.json["message"]
