"""Demo fund of 嘉绿景苑: every unit's ledger since delivery, one use voted, reviewed, paid in
two instalments and disclosed, one lift emergency awaiting disclosure, one use in voting,
and the fund's bank account that records payments.

Called by ``backend.demo`` after votes (whose demo binds fictional owners in the mini-app).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyRole, Resident, Staff, StaffRole
from backend.core.errors import DomainError
from backend.core.time import utcnow
from backend.extensions import db
from backend.fund import documents, ledger, uses
from backend.fund.models import UseKind
from backend.fund.rules import rules_for
from backend.org.models import Building, Street, Unit
from backend.votes import ballots as vote_ballots
from backend.votes.models import Motion

ESTATE = "嘉绿景苑"
COMMITTEE = "jljy.yeweihui"
COMPANY = "jiahe.admin"
BANK = "fund.bank"
DELIVERED = date(2019, 6, 1)


def seed(demo) -> None:
    """``seed-demo``: the demo fund, once."""
    if demo.existing:
        return
    estate = demo.estates[ESTATE]
    street = db.session.get(Street, estate.street_id)
    bank = Staff(
        username=BANK,
        name="工商银行文新支行（维修资金专户）",
        phone="",
        role=StaffRole.fund_bank,
        district=street.district,
        password_hash=demo.staff[COMMITTEE].password_hash,
    )
    db.session.add(bank)
    db.session.flush()
    demo.staff[BANK] = bank
    seed_fund(estate, demo.staff, bank, demo.rng)


def _units(estate_id: int, *buildings: str) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Unit.id)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.estate_id == estate_id, Building.name.in_(buildings))
            .order_by(Unit.id)
        )
    )


def seed_fund(estate, staff: dict, bank, rng, now: datetime | None = None) -> list:
    """Ledgers and three uses of ``estate``; returns the uses."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    rules = rules_for(estate)
    ledger.post_initial_deposits(
        estate.id, rules.initial_rate_yuan_per_m2, DELIVERED, reference="DEP-2019"
    )
    for year in (2023, 2024, 2025):
        # the bank credits 1.35% a year on the estate's fund; the committee allocates it to
        # the accounts by area, to the fen (the one split, ledger.allocate_interest)
        total = sum(b.balance_fen for b in ledger.balances(estate.id).values())
        ledger.allocate_interest(
            estate.id, total * 135 // 10000, date(year, 12, 21), reference=f"INT-{year}"
        )
    reviewer = {
        "street": next(s for s in staff.values() if s.role == StaffRole.street_officer),
        "bureau": next(s for s in staff.values() if s.role == StaffRole.bureau_officer),
        "committee": staff[COMMITTEE],
    }[rules.reviewer]
    company, committee = staff[COMPANY], staff[COMMITTEE]

    # 1. a roof repair of buildings 7–8: voted, reviewed, paid in two instalments, disclosed
    roof = uses.create_use(
        company, estate.id, title="7、8 幢屋面防水层翻修",
        unit_ids=_units(estate.id, "7幢", "8幢"), budget_fen=268_000_00,
        items="7、8 幢屋面防水层铲除重做（SBS 改性沥青卷材两道）；落水管更换",
        contractor="杭州恒固防水工程有限公司",
    )  # fmt: skip
    start = now - timedelta(days=120)
    uses.act(company, roof, "propose", now=start)
    uses.act(committee, roof, "publicise", now=start)
    motion = db.session.get(Motion, roof.motion_id)
    uses.act(committee, roof, "open_vote", now=motion.opens_at)
    _vote(motion, rng, turnout=0.86, agree=0.9, at=motion.opens_at + timedelta(days=2))
    uses.act(committee, roof, "count", now=motion.closes_at)
    uses.act(company, roof, "submit", now=motion.closes_at + timedelta(days=1))
    uses.act(reviewer, roof, "approve", note="方案、预算与表决结果相符", now=now)
    uses.act(reviewer, roof, "notify_bank", now=now)
    paid = (motion.closes_at + timedelta(days=10)).date()
    for number, (fen, days) in enumerate(((160_800_00, 0), (101_350_00, 30)), start=1):
        uses.record_payment(
            bank, roof, instalment=number, amount_fen=fen, paid_on=paid + timedelta(days=days),
            bank_reference=f"ICBC-ROOF-{number:04d}",
        )  # fmt: skip
    for number, (kind, name) in enumerate(
        (("quote", "屋面防水工程报价单.pdf"), ("acceptance", "竣工验收记录.pdf"))
    ):
        documents.add_document(company, roof, kind, _pdf(number), name)
    uses.act(company, roof, "accept", note="竣工验收合格；决算 ¥262,150.00", now=now)
    uses.act(committee, roof, "disclose", now=now)

    # 2. a lift emergency of building 3: reviewed and paid, disclosure still owed
    lift = uses.create_use(
        company, estate.id, title="3 幢 2 号电梯曳引机制动器故障应急维修",
        unit_ids=_units(estate.id, "3幢"), budget_fen=46_500_00, kind=UseKind.emergency,
        emergency_category="lift", contractor="杭州西奥电梯维保有限公司",
        items="更换制动器总成及曳引钢丝绳",
    )  # fmt: skip
    uses.act(company, lift, "submit", now=now - timedelta(days=45))
    uses.act(reviewer, lift, "approve", note="情况属实，同意应急使用", now=now)
    uses.act(reviewer, lift, "notify_bank", now=now)
    uses.record_payment(
        bank, lift, instalment=1, amount_fen=46_500_00, paid_on=(now - timedelta(days=40)).date(),
        bank_reference="ICBC-LIFT-0311",
    )  # fmt: skip
    uses.act(company, lift, "accept", note="电梯已经检验合格恢复运行", now=now)

    # 3. new water pumps for buildings 1–6: the owners are voting now
    pumps = uses.create_use(
        company, estate.id, title="1—6 幢二次供水水泵更换",
        unit_ids=_units(estate.id, *(f"{n}幢" for n in range(1, 7))), budget_fen=132_000_00,
        items="更换变频供水泵组 2 套及控制柜", contractor="浙江清源给排水设备有限公司",
    )  # fmt: skip
    start = now - timedelta(days=20)
    uses.act(company, pumps, "propose", now=start)
    uses.act(committee, pumps, "publicise", now=start)
    motion = db.session.get(Motion, pumps.motion_id)
    uses.act(committee, pumps, "open_vote", now=motion.opens_at)
    _vote(motion, rng, turnout=0.4, agree=0.8, at=motion.opens_at + timedelta(hours=3))
    db.session.flush()
    return [roof, lift, pumps]


def _pdf(number: int) -> bytes:
    """A small plain PDF standing for a scanned document (the media store checks it)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
        + f"% linli demo document {number}\n".encode()
        + b"trailer<<>>\n%%EOF\n"
    )


def _vote(motion: Motion, rng, *, turnout: float, agree: float, at: datetime) -> None:
    """Owners bound in the mini-app (the votes demo's) vote online on ``motion``."""
    from backend.votes.models import VoterUnit

    rows = db.session.execute(
        sa.select(Residency.resident_id, Residency.unit_id)
        .join(VoterUnit, VoterUnit.unit_id == Residency.unit_id)
        .where(VoterUnit.motion_id == motion.id, Residency.role == ResidencyRole.owner)
        .order_by(Residency.unit_id)
    ).all()
    for resident_id, unit_id in rows:
        if rng.random() >= turnout:
            continue
        choice = "agree" if rng.random() < agree else "oppose"
        resident = db.session.get(Resident, resident_id)
        try:
            with db.session.begin_nested():
                vote_ballots.cast_online(resident, motion, choice=choice, unit_id=unit_id, now=at)
        except DomainError:  # a co-owner voted already: one ballot per voter
            continue
