"""Owners' committees (业主委员会): terms and members."""

from __future__ import annotations

from datetime import date

from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import Invalid
from backend.extensions import db
from backend.org.models import MAX_TERM_YEARS, Committee, CommitteeMember, Estate

POSITIONS = ("主任", "副主任", "委员")


def term_limit(starts_on: date) -> date:
    """The last day a term starting on ``starts_on`` may end (29 Feb → 28 Feb)."""
    try:
        return starts_on.replace(year=starts_on.year + MAX_TERM_YEARS)
    except ValueError:
        return starts_on.replace(year=starts_on.year + MAX_TERM_YEARS, day=28)


def validate_term(starts_on: date, ends_on: date) -> None:
    """A term ends after it starts and lasts at most five years."""
    if ends_on <= starts_on:
        raise Invalid("任期结束日期必须晚于开始日期", {"term_ends_on": ["须晚于开始日期"]})
    if ends_on > term_limit(starts_on):
        raise Invalid("业委会任期不得超过五年", {"term_ends_on": ["任期不得超过五年"]})


def create_committee(
    actor, estate_id: int, starts_on: date, ends_on: date, members: list[dict]
) -> Committee:
    """Record an estate's committee for a term, with its members (name, phone, position)."""
    scope.require(actor, "org.govern")
    estate = scope.get_scoped(Estate, estate_id, actor)
    validate_term(starts_on, ends_on)
    committee = Committee(estate_id=estate.id, term_starts_on=starts_on, term_ends_on=ends_on)
    for member in members:
        name = (member.get("name") or "").strip()
        position = member.get("position") or "委员"
        if not name:
            raise Invalid("委员姓名不能为空", {"members": ["委员姓名不能为空"]})
        if position not in POSITIONS:
            raise Invalid("职务只能是主任、副主任或委员", {"members": ["职务不正确"]})
        committee.members.append(
            CommitteeMember(name=name, phone=member.get("phone", ""), position=position)
        )
    db.session.add(committee)
    db.session.flush()
    audit.record(
        actor,
        "committee.create",
        "committee",
        committee.id,
        after={
            "term_starts_on": starts_on.isoformat(),
            "term_ends_on": ends_on.isoformat(),
            "members": [m.name for m in committee.members],
        },
        estate_id=estate.id,
    )
    return committee
