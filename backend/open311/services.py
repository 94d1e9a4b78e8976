"""Open311 GeoReport v2 services: the catalogue of report kinds that come from outside,
partners and their keys, filing a request as a ticket (or a mediation case), what a
request says back (status and notes follow the ticket), the public listing (common areas
only, nothing personal) and the push of status changes to the partner's callback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from backend.accounts.models import Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.core.db import defer
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.masking import mask_public
from backend.core.text import TextRefused, clean_text
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.mediation import services as mediation
from backend.mediation.models import CaseState
from backend.mediation.states import FINAL_STATES as CASE_FINAL
from backend.open311.models import Channel, Partner, RequestLog, ServiceRequest
from backend.org.models import Company, Estate, Street
from backend.tickets import services as tickets
from backend.tickets import sla
from backend.tickets.models import (
    FINAL_STATES,
    Ticket,
    TicketKind,
    TicketSource,
    TicketState,
    Urgency,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Service:
    """A report kind offered to partners (GeoReport ``service``)."""

    code: str
    name: str
    description: str
    group: str
    keywords: str
    #: the ticket it becomes; ``None``: a mediation case
    kind: TicketKind | None
    urgency: Urgency = Urgency.normal
    category: str = ""
    #: listed in the public ``GET requests`` (common areas only)
    public: bool = False
    notice: str = ""


SERVICES: tuple[Service, ...] = (
    Service(
        "shared_repair",
        "公共部位报修",
        "楼道、电梯、屋面、外墙、道路等共有部位或共用设施损坏",
        "报修",
        "报修,公共部位,设施",
        TicketKind.shared_repair,
        public=True,
        notice="已转物业服务企业处理，按公共报修时限办理。",
    ),
    Service(
        "environment",
        "环境卫生",
        "乱堆乱放、垃圾未清运、绿化损坏",
        "报事",
        "环境,卫生,垃圾",
        TicketKind.report,
        category="littering",
        public=True,
        notice="已转物业服务企业处理。",
    ),
    Service(
        "safety",
        "安全隐患",
        "消防通道堵塞、飞线充电、违章搭建等安全隐患",
        "报事",
        "安全,消防,飞线",
        TicketKind.report,
        urgency=Urgency.urgent,
        category="fire_lane",
        public=True,
        notice="已按紧急事项转物业服务企业处理。",
    ),
    Service(
        "complaint",
        "投诉物业服务",
        "对物业服务企业的投诉（不公开）",
        "投诉",
        "投诉,物业",
        TicketKind.complaint,
        notice="已转物业服务企业，十日内答复（杭州市物业管理条例第五十条）。",
    ),
    Service(
        "mediation",
        "物业纠纷调解申请",
        "申请街道人民调解委员会调解物业纠纷（自愿、免费；不公开）",
        "调解",
        "调解,纠纷",
        None,
        notice="已转街道人民调解委员会，受理后通知当事人。",
    ),
)
BY_CODE = {s.code: s for s in SERVICES}
SOURCES = {
    Channel.hotline: TicketSource.hotline,
    Channel.grid: TicketSource.grid,
    Channel.open311: TicketSource.open311,
}


class Open311Error(Exception):
    """An error answered in the spec's format: ``[{code, description}]`` with ``code`` as
    the HTTP status."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


# --- keys ------------------------------------------------------------------------------


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_partner(
    staff: Staff | None,
    name: str,
    street_id: int,
    channel: str = "open311",
    callback_url: str = "",
) -> tuple[Partner, str]:
    """Issue a key to a partner of ``street_id``; returns the partner and the key, which is
    shown once and stored only as its SHA-256. ``staff`` None: the command line."""
    if staff is not None:
        scope.require(staff, "open311.manage")
        if staff.street_id not in (None, street_id):
            raise NotFound("未找到该街道")
    if db.session.get(Street, street_id) is None:
        raise NotFound("未找到该街道")
    name = _text(name, "name", "接入方名称", 60)
    try:
        channel = Channel(channel)
    except ValueError:
        raise Invalid("渠道无效", {"channel": ["取值无效"]}) from None
    callback_url = (callback_url or "").strip()
    if callback_url and not callback_url.startswith(("https://", "http://")):
        raise Invalid("回调地址须为 http(s) 地址", {"callback_url": ["取值无效"]})
    key = "o311_" + secrets.token_urlsafe(24)
    partner = Partner(
        name=name,
        channel=channel,
        street_id=street_id,
        key_hash=_hash(key),
        key_prefix=key[:10],
        callback_url=callback_url[:300],
        created_by_id=staff.id if staff else None,
    )
    db.session.add(partner)
    db.session.flush()
    if staff is not None:
        audit.record(staff, "open311.key", "open311_partner", partner.id, after={"name": name})
    return partner, key


