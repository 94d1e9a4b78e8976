"""Permission-matrix rows of the outbox's panel page (joined in ``ROUTES`` of ``matrix.py``)
and the ids they use (``TARGETS``, merged into ``test_permission_matrix.TARGETS``).

Only the platform admin sees the outbox and retries its commands: a retry of a command
that does not exist is redirected back with a message (302).
"""

from __future__ import annotations

TARGETS = {
    "command_id=none": lambda w: 2**31 - 1,
    "notification_id=none": lambda w: 2**31 - 1,
}

# fmt: off
OUTBOX_PANEL = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/outbox": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  403  403  403  200",
    },
    "POST /admin/outbox/{command_id}/retry": {
        "command_id=none":                     "401  401  401  401  401  403  403  403  403  403  403  403  403  403  403  302",
    },
}
# fmt: on
