"""seed-demo shows tickets at once: every kind and state, photos, overdue and escalated."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.time import utcnow
from backend.demo import seed_demo
from backend.media.storage import get_storage
from backend.notify.models import Notification
from backend.tickets import sla
from backend.tickets.models import Ticket, TicketKind, TicketState


def test_demo_has_tickets_of_every_kind_and_state_with_photos(db):
    seed_demo()

    tickets = db.session.scalars(sa.select(Ticket)).all()
    assert {t.kind for t in tickets} == set(TicketKind)
    assert {t.state for t in tickets} == set(TicketState)
    assert any(t.escalated_at for t in tickets)
    now = utcnow()
    assert any(sla.timing(t, now).overdue for t in tickets)
    assert any(e.action == "response_overdue" for t in tickets for e in t.events)
    # one ticket was urged (催办) by its resident: the queue shows it
    urged = [t for t in tickets if t.urge_count]
    assert len(urged) == 1 and urged[0].urged_at is not None
    assert [e.action for e in urged[0].events][-1] == "urge"
    photos = [p for t in tickets for e in t.events for p in e.photos]
    assert len(photos) >= 15
    assert all(get_storage().exists(p.key) for p in photos)
    # one report carries a voice note, stored through the real pipeline
    voices = [t.voice_note for t in tickets if t.voice_note is not None]
    assert len(voices) == 1 and voices[0].seconds == 6
    assert get_storage().exists(voices[0].key)
    # history is not news: nobody was sent a message for it
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