def revoke(staff: Staff, partner_id: int) -> Partner:
    """Revoke a partner's key: every later call with it is refused (403)."""
    partner = staff_partner(staff, partner_id)
    if partner.revoked_at is not None:
        raise Conflict("该密钥已吊销")
    partner.revoked_at = utcnow()
    audit.record(staff, "open311.revoke", "open311_partner", partner.id)
    return partner


def partner_for(key: str | None) -> Partner | None:
    """The active partner holding ``key`` (compared by hash), or ``None``."""
    if not key or len(key) > 100:
        return None
    partner = db.session.scalars(
        sa.select(Partner).where(Partner.key_hash == _hash(key), Partner.revoked_at.is_(None))
    ).first()
    return partner


def log_call(partner: Partner | None, method: str, path: str, status: int, request_id=None):
    db.session.add(
        RequestLog(
            partner_id=partner.id if partner else None,
            method=method,
            path=path[:200],
            status=status,
            request_id=request_id,
        )
    )


def partners_query(staff: Staff) -> sa.Select:
    scope.require(staff, "open311.manage")
    stmt = sa.select(Partner).order_by(Partner.id.desc())
    if staff.street_id is not None:
        stmt = stmt.where(Partner.street_id == staff.street_id)
    return stmt


def staff_partner(staff: Staff, partner_id: int) -> Partner:
    partner = db.session.scalars(partners_query(staff).where(Partner.id == partner_id)).first()
    if partner is None:
        raise NotFound("未找到该接入方")
    return partner


#: the call log's result filter (``?result=``): the HTTP status ranges
LOG_RESULTS = {"ok": "成功（2xx/3xx）", "refused": "被拒（4xx）", "failed": "出错（5xx）"}
#: the call log's sort keys (``admin.open311.LOG``)
LOG_SORTS = {
    "at": RequestLog.at,
    "method": RequestLog.method,
    "path": RequestLog.path,
    "status": RequestLog.status,
}


def log_query(
    staff: Staff, partner_id: int, *, method: str = "", result: str = "", path: str = ""
) -> sa.Select:
    """A partner's calls, newest first: of one HTTP method, result (:data:`LOG_RESULTS`)
    and path containing ``path``, if given."""
    partner = staff_partner(staff, partner_id)
    stmt = sa.select(RequestLog).where(RequestLog.partner_id == partner.id)
    if method:
        stmt = stmt.where(RequestLog.method == method)
    if result == "ok":
        stmt = stmt.where(RequestLog.status < 400)
    elif result == "refused":
        stmt = stmt.where(RequestLog.status.between(400, 499))
    elif result == "failed":
        stmt = stmt.where(RequestLog.status >= 500)
    if path:
        stmt = stmt.where(RequestLog.path.contains(path, autoescape=True))
    return stmt.order_by(RequestLog.id.desc())


def streets(staff: Staff) -> list[Street]:
    stmt = sa.select(Street).order_by(Street.id)
    if staff.street_id is not None:
        stmt = stmt.where(Street.id == staff.street_id)
    return list(db.session.scalars(stmt))


# --- the catalogue ---------------------------------------------------------------------


def jurisdiction(value: str | None) -> Street:
    """The street named by ``jurisdiction_id`` (required: we serve many streets)."""
    if not value:
        raise Open311Error(400, "缺少 jurisdiction_id（街道编号）")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise Open311Error(404, "未找到该 jurisdiction_id")
    street = db.session.get(Street, int(value))
    if street is None:
        raise Open311Error(404, "未找到该 jurisdiction_id")
    return street


def service(code: str) -> Service:
    found = BY_CODE.get(code)
    if found is None:
        raise Open311Error(404, f"未知的 service_code：{code[:30]}")
    return found


def service_list() -> list[dict]:
    """``GET services``: every report kind with the spec's fields."""
    return [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": True,
            "type": "realtime",
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in SERVICES
    ]


