"""Durations as people read them (issue 19: "解决 0.1 小时")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.supervision.panel import duration_text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=20), "不到 1 分钟"),
        (timedelta(minutes=6), "6 分钟"),
        (timedelta(minutes=59), "59 分钟"),
        (timedelta(minutes=90), "1.5 小时"),
        (timedelta(days=3), "3.0 天"),
        (None, "—"),
    ],
)
def test_a_short_duration_is_in_minutes_never_a_fraction_of_an_hour(delta, text):
    assert duration_text(delta) == text


def test_the_ticket_page_shows_a_six_minute_resolution_as_minutes(client, world):
    """The company's ticket page reads the resolution time like the street's does."""
    from backend.core.db import commit
    from backend.core.time import utcnow
    from backend.tickets import services
    from backend.tickets.services import Actor

    start = utcnow() - timedelta(hours=1)
    ticket = world.ticket(now=start)
    actor = Actor(staff=world.desk)
    services.apply(actor, ticket, "accept", now=start + timedelta(minutes=2), notify=False)
    services.apply(
        actor,
        ticket,
        "assign",
        assignee_id=world.tech.id,
        now=start + timedelta(minutes=3),
        notify=False,
    )
    services.apply(actor, ticket, "resolve", now=start + timedelta(minutes=6), notify=False)
    commit()
    from tests.admin.conftest import login

    login(client, world.desk)
    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert "6 分钟" in page and "0.1 小时" not in page
