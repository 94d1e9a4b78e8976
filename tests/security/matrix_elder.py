"""Permission matrix rows of elder mode's resident API (backend/elder/api.py), joined in
``ROUTES`` of ``matrix.py``: every resident reads and sets their own display setting;
请家人帮忙 is for the household of the bill's unit (owner and family), never a tenant of a
unit whose bills are not theirs or a resident of another estate (404); resY lives alone in
Y-101, so nobody is there to ask (409). resX asked famX to help with ticket X: only famX
opens it as a helper (its own resident has it as their own, the tenant is not of the
household: 404); a follow-up is added (200), a rating waits for the ticket to be resolved
(409). 催办 is tried on a ticket made for the call (``fresh_x``: resX's, with a request to
X-101's household; ``fresh_y``: resY's), so that one urge never blocks the next."""

from __future__ import annotations

from backend.core.db import commit
from backend.elder.models import HelpRequest
from backend.extensions import db
from backend.tickets.models import TicketKind
from backend.tickets.services import create_ticket


def _fresh_ticket(side, owner) -> int:
    """A new repair ticket of ``owner`` in ``side``'s unit, about which they asked their
    household for help."""
    ticket, _ = create_ticket(
        owner.resident,
        kind=TicketKind.home_repair,
        description="阳台门关不上",
        unit_id=side.unit.id,
    )
    db.session.add(
        HelpRequest(requester_id=owner.resident.id, unit_id=side.unit.id, ticket_id=ticket.id)
    )
    commit()
    return ticket.id


#: ``param=name`` → the value sent (see ``TARGETS`` of ``test_permission_matrix.py``)
ELDER_TARGETS = {
    "ticket_id=fresh_x": lambda w: _fresh_ticket(w.x, w.owner_x),
    "ticket_id=fresh_y": lambda w: _fresh_ticket(w.y, w.owner_y),
}

# fmt: off

ELDER_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/me/settings": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "PUT /api/v1/me/settings": {
        "json": {"elder_mode": True},
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/help-requests": {
        "json": {"bill_id": "{bill_id}"},
        "bill_id=x":                           "401  201  201  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "bill_id=y":                           "401  404  404  404  409  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/family-tickets/{ticket_id}": {
        "ticket_id=x":                         "401  404  200  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=y":                         "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/family-tickets/{ticket_id}/follow-ups": {
        "json": {"note": "下午三点后家里有人"},
        "ticket_id=x":                         "401  404  200  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=y":                         "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/family-tickets/{ticket_id}/rating": {
        "json": {"score": 5},
        "ticket_id=x":                         "401  404  409  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=y":                         "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/family-tickets/{ticket_id}/urge": {
        "ticket_id=fresh_x":                   "401  404  200  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "ticket_id=fresh_y":                   "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
}

# fmt: on
