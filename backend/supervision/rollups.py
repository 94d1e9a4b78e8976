"""Rollups of tickets, kept up to date from ticket events in the same transaction.

Each ticket contributes to one row per grain (its submission day, week and month × estate ×
company × kind): counters, time sums and one bucket of each histogram. Its current
contribution is kept as a :class:`TicketFact`; every event (``tickets.services._record``
calls :func:`ticket_changed`) recomputes it from the ticket's events and adds the
difference to the rollup rows, so a reopening or a late rating moves the figures of the
period the ticket belongs to. :func:`rebuild` recomputes everything from the raw events.
"""

from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm

from backend.core.db import insert
from backend.core.time import to_local
from backend.extensions import db
from backend.org.contracts import contract_in_force
from backend.org.models import Estate
from backend.supervision.models import (
    BUCKETS,
    COUNTERS,
    RESOLUTION_COLUMNS,
    RESPONSE_COLUMNS,
    Grain,
    TicketFact,
    rollup_table,
)
from backend.tickets import sla
from backend.tickets.models import Ticket, TicketEvent, TicketState

log = logging.getLogger(__name__)

#: the columns of a rollup row that sum contributions
VALUE_COLUMNS = (
    *COUNTERS,
    "response_minutes_sum",
    "resolution_minutes_sum",
    *RESPONSE_COLUMNS,
    *RESOLUTION_COLUMNS,
)
KEY_COLUMNS = ("grain", "period", "estate_id", "company_id", "kind")
#: events by which the overdue sweep says a ticket was late
_LATE_ACTIONS = frozenset({"response_overdue", "escalate"})
#: the counters that count a ticket once when its fact of the same name is true
_FLAGS = tuple(name for name in COUNTERS if name not in ("submitted", "satisfaction_sum"))
FACT_FIELDS = (
    "responded",
    "response_minutes",
    "resolved",
    "resolution_minutes",
    "overdue",
    "reopened",
    "escalated",
    "rated",
    "rating",
    "response_in_sla",
    "resolution_in_sla",
    "supervised",
)


def bucket_of(minutes: int) -> int:
    """The histogram bucket holding ``minutes``."""
    return bisect.bisect_right(BUCKETS, max(minutes, 0)) - 1


def period_start(day: date, grain: Grain | str) -> date:
    """The first day of the day, week (Monday) or month holding ``day``."""
    grain = Grain(grain)
    if grain == Grain.week:
        return day - timedelta(days=day.weekday())
    if grain == Grain.month:
        return day.replace(day=1)
    return day


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def facts_of(ticket: Ticket, events: list[TicketEvent]) -> dict:
    """What ``ticket`` contributes now, derived from its events (the same rules as
    :func:`backend.tickets.sla.timing`): response = first staff action, resolution = last
    resolution while resolved or closed, late = flagged by the overdue sweep or answered
    or resolved after its limit (the resolution clock restarts at a reopening)."""
    policy = sla.policy_for(ticket)
    first = sla.responded_at(events)
    resolved = (
        sla.resolved_at(events)
        if ticket.state in (TicketState.resolved, TicketState.closed)
        else None
    )
    actions = {e.action for e in events}
    response_in_sla = first is not None and first - ticket.created_at <= policy.respond
    resolution_in_sla = resolved is not None and (
        policy.resolve is None or resolved - sla.clock_start(ticket, events) <= policy.resolve
    )
    late = (
        bool(actions & _LATE_ACTIONS)
        or (first is not None and not response_in_sla)
        or (resolved is not None and not resolution_in_sla)
    )
    return {
        "responded": first is not None,
        "response_minutes": _minutes(first - ticket.created_at) if first else None,
        "resolved": resolved is not None,
        "resolution_minutes": _minutes(resolved - ticket.created_at) if resolved else None,
        "overdue": late,
        "reopened": "reopen" in actions,
        "escalated": bool(actions & {"escalate", "supervise"}),
        "rated": ticket.rating is not None,
        "rating": ticket.rating,
        "response_in_sla": response_in_sla,
        "resolution_in_sla": resolution_in_sla,
        "supervised": "supervision_order" in actions,
    }


