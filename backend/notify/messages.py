"""One message builder per event: which template it uses, its keywords, the page it opens.

Each builder takes the event's facts as keyword arguments and returns a :class:`Message`
whose data is built only through :mod:`backend.notify.keywords`, so WeChat never refuses
it for a keyword's type or length (errcode 47003). Send one with
:func:`backend.notify.notify_resident`; add an event by writing a builder here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from backend.notify import keywords as kw


@dataclass(frozen=True)
class Message:
    """A message ready to store and send: the template (by name), its data and its page."""

    event: str
    template: str
    data: dict
    page: str


@dataclass(frozen=True)
class Event:
    """An event residents are told about: its Chinese label, template and builder."""

    name: str
    label: str
    template: str
    build: Callable[..., Message]


#: every event, by name
EVENTS: dict[str, Event] = {}


def event(name: str, label: str, template: str):
    """Register the decorated function as the builder of event ``name``."""

    def register(build: Callable[..., dict | tuple[dict, str]]):
        def message(**facts) -> Message:
            data, page = build(**facts)
            return Message(event=name, template=template, data=data, page=page)

        message.__doc__ = build.__doc__
        EVENTS[name] = Event(name=name, label=label, template=template, build=message)
        return build

    return register


@event("binding_approved", "房屋绑定成功", "residency_active")
def binding_approved(*, estate_name: str, unit_label: str, role_label: str, at: datetime):
    """A residency in a unit became active (invite, registry match or staff approval)."""
    return {
        "thing1": kw.thing(estate_name),
        "thing2": kw.thing(unit_label),
        "phrase3": kw.phrase(role_label),
        "time4": kw.time(at),
    }, "pages/me/units"


@event("ticket_status_changed", "工单状态变化", "ticket_status")
def ticket_status_changed(
    *, ticket_id: int, ticket_no: str, title: str, status_label: str, at: datetime, note: str = ""
):
    """A ticket the resident submitted changed state (accepted, assigned, resolved, …)."""
    return {
        "character_string1": kw.character_string(ticket_no),
        "thing2": kw.thing(title),
        "phrase3": kw.phrase(status_label),
        "time4": kw.time(at),
        "thing5": kw.thing(note),
    }, f"pages/tickets/detail?id={ticket_id}"


@event("bill_issued", "账单出账", "bill_issued")
def bill_issued(*, unit_label: str, item_name: str, amount_fen: int, due_on: date):
    """A bill for one of the resident's units was issued."""
    return {
        "thing1": kw.thing(unit_label),
        "thing2": kw.thing(item_name),
        "amount3": kw.amount(amount_fen),
        "date4": kw.date(due_on),
    }, "pages/fees/bills"


@event("payment_received", "缴费成功", "payment_received")
def payment_received(
    *, payment_id: int, unit_label: str, amount_fen: int, receipt_no: str, at: datetime
):
    """A payment was credited (online or recorded by staff)."""
    return {
        "thing1": kw.thing(unit_label),
        "amount2": kw.amount(amount_fen),
        "character_string3": kw.character_string(receipt_no),
        "time4": kw.time(at),
    }, f"pages/fees/receipt?id={payment_id}"


@event("payment_refunded", "退款", "payment_refunded")
def payment_refunded(*, payment_id: int, amount_fen: int, reason: str, at: datetime):
    """A payment was refunded to the payer (e.g. it arrived after its order was closed)."""
    return {
        "amount1": kw.amount(amount_fen),
        "thing2": kw.thing(reason),
        "time3": kw.time(at),
    }, f"pages/fees/receipt?id={payment_id}"


@event("fee_reminder", "缴费提醒", "fee_reminder")
def fee_reminder(*, unit_label: str, amount_fen: int, period: str, phone: str):
    """A written reminder (催缴) of what a unit still owes, with whom to ask."""
    return {
        "thing1": kw.thing(unit_label),
        "amount2": kw.amount(amount_fen),
        "thing3": kw.thing(period),
        "phone_number4": kw.phone_number(phone),
    }, "pages/fees/bills"


@event("vote_announced", "表决公告", "vote_announced")
def vote_announced(
    *, motion_id: int, title: str, estate_name: str, opens_on: date, closes_on: date
):
    """A motion was announced to the owners (voting opens later)."""
    return {
        "thing1": kw.thing(title),
        "thing2": kw.thing(estate_name),
        "date3": kw.date(opens_on),
        "date4": kw.date(closes_on),
    }, f"pages/votes/detail?id={motion_id}"


