"""Uploading photos: hostile files are refused and leave nothing behind; good ones are
cleaned (upright, no metadata, re-encoded) and stored once under their content hash."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image, ImageChops, ImageStat

from backend.media.models import Photo
from tests.factories import ResidencyFactory
from tests.helpers import bearer
from tests.media.conftest import image_bytes, jpeg, png_header_only, upload


def _bound():
    return ResidencyFactory().resident


def _photo_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Photo))


def _fetch(client, url: str) -> bytes:
    resp = client.get(url)
    assert resp.status_code == 200, resp.json
    assert resp.mimetype == "image/jpeg"
    return resp.data


HOSTILE = {
    "text named .jpg": (b"this is not a photo\n" * 50, "photo.jpg", 422, "只支持"),
    "svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><script>alert(1)</script></svg>',
        "photo.svg",
        422,
        "只支持",
    ),
    "truncated jpeg": (jpeg((400, 300))[:700], "cut.jpg", 422, "损坏"),
    "png of 30000x30000": (png_header_only(30000, 30000), "big.png", 422, "像素"),
    "gif decompression bomb": (image_bytes("decompression_bomb.gif"), "bomb.gif", 422, "只支持"),
    "truncated heic": (image_bytes("truncated.heic"), "cut.heic", 422, "损坏"),
    "20 MB file": (b"\xff\xd8\xff\xe0" + b"\0" * (20 * 1024 * 1024), "huge.jpg", 413, "10 MB"),
    "empty file": (b"", "empty.jpg", 422, "为空"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_upload_is_refused_and_nothing_is_stored(client, db, stored_files, case):
    data, filename, status, words = HOSTILE[case]
    before = stored_files()

    resp = upload(client, bearer(_bound()), data, filename)

    assert resp.status_code == status
    assert words in resp.json["message"]
    assert stored_files() == before
    assert _photo_count(db) == 0


def test_200_megapixel_frame_is_refused_before_decoding(client, db, stored_files):
    before = stored_files()
    resp = upload(client, bearer(_bound()), png_header_only(16384, 12500), "x.png")
    assert resp.status_code == 422
    assert "像素" in resp.json["message"]
    assert stored_files() == before


def test_pixel_bound_is_inclusive(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 100 * 100)
    headers = bearer(_bound())
    assert upload(client, headers, jpeg((100, 100))).status_code == 201
    assert upload(client, headers, jpeg((100, 101))).status_code == 422


def test_jpeg_with_gps_exif_is_stored_with_no_exif(client, db, app):
    original = Image.open(io.BytesIO(image_bytes("exif_gps.jpg")))
    assert original.getexif().get_ifd(0x8825)  # the test file does carry GPS

    resp = upload(client, bearer(_bound()), image_bytes("exif_gps.jpg"))

    assert resp.status_code == 201
    for url in (resp.json["url"], resp.json["thumbnail_url"]):
        stored = _fetch(client, url)
        assert b"Exif" not in stored
        image = Image.open(io.BytesIO(stored))
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info


def test_heic_metadata_is_all_stripped(client, db):
    resp = upload(client, bearer(_bound()), image_bytes("L_exif_xmp_iptc.heic"), "m.heic")

    assert resp.status_code == 201
    stored = _fetch(client, resp.json["url"])
    assert stored[:3] == b"\xff\xd8\xff"
    for marker in (b"Exif", b"xmpmeta", b"http://ns.adobe.com", b"Photoshop"):
        assert marker not in stored


def test_orientation_6_jpeg_is_stored_upright(client, db):
    headers = bearer(_bound())
    upright = upload(client, headers, image_bytes("hopper.jpg"))
    rotated = upload(client, headers, image_bytes("hopper_orientation_6.jpg"))

    a = Image.open(io.BytesIO(_fetch(client, upright.json["url"])))
    b = Image.open(io.BytesIO(_fetch(client, rotated.json["url"])))
    assert max(ImageStat.Stat(ImageChops.difference(a, b)).mean) < 15


def test_orientation_6_of_a_landscape_frame_gives_a_portrait_photo(client, db):
    frame = Image.new("RGB", (60, 40), (255, 255, 255))
    frame.paste((255, 0, 0), (0, 0, 10, 10))  # red in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    frame.save(out, "JPEG", exif=exif, quality=95)

    resp = upload(client, bearer(_bound()), out.getvalue())

    assert (resp.json["width"], resp.json["height"]) == (40, 60)
    stored = Image.open(io.BytesIO(_fetch(client, resp.json["url"]))).convert("RGB")
    # turned 90° clockwise: the stored top-left corner is now the top-right one
    r, g, _ = stored.getpixel((35, 4))
    assert r > 200 and g < 60


def test_broken_exif_block_does_not_crash_the_upload(client, db):
    data = bytearray(jpeg((50, 30)))
    broken_app1 = b"\xff\xe1\x00\x20Exif\x00\x00MM\x00\x2a\x00\x00\xff\xff\xff\xf0" + b"\x00" * 14
    data[2:2] = broken_app1

    resp = upload(client, bearer(_bound()), bytes(data))

    assert resp.status_code == 201
    assert (resp.json["width"], resp.json["height"]) == (50, 30)


def test_heic_photo_is_accepted_and_converted_to_jpeg(client, db, app):
    resp = upload(client, bearer(_bound()), image_bytes("pug.heic"), "IMG_0001.HEIC")

    assert resp.status_code == 201
    edge = app.config["PHOTO_MAX_EDGE"]
    assert max(resp.json["width"], resp.json["height"]) == edge
    image = Image.open(io.BytesIO(_fetch(client, resp.json["url"])))
    assert image.format == "JPEG"
    assert image.size == (resp.json["width"], resp.json["height"])
    thumb = Image.open(io.BytesIO(_fetch(client, resp.json["thumbnail_url"])))
    assert max(thumb.size) == app.config["PHOTO_THUMB_EDGE"]


@pytest.mark.parametrize("name", ["hopper.png", "hopper.webp"])
def test_png_and_webp_are_accepted_as_jpeg(client, db, name):
    resp = upload(client, bearer(_bound()), image_bytes(name), name)
    assert resp.status_code == 201
    assert Image.open(io.BytesIO(_fetch(client, resp.json["url"]))).format == "JPEG"


def test_transparent_png_is_laid_on_white(client, db):
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, "PNG")
    resp = upload(client, bearer(_bound()), out.getvalue(), "t.png")
    pixel = Image.open(io.BytesIO(_fetch(client, resp.json["url"]))).getpixel((10, 10))
    assert min(pixel) > 245


def test_same_picture_twice_is_stored_once_under_its_hash(client, db, stored_files):
    headers = bearer(_bound())
    before = stored_files()

    first = upload(client, headers, image_bytes("hopper.jpg"))
    second = upload(client, headers, image_bytes("hopper.jpg"))

    assert first.json["id"] != second.json["id"]
    photos = db.session.scalars(sa.select(Photo)).all()
    assert len({p.sha256 for p in photos}) == 1
    new_files = stored_files() - before
    assert sorted(f.rsplit("/", 1)[1] for f in new_files) == [
        f"{photos[0].sha256}-thumb.jpg",
        f"{photos[0].sha256}.jpg",
    ]


def test_upload_needs_a_signed_in_resident(client, db):
    assert upload(client, {}, jpeg()).status_code == 401


def test_missing_file_field_is_refused(client, db):
    resp = client.post(
        "/api/v1/media/photos",
        data={"photo": (io.BytesIO(jpeg()), "a.jpg")},
        headers=bearer(_bound()),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "file" in resp.json["message"]


def test_uploads_are_rate_limited_per_resident(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PHOTO_UPLOAD", "2 per minute")
    one, other = bearer(_bound()), bearer(_bound())

    codes = [upload(client, one, jpeg()).status_code for _ in range(3)]

    assert codes == [201, 201, 429]
    assert upload(client, other, jpeg()).status_code == 201


def test_upload_answers_id_signed_urls_and_upright_size(client, db):
    resp = upload(client, bearer(_bound()), jpeg((300, 200)))

    assert resp.status_code == 201
    assert set(resp.json) == {"id", "url", "thumbnail_url", "width", "height"}
    assert (resp.json["width"], resp.json["height"]) == (300, 200)
    assert "sig=" in resp.json["url"] and "expires=" in resp.json["url"]
    photo = db.session.get(Photo, resp.json["id"])
    assert photo.attached_at is None
