"""Elder mode's rules: the resident's display setting, and asking the family for help.

Never commits: the request is the transaction. Messages go through
:func:`backend.notify.services.notify_resident`, so a family member gets a WeChat message
only with a consent left for the template, and always finds it in the message center; so
is the asker told (``family_acted``) each time her family member follows up, urges or rates
her ticket, or pays her bill (:func:`bills_paid`, a payment hook of fees).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.accounts.models import Residency, ResidencyRole, Resident
from backend.authz.resident import current_places, household_unit_ids
from backend.core.errors import Conflict, NotFound
from backend.core.time import utcnow
from backend.elder.models import HelpRequest, ResidentSetting
from backend.extensions import db
from backend.fees.models import Bill, BillStatus
from backend.fees.payments import my_bill
from backend.notify.services import notify_resident
from backend.org.models import Unit
from backend.tickets import services as tickets
from backend.tickets.models import Ticket, TicketState
from backend.tickets.services import resident_ticket

log = logging.getLogger(__name__)

#: who may be asked: the people of the household (a tenant is not asked to pay the owner's bill)
HOUSEHOLD = (ResidencyRole.owner, ResidencyRole.family)


def settings_of(resident: Resident) -> dict:
    """The resident's display settings (defaults when never set)."""
    row = db.session.get(ResidentSetting, resident.id)
    return {"elder_mode": bool(row and row.elder_mode)}


def update_settings(resident: Resident, *, elder_mode: bool) -> dict:
    """Remember the resident's choice of the elder mode (长辈版) on the server."""
    row = db.session.get(ResidentSetting, resident.id)
    if row is None:
        row = ResidentSetting(resident_id=resident.id)
        db.session.add(row)
    row.elder_mode = elder_mode
    row.updated_at = utcnow()
    db.session.flush()
    return settings_of(resident)


