"""Evidence of an emergency use as photos of the hazard (应急证明：现场照片): through the one
photo pipeline (sniffed, bounded, re-encoded, metadata stripped), shown as thumbnails to
readers in scope (the panel, the bureau's review) and to the owners the use charges; out of
scope is 404."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.extensions import db
from backend.fund.models import FundUseDocument, FundUseUnit, UseKind, UseState
from backend.media.models import Document, Photo
from tests.factories import EstateFactory, ResidencyFactory, StaffFactory
from tests.fund.test_panel import client_as
from tests.fund.test_uses import bare_use
from tests.helpers import bearer
from tests.media.conftest import image_bytes, jpeg, stored_files  # noqa: F401 (a fixture)


def _emergency(w, unit):
    use = bare_use(w, UseKind.emergency, UseState.review)
    db.session.add(FundUseUnit(use_id=use.id, unit_id=unit.id))
    db.session.flush()
    commit()
    return use


def _attach(client, use, data: bytes, name: str, kind: str = "evidence"):
    return client.post(
        f"/admin/fund/uses/{use.id}/documents",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Photo, Document, FundUseDocument)
    )


def test_a_jpeg_with_gps_attached_as_evidence_is_stored_stripped(app, db, fund_world):
    unit = fund_world.unit("80.00")
    owner = ResidencyFactory(unit=unit).resident
    use = _emergency(fund_world, unit)
    original = Image.open(io.BytesIO(image_bytes("exif_gps.jpg")))
    assert original.getexif().get_ifd(0x8825)  # the test file does carry GPS

    sent = _attach(
        client_as(app, fund_world.committee), use, image_bytes("exif_gps.jpg"), "爆管.jpg"
    )

    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.session.expire_all()
    link = db.session.scalars(sa.select(FundUseDocument)).one()
    assert link.use_id == use.id and link.kind.value == "evidence" and link.document_id is None
    assert link.photo.attached_at is not None
    mine = app.test_client().get(f"/api/v1/me/fund/uses/{use.id}", headers=bearer(owner))
    photos = mine.get_json()["photos"]
    assert [(p["id"], p["document_kind_label"]) for p in photos] == [
        (link.photo_id, "应急证明（检测报告、整改通知）")
    ]
    for url in (photos[0]["url"], photos[0]["thumbnail_url"]):
        stored = app.test_client().get(url)
        assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
        assert b"Exif" not in stored.data and b"GPS" not in stored.data
        assert not Image.open(io.BytesIO(stored.data)).getexif()
    # the panel's page and the bureau's review show it as a thumbnail
    for staff in (fund_world.committee, fund_world.bureau, fund_world.street):
        page = client_as(app, staff).get(f"/admin/fund/uses/{use.id}").get_data(as_text=True)
        assert 'id="evidence-photos"' in page and f'id="photo-{link.photo_id}"' in page
        assert "/api/v1/media/photos/" in page and "documents-empty" not in page


def test_a_non_image_renamed_jpg_is_refused_and_nothing_is_stored(
    app,
    db,
    fund_world,
    stored_files,  # noqa: F811
):
    use = _emergency(fund_world, fund_world.unit("80.00"))
    committee = client_as(app, fund_world.committee)

    refused = _attach(committee, use, b"MZ\x90\x00\x03" + b"\x00" * 400, "现场照片.jpg")

    assert refused.status_code == 422
    assert "应急证明只支持照片（JPEG、PNG、WebP、HEIC）、PDF 或 Excel（xlsx）文件" in (
        refused.get_data(as_text=True)
    )
    # a photo is evidence only: as a quote it is refused as a document would be
    as_quote = _attach(committee, use, jpeg(), "报价单.jpg", kind="quote")
    assert as_quote.status_code == 422 and "PDF" in as_quote.get_data(as_text=True)
    db.session.expire_all()
    assert _counts() == (0, 0, 0)
    assert stored_files() == set()


def test_evidence_photos_follow_the_use_scope(app, db, fund_world, stored_files):  # noqa: F811
    unit = fund_world.unit("80.00")
    use = _emergency(fund_world, unit)
    stranger = ResidencyFactory(unit=fund_world.unit("90.00")).resident
    elsewhere = StaffFactory(role=StaffRole.committee_member, estate=EstateFactory())
    commit()
    outsider = client_as(app, elsewhere)

    assert _attach(outsider, use, jpeg(), "现场.jpg").status_code == 404
    assert outsider.get(f"/admin/fund/uses/{use.id}").status_code == 404
    db.session.expire_all()
    assert _counts() == (0, 0, 0) and stored_files() == set()
    # the bank reads orders only: it attaches nothing
    assert _attach(client_as(app, fund_world.bank), use, jpeg(), "现场.jpg").status_code in (
        403,
        404,
    )
    assert _attach(client_as(app, fund_world.committee), use, jpeg(), "现场.jpg").status_code == 302
    other = app.test_client().get(f"/api/v1/me/fund/uses/{use.id}", headers=bearer(stranger))
    assert other.status_code == 404
    page = outsider.get(f"/admin/fund/uses/{use.id}")
    assert page.status_code == 404 and "/api/v1/media/photos/" not in page.get_data(as_text=True)
