"""A use of the fund as a state machine: every state × action pair, who may, emergencies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid
from backend.core.time import SHANGHAI
from backend.extensions import db
from backend.fund import ledger, uses
from backend.fund.models import FundUse, FundUseEvent, UseKind, UseState
from backend.org.models import Street
from tests.factories import StaffFactory

S = UseState
ORD, EMG = UseKind.ordinary, UseKind.emergency
APPLY = {StaffRole.company_admin, StaffRole.committee_member}
VOTE = {StaffRole.committee_member, StaffRole.street_officer}
REVIEW = {StaffRole.bureau_officer}  # the national default: the housing authority
BANK = {StaffRole.fund_bank}
DISCLOSE = {StaffRole.committee_member, StaffRole.company_admin}

#: written out by hand from the issue, not derived from the code under test
EXPECTED = {
    (ORD, S.draft): {"propose": APPLY, "withdraw": APPLY},
    (ORD, S.proposed): {"publicise": VOTE, "withdraw": APPLY},
    (ORD, S.publicised): {"open_vote": VOTE},
    (ORD, S.voting): {"count": VOTE},
    (ORD, S.passed): {"submit": APPLY},
    (ORD, S.failed): {"withdraw": APPLY},
    (ORD, S.review): {"approve": REVIEW, "return": REVIEW},
    (ORD, S.returned): {"submit": APPLY, "withdraw": APPLY},
    (ORD, S.approved): {"notify_bank": REVIEW},
    (ORD, S.bank_notified): {"pay": BANK},
    (ORD, S.paid): {"pay": BANK, "accept": APPLY},
    (ORD, S.accepted): {"disclose": DISCLOSE},
    (ORD, S.disclosed): {"close": APPLY},
    (ORD, S.closed): {},
    (EMG, S.draft): {"submit": APPLY},
    (EMG, S.review): {"approve": REVIEW, "return": REVIEW},
    (EMG, S.returned): {"submit": APPLY},
    (EMG, S.approved): {"notify_bank": REVIEW},
    (EMG, S.bank_notified): {"pay": BANK},
    (EMG, S.paid): {"pay": BANK, "accept": APPLY},
    (EMG, S.accepted): {"disclose": DISCLOSE},
    (EMG, S.disclosed): {"close": APPLY},
}
ROLES = [
    StaffRole.company_admin,
    StaffRole.service_desk,
    StaffRole.technician,
    StaffRole.committee_member,
    StaffRole.street_officer,
    StaffRole.bureau_officer,
    StaffRole.fund_bank,
    StaffRole.platform_admin,
]


def actors(w) -> dict:
    return {
        StaffRole.company_admin: w.company,
        StaffRole.service_desk: StaffFactory(
            role=StaffRole.service_desk, company_id=w.estate.company_id
        ),
        StaffRole.technician: StaffFactory(
            role=StaffRole.technician, company_id=w.estate.company_id
        ),
        StaffRole.committee_member: w.committee,
        StaffRole.street_officer: w.street,
        StaffRole.bureau_officer: w.bureau,
        StaffRole.fund_bank: w.bank,
        StaffRole.platform_admin: StaffFactory(role=StaffRole.platform_admin),
    }


def bare_use(w, kind, state) -> FundUse:
    """A use put straight into ``state`` (the decision table is tested, not the path)."""
    use = FundUse(
        estate_id=w.estate.id,
        kind=kind,
        state=state,
        title="测试",
        budget_fen=100_00,
        emergency_category="lift" if kind == EMG else "",
    )
    db.session.add(use)
    db.session.flush()
    return use


@pytest.mark.parametrize("kind", [ORD, EMG])
def test_every_state_and_action_is_allowed_or_refused_as_the_rules_say(db, fund_world, kind):
    people = actors(fund_world)
    for state in S:
        use = bare_use(fund_world, kind, state)
        expected = EXPECTED.get((kind, state), {})
        for code in uses.ACTIONS:
            for role in ROLES:
                may = role in expected.get(code, set())
                offered = {a.code for a in uses.allowed_actions(people[role], use)}
                assert (code in offered) == may, (kind, state, code, role)
                if may:
                    continue
                error = Forbidden if code in expected else Conflict
                with pytest.raises(error):
                    if code == "pay":
                        uses.record_payment(
                            people[role], use, instalment=1, amount_fen=1, paid_on=date.today()
                        )
                    else:
                        uses.act(people[role], use, code, note="x")
                assert use.state == state


def test_the_reviewer_is_the_one_the_citys_rules_name(db, fund_world):
    # 杭州市 delegates the review to the streets (backend/fund/rules.toml)
    db.session.get(Street, fund_world.estate.street_id).city = "杭州市"
    use = bare_use(fund_world, ORD, S.review)
    assert [a.code for a in uses.allowed_actions(fund_world.street, use)] == ["approve", "return"]
    assert uses.allowed_actions(fund_world.bureau, use) == []


def _owned_units(w, n=4):
    return [w.unit("100.00", owners=[f"业主{len(w.units)}"]) for _ in range(n)]


def test_a_return_needs_a_reason(db, fund_world):
    use = bare_use(fund_world, ORD, S.review)
    with pytest.raises(Invalid):
        uses.act(fund_world.bureau, use, "return", note=" ")


def test_an_emergency_goes_to_review_without_a_vote_and_closes_only_once_disclosed(db, fund_world):
    units = _owned_units(fund_world)
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("100"), date(2026, 1, 5))
    use = uses.create_use(
        fund_world.company,
        fund_world.estate.id,
        title="3幢电梯困人故障维修",
        unit_ids=[u.id for u in units],
        budget_fen=8_000_00,
        kind=EMG,
        emergency_category="lift",
    )
    uses.act(fund_world.company, use, "submit")
    assert use.state == S.review and use.motion_id is None
    uses.act(fund_world.bureau, use, "approve")
    uses.act(fund_world.bureau, use, "notify_bank")
    uses.record_payment(
        fund_world.bank, use, instalment=1, amount_fen=8_000_00, paid_on=date(2026, 3, 1)
    )
    uses.act(fund_world.company, use, "accept")
    with pytest.raises(Conflict):
        uses.act(fund_world.company, use, "close")
    uses.act(fund_world.committee, use, "disclose")
    uses.act(fund_world.company, use, "close")
    commit()
    trail = db.session.scalars(
        sa.select(FundUseEvent.action)
        .where(FundUseEvent.use_id == use.id)
        .order_by(FundUseEvent.id)
    ).all()
    assert trail == [
        "create",
        "submit",
        "approve",
        "notify_bank",
        "pay",
        "accept",
        "disclose",
        "close",
    ]


def test_an_emergency_needs_a_listed_category(db, fund_world):
    unit = fund_world.unit()
    with pytest.raises(Invalid):
        uses.create_use(
            fund_world.company,
            fund_world.estate.id,
            title="x",
            unit_ids=[unit.id],
            budget_fen=1,
            kind=EMG,
            emergency_category="garden",
        )


def test_the_scope_must_be_units_of_the_estate(db, fund_world):
    from tests.factories import UnitFactory

    other = UnitFactory()
    with pytest.raises(Invalid):
        uses.create_use(
            fund_world.company, fund_world.estate.id, title="x", unit_ids=[other.id], budget_fen=1
        )


# --- review silence --------------------------------------------------------------------------


def _in_review(w, city, started):
    db.session.get(Street, w.estate.street_id).city = city
    use = bare_use(w, ORD, S.passed)
    uses.act(w.company, use, "submit", now=started)
    return use


def test_review_due_counts_working_days_skipping_weekends_and_holidays(db, fund_world):
    # Wednesday 30 September 2026, 10:00: 1 Oct – 7 Oct are the National Day holidays,
    # 10 October (Saturday) is a 调休 working day. 5 working days: 8, 9, 10, 12, 13 October
    started = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    use = _in_review(fund_world, "测试市", started)
    assert use.review_due_at == datetime(2026, 10, 14, 0, 0, tzinfo=SHANGHAI)


def test_silence_is_approval_only_where_the_city_says_and_only_after_the_deadline(db, fund_world):
    started = datetime(2026, 3, 6, 9, 0, tzinfo=SHANGHAI)  # a Friday; 杭州市: 7 working days
    use = _in_review(fund_world, "杭州市", started)
    due = datetime(2026, 3, 18, 0, 0, tzinfo=SHANGHAI)  # end of Tuesday 17 March
    assert use.review_due_at == due
    assert uses.lapse_reviews(now=due - timedelta(seconds=1)) == 0
    assert use.state == S.review
    assert uses.lapse_reviews(now=due) == 1
    db.session.refresh(use)
    assert use.state == S.approved
    event = db.session.scalars(
        sa.select(FundUseEvent)
        .where(FundUseEvent.use_id == use.id)
        .order_by(FundUseEvent.id.desc())
    ).first()
    assert event.actor_id is None and "视为同意" in event.note


def test_silence_is_not_approval_under_the_national_rules(db, fund_world):
    use = _in_review(fund_world, "测试市", datetime(2026, 3, 6, 9, 0, tzinfo=SHANGHAI))
    assert uses.lapse_reviews(now=datetime(2027, 1, 1, tzinfo=SHANGHAI)) == 0
    assert use.state == S.review
    overdue = db.session.scalars(
        uses.overdue_reviews(None, now=datetime(2027, 1, 1, tzinfo=SHANGHAI))
    ).all()
    assert overdue == [use]


def test_an_undisclosed_emergency_is_overdue_after_the_citys_days_from_payment(db, fund_world):
    unit = fund_world.unit()
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("100"), date(2026, 1, 5))
    use = uses.create_use(
        fund_world.company, fund_world.estate.id, title="水泵抢修", unit_ids=[unit.id],
        budget_fen=500_00, kind=EMG, emergency_category="pump",
    )  # fmt: skip
    uses.act(fund_world.company, use, "submit")
    uses.act(fund_world.bureau, use, "approve")
    uses.act(fund_world.bureau, use, "notify_bank")
    uses.record_payment(
        fund_world.bank, use, instalment=1, amount_fen=500_00, paid_on=date(2026, 3, 1)
    )
    # 30 days (rules.toml emergency_disclosure_days): due by 31 March, overdue on 1 April
    assert uses.undisclosed_emergencies(None, now=datetime(2026, 3, 31, 12, tzinfo=SHANGHAI)) == []
    assert uses.undisclosed_emergencies(None, now=datetime(2026, 4, 1, 12, tzinfo=SHANGHAI)) == [
        use
    ]
    uses.act(fund_world.company, use, "accept")
    uses.act(fund_world.committee, use, "disclose")
    assert uses.undisclosed_emergencies(None, now=datetime(2026, 4, 1, 12, tzinfo=SHANGHAI)) == []
