"""Mediation (人民调解) services: the committee, opening cases, moving them through the state
machine (:mod:`backend.mediation.states`), consents and signatures, what each person sees,
the overdue list and the judicial confirmation reminder. Services never commit.

Rules encoded (《中华人民共和国人民调解法》):
- Art. 4: mediation is free of charge — no fee of any kind is asked or recorded;
- Art. 8: a committee has three to nine members — a case is accepted only by a committee
  of that size, and a tenth member is refused;
- Art. 17: a party who refuses is not mediated — one refusal ends the case;
- Art. 26: a failed mediation ends, and the parties are told of arbitration, administrative
  and judicial routes (the failure's note says so);
- Arts. 28–29: the agreement is written, signed (sealed, thumbprinted) by every party,
  signed by the mediator and sealed by the committee, and takes effect only then;
- Art. 31: an agreement in effect binds the parties;
- Art. 33: within 30 days of its effect the parties may jointly apply to a court for
  judicial confirmation — a reminder goes out before day 30, later applications are refused.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app

from backend.accounts.models import Resident, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.core.db import transition
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.feature import ToDo
from backend.core.time import utcnow
from backend.extensions import db
from backend.mediation.models import (
    CaseSource,
    CaseState,
    CaseTicket,
    Category,
    Consent,
    MediationCase,
    MediationCommittee,
    MediationEvent,
    MediationParty,
    MediationSession,
    MediationSignature,
    Mediator,
    PartyKind,
    PartySide,
    SignatureMethod,
)
from backend.mediation.states import ACTIONS, FINAL_STATES, RUNNING_STATES
from backend.org.models import Company, Estate, Street
from backend.supervision.common import text
from backend.tickets import services as tickets
from backend.tickets.models import TicketState

log = logging.getLogger(__name__)

NOT_FOUND = "未找到该调解案件，或不在您的管辖范围内"
#: Art. 8: a committee has three to nine members
COMMITTEE_MIN, COMMITTEE_MAX = 3, 9
#: Art. 33: judicial confirmation within 30 days of the agreement taking effect
CONFIRMATION_WINDOW = timedelta(days=30)
#: Art. 26: what a failed mediation tells the parties
OTHER_ROUTES = "调解不成，当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。"
#: tickets a resident may take to mediation: answered, or not answered to their satisfaction
ESCALABLE_TICKET_STATES = (
    TicketState.resolved,
    TicketState.closed,
    TicketState.reopened,
    TicketState.escalated,
    TicketState.rejected,
)


# --- the committee (Art. 8) ------------------------------------------------------------


def committee(street_id: int) -> MediationCommittee | None:
    """The street's mediation committee, if it has one."""
    return db.session.scalars(
        sa.select(MediationCommittee).where(MediationCommittee.street_id == street_id)
    ).first()


def add_mediator(officer: Staff, staff_id: int, title: str = "委员") -> Mediator:
    """Make ``staff_id`` (an officer of the same street) a member of the street's committee
    (creating it); a tenth member is refused (Art. 8: three to nine)."""
    scope.require(officer, "mediation.committee")
    member = db.session.get(Staff, staff_id)
    if member is None or not scope.can(member, "mediation.mediate") or not member.street_id:
        raise Invalid("调解员须为街道或社区工作人员", {"staff_id": ["取值无效"]})
    street_id = member.street_id
    if officer.street_id not in (None, street_id):
        raise NotFound("未找到该工作人员，或不在您的管辖范围内")
    title = text(title, "title", "职务", max_length=20)
    board = committee(street_id)
    if board is None:
        board = MediationCommittee(street_id=street_id, name="人民调解委员会")
        db.session.add(board)
        db.session.flush()
    if len(board.members) >= COMMITTEE_MAX:
        raise Conflict(f"调解委员会至多 {COMMITTEE_MAX} 人（《人民调解法》第八条）")
    if db.session.scalars(sa.select(Mediator).where(Mediator.staff_id == staff_id)).first():
        raise Conflict("该工作人员已是调解员")
    mediator = Mediator(committee_id=board.id, staff_id=staff_id, title=title)
    db.session.add(mediator)
    db.session.flush()
    db.session.refresh(board)
    audit.record(
        officer, "mediation.committee", "mediation_committee", board.id, after={"add": staff_id}
    )
    return mediator


