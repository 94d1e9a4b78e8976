"""Reminders of arrears (催缴): a WeChat subscribe message or a printed written notice.

Every reminder is recorded with its channel, time, text, bills and sender: the record is
the evidence of written demand. No late fee is ever added (no national rule allows one),
and nothing here, nor anywhere in the product, restricts a resident's service because of
arrears (民法典 Art. 944).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from backend.accounts.models import Residency, ResidencyRole, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import DomainError, Invalid
from backend.core.time import local_today
from backend.extensions import db
from backend.fees.models import Bill, BillStatus, FeeItem, Reminder, ReminderChannel
from backend.fees.money import yuan
from backend.org.models import Unit
from backend.org.services import unit_sort, units_like


def unpaid_bills(unit_id: int) -> list[Bill]:
    return list(
        db.session.scalars(
            sa.select(Bill)
            .where(Bill.unit_id == unit_id, Bill.status == BillStatus.unpaid)
            .order_by(Bill.period, Bill.id)
        )
    )


def reminder_text(unit: Unit, bills: list[Bill]) -> str:
    """The reminder's wording: what is owed, for which months, and how to pay."""
    total = sum(b.due_fen for b in bills)
    periods = sorted({b.period_label for b in bills})
    span = periods[0] if len(periods) == 1 else f"{periods[0]} 至 {periods[-1]}"
    return (
        f"{unit.estate.name} {unit.label} 业主/住户：截至 {local_today():%Y年%m月%d日}，"
        f"贵户尚有 {len(bills)} 笔费用未缴（账期 {span}），合计 {yuan(total)}。"
        "请通过邻里小程序或到物业服务中心缴纳。如有疑问或已缴纳，请与物业服务中心联系。"
    )


def _recipients(unit_id: int, bills: list[Bill]) -> list[int]:
    """Residents living in the unit who pay these bills (tenants only for items they pay)."""
    tenant_items = set(
        db.session.scalars(
            sa.select(FeeItem.id).where(
                FeeItem.id.in_({b.fee_item_id for b in bills}), FeeItem.tenant_pays.is_(True)
            )
        )
    )
    roles = [ResidencyRole.owner, ResidencyRole.family]
    if tenant_items:
        roles.append(ResidencyRole.tenant)
    return list(
        db.session.scalars(
            sa.select(Residency.resident_id)
            .where(Residency.unit_id == unit_id, Residency.is_current, Residency.role.in_(roles))
            .distinct()
        )
    )


def send_reminder(staff: Staff, unit_id: int, channel: ReminderChannel) -> Reminder:
    """Remind a unit of its arrears and record it; a subscribe message goes out by a job."""
    scope.require(staff, "fees.remind")
    unit = scope.get_scoped(Unit, unit_id, staff)
    bills = unpaid_bills(unit.id)
    if not bills:
        raise Invalid("该房屋没有欠费")
    recipients = _recipients(unit.id, bills) if channel == ReminderChannel.wechat else []
    if channel == ReminderChannel.wechat and not recipients:
        raise Invalid("该房屋没有已绑定的住户，无法发送微信提醒，请打印书面通知书")
    company = unit.estate.company
    phone = (company.phone if company else "") or staff.phone
    if channel == ReminderChannel.wechat and not any(c.isdigit() for c in phone or ""):
        raise Invalid("微信提醒须附联系电话：请先填写物业企业的服务电话")
    reminder = Reminder(
        estate_id=unit.estate_id,
        unit_id=unit.id,
        channel=channel,
        text=reminder_text(unit, bills),
        bill_ids=[b.id for b in bills],
        total_fen=sum(b.due_fen for b in bills),
        recipients=len(recipients),
        sent_by_id=staff.id,
    )
    db.session.add(reminder)
    db.session.flush()
    for resident_id in recipients:
        _queue_message(resident_id, unit, reminder, phone)
    audit.record(
        staff,
        f"reminder.{channel.value}",
        "unit",
        unit.id,
        after={"reminder_id": reminder.id, "bills": len(bills), "total_fen": reminder.total_fen},
        estate_id=unit.estate_id,
    )
    return reminder


