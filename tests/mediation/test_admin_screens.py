"""The panel's mediation screens: the list with figures and the overdue filter, a case
registered with a party without the mini-app, the mediator's actions, the printable
agreement, the committee, and 404 outside one's scope."""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import commit
from backend.core.time import utcnow
from backend.extensions import db
from backend.mediation import services
from backend.mediation.models import CaseState, MediationCase
from tests.admin.conftest import login
from tests.mediation.test_states import case_in


def test_the_officer_registers_and_moves_a_case(client, world):
    login(client, world.officer)
    assert "登记纠纷" in client.get("/admin/mediation/new").get_data(as_text=True)
    response = client.post(
        "/admin/mediation",
        data={
            "estate_id": world.estate.id,
            "category": "parking",
            "matter": "车位被占",
            "party_0_kind": "other",
            "party_0_side": "applicant",
            "party_0_name": "赵六",
            "party_0_phone": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalars(db.select(MediationCase)).one()
    page = client.get(f"/admin/mediation/{case.id}").get_data(as_text=True)
    assert "赵六" in page and "受理" in page
    assert (
        client.post(f"/admin/mediation/{case.id}/act", data={"action": "accept"}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(MediationCase, case.id).state == CaseState.accepted
    refused = client.post(f"/admin/mediation/{case.id}/act", data={"action": "close"})
    assert refused.status_code == 409 and "不能结案" in refused.get_data(as_text=True)


def test_a_missing_field_is_shown_on_the_form(client, world):
    login(client, world.officer)
    response = client.post("/admin/mediation", data={"estate_id": world.estate.id})
    assert response.status_code == 422 and "纠纷" in response.get_data(as_text=True)


def test_the_list_figures_and_overdue(client, world):
    case = case_in(world, CaseState.accepted)
    case.deadline = utcnow() - timedelta(days=1)
    commit()
    login(client, world.officer)
    page = client.get("/admin/mediation").get_data(as_text=True)
    row = f'id="case-{case.id}"'
    assert row in page and "超期" in page and "噪音与邻里 1" in page
    overdue = client.get("/admin/mediation?overdue=1").get_data(as_text=True)
    assert row in overdue
    login(client, world.other_officer)
    assert row not in client.get("/admin/mediation").get_data(as_text=True)
    assert client.get(f"/admin/mediation/{case.id}").status_code == 404


def test_the_printable_agreement(client, world):
    case = case_in(world, CaseState.in_effect)
    commit()
    login(client, world.admin)
    page = client.get(f"/admin/mediation/{case.id}/agreement").get_data(as_text=True)
    assert "人民调解协议书" in page and case.agreement in page and "第三十三条" in page
    login(client, world.other_admin)
    assert client.get(f"/admin/mediation/{case.id}/agreement").status_code == 404


def test_the_committee_page(client, world):
    login(client, world.officer)
    page = client.get("/admin/mediation/committee").get_data(as_text=True)
    assert "调解员1" in page and "三至九人" in page
    member = services.mediators(world.estate.street_id)[2]
    response = client.post(f"/admin/mediation/committee/{member.id}/remove")
    assert response.status_code == 302
    assert "不足 3 人" in client.get("/admin/mediation/committee").get_data(as_text=True)


def test_supervise_from_the_panel(client, world):
    case = case_in(world, CaseState.accepted)
    commit()
    login(client, world.bureau)
    response = client.post(f"/admin/mediation/{case.id}/supervise", data={"note": "尽快调解"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MediationCase, case.id).supervised_at is not None


def test_the_narrowed_banner_names_what_the_viewer_sees_and_nothing_else(client, world):
    from backend.org.models import Street

    case = case_in(world, CaseState.accepted)
    commit()
    street = db.session.get(Street, world.estate.street_id)
    company = world.estate.company
    login(client, world.officer)
    page = client.get(
        f"/admin/mediation?estate_id={world.estate.id}&street_id={street.id}"
        f"&company_id={company.id}"
    ).get_data(as_text=True)
    assert f'小区 <span id="narrowed-estate">{world.estate.name}</span>' in page
    assert f'街道 <span id="narrowed-street">{street.name}</span>' in page
    assert f'物业企业 <span id="narrowed-company">{company.name}</span>' in page
    assert "#" not in page.split('id="mediation-narrowed"')[1].split("</p>")[0]
    # another street's estate, street and company: not named, and the list is empty
    other = world.other_estate
    hidden = client.get(
        f"/admin/mediation?estate_id={other.id}&street_id={other.street_id}"
        f"&company_id={other.company_id}"
    ).get_data(as_text=True)
    banner = hidden.split('id="mediation-narrowed"')[1].split("</p>")[0]
    for name in (other.name, db.session.get(Street, other.street_id).name, other.company.name):
        assert name not in banner
    assert banner.count("不在您的管辖范围内") == 3
    assert f'id="case-{case.id}"' not in hidden
