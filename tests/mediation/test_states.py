"""Every state × action pair of the mediation state machine: allowed moves land on their
target with a trail entry; every other pair is refused and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.core.errors import Conflict
from backend.extensions import db
from backend.mediation import services
from backend.mediation.models import CaseState, Consent, SignatureMethod
from backend.mediation.states import ACTIONS
from tests.mediation.conftest import PNG, T0

S = CaseState
#: how to bring a case to each state, from the start
PATHS = {
    S.requested: [],
    S.accepted: ["accept"],
    S.declined: ["decline"],
    S.consented: ["accept", "consent"],
    S.in_session: ["accept", "consent", "record_session"],
    S.agreed: ["accept", "consent", "record_session", "agree"],
    S.not_agreed: ["accept", "consent", "record_session", "fail"],
    S.in_effect: ["accept", "consent", "record_session", "agree", "sign"],
    S.confirmation_applied: [
        *["accept", "consent", "record_session", "agree", "sign"],
        "apply_confirmation",
    ],
    S.followed_up: ["accept", "consent", "record_session", "agree", "sign", "follow_up"],
    S.closed: ["accept", "consent", "record_session", "agree", "sign", "follow_up", "close"],
    S.ended: ["accept", "refuse"],
}
FORM = {
    "note": "说明",
    "attendees": "张伟、物业项目经理、调解员陈主任",
    "record": "双方陈述，调解员释法明理。",
    "agreement": "物业于 3 月 15 日前更换楼道隔音门；申请人撤回投诉。",
}


def run(world, case, action, at):
    """Do ``action`` the way its actor does it."""
    if action == "consent":
        for party in case.parties:
            if party.consent == Consent.pending:
                services.answer(case, party, True, now=at)
        return
    if action == "refuse":
        return services.answer(case, case.parties[0], False, "不愿调解", now=at)
    if action == "sign":
        for signer in services.missing_signers(case):
            if signer == "mediator":
                staff = world.officer
            elif signer == "committee":
                staff = world.mediators[1]
            else:
                party = next(p for p in case.parties if f"party-{p.id}" == signer)
                if party.resident_id:
                    services.sign(case, "agreement", signer, SignatureMethod.drawn, PNG, now=at)
                    continue
                staff = world.officer
            method = {"mediator": "drawn", "committee": "seal"}.get(signer, "scan")
            image = PNG if method == "drawn" else "scan-1"
            services.staff_sign(staff, case.id, "agreement", signer, method, image, now=at)
        return
    return services.act(world.officer, case.id, action, FORM, now=at)


def case_in(world, state):
    case = world.case()
    for i, action in enumerate(PATHS[state]):
        run(world, case, action, T0 + timedelta(hours=i + 1))
    assert case.state == state
    return case


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_state_and_action(world, state, action):
    case = case_in(world, state)
    trail = len(case.events)
    spec = ACTIONS[action]
    at = T0 + timedelta(days=1)
    if state in spec.sources:
        run(world, case, action, at)
        assert case.state == spec.target
        assert case.events[-1].to_state == spec.target.value
        assert len(case.events) > trail
    else:
        with pytest.raises(Conflict):
            if action == "consent":
                services.answer(case, case.parties[0], True, now=at)
            elif action == "sign":
                services.sign(
                    case, "agreement", f"party-{case.parties[0].id}", SignatureMethod.drawn, PNG
                )
            else:
                run(world, case, action, at)
        db.session.refresh(case)
        assert case.state == state
        assert len(case.events) == trail