def _queue_message(resident_id: int, unit: Unit, reminder: Reminder, phone: str) -> None:
    from backend.notify.services import notify_resident

    bills = db.session.scalars(sa.select(Bill.period).where(Bill.id.in_(reminder.bill_ids))).all()
    periods = sorted(f"{p:%Y-%m}" for p in bills)
    span = periods[0] if len(periods) == 1 else f"{periods[0]}至{periods[-1]}"
    notify_resident(
        resident_id,
        "fee_reminder",
        estate_id=unit.estate_id,
        unit_label=f"{unit.estate.name}{unit.label}",
        amount_fen=reminder.total_fen,
        period=span,
        phone=phone,
    )


#: the most units one batch reminds (a page of the arrears list at its largest)
MAX_BATCH = 100


@dataclass(frozen=True)
class PlannedReminder:
    """What a batch reminder will send one unit: its bills, how many residents get the
    WeChat message, and the text on record."""

    unit: Unit
    bills: list[Bill]
    recipients: int
    text: str

    @property
    def total_fen(self) -> int:
        return sum(b.due_fen for b in self.bills)


def plan_batch(staff: Staff, unit_ids: list[int]) -> list[PlannedReminder]:
    """The preview of a batch reminder (催缴) of ``unit_ids`` in ``staff``'s scope with
    arrears: who gets what. Units out of scope or with nothing owed are left out."""
    scope.require(staff, "fees.remind")
    ids = list(dict.fromkeys(unit_ids))[:MAX_BATCH]
    stmt = (
        sa.select(Unit)
        .where(Unit.id.in_(ids))
        .options(joinedload(Unit.estate), joinedload(Unit.building))
    )
    units = {u.id: u for u in db.session.scalars(scope.scoped(stmt, staff, Unit.estate_id))}
    plans = []
    for unit_id in ids:
        unit = units.get(unit_id)
        bills = [b for b in unpaid_bills(unit_id) if b.due_fen > 0] if unit else []
        if bills:
            recipients = len(_recipients(unit_id, bills))
            plans.append(PlannedReminder(unit, bills, recipients, reminder_text(unit, bills)))
    return plans


@dataclass(frozen=True)
class BatchReminders:
    """What a batch reminder did: the reminders sent, and why each other unit was not."""

    sent: list[Reminder]
    refused: dict[str, str]


def send_batch(staff: Staff, unit_ids: list[int]) -> BatchReminders:
    """Remind each unit of ``unit_ids`` by WeChat (:func:`send_reminder`: recorded, sent
    through the outbox against the residents' consents); a unit that cannot be reminded so
    (no bound resident, nothing owed) is skipped and said why, the others go."""
    sent, refused = [], {}
    for plan in plan_batch(staff, unit_ids):
        try:
            with db.session.begin_nested():
                sent.append(send_reminder(staff, plan.unit.id, ReminderChannel.wechat))
        except DomainError as exc:
            refused[f"{plan.unit.estate.name} {plan.unit.label}"] = exc.message
    return BatchReminders(sent, refused)


#: how the reminder list sorts (``admin.page.ListSpec``), by ``?sort=``
REMINDER_SORTS = {
    "created": Reminder.created_at,
    "unit": unit_sort(Reminder.unit_id),
    "channel": Reminder.channel,
    "total": Reminder.total_fen,
}


def reminders_query(
    staff: Staff,
    unit_id: int | None = None,
    *,
    unit: str = "",
    channel: ReminderChannel | None = None,
    estate_id: int | None = None,
) -> sa.Select:
    """The reminders in ``staff``'s scope, newest first: of one unit (by id, or written
    as the tables write it, "1幢 201"), one channel or one estate."""
    stmt = sa.select(Reminder).order_by(Reminder.id.desc())
    if unit_id is not None:
        stmt = stmt.where(Reminder.unit_id == unit_id)
    units = units_like(unit)
    if units is not None:
        stmt = stmt.where(Reminder.unit_id.in_(units))
    if channel:
        stmt = stmt.where(Reminder.channel == channel)
    if estate_id:
        stmt = stmt.where(Reminder.estate_id == estate_id)
    return scope.scoped(stmt, staff, Reminder.estate_id)


def get_reminder(staff: Staff, reminder_id: int) -> Reminder:
    return scope.get_scoped(Reminder, reminder_id, staff)