def remove_mediator(officer: Staff, mediator_id: int) -> None:
    """Take a member off the committee (one below three leaves the committee unable to
    accept cases until it is completed again)."""
    scope.require(officer, "mediation.committee")
    mediator = db.session.get(Mediator, mediator_id)
    if mediator is None:
        raise NotFound("未找到该调解员")
    board = db.session.get(MediationCommittee, mediator.committee_id)
    if officer.street_id not in (None, board.street_id):
        raise NotFound("未找到该调解员")
    audit.record(
        officer,
        "mediation.committee",
        "mediation_committee",
        board.id,
        before={"remove": mediator.staff_id},
    )
    db.session.delete(mediator)
    db.session.flush()


def mediators(street_id: int) -> list[Mediator]:
    board = committee(street_id)
    return list(board.members) if board else []


# --- opening a case --------------------------------------------------------------------


def _party(case, kind, side, name, phone="", resident_id=None, company_id=None):
    party = MediationParty(
        case_id=case.id,
        kind=kind,
        side=side,
        name=name,
        phone=phone,
        resident_id=resident_id,
        company_id=company_id,
    )
    db.session.add(party)
    return party


def _new_case(estate: Estate, category, matter: str, source: CaseSource, now, **extra):
    try:
        category = Category(category)
    except ValueError:
        raise Invalid("请选择纠纷类别", {"category": ["取值无效"]}) from None
    matter = text(matter, "matter", "纠纷事项", max_length=2000, multiline=True)
    case = MediationCase(
        street_id=estate.street_id,
        estate_id=estate.id,
        category=category,
        matter=matter,
        source=source,
        requested_at=now,
        state=CaseState.requested,
        **extra,
    )
    db.session.add(case)
    db.session.flush()
    return case


def _company_party(case, estate: Estate, side=PartySide.respondent):
    if estate.company_id is not None:
        company = db.session.get(Company, estate.company_id)
        _party(case, PartyKind.company, side, company.name, company.phone, company_id=company.id)


def request_from_ticket(
    resident: Resident, ticket_id: int, category: str, matter: str, now: datetime | None = None
) -> MediationCase:
    """A resident asks for mediation of a dispute that their ticket did not settle: the
    resident applies, the company serving the estate responds, the ticket is linked."""
    now = now or utcnow()
    ticket = tickets.resident_ticket(resident, ticket_id)
    if ticket.state not in ESCALABLE_TICKET_STATES:
        raise Conflict("工单尚在处理中，处理完成后仍不满意可申请调解")
    open_case = db.session.scalars(
        sa.select(MediationCase.id)
        .join(CaseTicket, CaseTicket.case_id == MediationCase.id)
        .where(CaseTicket.ticket_id == ticket.id, MediationCase.state.not_in(FINAL_STATES))
    ).first()
    if open_case is not None:
        raise Conflict("该工单已在调解中")
    estate = db.session.get(Estate, ticket.estate_id)
    case = _new_case(estate, category, matter, CaseSource.resident, now)
    _party(
        case,
        PartyKind.resident,
        PartySide.applicant,
        resident.name or resident.nickname or "居民",
        resident.phone,
        resident_id=resident.id,
    )
    _company_party(case, estate)
    db.session.add(CaseTicket(case_id=case.id, ticket_id=ticket.id))
    _event(case, "requested", None, CaseState.requested, at=now, note=case.matter)
    tickets.record_event(ticket, "note", f"住户申请人民调解（调解案件 M{case.id}）", at=now)
    return case


def open_case(
    officer: Staff,
    estate_id: int,
    category: str,
    matter: str,
    parties: list[dict],
    ticket_ids: list[int] = (),
    now: datetime | None = None,
) -> MediationCase:
    """A street or community officer registers a dispute brought to them (in person, by
    phone): ``parties`` are ``{kind, side, name, phone}`` — people without the mini-app
    included; the company serving the estate is added as respondent unless named."""
    scope.require(officer, "mediation.mediate")
    now = now or utcnow()
    estate = scope.get_scoped(Estate, estate_id, officer)
    case = _new_case(estate, category, matter, CaseSource.officer, now, opened_by_id=officer.id)
    sides = set()
    for i, row in enumerate(parties):
        try:
            kind, side = PartyKind(row.get("kind", "")), PartySide(row.get("side", ""))
        except ValueError:
            raise Invalid("当事人类型无效", {f"parties.{i}": ["取值无效"]}) from None
        if kind == PartyKind.company:
            continue
        name = text(row.get("name"), f"parties.{i}.name", "当事人姓名", max_length=100)
        phone = text(row.get("phone"), f"parties.{i}.phone", "电话", max_length=20, required=False)
        _party(case, kind, side, name, phone)
        sides.add(side)
    if PartySide.applicant not in sides:
        raise Invalid("请填写申请人", {"parties": ["至少一名申请人"]})
    _company_party(case, estate)
    if PartySide.respondent not in sides and estate.company_id is None:
        # two sides are needed: an applicant and at least one respondent
        raise Invalid("请填写被申请人", {"parties": ["至少一名被申请人"]})
    for ticket_id in ticket_ids:
        ticket = scope.get_scoped(tickets.Ticket, ticket_id, officer)
        db.session.add(CaseTicket(case_id=case.id, ticket_id=ticket.id))
    _event(case, "opened", None, CaseState.requested, staff=officer, at=now, note=case.matter)
    audit.record(
        officer,
        "mediation.open",
        "mediation_case",
        case.id,
        after={"category": case.category.value},
        estate_id=case.estate_id,
    )
    return case