def household_of(resident: Resident, unit_id: int) -> list[Resident]:
    """The others living in unit ``unit_id`` now as its owner or family, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Resident)
            .join(Residency, Residency.resident_id == Resident.id)
            .where(
                Residency.unit_id == unit_id,
                Residency.is_current,
                Residency.role.in_(HOUSEHOLD),
                Resident.id != resident.id,
            )
            .distinct()
            .order_by(Resident.id)
        )
    )


def _display_name(resident: Resident) -> str:
    return resident.name or resident.nickname or "家人"


def ask_family(resident: Resident, *, bill_id: int | None = None, ticket_id: int | None = None):
    """请家人帮忙: tell the household of the bill's (or ticket's) unit that ``resident``
    asks for help. Returns ``(help_request, created)``; asking again about the same bill or
    ticket returns the first request and sends nothing. A bill or ticket the resident cannot
    see is "not found"; a paid bill, or nobody else in the household, is a conflict."""
    if bill_id is not None:
        bill = my_bill(resident, bill_id)
        if bill.status != BillStatus.unpaid:
            raise Conflict("这张账单无需再缴，不用请家人帮忙")
        unit_id, estate_id = bill.unit_id, bill.estate_id
        matter = f"缴{bill.period:%Y年%m月}{bill.fee_item.name}"
        existing = sa.select(HelpRequest).where(
            HelpRequest.requester_id == resident.id, HelpRequest.bill_id == bill_id
        )
    else:
        ticket = resident_ticket(resident, ticket_id)
        unit_id = ticket.unit_id or _my_unit_in(resident, ticket.estate_id)
        estate_id = ticket.estate_id
        matter = f"跟进报修：{ticket.description}"
        existing = sa.select(HelpRequest).where(
            HelpRequest.requester_id == resident.id, HelpRequest.ticket_id == ticket_id
        )
    found = db.session.scalars(existing).first()
    if found is not None:
        return found, False
    family = household_of(resident, unit_id)
    if not family:
        raise Conflict("这套房屋还没有绑定其他家人，请先在“我的房屋”中邀请家人绑定")
    row = HelpRequest(
        requester_id=resident.id, unit_id=unit_id, bill_id=bill_id, ticket_id=ticket_id
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # the same request at the same moment (a double tap): theirs stands
        return db.session.scalars(existing).one(), False
    unit = db.session.get(Unit, unit_id)
    now = utcnow()
    for member in family:
        notify_resident(
            member.id,
            "family_help",
            estate_id=estate_id,
            requester=_display_name(resident),
            unit_label=unit.label,
            matter=matter,
            at=now,
            bill_id=bill_id,
            ticket_id=ticket_id,
        )
    row.asked = len(family)
    db.session.flush()
    log.info("help request %s: %s asked %s family members", row.id, resident.id, len(family))
    return row, True


def _my_unit_in(resident: Resident, estate_id: int) -> int:
    """The first unit where the resident lives in ``estate_id`` (a shared-part ticket has no
    unit: the household asked is the resident's own)."""
    for place in current_places(resident):
        if place.estate_id == estate_id:
            return place.unit_id
    raise NotFound("未找到您在该小区的房屋")


# --- helping with a ticket -----------------------------------------------------------------


def helped_ticket(resident: Resident, ticket_id: int) -> tuple[Ticket, HelpRequest]:
    """Ticket ``ticket_id`` and the request that lets ``resident`` help with it: someone
    of the ticket's unit asked for help about it, and ``resident`` lives in that unit today
    as its owner or family (never a tenant, never another unit: "not found" to anyone
    else, and to the asker, who has the ticket as their own)."""
    help_request = db.session.scalars(
        sa.select(HelpRequest)
        .where(
            HelpRequest.ticket_id == ticket_id,
            HelpRequest.unit_id.in_(household_unit_ids(resident)),
            HelpRequest.requester_id != resident.id,
        )
        .order_by(HelpRequest.id)
        .limit(1)
    ).first()
    ticket = db.session.get(Ticket, ticket_id) if help_request is not None else None
    if (
        ticket is None
        or ticket.resident_id != help_request.requester_id
        or ticket.unit_id not in (None, help_request.unit_id)
    ):
        raise NotFound(tickets.NOT_FOUND)
    return ticket, help_request


def helper_actions(ticket: Ticket) -> list[str]:
    """What a family member may do for the asker now: add a follow-up while the ticket is
    open, rate it once it is done and unrated (what the asker could do)."""
    actions = []
    if ticket.state not in (TicketState.closed, TicketState.rejected):
        actions.append("follow_up")
    if ticket.state in (TicketState.resolved, TicketState.closed) and ticket.rating is None:
        actions.append("rate")
    if not tickets.urge_refusal(ticket):
        actions.append("urge")
    return actions


def asker_name(help_request: HelpRequest) -> str:
    """How the family member's page names who asked."""
    return _display_name(db.session.get(Resident, help_request.requester_id))


def _tell_asker(help_request: HelpRequest, helper: Resident, act: str, matter: str, **about):
    """Tell the resident who asked for help that ``helper`` acted on it (``act``): in her
    message center, and on WeChat with a consent left for 家人代办提醒 (one message per act,
    sent by a job after commit)."""
    notify_resident(
        help_request.requester_id,
        "family_acted",
        estate_id=about.pop("estate_id"),
        helper=_display_name(helper),
        act=act,
        matter=matter,
        at=utcnow(),
        **about,
    )


def _ticket_act(resident: Resident, ticket_id: int, act: str, do) -> tuple[Ticket, HelpRequest]:
    """The family member ``resident`` acts on the asker's ticket by ``do(asker, ticket)``;
    the asker is told (``act``: what the message says was done)."""
    ticket, help_request = helped_ticket(resident, ticket_id)
    asker = db.session.get(Resident, help_request.requester_id)
    do(asker, ticket)
    _tell_asker(
        help_request,
        resident,
        act,
        f"{ticket.kind.label}：{ticket.description}",
        estate_id=ticket.estate_id,
        ticket_id=ticket.id,
    )
    return ticket, help_request


def help_follow_up(resident: Resident, ticket_id: int, note: str, photo_ids: list[int]):
    """代为补充说明: the family member adds a note (and photos) to the asker's ticket."""
    return _ticket_act(
        resident,
        ticket_id,
        f"代为补充说明：{note.strip()}" if note.strip() else "代为补充了照片",
        lambda asker, ticket: tickets.follow_up(asker, ticket, note, photo_ids, helper=resident),
    )


def help_rate(resident: Resident, ticket_id: int, score: int, comment: str):
    """代为评价: the family member rates the outcome for the asker (once, as they could)."""
    return _ticket_act(
        resident,
        ticket_id,
        f"代为评价：{score} 星",
        lambda asker, ticket: tickets.rate(asker, ticket, score, comment, helper=resident),
    )


def help_urge(resident: Resident, ticket_id: int):
    """代为催办: the family member urges the asker's open ticket (the same once-per-interval
    rule as the asker's own 催办)."""
    return _ticket_act(
        resident,
        ticket_id,
        "代为催办，已提醒物业尽快处理",
        lambda asker, ticket: tickets.urge(asker, ticket, helper=resident),
    )


# --- helping with a bill -------------------------------------------------------------------


def bills_paid(bill_ids: list[int], payer_id: int | None) -> None:
    """A payment hook (``Feature.payment_hooks``): bills ``bill_ids`` were just paid online
    by resident ``payer_id``. Whoever asked the family for help with one of them, and is not
    the payer, is told that her family member paid it (once: a bill is credited once)."""
    if payer_id is None or not bill_ids:
        return
    rows = db.session.execute(
        sa.select(HelpRequest, Bill)
        .join(Bill, Bill.id == HelpRequest.bill_id)
        .where(HelpRequest.bill_id.in_(bill_ids), HelpRequest.requester_id != payer_id)
        .order_by(HelpRequest.id)
    ).all()
    if not rows:
        return
    payer = db.session.get(Resident, payer_id)
    for help_request, bill in rows:
        _tell_asker(
            help_request,
            payer,
            "已代缴这张账单",
            f"缴{bill.period:%Y年%m月}{bill.fee_item.name}",
            estate_id=bill.estate_id,
            bill_id=bill.id,
        )
