"""The cashier's counter per household (收银台): find a unit as the tables write it
("1幢 201"), every unpaid bill of it with the total, collect them in one payment.

Collecting is :func:`backend.fees.payments.record_offline_payment`; this module only finds
the unit and what it owes.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from backend.accounts.models import Staff
from backend.authz import scope
from backend.extensions import db
from backend.fees.models import Bill, BillStatus
from backend.org import services as org_units
from backend.org.models import Unit

#: how many units a search lists at most
MAX_MATCHES = 20


@dataclass(frozen=True)
class Household:
    """A unit at the counter: its unpaid bills (oldest first) and what they come to."""

    unit: Unit
    bills: list[Bill]

    @property
    def total_fen(self) -> int:
        return sum(b.due_fen for b in self.bills)


def find_units(staff: Staff, q: str) -> list[Unit]:
    """Units in ``staff``'s scope matching ``q`` as the tables show a unit (building and
    number, "1幢 201"; or a number alone): exact matches first, then those that contain the
    words, by estate, building and number; at most :data:`MAX_MATCHES`."""
    scope.require(staff, "fees.collect")
    return org_units.find_units(staff, q, MAX_MATCHES)


def household(staff: Staff, unit_id: int) -> Household:
    """Unit ``unit_id`` (in scope, else 404) with every bill it has not paid, oldest first
    (bills being paid online right now are left out: they cannot be collected)."""
    scope.require(staff, "fees.collect")
    unit = scope.get_scoped(Unit, unit_id, staff)
    bills = db.session.scalars(
        sa.select(Bill)
        .where(
            Bill.unit_id == unit.id,
            Bill.status == BillStatus.unpaid,
            Bill.order_id.is_(None),
            Bill.amount_fen - Bill.waived_fen > 0,
        )
        .options(joinedload(Bill.fee_item))
        .order_by(Bill.period, Bill.fee_item_id)
    ).all()
    return Household(unit=unit, bills=list(bills))
