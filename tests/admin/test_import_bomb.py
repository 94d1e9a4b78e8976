"""Finding 5: a spreadsheet bomb sent to the estate import (and the meter readings import,
which shares the reader) is refused in under 2 s of CPU (wall time depends on the
machine's load) with a Chinese message, nothing written."""

from __future__ import annotations

import io
import time

import sqlalchemy as sa

from backend.fees.models import FeeBasis
from backend.org.models import Unit
from tests.admin.test_import import upload
from tests.factories import FeeItemFactory
from tests.security.test_spreadsheets import _bomb


def test_a_shared_strings_bomb_is_refused_quickly(world, as_staff, db):
    client = as_staff(world.admin_a)
    before = db.session.scalar(sa.select(sa.func.count(Unit.id)))
    for strings in (3_000_000, 1_500_000):
        started = time.process_time()
        response = upload(client, world.estate_a.id, io.BytesIO(_bomb(strings)))
        assert time.process_time() - started < 2
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "解压后过大" in page or "单元格过多" in page
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == before


def test_the_readings_import_uses_the_same_reader(world, as_staff, db):
    item = FeeItemFactory(estate=world.estate_a, basis=FeeBasis.metered)
    client = as_staff(world.admin_a)
    started = time.process_time()
    response = client.post(
        f"/admin/fees/{item.id}/readings/import",
        data={"period": "2026-11", "file": (io.BytesIO(_bomb(3_000_000)), "抄表.xlsx")},
        content_type="multipart/form-data",
    )
    assert time.process_time() - started < 2
    assert "解压后过大" in response.get_data(as_text=True)
