"""Redis down when a change commits: once it is back (empty, as after a restart without
persistence), every committed change's side effects run exactly once.

These need the transactional outbox (issue 16, item 1): today's ``defer`` hands jobs to
Redis after the commit and loses them when it is away (refunds have their own sweep, see
``test_refund_faults.py``). They are written against ``defer`` and the outbox's operator
command (``flask --app backend outbox drain``) so that they pass once the outbox lands.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from backend.core.db import commit
from backend.fees.services import generate_bills
from backend.notify.models import Notification


@pytest.fixture
def bring_redis_back(app, redis_server, monkeypatch):
    """Stops the app's Redis (the test's own server); calling the fixture restarts it empty."""
    monkeypatch.setitem(app.extensions, "linli_redis", redis_server.client())
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    redis_server.stop()

    def back() -> None:
        redis_server.start()
        monkeypatch.setitem(app.extensions, "linli_redis", redis_server.client())
        monkeypatch.setitem(app.config, "JOBS_INLINE", True)

    return back


def test_bills_made_while_redis_is_down_are_announced_once_when_it_is_back(
    app, db, home, bring_redis_back
):
    assert generate_bills(home.unit.estate_id, date(2027, 1, 1)).created >= 1
    commit()  # the bill-issued job cannot be queued now

    bring_redis_back()
    runner = app.test_cli_runner()
    for _ in range(2):  # after the outage, and again: nothing twice
        result = runner.invoke(args=["outbox", "drain"])
        assert result.exit_code == 0, result.output

    db.session.rollback()
    told = db.session.scalars(
        sa.select(Notification.resident_id).where(Notification.kind == "bill_issued")
    ).all()
    assert told == [home.resident.id]
