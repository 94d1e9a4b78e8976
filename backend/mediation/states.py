"""The mediation state machine, in one place: which action moves which state.

``requested → accepted`` (or ``declined`` with a reason) ``→ consented`` (every party
agreed; one refusal ``ended`` the case: mediation is voluntary, 《人民调解法》 Art. 17 —
"当事人一方明确拒绝调解的，不得调解") ``→ in_session`` (each session with its record,
Art. 27 practice) ``→ agreed`` / ``not_agreed`` (Art. 26: a failed mediation ends and the
parties are told of arbitration, administrative and judicial routes) ``→ in_effect``
(every signature present: the parties, the mediator and the committee's seal, Art. 29)
``→ confirmation_applied`` (optional, within 30 days of effect, Art. 33) ``→ followed_up``
``→ closed``. Every move is one conditional UPDATE (:func:`backend.core.db.transition`).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.mediation.models import CaseState as S


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[S]
    #: the state it moves to (``consent`` and ``sign`` move only once the last party has)
    target: S
    #: who acts: "mediator" (staff holding ``mediation.mediate`` in scope) or "party"
    actor: str = "mediator"
    note_required: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", "受理", frozenset({S.requested}), S.accepted),
        Action("decline", "不予受理", frozenset({S.requested}), S.declined, note_required=True),
        Action("consent", "同意调解", frozenset({S.accepted}), S.consented, actor="party"),
        Action(
            "refuse",
            "拒绝调解",
            frozenset({S.accepted, S.consented, S.in_session}),
            S.ended,
            actor="party",
        ),
        Action("record_session", "记录调解", frozenset({S.consented, S.in_session}), S.in_session),
        Action("agree", "达成协议", frozenset({S.in_session}), S.agreed),
        Action("fail", "调解不成", frozenset({S.in_session}), S.not_agreed, note_required=True),
        Action("sign", "签署协议", frozenset({S.agreed}), S.in_effect, actor="party"),
        Action(
            "apply_confirmation", "申请司法确认", frozenset({S.in_effect}), S.confirmation_applied
        ),
        Action(
            "follow_up",
            "回访",
            frozenset({S.in_effect, S.confirmation_applied, S.not_agreed}),
            S.followed_up,
            note_required=True,
        ),
        Action("close", "结案", frozenset({S.followed_up}), S.closed),
    )
}

#: the case is finished for good
FINAL_STATES = frozenset({S.declined, S.ended, S.closed})
#: the mediation is under way: the term (one month) runs, the case can be overdue
RUNNING_STATES = frozenset({S.accepted, S.consented, S.in_session, S.agreed})

#: trail actions that are no move of state
EVENT_LABELS = {
    **{a.name: a.label for a in ACTIONS.values()},
    "requested": "申请调解",
    "opened": "登记案件",
    "sign_session": "签署笔录",
    "supervise": "督办",
    "confirmation_reminder": "提醒申请司法确认",
}


def allowed(state: S) -> list[Action]:
    """The actions possible from ``state``."""
    return [a for a in ACTIONS.values() if state in a.sources]
