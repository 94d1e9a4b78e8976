"""Mediation rules: voluntary (a refusal ends it), signatures before effect, the 30 days
for judicial confirmation, the one-month term, the committee's size, and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.audit.models import AuditEntry
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.mediation import services
from backend.mediation.models import CaseState, Consent, MediationEvent, SignatureMethod
from backend.tickets.models import TicketState
from tests.factories import StaffFactory
from tests.mediation.conftest import PNG, T0
from tests.mediation.test_states import case_in, run

S = CaseState


def test_a_resident_asks_from_an_answered_ticket(world):
    case = world.case()
    assert case.state == S.requested and case.street_id == world.estate.street_id
    sides = [(p.side.value, p.kind.value) for p in case.parties]
    assert sides == [("applicant", "resident"), ("respondent", "company")]
    assert case.ticket_links[0].ticket_id
    # the same ticket cannot be taken twice while its case runs
    with pytest.raises(Conflict):
        services.request_from_ticket(
            world.resident, case.ticket_links[0].ticket_id, "fees", "再次申请"
        )


def test_a_ticket_still_being_handled_cannot_go_to_mediation(world):
    ticket = world.ticket(state=TicketState.in_progress)
    with pytest.raises(Conflict):
        services.request_from_ticket(world.resident, ticket.id, "repairs", "维修不到位")


def test_another_residents_ticket_is_not_found(world):
    ticket = world.ticket(world.other_residency)
    with pytest.raises(NotFound):
        services.request_from_ticket(world.resident, ticket.id, "repairs", "维修不到位")


def test_one_refusal_ends_the_case(world):
    case = case_in(world, S.accepted)
    company = case.parties[1]
    services.staff_answer(world.admin, case.id, company.id, False, "不同意调解")
    assert case.state == S.ended and company.consent == Consent.refused
    with pytest.raises(Conflict):
        services.answer(case, case.parties[0], True)
    with pytest.raises(Conflict):
        services.act(world.officer, case.id, "record_session", {"attendees": "x", "record": "y"})


def test_consent_waits_for_every_party(world):
    case = case_in(world, S.accepted)
    services.answer(case, case.parties[0], True)
    assert case.state == S.accepted
    services.staff_answer(world.admin, case.id, case.parties[1].id, True)
    assert case.state == S.consented


def test_an_officer_may_not_answer_for_a_mini_app_user(world):
    case = case_in(world, S.accepted)
    with pytest.raises(Conflict):
        services.staff_answer(world.officer, case.id, case.parties[0].id, True)


def test_agreement_without_every_signature_is_not_in_effect(world):
    case = case_in(world, S.agreed)
    resident = case.parties[0]
    services.sign(case, "agreement", f"party-{resident.id}", SignatureMethod.drawn, PNG)
    services.staff_sign(world.officer, case.id, "agreement", "mediator", "drawn", PNG)
    assert case.state == S.agreed and case.effective_at is None
    assert services.missing_signers(case) == [f"party-{case.parties[1].id}", "committee"]
    company = f"party-{case.parties[1].id}"
    services.staff_sign(world.officer, case.id, "agreement", company, "scan", "scan-7")
    assert case.state == S.agreed
    services.staff_sign(world.mediators[2], case.id, "agreement", "committee", "seal")
    assert case.state == S.in_effect and case.effective_at is not None
    with pytest.raises(Conflict):
        services.sign(case, "agreement", f"party-{resident.id}", SignatureMethod.drawn, PNG)


def test_only_the_cases_mediator_signs_as_mediator(world):
    case = case_in(world, S.agreed)
    with pytest.raises(Conflict):
        services.staff_sign(world.mediators[1], case.id, "agreement", "mediator", "drawn", PNG)


def test_a_drawn_signature_must_be_an_image(world):
    case = case_in(world, S.agreed)
    with pytest.raises(Invalid):
        services.sign(case, "agreement", f"party-{case.parties[0].id}", SignatureMethod.drawn, "x")


def test_a_session_record_can_be_signed(world):
    case = case_in(world, S.in_session)
    document = f"session-{case.sessions[0].id}"
    services.sign(case, document, f"party-{case.parties[0].id}", SignatureMethod.drawn, PNG)
    assert case.events[-1].action == "sign_session"
    with pytest.raises(NotFound):
        services.sign(case, "session-999999", "mediator", SignatureMethod.drawn, PNG)


def test_failed_mediation_tells_of_other_routes(world):
    case = case_in(world, S.not_agreed)
    assert services.OTHER_ROUTES in case.outcome_note


def _effective(world):
    case = case_in(world, S.agreed)
    for signer in services.missing_signers(case):
        at = T0 + timedelta(days=1)
        if signer.startswith("party-") and case.parties[0].id == int(signer[6:]):
            services.sign(case, "agreement", signer, SignatureMethod.drawn, PNG, now=at)
        elif signer.startswith("party-"):
            services.staff_sign(world.officer, case.id, "agreement", signer, "scan", "s", now=at)
        elif signer == "mediator":
            services.staff_sign(world.officer, case.id, "agreement", signer, "drawn", PNG, now=at)
        else:
            services.staff_sign(world.mediators[1], case.id, "agreement", signer, "seal", now=at)
    assert case.state == S.in_effect
    return case, T0 + timedelta(days=1)


def test_judicial_confirmation_reminder_before_day_30(world, app):
    case, effect = _effective(world)
    assert services.remind_confirmations(effect + timedelta(days=25) - timedelta(seconds=1)) == 0
    assert services.remind_confirmations(effect + timedelta(days=25)) == 1
    assert services.remind_confirmations(effect + timedelta(days=26)) == 0  # once
    reminder = db.session.scalars(
        sa.select(MediationEvent).where(
            MediationEvent.case_id == case.id, MediationEvent.action == "confirmation_reminder"
        )
    ).one()
    assert "第三十三条" in reminder.note


def test_no_reminder_once_applied_or_past_30_days(world):
    case, effect = _effective(world)
    assert services.remind_confirmations(effect + timedelta(days=30, seconds=1)) == 0
    services.act(world.officer, case.id, "apply_confirmation", now=effect + timedelta(days=30))
    assert case.state == S.confirmation_applied
    assert services.remind_confirmations(effect + timedelta(days=26)) == 0


def test_confirmation_after_30_days_is_refused(world):
    case, effect = _effective(world)
    with pytest.raises(Conflict, match="第三十三条"):
        services.act(
            world.officer,
            case.id,
            "apply_confirmation",
            now=effect + timedelta(days=30, seconds=1),
        )


def test_overdue_exactly_one_month_after_acceptance(world):
    case = world.case()
    services.act(world.officer, case.id, "accept", {}, now=T0)
    assert case.deadline == T0.replace(month=4)
    assert not services.is_overdue(case, case.deadline)
    assert services.is_overdue(case, case.deadline + timedelta(seconds=1))
    late = db.session.scalars(
        services.staff_list(world.officer, overdue=True, now=case.deadline + timedelta(seconds=1))
    ).all()
    assert late == [case]
    assert not db.session.scalars(
        services.staff_list(world.officer, overdue=True, now=case.deadline)
    ).all()


def test_the_term_is_a_city_setting(world, app):
    app.config["MEDIATION_TERM_MONTHS"] = 2
    try:
        case = world.case()
        services.act(world.officer, case.id, "accept", {}, now=T0)
        assert case.deadline == T0.replace(month=5)
    finally:
        app.config["MEDIATION_TERM_MONTHS"] = 1


def test_supervising_a_case_is_in_its_trail(world):
    case = case_in(world, S.accepted)
    services.supervise(world.bureau, case.id, "请于本周内组织调解")
    assert case.supervised_at and case.events[-1].action == "supervise"
    with pytest.raises(Forbidden):
        services.supervise(world.admin, case.id, "x")


def test_a_committee_needs_three_members_to_accept(world):
    services.remove_mediator(world.platform, _mediator(world, 2))
    case = world.case()
    with pytest.raises(Conflict, match="第八条"):
        services.act(world.officer, case.id, "accept", {})


def _mediator(world, i):
    members = services.mediators(world.estate.street_id)
    return next(m.id for m in members if m.staff_id == world.mediators[i].id)


def test_a_tenth_member_is_refused(world):
    for _ in range(6):
        extra = StaffFactory(role=StaffRole.street_officer, street_id=world.estate.street_id)
        services.add_mediator(world.officer, extra.id)
    extra = StaffFactory(role=StaffRole.street_officer, street_id=world.estate.street_id)
    with pytest.raises(Conflict, match="9"):
        services.add_mediator(world.officer, extra.id)
    assert len(services.mediators(world.estate.street_id)) == 9


def test_only_a_committee_member_mediates(world):
    outsider = StaffFactory(role=StaffRole.street_officer, street_id=world.estate.street_id)
    case = world.case()
    with pytest.raises(Invalid):
        services.act(outsider, case.id, "accept", {})
    services.act(outsider, case.id, "accept", {"mediator_id": world.mediators[1].id})
    assert case.mediator_id == world.mediators[1].id


def test_actions_are_audited(world):
    case = case_in(world, S.accepted)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "mediation.accept")
    ).one()
    assert entry.entity_id == str(case.id) and entry.after == {"state": "accepted"}


# --- who sees what ---------------------------------------------------------------------


def test_street_b_cannot_see_street_a(world):
    case = world.case()
    with pytest.raises(NotFound):
        services.staff_case(world.other_officer, case.id)
    with pytest.raises(NotFound):
        services.act(world.other_officer, case.id, "accept", {})
    assert services.staff_case(world.officer, case.id) is case
    assert services.staff_case(world.bureau, case.id) is case


def test_a_company_sees_only_cases_it_is_party_to(world):
    case = world.case()
    assert services.staff_case(world.admin, case.id) is case
    assert services.staff_case(world.desk, case.id) is case
    with pytest.raises(NotFound):
        services.staff_case(world.other_admin, case.id)
    # a dispute between neighbours in its estate where the company is not a party
    neighbours = services.open_case(
        world.officer,
        world.estate.id,
        "neighbours",
        "楼上漏水至楼下",
        [
            {"kind": "neighbour", "side": "applicant", "name": "李四", "phone": "13900000000"},
            {"kind": "neighbour", "side": "respondent", "name": "王五"},
        ],
    )
    for party in list(neighbours.parties):
        if party.company_id:
            db.session.delete(party)
    db.session.flush()
    with pytest.raises(NotFound):
        services.staff_case(world.admin, neighbours.id)


def test_a_committee_member_of_the_estate_reads_nothing(world):
    member = StaffFactory(role=StaffRole.committee_member, estate_id=world.estate.id)
    with pytest.raises(Forbidden):
        services.cases_query(member)


def test_a_resident_sees_only_their_own_cases(world):
    case = world.case()
    assert services.resident_party(world.resident, case.id)[0] is case
    with pytest.raises(NotFound):
        services.resident_party(world.other_residency.resident, case.id)


def test_a_party_without_the_mini_app(world):
    case = services.open_case(
        world.officer,
        world.estate.id,
        "parking",
        "车位被占用",
        [{"kind": "other", "side": "applicant", "name": "赵六（无小程序）", "phone": ""}],
    )
    run(world, case, "accept", T0)
    offline = case.parties[0]
    services.staff_answer(world.officer, case.id, offline.id, True, "电话确认同意")
    assert offline.consent == Consent.consented


def test_open_case_needs_an_applicant(world):
    with pytest.raises(Invalid):
        services.open_case(world.officer, world.estate.id, "other", "事项", [])


def test_figures(world):
    case_in(world, S.in_effect)
    case_in(world, S.ended)
    figures = services.figures(world.officer)
    assert figures["total"] == 2 and figures["by_category"]["噪音与邻里"] == 2
    assert figures["by_state"] == {"协议已生效": 1, "当事人拒绝，调解终止": 1}
    assert figures["median_days_to_agreement"] is not None
    assert services.figures(world.other_officer)["total"] == 0
