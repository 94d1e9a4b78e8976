"""Photos nobody attached within 24 hours are deleted, with their files when unshared."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.core.errors import Invalid
from backend.core.time import utcnow
from backend.media import services
from backend.media.jobs import delete_unattached_photos_job
from backend.media.models import Photo
from backend.media.storage import get_storage
from tests.factories import ResidentFactory
from tests.media.conftest import image_bytes, jpeg


def _age(photo: Photo, hours: float) -> None:
    photo.created_at = utcnow() - timedelta(hours=hours)


def test_unattached_photo_older_than_a_day_is_deleted_with_its_files(db, stored_files):
    resident = ResidentFactory()
    old = services.upload_photo(jpeg(color=(1, 1, 1)), resident_id=resident.id)
    fresh = services.upload_photo(jpeg(color=(200, 200, 200)), resident_id=resident.id)
    used = services.upload_photo(jpeg(color=(90, 10, 10)), resident_id=resident.id)
    services.attach_photos([used.id], resident_id=resident.id)
    _age(old, 24.1)
    _age(fresh, 23.9)
    _age(used, 48)
    old_key, old_id = old.key, old.id
    db.session.commit()

    delete_unattached_photos_job()

    ids = set(db.session.scalars(sa.select(Photo.id)))
    assert old_id not in ids
    assert {fresh.id, used.id} <= ids
    assert not get_storage().exists(old_key)
    assert get_storage().exists(fresh.key) and get_storage().exists(used.key)


def test_file_shared_with_a_kept_photo_is_not_deleted(db):
    resident = ResidentFactory()
    old = services.upload_photo(image_bytes("hopper.jpg"), resident_id=resident.id)
    kept = services.upload_photo(image_bytes("hopper.jpg"), resident_id=resident.id)
    services.attach_photos([kept.id], resident_id=resident.id)
    _age(old, 30)
    db.session.commit()

    delete_unattached_photos_job()

    assert db.session.get(Photo, kept.id) is not None
    assert get_storage().exists(kept.key)


def test_photo_is_attached_once_and_only_by_its_uploader(db):
    me, other = ResidentFactory(), ResidentFactory()
    photo = services.upload_photo(jpeg(), resident_id=me.id)

    with pytest.raises(Invalid):
        services.attach_photos([photo.id], resident_id=other.id)
    services.attach_photos([photo.id], resident_id=me.id)
    with pytest.raises(Invalid):
        services.attach_photos([photo.id], resident_id=me.id)


def test_at_most_nine_photos_are_attached(db):
    me = ResidentFactory()
    ids = [services.upload_photo(jpeg(color=(i, 0, 0)), resident_id=me.id).id for i in range(10)]
    with pytest.raises(Invalid, match="9"):
        services.attach_photos(ids, resident_id=me.id)
    assert [p.id for p in services.attach_photos(ids[:9], resident_id=me.id)] == ids[:9]


def _backdate(storage, key: str, hours: float) -> None:
    """Make stored ``key`` look written ``hours`` ago (local folder)."""
    import os

    path = os.path.join(storage.root, *key.split("/"))
    stamp = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


def test_stored_files_no_row_references_are_removed_after_the_grace_period(db):
    """A worker killed after writing a photo's files and before its row: the files stay
    a day (an upload under way is never touched), then the sweep removes them."""
    from backend.media.jobs import delete_orphaned_files_job

    resident = ResidentFactory()
    kept = services.upload_photo(jpeg(color=(5, 5, 5)), resident_id=resident.id)
    db.session.commit()
    storage = get_storage()
    orphan = services.upload_photo(jpeg(color=(6, 6, 6)), resident_id=resident.id)
    orphan_keys = [orphan.key, orphan.thumbnail_key]
    db.session.rollback()  # the row never committed: only the files exist
    assert all(storage.exists(k) for k in orphan_keys)
    fresh_orphan = "photos/ff/" + "f" * 64 + ".jpg"
    storage.put(fresh_orphan, b"x", "image/jpeg")
    leftover = "photos/ab/.tmp-halfwritten"
    storage.put("photos/ab/" + "a" * 64 + ".jpg", b"y", "image/jpeg")
    import os

    os.rename(
        os.path.join(storage.root, "photos", "ab", "a" * 64 + ".jpg"),
        os.path.join(storage.root, *leftover.split("/")),
    )
    for key in [*orphan_keys, kept.key, kept.thumbnail_key, leftover]:
        _backdate(storage, key, 25)

    assert delete_orphaned_files_job() == 3

    assert not any(storage.exists(k) for k in orphan_keys)
    assert not os.path.exists(os.path.join(storage.root, *leftover.split("/")))
    assert storage.exists(kept.key) and storage.exists(kept.thumbnail_key)  # referenced
    assert storage.exists(fresh_orphan)  # within the grace period: maybe an upload under way
    assert delete_orphaned_files_job() == 0