def definition(street: Street, code: str) -> dict:
    """``GET services/{code}``: the attributes a partner fills in: the estate (a list of
    the jurisdiction's estates), the building (free text) and the partner's own number."""
    found = service(code)
    estates = db.session.scalars(
        sa.select(Estate).where(Estate.street_id == street.id).order_by(Estate.id)
    ).all()
    return {
        "service_code": found.code,
        "attributes": [
            {
                "variable": True,
                "code": "estate",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "选择小区",
                "order": 1,
                "description": "发生问题的小区",
                "values": [{"key": str(e.id), "name": e.name} for e in estates],
            },
            {
                "variable": True,
                "code": "building",
                "datatype": "string",
                "required": False,
                "datatype_description": "楼栋、单元或具体位置",
                "order": 2,
                "description": "楼栋或位置（如：3幢1单元楼道）",
                "values": [],
            },
            {
                "variable": True,
                "code": "ref",
                "datatype": "string",
                "required": False,
                "datatype_description": "对方系统的工单编号（同一编号只受理一次）",
                "order": 3,
                "description": "12345 或网格系统的工单编号",
                "values": [],
            },
        ],
    }


# --- filing ----------------------------------------------------------------------------


def _text(value, field, label, max_length, required=True, multiline=False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"请填写{label}", {field: ["必填项"]})
    try:
        return clean_text(value, max_length=max_length, multiline=multiline)
    except TextRefused as exc:
        raise Invalid(f"{label}{exc.message}", {field: [exc.message]}) from exc


def _coordinate(value: str | None, low: float, high: float, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} 不是数字") from None
    if not low <= number <= high:
        raise Open311Error(400, f"{name} 超出范围")
    return number


def file_request(partner: Partner, form) -> ServiceRequest:
    """``POST requests``: a report becomes a ticket in the estate's company queue with the
    SLA of its kind (or a mediation case), marked with the partner's channel and number.
    The same partner number gives the same request (imported once)."""
    street = jurisdiction(form.get("jurisdiction_id"))
    if street.id != partner.street_id:
        raise Open311Error(403, "该 api_key 不能在此 jurisdiction_id 报事")
    found = service(form.get("service_code") or "")
    lat = _coordinate(form.get("lat"), -90, 90, "lat")
    long = _coordinate(form.get("long"), -180, 180, "long")
    address = (form.get("address_string") or "").strip()
    address_id = (form.get("address_id") or "").strip()
    if (lat is None or long is None) and not address and not address_id:
        raise Open311Error(400, "缺少位置：须提供 lat 与 long，或 address_string，或 address_id")
    estate_key = (form.get("attribute[estate]") or "").strip()
    estate = None
    if estate_key.isascii() and estate_key.isdigit() and len(estate_key) <= 9:
        estate = db.session.get(Estate, int(estate_key))
    if estate is None or estate.street_id != street.id:
        raise Open311Error(400, "attribute[estate] 缺失或不是本街道的小区")
    ref = (form.get("attribute[ref]") or "").strip() or None
    if ref is not None and (len(ref) > 40 or not ref.isprintable()):
        raise Open311Error(400, "attribute[ref] 无效（最多 40 个字符）")
    if ref is not None:
        existing = db.session.scalars(
            sa.select(ServiceRequest).where(
                ServiceRequest.partner_id == partner.id, ServiceRequest.partner_ref == ref
            )
        ).first()
        if existing is not None:
            return existing
    try:
        description = _text(form.get("description"), "description", "描述", 1000, multiline=True)
        building = _text(form.get("attribute[building]"), "building", "楼栋", 60, required=False)
        address = _text(address or address_id, "address_string", "地址", 150, required=False)
        name = " ".join(
            p
            for p in ((form.get("last_name") or "").strip(), (form.get("first_name") or "").strip())
            if p
        )
        name = _text(name, "name", "姓名", 60, required=False)
        phone = _text(form.get("phone"), "phone", "电话", 20, required=False)
    except Invalid as exc:
        raise Open311Error(400, exc.message) from None
    location = " ".join(p for p in (building, address) if p) or estate.name
    request = ServiceRequest(
        partner_id=partner.id,
        service_code=found.code,
        partner_ref=ref,
        token=secrets.token_hex(16),
        street_id=street.id,
        estate_id=estate.id,
        address=location[:200],
        lat=lat,
        long=long,
        contact_name=name,
        contact_phone=phone,
        requested_at=utcnow(),
    )
    source_ref = f"{partner.id}-{ref}" if ref else f"{partner.id}-{request.token}"
    if found.kind is None:
        case = mediation.open_from_outside(
            estate.id, "other", description, name, phone, f"{partner.name} {ref or ''}".strip()
        )
        request.case_id = case.id
    else:
        ticket, _ = tickets.file_ticket(
            SOURCES[partner.channel],
            estate_id=estate.id,
            kind=found.kind,
            description=description,
            source_ref=source_ref,
            urgency=found.urgency,
            location=location[:100],
            category=found.category,
        )
        request.ticket_id = ticket.id
    db.session.add(request)
    db.session.flush()
    log.info("open311 request %s from partner %s", request.id, partner.id)
    return request


