"""Mediation in the panel (人民调解): the cases in scope with the overdue list and the
figures, registering a dispute (parties without the mini-app included), a case with its
trail and the mediator's actions, answers and signatures entered by staff, 督办, the
printable agreement, and the street's committee (3–9 members, 《人民调解法》 Art. 8).
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import ListSpec
from backend.authz import scope
from backend.core.db import rollback
from backend.core.errors import DomainError, Invalid, NotFound
from backend.core.time import utcnow
from backend.mediation import documents, services
from backend.mediation.models import CaseState, Category, MediationCase, PartyKind, PartySide
from backend.mediation.states import EVENT_LABELS, allowed

#: how many other parties the registration form offers
PARTY_ROWS = 3


def _int_arg(name: str) -> int | None:
    value = request.values.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise NotFound("未找到该记录")
    return int(value)


CASES = ListSpec(
    sorts=services.CASE_SORTS,
    default="-requested",
    filters=(
        "state",
        "overdue",
        "category",
        "estate_id",
        "street_id",
        "company_id",
        "confirmed",
        "agreed",
    ),
    tiebreak=(MediationCase.id,),
)
CASE_SORT_LABELS = {
    "requested": "申请时间",
    "id": "编号",
    "category": "类别",
    "state": "状态",
    "deadline": "期限",
}


@blueprint.get("/mediation")
@login_required
@permission_required("mediation.read")
def mediation():
    """调解案件：管辖范围内的（物业企业：本企业为当事人的），超期未结，统计。"""
    staff = current_staff()
    state = request.args.get("state", "")
    if state and state not in CaseState._value2member_map_:
        state = ""
    overdue = request.args.get("overdue") == "1"
    category = request.args.get("category", "")
    if category and category not in Category._value2member_map_:
        category = ""
    # the filters a supervision dashboard figure links to
    narrow = {
        "category": category,
        "estate_id": _int_arg("estate_id"),
        "street_id": _int_arg("street_id"),
        "company_id": _int_arg("company_id"),
        "confirmed": request.args.get("confirmed") == "1",
        "agreed": request.args.get("agreed") == "1",
    }
    return render_template(
        "admin/mediation/list.html",
        listing=CASES.page(services.staff_list(staff, state, overdue, **narrow)),
        sort_labels=CASE_SORT_LABELS,
        estates=scope.estates(staff),
        states=list(CaseState),
        state=state,
        overdue=overdue,
        narrow=narrow,
        narrow_names=services.narrowed_names(
            staff,
            estate_id=narrow["estate_id"],
            street_id=narrow["street_id"],
            company_id=narrow["company_id"],
        ),
        categories={c.value: c.label for c in Category},
        figures=services.figures(staff),
        is_overdue=services.is_overdue,
        can_mediate=scope.can(staff, "mediation.mediate"),
        can_committee=scope.can(staff, "mediation.committee"),
    )


def _new_page(staff, error=None, status=200):
    page = render_template(
        "admin/mediation/new.html",
        estates=scope.estates(staff),
        categories=list(Category),
        kinds=[k for k in PartyKind if k != PartyKind.company],
        sides=list(PartySide),
        rows=range(PARTY_ROWS),
        form=request.form,
        error=error,
    )
    return page, status


@blueprint.get("/mediation/new")
@login_required
@permission_required("mediation.mediate")
def mediation_new():
    """登记一起纠纷（当事人可为不使用小程序的人）。"""
    return _new_page(current_staff())


@blueprint.post("/mediation")
@login_required
@permission_required("mediation.mediate")
def mediation_create():
    staff = current_staff()
    form = request.form
    parties = [
        {
            "kind": form.get(f"party_{i}_kind", ""),
            "side": form.get(f"party_{i}_side", ""),
            "name": form.get(f"party_{i}_name", ""),
            "phone": form.get(f"party_{i}_phone", ""),
        }
        for i in range(PARTY_ROWS)
        if form.get(f"party_{i}_name", "").strip()
    ]
    try:
        estate_id = _int_arg("estate_id")
        if estate_id is None:
            raise Invalid("请选择小区", {"estate_id": ["必填项"]})
        ticket_id = _int_arg("ticket_id")
        case = services.open_case(
            staff,
            estate_id,
            form.get("category", ""),
            form.get("matter", ""),
            parties,
            [ticket_id] if ticket_id else [],
        )
    except DomainError as exc:
        rollback()
        return _new_page(staff, exc.message, exc.status)
    flash(f"已登记调解案件 M{case.id}", "success")
    return redirect(url_for("admin.mediation_case", case_id=case.id))


def _case_page(staff, case_id: int, error=None, status=200):
    case = services.staff_case(staff, case_id)
    mediate = scope.can(staff, "mediation.mediate")
    page = render_template(
        "admin/mediation/case.html",
        case=case,
        actions=[a for a in allowed(case.state) if a.actor == "mediator"] if mediate else [],
        labels=EVENT_LABELS,
        missing=[(s, services.signer_label(case, s)) for s in services.missing_signers(case)]
        if case.state == CaseState.agreed
        else [],
        mediators=services.mediator_choices(case) if mediate else [],
        overdue=services.is_overdue(case),
        company=scope.party_company(staff),
        can_mediate=mediate,
        can_supervise=scope.can(staff, "mediation.supervise"),
        confirmation_until=case.effective_at + services.CONFIRMATION_WINDOW
        if case.effective_at
        else None,
        now=utcnow(),
        error=error,
        form=request.form,
    )
    return page, status


@blueprint.get("/mediation/<int:case_id>")
@login_required
@permission_required("mediation.read")
def mediation_case(case_id: int):
    """一个调解案件：当事人、关联工单、全程记录、笔录、协议与签署。"""
    return _case_page(current_staff(), case_id)


def _run(case_id: int, done: str, call):
    staff = current_staff()
    try:
        call(staff)
    except DomainError as exc:
        rollback()
        if isinstance(exc, NotFound):
            raise
        return _case_page(staff, case_id, exc.message, exc.status)
    flash(done, "success")
    return redirect(url_for("admin.mediation_case", case_id=case_id))


@blueprint.post("/mediation/<int:case_id>/act")
@login_required
@permission_required("mediation.mediate")
def mediation_act(case_id: int):
    """调解员的操作：受理、不予受理、记录调解、达成协议、调解不成、申请司法确认、回访、结案。"""
    action = request.form.get("action", "")
    return _run(
        case_id,
        "已" + EVENT_LABELS.get(action, "操作"),
        lambda staff: services.act(staff, case_id, action, request.form.to_dict()),
    )


@blueprint.post("/mediation/<int:case_id>/consent")
@login_required
@permission_required("mediation.read")
def mediation_consent(case_id: int):
    """代录当事人意见（不使用小程序的当事人；物业企业为本企业表态）。"""
    party_id = _int_arg("party_id") or 0
    agree = request.form.get("agree") == "1"
    return _run(
        case_id,
        "已记录当事人意见",
        lambda staff: services.staff_answer(
            staff, case_id, party_id, agree, request.form.get("note", "")
        ),
    )


@blueprint.post("/mediation/<int:case_id>/signatures")
@login_required
@permission_required("mediation.mediate")
def mediation_sign(case_id: int):
    """录入签署：调解员签名、调解委员会盖章、当事人纸质签署扫描件。"""
    form = request.form
    return _run(
        case_id,
        "已签署",
        lambda staff: services.staff_sign(
            staff,
            case_id,
            form.get("document", "agreement"),
            form.get("signer", ""),
            form.get("method", ""),
            form.get("image", ""),
        ),
    )


@blueprint.post("/mediation/<int:case_id>/supervise")
@login_required
@permission_required("mediation.supervise")
def mediation_supervise(case_id: int):
    """督办调解案件。"""
    return _run(
        case_id,
        "已督办",
        lambda staff: services.supervise(staff, case_id, request.form.get("note", "")),
    )


@blueprint.get("/mediation/<int:case_id>/agreement")
@login_required
@permission_required("mediation.read")
def mediation_agreement(case_id: int):
    """可打印的调解协议书（各方各执一份，调解委员会留存一份：第二十九条）。"""
    staff = current_staff()
    case = services.staff_case(staff, case_id)
    if not case.agreement:
        raise NotFound("该案件尚无调解协议")
    signed = {s.signer: s for s in case.signatures if s.document == "agreement"}
    return render_template(
        "admin/mediation/agreement.html",
        case=case,
        signers=[(s, services.signer_label(case, s)) for s in services.required_signers(case)],
        signed=signed,
    )


@blueprint.get("/mediation/<int:case_id>/documents/<document>.pdf")
@login_required
@permission_required("mediation.read")
def mediation_document(case_id: int, document: str):
    """申请书、笔录、协议书的一页 PDF（带核验二维码）。"""
    case = services.staff_case(current_staff(), case_id)
    body = documents.pdf(case, document[:40])
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="M{case.id}-{document[:40]}.pdf"'},
    )


def _committee_page(staff, error=None, status=200):
    street_id, members, candidates = services.committee_view(staff, _int_arg("street_id"))
    page = render_template(
        "admin/mediation/committee.html",
        street_id=street_id,
        streets=services.streets(staff),
        members=members,
        candidates=candidates,
        low=services.COMMITTEE_MIN,
        high=services.COMMITTEE_MAX,
        error=error,
    )
    return page, status


@blueprint.get("/mediation/committee")
@login_required
@permission_required("mediation.committee")
def mediation_committee():
    """本街道人民调解委员会（三至九人：第八条）。"""
    return _committee_page(current_staff())


@blueprint.post("/mediation/committee")
@login_required
@permission_required("mediation.committee")
def mediation_committee_add():
    staff = current_staff()
    try:
        services.add_mediator(
            staff, _int_arg("staff_id") or 0, request.form.get("title", "委员") or "委员"
        )
    except DomainError as exc:
        rollback()
        return _committee_page(staff, exc.message, exc.status)
    flash("已加入调解委员会", "success")
    return redirect(url_for("admin.mediation_committee", street_id=request.args.get("street_id")))


@blueprint.post("/mediation/committee/<int:mediator_id>/remove")
@login_required
@permission_required("mediation.committee")
def mediation_committee_remove(mediator_id: int):
    services.remove_mediator(current_staff(), mediator_id)
    flash("已移出调解委员会", "success")
    return redirect(url_for("admin.mediation_committee"))