def open_from_outside(
    estate_id: int, category: str, matter: str, name: str, phone: str, source_ref: str, now=None
) -> MediationCase:
    """A dispute reported through an outside channel (12345, grid): the reporter applies,
    the company responds; the street accepts or declines it as any other request."""
    now = now or utcnow()
    estate = db.session.get(Estate, estate_id)
    if estate is None:
        raise NotFound("未找到该小区")
    case = _new_case(estate, category, matter, CaseSource.outside, now, source_ref=source_ref)
    _party(case, PartyKind.other, PartySide.applicant, name or "来电人", phone)
    _company_party(case, estate)
    _event(case, "requested", None, CaseState.requested, at=now, note=source_ref)
    return case


# --- moving it -------------------------------------------------------------------------


def _event(case, action, from_state, to_state, *, staff=None, party=None, at=None, note=""):
    event = MediationEvent(
        case_id=case.id,
        at=at or utcnow(),
        action=action,
        from_state=from_state.value if from_state else None,
        to_state=to_state.value if to_state else None,
        staff_id=staff.id if staff else None,
        party_id=party.id if party else None,
        note=note,
    )
    db.session.add(event)
    return event


def _move(case: MediationCase, action_name: str, *, staff=None, party=None, at, note="", **values):
    """Apply ``action_name`` as one conditional UPDATE from the case's current state."""
    action = ACTIONS[action_name]
    before = case.state
    if before not in action.sources or not transition(
        MediationCase,
        case.id,
        MediationCase.state,
        before,
        state=action.target,
        **values,
    ):
        db.session.refresh(case)
        raise Conflict(f"案件当前为「{case.state.label}」，不能{action.label}")
    db.session.refresh(case)
    _event(case, action_name, before, action.target, staff=staff, party=party, at=at, note=note)
    return case


def term_end(accepted_at: datetime) -> datetime:
    """By when a case accepted at ``accepted_at`` should be finished: the city's term
    (``MEDIATION_TERM_MONTHS``, one calendar month by default — the practice)."""
    return accepted_at + relativedelta(months=current_app.config["MEDIATION_TERM_MONTHS"])


def act(
    staff: Staff, case_id: int, action: str, form: dict | None = None, now: datetime | None = None
) -> MediationCase:
    """A mediator's action on a case in scope (accept, decline, record_session, agree, fail,
    apply_confirmation, follow_up, close); ``form`` holds its fields."""
    scope.require(staff, "mediation.mediate")
    now = now or utcnow()
    form = form or {}
    case = staff_case(staff, case_id)
    spec = ACTIONS.get(action)
    if spec is None or spec.actor != "mediator":
        raise Invalid("未知的操作", {"action": ["取值无效"]})
    note = text(
        form.get("note"),
        "note",
        "说明",
        max_length=2000,
        multiline=True,
        required=spec.note_required,
    )
    if case.state not in spec.sources:
        raise Conflict(f"案件当前为「{case.state.label}」，不能{spec.label}")
    values: dict = {}
    if action == "accept":
        values = _accepting(case, staff, form.get("mediator_id"), now)
    elif action == "decline":
        values = {"outcome_note": note, "finished_at": now}
    elif action == "record_session":
        return _record_session(staff, case, form, now)
    elif action == "agree":
        values = {
            "agreement": text(
                form.get("agreement"), "agreement", "协议内容", max_length=5000, multiline=True
            ),
            "agreed_at": now,
        }
    elif action == "fail":
        note = f"{note}\n{OTHER_ROUTES}"
        values = {"outcome_note": note, "finished_at": now}
    elif action == "apply_confirmation":
        # Art. 33: jointly, within 30 days of the agreement's effect
        if now > case.effective_at + CONFIRMATION_WINDOW:
            raise Conflict("协议生效已超过 30 日，不能再申请司法确认（《人民调解法》第三十三条）")
        values = {"confirmation_applied_at": now}
    elif action == "follow_up":
        values = {"outcome_note": (case.outcome_note + "\n回访：" + note).strip()}
    elif action == "close":
        values = {"closed_at": now}
    _move(case, action, staff=staff, at=now, note=note, **values)
    audit.record(
        staff,
        f"mediation.{action}",
        "mediation_case",
        case.id,
        after={"state": case.state.value},
        estate_id=case.estate_id,
    )
    log.info("mediation case %s: %s by %s", case.id, action, staff.id)
    return case