def by_token(token: str) -> ServiceRequest:
    request = db.session.scalars(
        sa.select(ServiceRequest).where(ServiceRequest.token == token[:32])
    ).first()
    if request is None:
        raise Open311Error(404, "未找到该 token")
    return request


# --- what a request says back ----------------------------------------------------------


def w3c(value: datetime | None) -> str | None:
    """A time as the spec writes it: ISO 8601 with its offset (Asia/Shanghai)."""
    return to_local(value).isoformat(timespec="seconds") if value else None


#: ticket events whose note is the company's answer to the reporter (a closing note is
#: the desk's own record, not the answer)
ANSWERS = ("resolve", "reject", "supervision_answer")


def _ticket_view(ticket: Ticket) -> tuple[str, str, datetime, datetime | None, str]:
    closed = ticket.state in FINAL_STATES or ticket.state == TicketState.resolved
    notes = ""
    for event in reversed(ticket.events):
        if event.action in ANSWERS and event.note:
            notes = event.note
            break
    updated = ticket.events[-1].at if ticket.events else ticket.created_at
    expected = sla.timing(ticket, utcnow()).resolve_due
    company = (
        db.session.get(Company, ticket.estate.company_id) if ticket.estate.company_id else None
    )
    return (
        ("closed" if closed else "open"),
        notes,
        updated,
        expected,
        company.name if company else "",
    )


def _case_view(request: ServiceRequest) -> tuple[str, str, datetime, datetime | None, str]:
    case = request.case
    closed = case.state in CASE_FINAL or case.state in (CaseState.in_effect, CaseState.not_agreed)
    notes = case.state.label
    if case.outcome_note:
        notes = f"{notes}：{case.outcome_note}"
    updated = case.events[-1].at if case.events else case.requested_at
    return ("closed" if closed else "open"), notes, updated, case.deadline, "街道人民调解委员会"


def view(request: ServiceRequest, public: bool) -> dict:
    """One request with the spec's fields. ``public``: every personal detail removed (no
    names, phones or units; the description and notes through ``mask_public``)."""
    found = BY_CODE[request.service_code]
    if request.ticket_id is not None:
        status, notes, updated, expected, agency = _ticket_view(request.ticket)
        description = request.ticket.description
    else:
        status, notes, updated, expected, agency = _case_view(request)
        description = request.case.matter
    address = f"{request.estate.name} {request.address}".strip()
    if public:
        description, notes = mask_public(description), mask_public(notes)
        address = mask_public(address)
    return {
        "service_request_id": str(request.id),
        "status": status,
        "status_notes": notes,
        "service_name": found.name,
        "service_code": found.code,
        "description": description,
        "agency_responsible": agency,
        "service_notice": found.notice,
        "requested_datetime": w3c(request.requested_at),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(expected),
        "address": address,
        "address_id": "",
        "zipcode": "",
        "lat": request.lat,
        "long": request.long,
        "media_url": "",
    }


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, f"{name} 须为 W3C 日期时间（如 2027-03-01T08:00:00+08:00）"
        ) from None
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{name} 须带时区")
    return parsed


#: the spec's default window and cap
WINDOW = timedelta(days=90)
LIMIT = 1000


