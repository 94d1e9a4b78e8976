"""Jobs of fees: the monthly bill run and the sweep of orders whose notification never came."""

from __future__ import annotations

import logging

import sqlalchemy as sa

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
def refund_late_payment_job(payment_id: int) -> bool:
    """Refund a payment that arrived after its order was closed (its bills were settled)."""
    from backend.fees.payments import refund_late_payment

    return refund_late_payment(payment_id) is not None