def _accepting(case: MediationCase, staff: Staff, mediator_id, now) -> dict:
    members = mediators(case.street_id)
    if not COMMITTEE_MIN <= len(members) <= COMMITTEE_MAX:
        raise Conflict(
            f"本街道调解委员会须有 {COMMITTEE_MIN}–{COMMITTEE_MAX} 名委员才能受理"
            "（《人民调解法》第八条）"
        )
    ids = {m.staff_id for m in members}
    try:
        chosen = int(mediator_id) if mediator_id not in (None, "") else staff.id
    except (TypeError, ValueError):
        raise Invalid("请选择调解员", {"mediator_id": ["取值无效"]}) from None
    if chosen not in ids:
        raise Invalid("调解员须为本街道调解委员会委员", {"mediator_id": ["不是调解委员会委员"]})
    return {"mediator_id": chosen, "accepted_at": now, "deadline": term_end(now)}


def _record_session(staff: Staff, case: MediationCase, form: dict, now) -> MediationCase:
    attendees = text(form.get("attendees"), "attendees", "参加人员", max_length=500)
    record = text(form.get("record"), "record", "调解笔录", max_length=10000, multiline=True)
    place = text(form.get("place"), "place", "地点", max_length=100, required=False)
    _move(case, "record_session", staff=staff, at=now, note=f"参加：{attendees}")
    session = MediationSession(
        case_id=case.id,
        held_at=now,
        place=place,
        attendees=attendees,
        record=record,
        mediator_id=staff.id,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        staff,
        "mediation.record_session",
        "mediation_case",
        case.id,
        after={"session": session.id},
        estate_id=case.estate_id,
    )
    return case


def supervise(officer: Staff, case_id: int, note: str, now: datetime | None = None):
    """督办: the street or bureau presses the mediator of a running case (overdue or not);
    the order is in the trail and on the mediator's to-do."""
    scope.require(officer, "mediation.supervise")
    now = now or utcnow()
    case = staff_case(officer, case_id)
    if case.state not in RUNNING_STATES and case.state != CaseState.requested:
        raise Conflict(f"案件当前为「{case.state.label}」，无需督办")
    note = text(note, "note", "督办要求", max_length=1000, multiline=True)
    case.supervised_at = now
    _event(case, "supervise", None, None, staff=officer, at=now, note=note)
    audit.record(
        officer, "mediation.supervise", "mediation_case", case.id, estate_id=case.estate_id
    )
    return case


# --- the parties: consent and signatures -----------------------------------------------


def _all_consented(case: MediationCase) -> bool:
    return all(p.consent == Consent.consented for p in case.parties)


def answer(
    case: MediationCase,
    party: MediationParty,
    agree: bool,
    note: str = "",
    staff: Staff | None = None,
    now: datetime | None = None,
) -> MediationCase:
    """``party`` agrees to mediation or refuses it (Art. 17: one refusal ends the case).
    ``staff``: an officer records the answer of a party without the mini-app."""
    now = now or utcnow()
    note = text(note, "note", "说明", max_length=500, multiline=True, required=False)
    if not agree:
        _move(case, "refuse", staff=staff, party=party, at=now, note=note, finished_at=now)
        party.consent, party.consent_at = Consent.refused, now
        return case
    if case.state != CaseState.accepted:
        raise Conflict(f"案件当前为「{case.state.label}」，不能同意调解")
    if party.consent == Consent.consented:
        raise Conflict("已同意调解")
    party.consent, party.consent_at = Consent.consented, now
    db.session.flush()
    if _all_consented(case):
        _move(case, "consent", staff=staff, party=party, at=now, note=note)
    else:
        _event(case, "consent", None, None, staff=staff, party=party, at=now, note=note)
    return case


def required_signers(case: MediationCase) -> list[str]:
    """Who must sign the agreement for it to take effect (Art. 29): every party, the
    mediator, and the committee's seal."""
    return [f"party-{p.id}" for p in case.parties] + ["mediator", "committee"]


def missing_signers(case: MediationCase, document: str = "agreement") -> list[str]:
    signed = {s.signer for s in case.signatures if s.document == document}
    return [s for s in required_signers(case) if s not in signed]


