"""Races that only a real database can show: one invite, two residents at once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from backend.accounts import services
from backend.accounts.models import Residency
from backend.core.db import commit, rollback
from backend.core.errors import DomainError
from backend.extensions import db as _db
from tests.conftest import STACK
from tests.factories import InviteFactory, ResidentFactory

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]


def test_two_residents_redeeming_one_invite_at_once_bind_once(app, db):
    InviteFactory(code="RACE2345")
    resident_ids = [ResidentFactory().id for _ in range(6)]
    barrier = threading.Barrier(len(resident_ids))
    outcomes: list[str] = []

    def redeem(resident_id: int) -> None:
        with app.app_context():
            resident = _db.session.get(services.Resident, resident_id)
            barrier.wait()
            try:
                services.redeem_invite(resident, "RACE2345")
                commit()
                outcomes.append("bound")
            except DomainError:
                rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=redeem, args=(rid,)) for rid in resident_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["bound"] + ["refused"] * (len(resident_ids) - 1)
    assert db.session.scalar(sa.select(sa.func.count(Residency.id))) == 1
