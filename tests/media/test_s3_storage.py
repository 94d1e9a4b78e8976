"""S3-compatible storage (moto in server mode): photos go to the bucket, privately."""

from __future__ import annotations

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from backend.media.storage import S3Storage, StoredFileMissing, get_storage
from tests.conftest import free_port
from tests.factories import ResidencyFactory, ResidentFactory
from tests.helpers import bearer
from tests.media.conftest import jpeg, upload

BUCKET = "linli-photos"


@pytest.fixture(scope="module")
def moto_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(app, moto_server, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    monkeypatch.setitem(
        app.config,
        "STORAGE_URL",
        f"s3://{BUCKET}/linli?endpoint_url={moto_server}&region=us-east-1",
    )
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_storage_url_s3_selects_the_bucket(db, s3):
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == (BUCKET, "linli")


def test_uploaded_photo_is_stored_in_the_bucket_and_served_by_signed_url(client, db, s3):
    resp = upload(client, bearer(ResidencyFactory().resident), jpeg((80, 60)))

    assert resp.status_code == 201
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert len(keys) == 2 and all(k.startswith("linli/photos/") for k in keys)
    served = client.get(resp.json["url"])
    assert served.status_code == 200
    full = next(k for k in keys if "thumb" not in k)
    assert served.data == s3.get_object(Bucket=BUCKET, Key=full)["Body"].read()


def test_bucket_objects_are_not_public(db, s3, moto_server):
    get_storage().put("photos/ab/abc.jpg", b"x", "image/jpeg")
    # an anonymous request straight to the object store is refused
    resp = requests.get(f"{moto_server}/{BUCKET}/linli/photos/ab/abc.jpg", timeout=5)
    assert resp.status_code == 403


def test_refused_upload_puts_nothing_in_the_bucket(client, db, s3):
    resp = upload(client, bearer(ResidencyFactory().resident), b"not an image")
    assert resp.status_code == 422
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_missing_object_and_delete(db, s3):
    storage = get_storage()
    storage.put("photos/cd/cde.jpg", b"data", "image/jpeg")
    assert storage.exists("photos/cd/cde.jpg")
    storage.delete("photos/cd/cde.jpg")
    assert not storage.exists("photos/cd/cde.jpg")
    with pytest.raises(StoredFileMissing):
        storage.get("photos/cd/cde.jpg")


def test_the_orphan_sweep_removes_unreferenced_objects_from_the_bucket(db, s3, monkeypatch, app):
    """On S3 as on the local folder: an object no row references goes after the grace
    period (here 0), a referenced one stays."""
    from datetime import timedelta

    from backend.media import services

    resident = ResidentFactory()
    kept = services.upload_photo(jpeg((40, 30), color=(1, 2, 3)), resident_id=resident.id)
    db.session.commit()
    orphan = services.upload_photo(jpeg((40, 30), color=(9, 8, 7)), resident_id=resident.id)
    orphan_keys = [orphan.key, orphan.thumbnail_key]
    db.session.rollback()
    monkeypatch.setitem(app.config, "STORAGE_ORPHAN_GRACE", timedelta(seconds=-5))

    assert services.delete_orphaned_files() == 2

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert keys == {f"linli/{kept.key}", f"linli/{kept.thumbnail_key}"}
    assert not any(get_storage().exists(k) for k in orphan_keys)
