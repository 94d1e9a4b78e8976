"""The one list of features. The app, the admin panel, the clock, ``seed-demo`` and the
permission table read it; a feature is added by declaring its ``feature.py`` and listing
it here (README, "Adding a feature").
"""

from __future__ import annotations

from collections.abc import Iterator

from backend.accounts.feature import feature as accounts
from backend.audit.feature import feature as audit
from backend.authz.roles import StaffRole
from backend.board.feature import feature as board
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob, ToDo, load
from backend.elder.feature import feature as elder
from backend.fees.feature import feature as fees
from backend.fund.feature import feature as fund
from backend.media.feature import feature as media
from backend.mediation.feature import feature as mediation
from backend.notify.feature import feature as notify
from backend.open311.feature import feature as open311
from backend.org.feature import feature as org
from backend.outbox.feature import feature as outbox
from backend.safety.feature import feature as safety
from backend.supervision.feature import feature as supervision
from backend.surveys.feature import feature as surveys
from backend.tickets.feature import feature as tickets
from backend.votes.feature import feature as votes

#: in order: a feature comes after the ones it builds on (demo data is created in this order,
#: navigation entries are shown in it)
FEATURES: tuple[Feature, ...] = (
    org,
    accounts,
    notify,
    fees,
    audit,
    media,
    tickets,
    supervision,
    board,
    votes,
    outbox,
    fund,
    safety,
    elder,
    mediation,
    open311,
    surveys,
)


def _merged(attribute: str) -> dict:
    merged: dict = {}
    for feature in FEATURES:
        for key, value in getattr(feature, attribute).items():
            if key in merged:
                raise ValueError(f"{attribute} {key!r} is declared twice ({feature.name})")
            merged[key] = value
    return merged


#: permission → the roles that hold it (read by ``backend.authz.scope``)
PERMISSIONS: dict[str, frozenset[StaffRole]] = _merged("permissions")
#: audit action code → Chinese label; audited entity type → how its records read
AUDIT_ACTIONS: dict[str, str] = _merged("audit_actions")
AUDIT_ENTITIES: dict[str, AuditEntity] = _merged("audit_entities")


def nav_entries() -> Iterator[NavEntry]:
    """The panel's navigation entries of every feature, in feature order."""
    for feature in FEATURES:
        yield from feature.nav


def todo_for(staff) -> list[ToDo]:
    """What waits for ``staff``, from every feature's to-do source (``Feature.todo``)."""
    items: list[ToDo] = []
    for feature in FEATURES:
        if feature.todo:
            items.extend(load(feature.todo)(staff))
    return items


def periodic_jobs() -> Iterator[PeriodicJob]:
    """Every feature's periodic jobs (registered by ``backend/cron.py``)."""
    for feature in FEATURES:
        yield from feature.jobs