def signer_label(case: MediationCase, signer: str) -> str:
    if signer == "mediator":
        return "调解员"
    if signer == "committee":
        return "调解委员会（印章）"
    party_id = int(signer.split("-", 1)[1])
    party = next(p for p in case.parties if p.id == party_id)
    return f"{party.side.label} {party.name}"


def _check_image(method: SignatureMethod, image: str) -> str:
    image = (image or "").strip()
    if method == SignatureMethod.drawn:
        if not image.startswith("data:image/png;base64,") or len(image) > 200_000:
            raise Invalid("请手写签名", {"image": ["须为手写签名图片（PNG，200 KB 以内）"]})
    elif len(image) > 200:
        raise Invalid("扫描件编号无效", {"image": ["取值无效"]})
    return image


def sign(
    case: MediationCase,
    document: str,
    signer: str,
    method: SignatureMethod,
    image: str = "",
    staff: Staff | None = None,
    now: datetime | None = None,
) -> MediationSignature:
    """Put ``signer``'s signature on ``document`` ("agreement" or "session-<id>"). The
    agreement takes effect when the last required signature is present (Arts. 29–30)."""
    now = now or utcnow()
    image = _check_image(method, image)
    if signer not in required_signers(case):
        raise Invalid("签署人无效", {"signer": ["取值无效"]})
    if document == "agreement":
        if case.state != CaseState.agreed:
            raise Conflict(f"案件当前为「{case.state.label}」，没有待签署的协议")
    else:
        ids = {f"session-{s.id}" for s in case.sessions}
        if document not in ids:
            raise NotFound("未找到该调解笔录")
    exists = db.session.scalars(
        sa.select(MediationSignature.id).where(
            MediationSignature.case_id == case.id,
            MediationSignature.document == document,
            MediationSignature.signer == signer,
        )
    ).first()
    if exists:
        raise Conflict("已签署")
    signature = MediationSignature(
        case_id=case.id,
        document=document,
        signer=signer,
        method=method,
        image=image,
        signed_at=now,
        staff_id=staff.id if staff else None,
    )
    db.session.add(signature)
    db.session.flush()
    db.session.refresh(case)
    label = signer_label(case, signer) if document == "agreement" else signer
    if document != "agreement":
        _event(case, "sign_session", None, None, staff=staff, at=now, note=f"{document} {label}")
    elif missing_signers(case):
        _event(case, "sign", None, None, staff=staff, at=now, note=label)
    else:
        _move(case, "sign", staff=staff, at=now, note=label, effective_at=now, finished_at=now)
    return signature


def staff_sign(
    staff: Staff,
    case_id: int,
    document: str,
    signer: str,
    method: str,
    image: str = "",
    now: datetime | None = None,
) -> MediationSignature:
    """Staff enter a signature: the mediator's own, the committee's seal (a member), or a
    party's scan of the signed paper (parties without the mini-app)."""
    scope.require(staff, "mediation.mediate")
    case = staff_case(staff, case_id)
    try:
        method = SignatureMethod(method)
    except ValueError:
        raise Invalid("签署方式无效", {"method": ["取值无效"]}) from None
    if signer == "mediator":
        if staff.id != case.mediator_id:
            raise Conflict("须由本案调解员签名")
    elif signer == "committee":
        if staff.id not in {m.staff_id for m in mediators(case.street_id)}:
            raise Conflict("须由调解委员会委员加盖印章")
        method = SignatureMethod.seal
    elif method != SignatureMethod.scan:
        raise Invalid("当事人签名须上传纸质签署扫描件", {"method": ["须为扫描件"]})
    signature = sign(case, document, signer, method, image, staff=staff, now=now)
    audit.record(
        staff,
        "mediation.sign",
        "mediation_case",
        case.id,
        after={"document": document, "signer": signer},
        estate_id=case.estate_id,
    )
    return signature


def staff_answer(staff: Staff, case_id: int, party_id: int, agree: bool, note: str = ""):
    """An officer records the answer of a party without the mini-app (asked in person or by
    phone), or a company's staff answer for their company."""
    case = staff_case(staff, case_id)
    party = next((p for p in case.parties if p.id == party_id), None)
    if party is None:
        raise NotFound("未找到该当事人")
    company = scope.party_company(staff)
    if company is not None:
        if party.company_id != company:
            raise NotFound("未找到该当事人")
        scope.require(staff, "mediation.party")
    else:
        scope.require(staff, "mediation.mediate")
        if party.resident_id is not None:
            raise Conflict("该当事人使用小程序，须由本人表态")
    answer(case, party, agree, note, staff=staff)
    audit.record(
        staff,
        "mediation.consent",
        "mediation_case",
        case.id,
        after={"party": party.id, "agree": agree},
        estate_id=case.estate_id,
    )
    return case


