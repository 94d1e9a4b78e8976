"""Demo elder mode: 冯淑芬, one of the tickets demo's residents, reads the mini-app in the
elder mode (长辈版), so the demo shows it on her phone."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import Resident
from backend.elder.models import ResidentSetting
from backend.extensions import db

#: the demo resident who uses the elder mode
ELDER_OPENID = "o-demo-t3"


def seed(demo) -> None:
    if demo.existing:
        return
    resident_id = db.session.scalar(sa.select(Resident.id).where(Resident.openid == ELDER_OPENID))
    if resident_id is not None:
        db.session.add(ResidentSetting(resident_id=resident_id, elder_mode=True))
