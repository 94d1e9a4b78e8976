"""Jobs of fees: the monthly bill run and the sweep of orders whose notification never came."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from backend.core.time import utcnow
from backend.extensions import db
from backend.jobs import job

log = logging.getLogger(__name__)


@job
def generate_monthly_bills_job() -> int:
    """Bill the current month for every estate that has an active fee item.

    Safe to run twice (and on any day of the month): existing bills are never made again.
    """
    from backend.fees.models import FeeItem
    from backend.fees.services import current_period, generate_bills

    period = current_period()
    estate_ids = db.session.scalars(
        sa.select(FeeItem.estate_id).where(FeeItem.active.is_(True)).distinct()
    ).all()
    made = 0
    for estate_id in estate_ids:
        made += generate_bills(estate_id, period).created
    log.info("monthly run %s: %s bills in %s estates", period, made, len(estate_ids))
    return made


@job
def settle_lost_orders_job() -> dict:
    """Query WeChat Pay about pending orders whose notification never came (every 5 min)."""
    from backend.fees.payments import settle_lost_orders

    return settle_lost_orders()


@job
def tell_bills_issued_job(estate_id: int, period: str) -> int:
    """After a bill run: one "bill issued" message per resident and period."""
    from datetime import date

    from backend.fees.services import tell_bills_issued

    return tell_bills_issued(estate_id, date.fromisoformat(period))


@job
def refund_job(refund_id: int) -> str | None:
    """One try of a refund: claimed and committed first (so a process killed while WeChat
    Pay answers leaves a claim the next try sees), then asked of WeChat Pay and queried;
    a refund not final is tried again after a backoff (``REFUND_RETRY_DELAYS``; after the
    last of them, by :func:`resume_refunds_job`). Safe to run twice."""
    from backend.core.db import commit, defer
    from backend.fees.models import FINAL_REFUND_STATES
    from backend.fees.payments import claim_refund_try, try_refund

    refund = claim_refund_try(refund_id)
    if refund is None:
        return None
    commit()
    state = try_refund(refund)
    # the first tries follow at once on their own; after them the sweep goes on
    if state not in FINAL_REFUND_STATES and refund.attempts < len(_delays()):
        delay = (refund.next_try_at - utcnow()).total_seconds()
        defer(
            refund_job,
            refund_id,
            delay=max(delay, 1),
            key=f"refund:{refund_id}:try:{refund.attempts}",
        )
    return state.value


def _delays() -> tuple[int, ...]:
    from flask import current_app

    return current_app.config["REFUND_RETRY_DELAYS"]


@job
def resume_refunds_job() -> int:
    """Try again every refund whose next try is due and whose job was lost (Redis down at
    the commit, a killed worker). Every few minutes."""
    from backend.core.db import commit
    from backend.fees.payments import claim_refund_try, due_refunds, try_refund

    tried = 0
    for refund_id in due_refunds():
        refund = claim_refund_try(refund_id)
        if refund is None:
            continue
        commit()
        try_refund(refund)
        commit()
        tried += 1
    return tried