def values_of(facts: dict) -> dict[str, int]:
    """The rollup columns one ticket's facts add (zeros left out)."""
    values = {"submitted": 1}
    for name in _FLAGS:
        if facts[name]:
            values[name] = 1
    if facts["rating"]:
        values["satisfaction_sum"] = facts["rating"]
    if facts["response_minutes"] is not None:
        values["response_minutes_sum"] = facts["response_minutes"]
        values[RESPONSE_COLUMNS[bucket_of(facts["response_minutes"])]] = 1
    if facts["resolution_minutes"] is not None:
        values["resolution_minutes_sum"] = facts["resolution_minutes"]
        values[RESOLUTION_COLUMNS[bucket_of(facts["resolution_minutes"])]] = 1
    return values


def _fact_dict(fact: TicketFact | None) -> dict | None:
    if fact is None:
        return None
    return {name: getattr(fact, name) for name in FACT_FIELDS}


def keys_of(day: date, estate_id: int, company_id: int, kind: str) -> list[tuple]:
    """The rollup rows (one per grain) a ticket of ``day`` counts in."""
    return [(g.value, period_start(day, g), estate_id, company_id, kind) for g in Grain]


def company_at_submission(ticket: Ticket) -> int:
    """The company serving the ticket's estate when it was submitted (0: none): the
    contract then in force, else the estate's company."""
    contract = contract_in_force(ticket.estate_id, to_local(ticket.created_at).date())
    if contract is not None:
        return contract.company_id
    return db.session.get(Estate, ticket.estate_id).company_id or 0


# --- incremental upkeep ----------------------------------------------------------------------


def ticket_changed(ticket: Ticket) -> None:
    """Bring ``ticket``'s contribution to the rollups up to date with its events.

    Called by the tickets service each time it records an event, inside the same
    transaction. The fact row is locked first (PostgreSQL), so two events of one ticket
    recorded at once cannot both subtract the same old contribution. The rollup rows are
    changed when the transaction commits (:func:`apply_pending`).
    """
    fact = db.session.scalars(
        sa.select(TicketFact)
        .where(TicketFact.ticket_id == ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    # what another transaction committed while this one waited for the lock (a rating
    # beside a note) must not be undone: read the ticket again, after the lock
    db.session.refresh(ticket, ["state", "rating", "escalated_at"])
    events = list(
        db.session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id)
        )
    )
    new = facts_of(ticket, events)
    old = _fact_dict(fact)
    if new == old:
        return
    if fact is None:
        fact = TicketFact(
            ticket_id=ticket.id,
            day=to_local(ticket.created_at).date(),
            estate_id=ticket.estate_id,
            company_id=company_at_submission(ticket),
            kind=ticket.kind.value,
        )
        db.session.add(fact)
    delta = dict(values_of(new))
    for column, value in (values_of(old) if old else {}).items():
        delta[column] = delta.get(column, 0) - value
    delta = {column: value for column, value in delta.items() if value}
    for name, value in new.items():
        setattr(fact, name, value)
    db.session.flush()
    if delta:
        pending = db.session.info.setdefault(_PENDING, {})
        for key in keys_of(fact.day, fact.estate_id, fact.company_id, fact.kind):
            row = pending.setdefault(key, defaultdict(int))
            for column, value in delta.items():
                row[column] += value


#: rollup changes of the session's transaction, by row key, applied when it commits
_PENDING = "linli_rollup_deltas"


def apply_pending(session=None) -> None:
    """Write the transaction's pending rollup changes, in key order.

    They wait until the commit (or a read of the rollups in the same transaction) so that
    every transaction locks the rollup rows it changes in one global order, briefly: a
    sweep changing many tickets and a request changing one can never deadlock on them.
    """
    session = session or db.session
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for key in sorted(pending):
        delta = {column: value for column, value in pending[key].items() if value}
        if delta:
            _add(session, key, delta)