# --- jobs ------------------------------------------------------------------------------


def remind_confirmations(now: datetime | None = None) -> int:
    """Remind the parties of agreements in effect for ``MEDIATION_CONFIRMATION_REMINDER_DAYS``
    (25) days, not yet taken to court, that the 30 days of Art. 33 run out; once each."""
    now = now or utcnow()
    days = current_app.config["MEDIATION_CONFIRMATION_REMINDER_DAYS"]
    due = db.session.scalars(
        sa.select(MediationCase).where(
            MediationCase.state == CaseState.in_effect,
            MediationCase.confirmation_reminded_at.is_(None),
            MediationCase.effective_at <= now - timedelta(days=days),
            MediationCase.effective_at > now - CONFIRMATION_WINDOW,
        )
    ).all()
    for case in due:
        if not transition(
            MediationCase,
            case.id,
            MediationCase.confirmation_reminded_at,
            None,
            confirmation_reminded_at=now,
        ):
            continue
        last_day = case.effective_at + CONFIRMATION_WINDOW
        _event(
            case,
            "confirmation_reminder",
            None,
            None,
            at=now,
            note=f"如需司法确认，请双方于 {last_day:%Y-%m-%d} 前共同向人民法院申请（第三十三条）",
        )
    return len(due)


# --- reading ---------------------------------------------------------------------------


def cases_query(staff: Staff) -> sa.Select:
    """The cases ``staff`` may read: officers their jurisdiction's; company staff only the
    cases their company is a party to (a dispute is not the company's to read because it
    serves the estate); nothing else, nothing public."""
    scope.require(staff, "mediation.read")
    stmt = sa.select(MediationCase)
    company = scope.party_company(staff)
    if company is not None:
        return stmt.where(
            MediationCase.id.in_(
                sa.select(MediationParty.case_id).where(MediationParty.company_id == company)
            )
        )
    return scope.scoped(stmt, staff, MediationCase.estate_id)


def open_count(staff: Staff) -> int:
    """Cases in ``staff``'s scope still open: waiting for acceptance or running (accepted
    to agreed); one statement (the bureau's home page reads it by its import path)."""
    return db.session.scalar(
        cases_query(staff)
        .with_only_columns(sa.func.count())
        .order_by(None)
        .where(MediationCase.state.in_((CaseState.requested, *RUNNING_STATES)))
    )


def staff_case(staff: Staff, case_id: int) -> MediationCase:
    """Case ``case_id`` if ``staff`` may read it, else "not found"."""
    case = db.session.scalars(cases_query(staff).where(MediationCase.id == case_id)).first()
    if case is None:
        raise NotFound(NOT_FOUND)
    return case


#: how the case list sorts (``admin.page.ListSpec``), by ``?sort=``
CASE_SORTS = {
    "id": MediationCase.id,
    "category": MediationCase.category,
    "state": MediationCase.state,
    "requested": MediationCase.requested_at,
    # cases without a deadline (not yet accepted) last either way
    "deadline": lambda desc: (
        MediationCase.deadline.is_(None),
        MediationCase.deadline.desc() if desc else MediationCase.deadline.asc(),
    ),
}


def staff_list(
    staff: Staff,
    state: str = "",
    overdue: bool = False,
    now=None,
    *,
    category: str = "",
    estate_id: int | None = None,
    street_id: int | None = None,
    company_id: int | None = None,
    confirmed: bool = False,
    agreed: bool = False,
) -> sa.Select:
    """The cases in scope, newest first, narrowed as a figure of :func:`figures` counts
    them: by state, overdue, category, estate, street, company party, court confirmation applied
    for, agreement reached."""
    stmt = cases_query(staff)
    if state:
        try:
            stmt = stmt.where(MediationCase.state == CaseState(state))
        except ValueError:
            raise Invalid("状态无效", {"state": ["取值无效"]}) from None
    if category:
        try:
            stmt = stmt.where(MediationCase.category == Category(category))
        except ValueError:
            raise Invalid("类别无效", {"category": ["取值无效"]}) from None
    if overdue:
        stmt = stmt.where(*overdue_clause(now or utcnow()))
    if estate_id is not None:
        stmt = stmt.where(MediationCase.estate_id == estate_id)
    if street_id is not None:
        stmt = stmt.where(MediationCase.street_id == street_id)
    if company_id is not None:
        stmt = stmt.where(MediationCase.id.in_(_company_cases(company_id)))
    if confirmed:
        stmt = stmt.where(MediationCase.confirmation_applied_at.is_not(None))
    if agreed:
        stmt = stmt.where(
            MediationCase.accepted_at.is_not(None), MediationCase.agreed_at.is_not(None)
        )
    return stmt.order_by(MediationCase.id.desc())