@event("vote_closing", "表决即将截止", "vote_closing")
def vote_closing(*, motion_id: int, title: str, closes_at: datetime, hint: str = ""):
    """Voting on a motion closes soon and the owner has not voted."""
    return {
        "thing1": kw.thing(title),
        "time2": kw.time(closes_at),
        "thing3": kw.thing(hint or "您尚未投票，请在截止前投票"),
    }, f"pages/votes/detail?id={motion_id}"


@event("survey_opened", "满意度测评", "survey_opened")
def survey_opened(*, survey_id: int, title: str, estate_name: str, closes_on: date):
    """A survey opened for the household's estate."""
    return {
        "thing1": kw.thing(title),
        "thing2": kw.thing(estate_name),
        "date3": kw.date(closes_on),
    }, f"pages/surveys/detail?id={survey_id}"


@event("survey_closing", "问卷即将截止", "survey_closing")
def survey_closing(*, survey_id: int, title: str, closes_at: datetime):
    """A survey closes soon and the household has not answered."""
    return {
        "thing1": kw.thing(title),
        "time2": kw.time(closes_at),
        "thing3": kw.thing("您家尚未作答，请在截止前填写"),
    }, f"pages/surveys/detail?id={survey_id}"


@event("vote_result", "表决结果", "vote_result")
def vote_result(*, motion_id: int, title: str, passed: bool, summary: str):
    """A vote was counted and its result published."""
    return {
        "thing1": kw.thing(title),
        "phrase2": kw.phrase("通过" if passed else "未通过"),
        "thing3": kw.thing(summary),
    }, f"pages/votes/detail?id={motion_id}"


@event("must_read_notice", "必读公告", "notice")
def must_read_notice(*, notice_id: int, title: str, publisher: str, published_at: datetime):
    """A must-read notice was published on the estate's board."""
    return {
        "thing1": kw.thing(title),
        "thing2": kw.thing(publisher),
        "time3": kw.time(published_at),
    }, f"pages/board/notice?id={notice_id}"


@event("supervision_answered", "督办回复", "supervision_answered")
def supervision_answered(
    *, ticket_id: int, ticket_no: str, answer: str, answered_by: str, at: datetime
):
    """The company answered a supervision order (督办) on the resident's ticket."""
    return {
        "character_string1": kw.character_string(ticket_no),
        "thing2": kw.thing(answer),
        "name3": kw.name(answered_by),
        "time4": kw.time(at),
    }, f"pages/tickets/detail?id={ticket_id}"


@event("fund_use_progress", "维修资金使用进度", "fund_use_progress")
def fund_use_progress(
    *, use_id: int, event_id: int, title: str, progress: str, note: str, at: datetime
):
    """A use of the maintenance fund that charges the owner's unit moved on (reviewed,
    paid, disclosed)."""
    return {
        "thing1": kw.thing(title),
        "phrase2": kw.phrase(progress),
        "thing3": kw.thing(note or "详情请查看维修资金使用事项"),
        "time4": kw.time(at),
    }, f"pages/fund/use?id={use_id}&event={event_id}"


@event("family_help", "家人求助", "family_help")
def family_help(
    *,
    requester: str,
    unit_label: str,
    matter: str,
    at: datetime,
    bill_id: int | None = None,
    ticket_id: int | None = None,
):
    """A family member bound to the same unit asked for help (请家人帮忙) with a bill (the
    message opens the unit's bills, where it can be paid) or a ticket (it opens the ticket
    as the family member may follow it up)."""
    return {
        "thing1": kw.thing(requester),
        "thing2": kw.thing(unit_label),
        "thing3": kw.thing(matter),
        "time4": kw.time(at),
    }, ("pages/fees/bills" if bill_id else f"pages/family/ticket?id={ticket_id}")


@event("family_acted", "家人已代办", "family_acted")
def family_acted(
    *,
    helper: str,
    act: str,
    matter: str,
    at: datetime,
    bill_id: int | None = None,
    ticket_id: int | None = None,
):
    """The family member a resident asked for help (请家人帮忙) acted on it: added a
    follow-up, urged or rated the ticket (the message opens the asker's ticket), or paid the
    bill (it opens her bills, where it now reads 已缴)."""
    return {
        "thing1": kw.thing(helper),
        "thing2": kw.thing(act),
        "thing3": kw.thing(matter),
        "time4": kw.time(at),
    }, (f"pages/tickets/detail?id={ticket_id}" if ticket_id else "pages/fees/bills")


def build(event_name: str, **facts) -> Message:
    """The message of ``event_name`` for these facts (KeyError for an unknown event)."""
    return EVENTS[event_name].build(**facts)