@sa.event.listens_for(sa.orm.Session, "before_commit")
def _apply_before_commit(session):
    if session.info.get(_PENDING):
        apply_pending(session)


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    # only the whole transaction's rollback: a savepoint rolled back (a lost race for a
    # consent row, an idempotency key) keeps the events recorded before it. No service
    # records a ticket event inside a savepoint that it may roll back.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def _add(session, key: tuple, delta: dict[str, int]) -> None:
    """Add ``delta`` to the rollup row ``key`` (made if missing), as one atomic update."""
    where = dict(zip(KEY_COLUMNS, key, strict=True))
    session.execute(insert(rollup_table, session).values(**where).on_conflict_do_nothing())
    c = rollup_table.c
    session.execute(
        sa.update(rollup_table)
        .where(*(c[name] == value for name, value in where.items()))
        .values({c[name]: c[name] + value for name, value in delta.items()})
    )


# --- recomputation -----------------------------------------------------------------------------


def recompute(ticket_ids: Iterable[int] | None = None, batch: int = 500) -> dict[tuple, dict]:
    """Every rollup row as the raw events say it should be (nothing written).

    Companies are those of the tickets' facts when they exist (the company at submission
    does not change afterwards), else as :func:`company_at_submission` says.
    """
    rows: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for ticket, facts, company_id in _each_ticket(ticket_ids, batch):
        day = to_local(ticket.created_at).date()
        values = values_of(facts)
        for key in keys_of(day, ticket.estate_id, company_id, ticket.kind.value):
            row = rows[key]
            for column, value in values.items():
                row[column] += value
    # as :func:`stored` reads them: columns at zero left out
    return {key: {c: v for c, v in row.items() if v} for key, row in rows.items()}


def _each_ticket(ticket_ids, batch):
    from sqlalchemy.orm import selectinload

    companies = {
        ticket_id: company_id
        for ticket_id, company_id in db.session.execute(
            sa.select(TicketFact.ticket_id, TicketFact.company_id)
        )
    }
    stmt = sa.select(Ticket.id).order_by(Ticket.id)
    ids = list(ticket_ids) if ticket_ids is not None else list(db.session.scalars(stmt))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        tickets = db.session.scalars(
            sa.select(Ticket)
            .where(Ticket.id.in_(chunk))
            .options(selectinload(Ticket.events))
            .order_by(Ticket.id)
        )
        for ticket in tickets:
            company_id = companies.get(ticket.id)
            if company_id is None:
                company_id = company_at_submission(ticket)
            yield ticket, facts_of(ticket, ticket.events), company_id


def stored() -> dict[tuple, dict]:
    """Every rollup row as stored (columns at zero left out)."""
    apply_pending()
    out = {}
    for row in db.session.execute(sa.select(rollup_table)).mappings():
        key = tuple(row[name] for name in KEY_COLUMNS)
        out[key] = {name: row[name] for name in VALUE_COLUMNS if row[name]}
    return out


def rebuild(batch: int = 500) -> int:
    """Recompute every fact and rollup row from the raw ticket events; returns the number
    of rollup rows. Run it after restoring a backup or changing the rules (``flask
    supervision rebuild-rollups``); it replaces the tables in one transaction."""
    db.session.info.pop(_PENDING, None)  # the recomputation includes them
    facts = []
    rows: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for ticket, f, company_id in _each_ticket(None, batch):
        day = to_local(ticket.created_at).date()
        facts.append(
            {
                "ticket_id": ticket.id,
                "day": day,
                "estate_id": ticket.estate_id,
                "company_id": company_id,
                "kind": ticket.kind.value,
                **f,
            }
        )
        for key in keys_of(day, ticket.estate_id, company_id, ticket.kind.value):
            for column, value in values_of(f).items():
                rows[key][column] += value
    db.session.execute(sa.delete(rollup_table))
    db.session.execute(sa.delete(TicketFact))
    if facts:
        db.session.execute(sa.insert(TicketFact), facts)
    if rows:
        db.session.execute(
            sa.insert(rollup_table),
            [
                {**dict(zip(KEY_COLUMNS, key, strict=True)), **_full(values)}
                for key, values in rows.items()
            ],
        )
    log.info("rollups rebuilt: %s tickets, %s rows", len(facts), len(rows))
    return len(rows)


def _full(values: dict) -> dict:
    return {name: values.get(name, 0) for name in VALUE_COLUMNS}