def narrowed_names(
    staff: Staff,
    *,
    estate_id: int | None = None,
    street_id: int | None = None,
    company_id: int | None = None,
) -> dict[str, str | None]:
    """The names of the estate, street and company party :func:`staff_list` is narrowed to
    (``{"estate": "…", "street": "…", "company": "…"}``, for the ids given), each only if
    ``staff`` may see it: an estate of their scope or of a case they read, a street holding
    one, a company serving one or party to a case they read. Any other id is named
    ``None``: the list shows no name of what the viewer cannot see."""
    readable = cases_query(staff).with_only_columns(MediationCase.id).limit(1)

    def seen(in_scope: sa.Select, in_cases: sa.Select) -> bool:
        found = db.session.scalar(scope.scoped(in_scope.limit(1), staff, Estate.id))
        return found is not None or db.session.scalar(in_cases) is not None

    names: dict[str, str | None] = {}
    if estate_id is not None:
        visible = seen(
            sa.select(Estate.id).where(Estate.id == estate_id),
            readable.where(MediationCase.estate_id == estate_id),
        )
        names["estate"] = db.session.get(Estate, estate_id).name if visible else None
    if street_id is not None:
        visible = seen(
            sa.select(Estate.id).where(Estate.street_id == street_id),
            readable.where(MediationCase.street_id == street_id),
        )
        names["street"] = db.session.get(Street, street_id).name if visible else None
    if company_id is not None:
        visible = seen(
            sa.select(Estate.id).where(Estate.company_id == company_id),
            readable.where(MediationCase.id.in_(_company_cases(company_id))),
        )
        names["company"] = db.session.get(Company, company_id).name if visible else None
    return names


def _company_cases(company_id: int) -> sa.Select:
    """The ids of the cases ``company_id`` is a party to."""
    return sa.select(MediationParty.case_id).where(MediationParty.company_id == company_id)


def overdue_clause(now: datetime) -> tuple:
    """Running cases past their term (one month from acceptance)."""
    return (MediationCase.state.in_(RUNNING_STATES), MediationCase.deadline < now)


