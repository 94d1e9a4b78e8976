"""Demo tickets: every kind and state, with photos, a few overdue and escalated.

Called by ``backend.demo`` when it builds the demo street. The residents are fictional
(they are not among the simulator's sign-in users, who report their own tickets); the
photos are drawn here and go through the real upload pipeline, and so does one report's
voice note (a tone made by :func:`backend.media.audio.tone_clip`).
"""

from __future__ import annotations

import io
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from backend.accounts.models import (
    Residency,
    ResidencyRole,
    ResidencySource,
    ResidencyStatus,
    Resident,
    Staff,
)
from backend.core.time import utcnow
from backend.extensions import db
from backend.media.audio import tone_clip
from backend.media.services import upload_photo, upload_voice
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency
from backend.tickets.services import Actor

#: the demo tickets: resident, unit, kind, urgency, place, description, photos, age and the
#: steps taken since (a data file, read by :func:`demo_tickets`)
TICKETS_FILE = Path(__file__).with_name("demo_tickets.toml")


def demo_tickets() -> list[dict]:
    """The demo tickets of :data:`TICKETS_FILE`, in order."""
    with TICKETS_FILE.open("rb") as file:
        return tomllib.load(file)["ticket"]


RESIDENTS = (
    ("o-demo-t1", "陆晓燕"),
    ("o-demo-t2", "韩志强"),
    ("o-demo-t3", "冯淑芬"),
    ("o-demo-t4", "曹磊"),
    ("o-demo-t5", "彭丽"),
    ("o-demo-t6", "蒋文博"),
)

_COLORS = [(52, 120, 200), (200, 90, 60), (60, 150, 90), (150, 110, 60), (120, 80, 170)]


def _photo(seed: int) -> bytes:
    """A photo-like picture: a tinted wall, a pipe and a stain (1200×900 JPEG)."""
    color = _COLORS[seed % len(_COLORS)]
    image = Image.new("RGB", (1200, 900), tuple(min(255, c + 80) for c in color))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 620, 1200, 900), fill=(90, 90, 95))
    draw.rectangle((180 + seed * 40, 0, 260 + seed * 40, 900), fill=(200, 200, 205))
    draw.ellipse((500, 300 + seed * 15, 900, 600 + seed * 15), fill=color)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def seed(demo) -> None:
    """``seed-demo``: the demo tickets, once (after org's estates and accounts' staff)."""
    if demo.existing:
        return
    seed_tickets(demo.unit_ids, demo.staff)


def seed_tickets(unit_ids: dict, staff: dict[str, Staff], now: datetime | None = None) -> int:
    """Create the demo tickets; ``unit_ids`` maps (estate, building, number) to unit ids."""
    now = now or utcnow()
    residents = []
    for openid, name in RESIDENTS:
        resident = Resident(openid=openid, nickname=name, name=name)
        db.session.add(resident)
        residents.append(resident)
    db.session.flush()
    bound: set[tuple[int, int]] = set()
    actors = {
        "desk": Actor(staff=staff["jiahe.kefu"]),
        "tech": Actor(staff=staff["jiahe.weixiu"]),
        "lvdesk": Actor(staff=staff["lvting.kefu"]),
    }
    seed = 0
    tickets = demo_tickets()
    for row in tickets:
        kind = TicketKind(row["kind"])
        resident = residents[row["resident"]]
        unit_id = unit_ids[tuple(row["unit"])]
        if (resident.id, unit_id) not in bound:
            db.session.add(
                Residency(
                    resident_id=resident.id,
                    unit_id=unit_id,
                    estate_id=_estate_of(unit_id),
                    role=ResidencyRole.owner,
                    status=ResidencyStatus.active,
                    source=ResidencySource.review,
                    activated_at=now - timedelta(days=200),
                )
            )
            db.session.flush()
            bound.add((resident.id, unit_id))
        submitted = now - timedelta(hours=row["hours_ago"])
        photo_ids = []
        for _ in range(row["photos"]):
            seed += 1
            photo_ids.append(upload_photo(_photo(seed), resident_id=resident.id).id)
        voice_note_id = None
        if row.get("voice"):
            clip = tone_clip(row["voice"])
            voice_note_id = upload_voice(clip, resident_id=resident.id).id
        home = kind == TicketKind.home_repair
        ticket, _ = services.create_ticket(
            resident,
            kind=kind,
            urgency=Urgency(row["urgency"]),
            description=row["description"],
            unit_id=unit_id if home else None,
            estate_id=None if home else _estate_of(unit_id),
            location=row.get("location", ""),
            category=row.get("category", ""),
            photo_ids=photo_ids,
            voice_note_id=voice_note_id,
            now=submitted,
        )
        for action, after, actor, note in row["steps"]:
            at = submitted + timedelta(hours=after)
            if action == "rate":
                services.rate(resident, ticket, int(note), "师傅很负责")
                continue
            if action == "urge":
                services.urge(resident, ticket, now=at)
                continue
            acting = Actor(resident=resident) if actor == "resident" else actors[actor]
            extra = {}
            if action == "assign":
                extra["assignee_id"] = staff["jiahe.weixiu"].id
            if action == "resolve":
                seed += 1
                extra["photo_ids"] = [upload_photo(_photo(seed), staff_id=acting.staff.id).id]
            # history, not news: the demo residents are told nothing
            services.apply(acting, ticket, action, note=note, now=at, notify=False, **extra)
    # what the clock process would have done by now: alerts and escalations
    services.flag_overdue(now, notify=False)
    return len(tickets)


def _estate_of(unit_id: int) -> int:
    from backend.org.models import Unit

    return db.session.get(Unit, unit_id).estate_id