def public_requests(args, partner: Partner | None = None) -> list[ServiceRequest]:
    """``GET requests``: the jurisdiction's common-area reports (a partner also sees its
    own of every kind), filtered as the spec says; at most 1000 and 90 days."""
    street = jurisdiction(args.get("jurisdiction_id"))
    stmt = sa.select(ServiceRequest).where(ServiceRequest.street_id == street.id)
    public_codes = [s.code for s in SERVICES if s.public]
    if partner is not None:
        stmt = stmt.where(
            sa.or_(
                ServiceRequest.service_code.in_(public_codes),
                ServiceRequest.partner_id == partner.id,
            )
        )
    else:
        stmt = stmt.where(ServiceRequest.service_code.in_(public_codes))
    ids = (args.get("service_request_id") or "").strip()
    if ids:
        wanted = [i for i in ids.split(",") if i.strip().isdigit() and len(i.strip()) <= 9]
        stmt = stmt.where(ServiceRequest.id.in_([int(i) for i in wanted[:LIMIT]]))
    else:
        codes = [c for c in (args.get("service_code") or "").split(",") if c]
        if codes:
            stmt = stmt.where(ServiceRequest.service_code.in_(codes))
        start, end = (
            _date(args.get("start_date"), "start_date"),
            _date(args.get("end_date"), "end_date"),
        )
        if start and end and end - start > WINDOW:
            raise Open311Error(400, "start_date 与 end_date 相差不能超过 90 天")
        end = end or utcnow()
        start = start or end - WINDOW
        stmt = stmt.where(ServiceRequest.requested_at >= start, ServiceRequest.requested_at <= end)
    rows = db.session.scalars(stmt.order_by(ServiceRequest.id.desc()).limit(LIMIT)).all()
    statuses = {s for s in (args.get("status") or "").split(",") if s}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    views = []
    for row in rows:
        item = view(row, public=not (partner and row.partner_id == partner.id))
        if not statuses or item["status"] in statuses:
            views.append(item)
    return views


def one_request(request_id: str, partner: Partner | None) -> dict:
    """``GET requests/{id}``: a common-area report for anyone; the partner's own of any
    kind (with the details it gave) for the partner."""
    if not (request_id.isascii() and request_id.isdigit() and len(request_id) <= 9):
        raise Open311Error(404, "未找到该 service_request_id")
    row = db.session.get(ServiceRequest, int(request_id))
    mine = row is not None and partner is not None and row.partner_id == partner.id
    if row is None or not (mine or BY_CODE[row.service_code].public):
        raise Open311Error(404, "未找到该 service_request_id")
    return view(row, public=not mine)


# --- the other way: status pushed to the partner ---------------------------------------


def ticket_changed(ticket: Ticket) -> None:
    """Ticket hook: a partner's ticket changed; push its status if it registered a
    callback and the status or notes changed (after commit, through the outbox)."""
    if ticket.source not in SOURCES.values():
        return
    request = db.session.scalars(
        sa.select(ServiceRequest).where(ServiceRequest.ticket_id == ticket.id)
    ).first()
    if request is None or not request.partner.callback_url:
        return
    item = view(request, public=False)
    digest = hashlib.sha256(f"{item['status']}|{item['status_notes']}".encode()).hexdigest()
    if request.pushed == digest[:80]:
        return
    request.pushed = digest[:80]
    from backend.open311.jobs import push_job

    defer(push_job, request.id, digest[:16], key=f"open311-push:{request.id}:{digest[:16]}")


def signature(partner: Partner, body: bytes) -> str:
    """HMAC-SHA256 of ``body`` under the SHA-256 (hex) of the partner's key: the partner
    computes the same from the key it holds; we never keep the key itself."""
    return hmac.new(partner.key_hash.encode(), body, hashlib.sha256).hexdigest()


def push(request_id: int) -> None:
    """POST the request's current state to the partner's callback URL, signed; a failure
    raises, and the outbox tries again with backoff."""
    import requests as http

    request = db.session.get(ServiceRequest, request_id)
    if request is None or not request.partner.callback_url or request.partner.revoked_at:
        return
    body = json.dumps([view(request, public=False)], ensure_ascii=False).encode()
    response = http.post(
        request.partner.callback_url,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Open311-Signature": "sha256=" + signature(request.partner, body),
        },
        timeout=current_app.config["OPEN311_CALLBACK_TIMEOUT"],
    )
    if response.status_code >= 300:
        raise RuntimeError(f"callback answered {response.status_code}")
    log_call(
        request.partner, "PUSH", request.partner.callback_url, response.status_code, request.id
    )
