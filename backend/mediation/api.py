"""Resident API of mediation: ask for mediation of a ticket that did not satisfy, my cases,
a case with its trail and sessions, agree or refuse, sign the agreement (drawn)."""

from __future__ import annotations

from backend.authz.resident import BEARER, current_resident, resident_required
from backend.core.api import Blueprint, SelectPage
from backend.mediation import services
from backend.mediation.models import CaseState, Consent, SignatureMethod
from backend.mediation.schemas import (
    CaseDetailSchema,
    CaseRequestSchema,
    CaseSchema,
    ConsentSchema,
    SignSchema,
)
from backend.mediation.states import EVENT_LABELS

blp = Blueprint(
    "mediation",
    __name__,
    tag="人民调解",
    description="对处理结果不满意的工单申请人民调解；表态、查看进度、签署调解协议（调解不收费）",
)


def _actions(case, party) -> list[str]:
    names = []
    if case.state == CaseState.accepted and party.consent == Consent.pending:
        names += ["consent", "refuse"]
    elif case.state in (CaseState.consented, CaseState.in_session):
        names.append("refuse")
    if case.state == CaseState.agreed and f"party-{party.id}" in services.missing_signers(case):
        names.append("sign")
    return names


def case_row(case, party) -> dict:
    return {
        "id": case.id,
        "category": case.category.value,
        "category_label": case.category.label,
        "matter": case.matter,
        "state": case.state.value,
        "state_label": case.state.label,
        "estate": case.estate.name,
        "requested_at": case.requested_at,
        "deadline": case.deadline,
        "actions": _actions(case, party),
    }


def case_detail(case, party) -> dict:
    """A case as a party sees it: parties (no phones), trail (roles, not staff names),
    sessions, the agreement and who has still to sign."""
    return {
        **case_row(case, party),
        "parties": [
            {
                "id": p.id,
                "side": p.side.value,
                "side_label": p.side.label,
                "kind_label": p.kind.label,
                "name": p.name,
                "consent": p.consent.value,
                "consent_label": p.consent.label,
                "me": p.id == party.id,
            }
            for p in case.parties
        ],
        "timeline": [
            {
                "action": e.action,
                "action_label": EVENT_LABELS.get(e.action, e.action),
                "state_label": CaseState(e.to_state).label if e.to_state else None,
                "at": e.at,
                "note": e.note,
            }
            for e in case.events
        ],
        "sessions": [
            {
                "id": s.id,
                "held_at": s.held_at,
                "place": s.place,
                "attendees": s.attendees,
                "record": s.record,
            }
            for s in case.sessions
        ],
        "agreement": case.agreement,
        "outcome_note": case.outcome_note,
        "effective_at": case.effective_at,
        "missing_signatures": [
            services.signer_label(case, s) for s in services.missing_signers(case)
        ]
        if case.state == CaseState.agreed
        else [],
        "ticket_ids": [link.ticket_id for link in case.ticket_links],
    }


class CasePage(SelectPage):
    @property
    def items(self):
        resident = current_resident()
        rows = []
        for case in super().items:
            party = next(p for p in case.parties if p.resident_id == resident.id)
            rows.append(case_row(case, party))
        return rows


@blp.post("/mediation/cases")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(CaseRequestSchema)
@blp.response(201, CaseDetailSchema)
@blp.alt_response(409, description="工单尚在处理中，或已在调解中")
@blp.errors(400, 401, 404, 409, 422)
def request_mediation(payload):
    """对处理结果不满意的工单申请人民调解（自愿、免费：《人民调解法》第四条、第十七条）"""
    resident = current_resident()
    case = services.request_from_ticket(
        resident, payload["ticket_id"], payload["category"], payload["matter"]
    )
    return case_detail(*services.resident_party(resident, case.id))


@blp.get("/me/mediation")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, CaseSchema(many=True))
@blp.paginate(CasePage)
@blp.errors(401, 422)
def my_cases():
    """我作为当事人的调解案件（最新在前）"""
    return services.resident_cases(current_resident())


@blp.get("/me/mediation/<int:case_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, CaseDetailSchema)
@blp.errors(401, 404)
def my_case(case_id):
    """我的一个调解案件：进度、笔录与协议（非当事人一律 404）"""
    return case_detail(*services.resident_party(current_resident(), case_id))


@blp.post("/me/mediation/<int:case_id>/consent")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(ConsentSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(409, description="当前状态不能表态")
@blp.errors(400, 401, 404, 409, 422)
def consent(payload, case_id):
    """同意或拒绝调解（一方拒绝即终止调解：《人民调解法》第十七条）"""
    case, party = services.resident_party(current_resident(), case_id)
    services.answer(case, party, payload["agree"], payload["note"])
    return case_detail(case, party)


@blp.post("/me/mediation/<int:case_id>/signature")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(SignSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(409, description="没有待签署的协议，或已签署")
@blp.errors(400, 401, 404, 409, 422)
def sign_agreement(payload, case_id):
    """在调解协议书上手写签名（各方签名、调解员签名并加盖调解委员会印章后生效：第二十九条）"""
    case, party = services.resident_party(current_resident(), case_id)
    services.sign(case, "agreement", f"party-{party.id}", SignatureMethod.drawn, payload["image"])
    return case_detail(case, party)
