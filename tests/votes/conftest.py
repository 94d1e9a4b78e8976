"""A small world for vote tests: an estate whose units, areas and owners a test chooses,
its committee member and street officer, and motions moved along a controlled clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from backend.accounts.models import ResidencyRole, Staff, StaffRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.media.services import upload_photo
from backend.votes import motions
from backend.votes.models import MotionKind
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    StaffFactory,
    UnitFactory,
)

#: the controlled clock's "now" for motions: announced 20 days before voting opens
T0 = utcnow().replace(microsecond=0)


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class VoteWorld:
    estate: object
    committee: Staff
    street: Staff
    building: object
    units: list = field(default_factory=list)

    def unit(self, area: str, owners=(), developer: bool = False):
        """A unit of ``area`` m² with owners of record named ``owners`` (one person per name)."""
        unit = UnitFactory(building=self.building, area=Decimal(area), developer_held=developer)
        for name in owners:
            OwnerRecordFactory(unit=unit, name=name, phone=f"139{abs(hash(name)) % 10**8:08d}")
        self.units.append(unit)
        return unit

    def owner(self, unit, role=ResidencyRole.owner, resident=None, **kw):
        """A resident bound to ``unit`` (owner unless ``role`` says otherwise)."""
        if role == ResidencyRole.tenant:
            kw.setdefault("ends_on", utcnow().date() + timedelta(days=300))
        if resident is not None:
            kw["resident"] = resident
        return ResidencyFactory(unit=unit, role=role, **kw).resident

    def scan(self, staff=None) -> int:
        """A scan uploaded by the committee member (a signed ballot or authorisation)."""
        photo = upload_photo(png_bytes(), staff_id=(staff or self.committee).id)
        commit()
        return photo.id

    def motion(self, item=4, *, kind=MotionKind.ordinary, seats=None, candidates=(), **kw):
        """A draft motion whose window opens at T0 and closes 7 days later."""
        fields = {
            "title": kw.pop("title", "续聘物业服务企业"),
            "opens_at": T0,
            "closes_at": T0 + timedelta(days=7),
            **kw,
        }
        motion = motions.create_motion(
            self.committee,
            self.estate.id,
            item=item,
            kind=kind,
            seats=seats,
            candidates=candidates,
            **fields,
        )
        commit()
        return motion

    def open_motion(self, item=4, **kw):
        """A motion announced 20 days before T0 and opened at T0 (the electorate frozen)."""
        motion = self.motion(item, **kw)
        motions.announce(self.committee, motion, now=T0 - timedelta(days=20))
        motions.open_voting(self.committee, motion, now=T0)
        commit()
        return motion

    def live_motion(self, title="续聘物业", **kw):
        """A motion open now (its window around the real clock), for requests over HTTP."""
        now = utcnow()
        motion = motions.create_motion(
            self.committee,
            self.estate.id,
            item=kw.pop("item", 4),
            title=title,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            **kw,
        )
        motions.announce(self.committee, motion, now=now - timedelta(days=16))
        motions.open_voting(self.committee, motion, now=now)
        commit()
        return motion

    def close(self, motion):
        motions.close_voting(self.committee, motion, now=motion.closes_at)
        commit()
        return motion


@pytest.fixture
def world(db) -> VoteWorld:
    estate = EstateFactory()
    return VoteWorld(
        estate=estate,
        committee=StaffFactory(role=StaffRole.committee_member, estate=estate),
        street=StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id),
        building=BuildingFactory(estate=estate, name="1幢"),
    )


#: a moment inside every test motion's window
DURING = T0 + timedelta(hours=1)
