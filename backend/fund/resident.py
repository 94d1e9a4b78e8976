"""What a resident sees of the fund: the accounts of the units they own and the uses that
charge them (an owner's; family members and tenants see none, 民法典 Art. 281: the fund
belongs to the owners)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyRole
from backend.core.errors import NotFound
from backend.extensions import db
from backend.fund import ledger
from backend.fund.board import PRIVATE
from backend.fund.models import FundAccount, FundEntry, FundUse, FundUseUnit, UseKind, UseState
from backend.fund.rules import rules_for
from backend.org.models import Building, Unit

#: entries shown per account (the newest first)
ENTRY_LIMIT = 100


def owned_unit_ids(resident) -> sa.Select:
    """The units ``resident`` currently owns."""
    return sa.select(Residency.unit_id).where(
        Residency.resident_id == resident.id,
        Residency.role == ResidencyRole.owner,
        Residency.is_current,
    )


def my_accounts(resident) -> list[dict]:
    """Each owned unit's account: balance, 续筹 flag and its latest entries."""
    rows = db.session.execute(
        sa.select(FundAccount, Unit, Building.name)
        .join(Unit, Unit.id == FundAccount.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(FundAccount.unit_id.in_(owned_unit_ids(resident)))
        .order_by(Unit.id)
    ).all()
    result = []
    for account, unit, building in rows:
        figures = ledger.balance_of(account)
        threshold = rules_for(unit.estate).top_up_threshold
        entries = db.session.scalars(
            sa.select(FundEntry)
            .where(FundEntry.account_id == account.id)
            .order_by(FundEntry.booked_on.desc(), FundEntry.id.desc())
            .limit(ENTRY_LIMIT)
        ).all()
        result.append(
            {
                "unit_id": unit.id,
                "unit": f"{building} {unit.number}",
                "area": str(unit.area),
                "balance_fen": figures.balance_fen,
                "initial_fen": figures.initial_fen,
                "needs_top_up": figures.needs_top_up(threshold),
                "overdrawn": figures.overdrawn,
                "entries": [
                    {
                        "id": e.id,
                        "kind": e.kind.value,
                        "kind_label": e.kind.label,
                        "amount_fen": e.amount_fen,
                        "booked_on": e.booked_on,
                        "memo": e.memo,
                        "use_id": e.use_id,
                    }
                    for e in entries
                ],
            }
        )
    return result


def _my_uses() -> sa.Select:
    return sa.select(FundUse).where(
        sa.or_(FundUse.kind == UseKind.emergency, FundUse.state.not_in(PRIVATE)),
        FundUse.state != UseState.draft,
    )


def my_uses(resident) -> list[FundUse]:
    """Uses whose 列支范围 holds a unit ``resident`` owns, once public (newest first)."""
    charged = sa.select(FundUseUnit.use_id).where(FundUseUnit.unit_id.in_(owned_unit_ids(resident)))
    return list(
        db.session.scalars(_my_uses().where(FundUse.id.in_(charged)).order_by(FundUse.id.desc()))
    )


def my_use(resident, use_id: int) -> FundUse:
    """One use that charges a unit ``resident`` owns, else 404."""
    use = next((u for u in my_uses(resident) if u.id == use_id), None)
    if use is None:
        raise NotFound("未找到该维修资金使用事项")
    return use


def my_share(resident, use: FundUse) -> int:
    """What the use has debited from the units ``resident`` owns so far (fen, positive)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(FundEntry.amount_fen), 0))
        .join(FundAccount, FundAccount.id == FundEntry.account_id)
        .where(FundEntry.use_id == use.id, FundAccount.unit_id.in_(owned_unit_ids(resident)))
    )
    return -int(total)
