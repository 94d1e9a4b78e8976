"""Finding 8: an Idempotency-Key reused with a different body answers 422 in Chinese; the
same body again (a retry) still answers the first ticket."""

from __future__ import annotations

import sqlalchemy as sa

from backend.tickets.models import Ticket
from tests.tickets.test_api import _submit


def test_a_reused_key_with_another_body_is_refused(client, world, db):
    first = _submit(client, world, key="k-1")
    assert first.status_code == 201
    retry = _submit(client, world, key="k-1")
    assert retry.status_code == 201 and retry.get_json()["id"] == first.get_json()["id"]
    for change in ({"description": "另一件事：门锁坏了"}, {"urgency": "normal"}):
        other = _submit(client, world, key="k-1", **change)
        assert other.status_code == 422
        assert "Idempotency-Key 已用于另一条不同内容的提交" in other.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 1