def is_overdue(case: MediationCase, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return case.state in RUNNING_STATES and case.deadline is not None and case.deadline < now


def resident_cases(resident: Resident) -> sa.Select:
    """The cases ``resident`` is a party to, newest first."""
    return (
        sa.select(MediationCase)
        .join(MediationParty, MediationParty.case_id == MediationCase.id)
        .where(MediationParty.resident_id == resident.id)
        .order_by(MediationCase.id.desc())
    )


def resident_party(resident: Resident, case_id: int) -> tuple[MediationCase, MediationParty]:
    """The case ``case_id`` and the resident's party in it; anyone else's is "not found"."""
    party = db.session.scalars(
        sa.select(MediationParty).where(
            MediationParty.case_id == case_id, MediationParty.resident_id == resident.id
        )
    ).first()
    if party is None:
        raise NotFound("未找到该调解案件")
    return party.case, party


def todo(staff: Staff) -> list[ToDo]:
    """Requests waiting for acceptance, overdue and 督办 cases (officers of the street)."""
    if not scope.can(staff, "mediation.mediate"):
        return []
    now = utcnow()
    base = cases_query(staff).with_only_columns(sa.func.count()).order_by(None)
    waiting = db.session.scalar(base.where(MediationCase.state == CaseState.requested)) or 0
    late = db.session.scalar(base.where(*overdue_clause(now))) or 0
    items = []
    if waiting:
        items.append(
            ToDo("待受理的调解申请", waiting, "admin.mediation", (("state", "requested"),))
        )
    if late:
        items.append(
            ToDo("超期未结的调解案件", late, "admin.mediation", (("overdue", "1"),), urgent=True)
        )
    return items


def _tally(rows, now: datetime) -> dict:
    """The figures of case ``rows`` (category, state, accepted, agreed, confirmation
    applied, deadline)."""
    by_category: dict[str, int] = {c.label: 0 for c in Category}
    by_state: dict[str, int] = {}
    categories: dict[Category, int] = {}
    states: dict[CaseState, int] = {}
    days = []
    confirmed = overdue = 0
    for category, state, accepted_at, agreed_at, confirmation_at, deadline in rows:
        by_category[category.label] += 1
        by_state[state.label] = by_state.get(state.label, 0) + 1
        categories[category] = categories.get(category, 0) + 1
        states[state] = states.get(state, 0) + 1
        if accepted_at and agreed_at:
            days.append((agreed_at - accepted_at).total_seconds() / 86400)
        confirmed += confirmation_at is not None
        overdue += state in RUNNING_STATES and deadline is not None and deadline < now
    days.sort()
    median = days[len(days) // 2] if days else None
    return {
        "total": len(rows),
        "by_category": by_category,
        "by_state": by_state,
        # (enum, count) pairs in the enums' order, for links to the filtered list
        "categories": [(c, categories[c]) for c in Category if c in categories],
        "states": [(s, states[s]) for s in CaseState if s in states],
        "agreements": len(days),
        "median_days_to_agreement": round(median, 1) if median is not None else None,
        "mean_days_to_agreement": round(sum(days) / len(days), 1) if days else None,
        "confirmations": confirmed,
        "overdue": overdue,
    }


def figures(
    staff: Staff,
    *,
    estate_id: int | None = None,
    company_id: int | None = None,
    breakdown: bool = False,
    now: datetime | None = None,
) -> dict:
    """Supervision figures of the cases in scope (narrowed to an estate or a company
    party): by category and by outcome, days from acceptance to agreement (median and
    mean), agreements confirmed by a court (applied for, Art. 33), overdue cases; with
    ``breakdown``, the same per street (``by_street``) and per company party
    (``by_company``: (company, figures), most cases first). The supervision dashboard
    reads this by its import path; every figure is a filter of :func:`staff_list`."""
    now = now or utcnow()
    stmt = cases_query(staff).order_by(None)
    if estate_id is not None:
        stmt = stmt.where(MediationCase.estate_id == estate_id)
    if company_id is not None:
        stmt = stmt.where(MediationCase.id.in_(_company_cases(company_id)))
    columns = (
        MediationCase.category,
        MediationCase.state,
        MediationCase.accepted_at,
        MediationCase.agreed_at,
        MediationCase.confirmation_applied_at,
        MediationCase.deadline,
    )
    rows = db.session.execute(
        stmt.with_only_columns(MediationCase.id, MediationCase.street_id, *columns)
    ).all()
    out = _tally([r[2:] for r in rows], now)
    if not breakdown:
        return out
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(("street", row[1]), []).append(row[2:])
    by_case = {row[0]: row[2:] for row in rows}
    if by_case:
        parties = db.session.execute(
            sa.select(MediationParty.case_id, MediationParty.company_id).where(
                MediationParty.case_id.in_(by_case),
                MediationParty.company_id.is_not(None)
                if (own := scope.party_company(staff)) is None
                # company staff: their own company's row only, never another's
                else MediationParty.company_id == own,
            )
        ).all()
        for case_id, party_company in parties:
            groups.setdefault(("company", party_company), []).append(by_case[case_id])
    names = {
        "street": _names(Street, [k for kind, k in groups if kind == "street"]),
        "company": _names(Company, [k for kind, k in groups if kind == "company"]),
    }
    for kind in ("street", "company"):
        out[f"by_{kind}"] = sorted(
            (
                ((key, names[kind].get(key, str(key))), _tally(found, now))
                for (k, key), found in groups.items()
                if k == kind
            ),
            key=lambda pair: (-pair[1]["total"], pair[0][1]),
        )
    return out


def _names(model, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(ids))).all())


def committee_view(staff: Staff, street_id: int | None) -> tuple[int, list[Mediator], list[Staff]]:
    """The street's committee members and the street's officers who could join it (an
    officer: their own street; the platform: the street it names, else the first)."""
    scope.require(staff, "mediation.committee")
    street_id = staff.street_id or street_id or db.session.scalar(sa.select(sa.func.min(Street.id)))
    if street_id is None or db.session.get(Street, street_id) is None:
        raise NotFound("未找到该街道")
    members = mediators(street_id)
    taken = {m.staff_id for m in members}
    candidates = [
        s
        for s in db.session.scalars(
            sa.select(Staff).where(Staff.street_id == street_id, Staff.active.is_(True))
        )
        if s.id not in taken and scope.can(s, "mediation.mediate")
    ]
    return street_id, members, candidates


def mediator_choices(case: MediationCase) -> list[Mediator]:
    """Who may be named mediator of ``case``: its street's committee members."""
    return mediators(case.street_id)


def streets(staff: Staff) -> list[Street]:
    """The streets whose committee ``staff`` may keep (the platform: every street)."""
    stmt = sa.select(Street).order_by(Street.id)
    if staff.street_id is not None:
        stmt = stmt.where(Street.id == staff.street_id)
    return list(db.session.scalars(stmt))
