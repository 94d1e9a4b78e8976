"""What a feature brings to the app, declared once in its ``feature.py``.

Each feature package (``backend/<feature>/feature.py``) declares one :class:`Feature`;
``backend/features.py`` lists them in order, and the app factory, the admin panel, the
clock (``backend/cron.py``), ``seed-demo`` and the permission table all read that list.
Code is named by import path (``"backend.org.api:blp"``) so that declaring a feature
imports nothing heavy and no feature imports another's views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from werkzeug.utils import import_string

from backend.authz.roles import StaffRole

_EMPTY: Mapping = MappingProxyType({})


@dataclass(frozen=True)
class NavEntry:
    """An entry of the admin panel's navigation.

    ``permission`` (``None``: every signed-in role) decides who sees it; the entry is marked
    active on every page served by ``module`` and on the endpoints listed in ``pages``.
    ``group`` names the menu it sits in (``admin.home.NAV_GROUPS``: 工单, 住户, 收费…), so
    that a role with twenty entries still has a top bar of one line.
    """

    endpoint: str
    label: str
    module: str
    permission: str | None = None
    pages: tuple[str, ...] = ()
    group: str = ""


@dataclass(frozen=True)
class PeriodicJob:
    """A job the ``clock`` process enqueues: on a ``cron`` schedule (UTC) or every
    ``interval`` seconds. ``function`` is an import path (``"backend.x.jobs:job"``)."""

    function: str
    cron: str | None = None
    interval: int | None = None

    def load(self):
        return import_string(self.function)


@dataclass(frozen=True)
class AuditEntity:
    """How the audit log names and shows one kind of record a feature writes.

    ``model``: the record's model; the log names the record by ``str(row)`` (a person,
    a unit). ``fields``: stored field → its Chinese name. ``values``: field → how a stored
    value reads: an enum (its member's ``label``), a model (an id → ``str(row)``) or
    ``datetime`` (an ISO time → Asia/Shanghai time).
    """

    label: str
    model: type | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    values: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class Feature:
    """Everything a feature registers; each field is optional.

    - ``models``: module of its SQLAlchemy models (imported so migrations see them);
    - ``api``: its resident API blueprint (``/api/v1``), as ``"module:blp"``;
    - ``admin``: its admin panel modules (routes on the ``admin`` blueprint) and ``nav``,
      their navigation entries;
    - ``permissions``: permission name → the roles that hold it (``backend.authz.scope``);
    - ``audit_actions``: the Chinese label of each action it writes to the audit log;
      ``audit_entities``: entity type → :class:`AuditEntity` (how its records read);
    - ``todo``: import path of a function ``(staff) -> list[ToDo]``: what waits for that
      staff member, shown on the panel's home page (only what they may act on);
    - ``jobs``: its periodic jobs; ``demo``: ``"module:seed"``, the function ``seed-demo``
      calls with the shared :class:`backend.demo.Demo` to add its demo rows;
    - ``board_sources``: disclosure-board section code → import path of a function
      ``(estate_id) -> list[BoardItem]``: the posts that section shows, generated from this
      feature's data (fee standards, vote results, evaluations). When that data changes the
      feature calls :func:`backend.core.board_hook.source_changed` and the board refreshes
      the section after commit, as a new version;
    - ``ticket_hooks``: import paths of functions ``(ticket) -> None`` called in the same
      transaction each time a ticket records an event (:mod:`backend.core.ticket_hook`):
      how a feature follows tickets without tickets importing it;
    - ``payment_hooks``: import paths of functions ``(bill_ids, payer_id) -> None`` called
      in the transaction that credits a resident's online payment
      (:mod:`backend.core.payment_hook`), as elder mode tells the resident who asked her
      family to pay;
    - ``evaluation_sources``: component code → import path of a function
      ``(company_id, month) -> EvaluationPart | None``: a component this feature adds to
      the monthly evaluation of companies (supervision's formula), such as the residents'
      satisfaction survey;
    - ``star_sources``: rating code → import path of a function
      ``(company_ids, year) -> dict[company_id, str]``: the yearly star band (``"四星"``) of
      each of those companies this feature rated in ``year``, published with supervision's
      red/black list (a company no source rates reads 未评定).
    """

    name: str
    label: str
    models: str | None = None
    api: str | None = None
    admin: tuple[str, ...] = ()
    nav: tuple[NavEntry, ...] = ()
    permissions: Mapping[str, frozenset[StaffRole]] = field(default_factory=lambda: _EMPTY)
    audit_actions: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    audit_entities: Mapping[str, AuditEntity] = field(default_factory=lambda: _EMPTY)
    jobs: tuple[PeriodicJob, ...] = ()
    demo: str | None = None
    todo: str | None = None
    board_sources: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    ticket_hooks: tuple[str, ...] = ()
    payment_hooks: tuple[str, ...] = ()
    evaluation_sources: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    star_sources: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class EvaluationPart:
    """A component another feature adds to a company's monthly evaluation: ``fraction``
    (0–1) of ``points`` earned, how it reads (``label``, ``rule``) and the figures behind it
    (plain JSON values)."""

    label: str
    fraction: Any
    points: int
    rule: str
    figures: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class ToDo:
    """One line of a staff member's to-do list: ``count`` things wait at ``endpoint`` (with
    the query ``args``, e.g. ``(("overdue", "1"),)``); ``urgent`` lines stand out. A line
    that is a figure rather than a count (this month's collection rate) shows ``figure``."""

    label: str
    count: int
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()
    urgent: bool = False
    figure: str = ""


@dataclass(frozen=True)
class BoardItem:
    """One generated post of a disclosure-board section (see ``Feature.board_sources``).

    ``key`` is stable for the same subject (``"fee-item-12"``, ``"motion-3"``): a changed
    item becomes a new version of the post with that key, a vanished key is withdrawn.
    ``body`` is plain text (paragraphs separated by blank lines; the board escapes it);
    ``data`` is optional structured content (a tally, a table) shown and exported as is.
    Nothing personal: no names or phone numbers unless masked.
    """

    key: str
    title: str
    body: str
    data: Mapping[str, Any] | None = None
    must_read: bool = False
    #: the feature sends the estate's owners its own message about this item (a vote
    #: announcement opens the motion): the board sends them no must-read notice besides,
    #: only to owners who arrive later
    owners_notified: bool = False


def load(path: str):
    """The object an import path (``"package.module:name"``) names."""
    return import_string(path)
