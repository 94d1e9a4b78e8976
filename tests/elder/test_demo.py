"""seed-demo shows the elder mode: one demo resident reads the mini-app in 长辈版."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import Resident
from backend.demo import seed_demo
from backend.elder.demo import ELDER_OPENID
from backend.elder.models import ResidentSetting


def test_demo_has_a_resident_in_the_elder_mode(db):
    seed_demo()

    elder = db.session.scalars(sa.select(Resident).where(Resident.openid == ELDER_OPENID)).one()
    assert db.session.get(ResidentSetting, elder.id).elder_mode is True
