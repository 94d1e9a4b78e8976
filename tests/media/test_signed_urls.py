"""Photos are private: only a fresh, untouched signed URL of that very photo serves it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from backend.core import signing
from backend.core.time import utcnow
from tests.factories import ResidencyFactory
from tests.helpers import bearer
from tests.media.conftest import jpeg, upload


def _path_and_query(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_signed_url_serves_the_photo(client, db):
    resp = upload(client, bearer(ResidencyFactory().resident), jpeg())
    got = client.get(resp.json["url"])
    assert got.status_code == 200
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    # personal data: never kept by a shared cache (backend/core/headers.py)
    assert got.headers["Cache-Control"] == "no-store"


def test_expired_url_is_refused(client, db, monkeypatch):
    url = upload(client, bearer(ResidencyFactory().resident), jpeg()).json["url"]
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(signing, "utcnow", lambda: later)

    resp = client.get(url)

    assert resp.status_code == 410
    assert resp.json["message"] == "链接已过期，请刷新页面"


def test_url_is_valid_up_to_its_expiry(client, db, monkeypatch):
    url = upload(client, bearer(ResidencyFactory().resident), jpeg()).json["url"]
    _, query = _path_and_query(url)
    from datetime import UTC, datetime

    at_expiry = datetime.fromtimestamp(int(query["expires"]), UTC)
    monkeypatch.setattr(signing, "utcnow", lambda: at_expiry)
    assert client.get(url).status_code == 200
    monkeypatch.setattr(signing, "utcnow", lambda: at_expiry + timedelta(seconds=1))
    assert client.get(url).status_code == 410


def test_tampered_signature_is_refused(client, db):
    url = upload(client, bearer(ResidencyFactory().resident), jpeg()).json["url"]
    path, query = _path_and_query(url)
    query["sig"] = ("A" if query["sig"][0] != "A" else "B") + query["sig"][1:]

    resp = client.get(path, query_string=query)

    assert resp.status_code == 403
    assert resp.json["message"] == "链接无效"


def test_extended_expiry_is_refused(client, db):
    url = upload(client, bearer(ResidencyFactory().resident), jpeg()).json["url"]
    path, query = _path_and_query(url)
    query["expires"] = str(int(query["expires"]) + 86400)
    assert client.get(path, query_string=query).status_code == 403


def test_signature_of_one_photo_does_not_open_another(client, db):
    headers = bearer(ResidencyFactory().resident)
    mine = upload(client, headers, jpeg(color=(1, 2, 3))).json
    other = upload(client, bearer(ResidencyFactory().resident), jpeg(color=(9, 9, 9))).json
    _, query = _path_and_query(mine["url"])

    resp = client.get(f"/api/v1/media/photos/{other['id']}/full.jpg", query_string=query)
    thumb = client.get(f"/api/v1/media/photos/{mine['id']}/thumb.jpg", query_string=query)

    assert resp.status_code == 403
    assert thumb.status_code == 403


def test_unsigned_url_is_refused(client, db):
    photo = upload(client, bearer(ResidencyFactory().resident), jpeg()).json
    assert client.get(f"/api/v1/media/photos/{photo['id']}/full.jpg").status_code == 403
