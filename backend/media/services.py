"""Photo rules: upload through the pipeline, attach to something, hand out signed URLs."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from backend.core.errors import DomainError, Invalid
from backend.core.faults import pause_point
from backend.core.signing import signed_url
from backend.core.time import utcnow
from backend.extensions import db
from backend.media.audio import VOICE_CONTENT_TYPE, VoiceRejected, clean_voice
from backend.media.images import PhotoRejected, clean_photo
from backend.media.models import Photo, VoiceNote, photo_key, voice_key
from backend.media.storage import get_storage

log = logging.getLogger(__name__)

#: the mini-app's own limit of images per submission (wx.chooseMedia count ≤ 9)
MAX_PHOTOS = 9


class PhotoRefused(DomainError):
    """The upload was refused by the pipeline; ``status`` is 413 or 422."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message, {"file": [message]})
        self.status = status


BUSY = "同时处理的照片过多，请稍后重试"
VOICE_BUSY = "同时处理的语音过多，请稍后重试"
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _decoding_slot(count: int) -> threading.BoundedSemaphore:
    """This process's semaphore of ``count`` decodes at once (one per configured count)."""
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(count, threading.BoundedSemaphore(max(count, 1)))


def upload_photo(
    data: bytes, *, resident_id: int | None = None, staff_id: int | None = None
) -> Photo:
    """Clean ``data`` and store it with its thumbnail; return the new :class:`Photo`.

    Nothing is written (neither file nor row) unless the whole pipeline succeeds, and
    the original bytes are never stored.
    """
    config = current_app.config
    if not _decoding_slot(config["PHOTO_DECODE_CONCURRENCY"]).acquire(blocking=False):
        raise PhotoRefused(BUSY, 503)
    try:
        clean = clean_photo(
            data,
            max_bytes=config["PHOTO_MAX_BYTES"],
            max_pixels=config["PHOTO_MAX_PIXELS"],
            max_pixels_full_decode=config["PHOTO_MAX_PIXELS_FULL_DECODE"],
            max_edge=config["PHOTO_MAX_EDGE"],
            thumb_edge=config["PHOTO_THUMB_EDGE"],
            quality=config["PHOTO_JPEG_QUALITY"],
        )
    except PhotoRejected as exc:
        raise PhotoRefused(exc.message, exc.status) from exc
    finally:
        _decoding_slot(config["PHOTO_DECODE_CONCURRENCY"]).release()
    sha = clean.sha256
    storage = get_storage()
    storage.put(photo_key(sha), clean.data, "image/jpeg")
    storage.put(photo_key(sha, thumbnail=True), clean.thumbnail, "image/jpeg")
    pause_point("photo_files_written")  # fault tests: killed between the files and the row
    photo = Photo(
        sha256=sha,
        width=clean.width,
        height=clean.height,
        byte_size=len(clean.data),
        resident_id=resident_id,
        staff_id=staff_id,
    )
    db.session.add(photo)
    db.session.flush()
    log.info(
        "photo %s stored (%sx%s, %s bytes)", photo.id, photo.width, photo.height, photo.byte_size
    )
    return photo


def photo_view(photo: Photo) -> dict:
    """What a client is given of a photo: ``{id, url, thumbnail_url, width, height}``
    with short-lived signed URLs. Call it only for someone allowed to see the photo."""
    return {
        "id": photo.id,
        "url": signed_url("media.photo_file", photo_id=photo.id, variant="full"),
        "thumbnail_url": signed_url("media.photo_file", photo_id=photo.id, variant="thumb"),
        "width": photo.width,
        "height": photo.height,
    }


def attach_photos(
    photo_ids: list[int], *, resident_id: int | None = None, staff_id: int | None = None
) -> list[Photo]:
    """Mark the uploader's own unattached photos ``photo_ids`` as used, in that order.

    Refuses (422) more than nine, someone else's, expired or already used photos; each
    is claimed by one conditional update, so a photo can belong to only one thing.
    """
    if not photo_ids:
        return []
    if len(photo_ids) > MAX_PHOTOS:
        raise Invalid(f"最多上传 {MAX_PHOTOS} 张照片", {"photo_ids": ["照片过多"]})
    if len(set(photo_ids)) != len(photo_ids):
        raise Invalid("照片重复", {"photo_ids": ["照片重复"]})
    owner = Photo.resident_id == resident_id if resident_id else Photo.staff_id == staff_id
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Photo)
        .where(Photo.id.in_(photo_ids), owner, Photo.attached_at.is_(None))
        .values(attached_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != len(photo_ids):
        raise Invalid("照片不存在、已过期或已被使用，请重新上传", {"photo_ids": ["照片无效"]})
    photos = {p.id: p for p in db.session.scalars(sa.select(Photo).where(Photo.id.in_(photo_ids)))}
    for photo in photos.values():
        db.session.refresh(photo)
    return [photos[i] for i in photo_ids]


def photo_file(photo_id: int, variant: str) -> tuple[bytes, str]:
    """The stored JPEG bytes of a photo (``variant`` ``full`` or ``thumb``) and its hash.

    The caller has checked the signed URL: that is the permission.
    """
    from backend.core.errors import NotFound
    from backend.media.storage import StoredFileMissing

    photo = db.session.get(Photo, photo_id)
    if photo is None:
        raise NotFound("照片不存在或已删除")
    key = photo.thumbnail_key if variant == "thumb" else photo.key
    try:
        return get_storage().get(key), photo.sha256
    except StoredFileMissing as exc:
        raise NotFound("照片不存在或已删除") from exc


def upload_voice(data: bytes, *, resident_id: int) -> VoiceNote:
    """Check, measure and transcode a resident's voice note; return the new
    :class:`VoiceNote`. It takes one of the photos' decoding slots (503 when none is
    free); nothing is written unless the whole pipeline succeeds."""
    config = current_app.config
    slot = _decoding_slot(config["PHOTO_DECODE_CONCURRENCY"])
    if not slot.acquire(blocking=False):
        raise PhotoRefused(VOICE_BUSY, 503)
    try:
        clean = clean_voice(
            data,
            max_bytes=config["VOICE_MAX_BYTES"],
            max_seconds=config["VOICE_MAX_SECONDS"],
            max_decode_seconds=config["VOICE_DECODE_SECONDS"],
        )
    except VoiceRejected as exc:
        raise PhotoRefused(exc.message, exc.status) from exc
    finally:
        slot.release()
    sha = clean.sha256
    get_storage().put(voice_key(sha), clean.data, VOICE_CONTENT_TYPE)
    note = VoiceNote(
        sha256=sha,
        duration_ms=clean.duration_ms,
        byte_size=len(clean.data),
        resident_id=resident_id,
    )
    db.session.add(note)
    db.session.flush()
    log.info("voice note %s stored (%s ms, %s bytes)", note.id, note.duration_ms, note.byte_size)
    return note


def voice_view(note: VoiceNote) -> dict:
    """What a client is given of a voice note: ``{id, url, duration_ms, seconds}`` with a
    short-lived signed URL. Call it only for someone allowed to see what it belongs to."""
    return {
        "id": note.id,
        "url": signed_url("media.voice_file", voice_note_id=note.id),
        "duration_ms": note.duration_ms,
        "seconds": note.seconds,
    }


def attach_voice_note(voice_note_id: int | None, *, resident_id: int) -> VoiceNote | None:
    """Mark the resident's own unattached voice note as used (one conditional update:
    it can belong to one thing only); 422 if it is someone else's, expired or used."""
    if not voice_note_id:
        return None
    claimed = db.session.execute(
        sa.update(VoiceNote)
        .where(
            VoiceNote.id == voice_note_id,
            VoiceNote.resident_id == resident_id,
            VoiceNote.attached_at.is_(None),
        )
        .values(attached_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Invalid("语音不存在、已过期或已被使用，请重新录音", {"voice_note_id": ["语音无效"]})
    note = db.session.get(VoiceNote, voice_note_id)
    db.session.refresh(note)
    return note


def voice_file(voice_note_id: int) -> tuple[bytes, str]:
    """The stored .m4a bytes of a voice note and its hash (the caller has checked the
    signed URL: that is the permission)."""
    from backend.core.errors import NotFound
    from backend.media.storage import StoredFileMissing

    note = db.session.get(VoiceNote, voice_note_id)
    if note is None:
        raise NotFound("语音不存在或已删除")
    try:
        return get_storage().get(note.key), note.sha256
    except StoredFileMissing as exc:
        raise NotFound("语音不存在或已删除") from exc


def _delete_unattached(
    model: type[Photo | VoiceNote], plural: str, now: datetime | None
) -> list[str]:
    """Delete the rows of ``model`` nobody attached within ``PHOTO_UNATTACHED_TTL`` (5000 at
    most a run); return the content hashes no row of ``model`` uses any more."""
    cutoff = (now or utcnow()) - current_app.config["PHOTO_UNATTACHED_TTL"]
    rows = list(
        db.session.scalars(
            sa.select(model)
            .where(model.attached_at.is_(None), model.created_at < cutoff)
            .limit(5000)
        )
    )
    hashes = {row.sha256 for row in rows}
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    still_used = (
        set(db.session.scalars(sa.select(model.sha256).where(model.sha256.in_(hashes))))
        if hashes
        else set()
    )
    if rows:
        log.info("deleted %s unattached %s", len(rows), plural)
    return sorted(hashes - still_used)


def _delete_unused_files(
    model: type[Photo | VoiceNote], hashes: list[str], keys: Callable[[str], list[str]]
) -> None:
    """Remove the stored files (``keys`` of a hash) of ``hashes`` no row of ``model`` uses,
    checked again now."""
    if not hashes:
        return
    used = set(db.session.scalars(sa.select(model.sha256).where(model.sha256.in_(hashes))))
    storage = get_storage()
    for sha in hashes:
        if sha not in used:
            for key in keys(sha):
                storage.delete(key)


def delete_unattached_voice_notes(now: datetime | None = None) -> list[str]:
    """Delete voice notes nobody attached within ``PHOTO_UNATTACHED_TTL``; the content
    hashes no note uses any more (their files go after the commit, as photos' do)."""
    return _delete_unattached(VoiceNote, "voice notes", now)


def delete_voice_files_of(hashes: list[str]) -> None:
    """Remove the stored files of ``hashes`` that no voice note uses (checked again now)."""
    _delete_unused_files(VoiceNote, hashes, lambda sha: [voice_key(sha)])


def delete_unattached_photos(now: datetime | None = None) -> list[str]:
    """Delete photos nobody attached within ``PHOTO_UNATTACHED_TTL``.

    Returns the content hashes no photo uses any more: their files are removed by
    :func:`backend.media.jobs.delete_stored_files` once this transaction commits.
    """
    return _delete_unattached(Photo, "photos", now)


def delete_files_of(hashes: list[str]) -> None:
    """Remove the stored files of ``hashes`` that no photo row uses (checked again now)."""
    _delete_unused_files(
        Photo, hashes, lambda sha: [photo_key(sha), photo_key(sha, thumbnail=True)]
    )


#: where stored objects live, and how a key names its content hash
_STORED = re.compile(r"^(photos|documents|voices)/[0-9a-f]{2}/([0-9a-f]{64})(?:-thumb)?\.[a-z]+$")


def delete_orphaned_files(now: datetime | None = None, batch: int = 500) -> int:
    """Remove stored objects that no row references, once older than
    ``STORAGE_ORPHAN_GRACE``; returns how many were removed.

    A process killed between writing a photo's files and committing its row leaves files
    nobody will ever use (the row-driven clean-up never sees them). The grace period leaves
    uploads under way alone; each batch is checked against the rows right before its
    objects are removed. Keys of no known shape (half-written ``.tmp-`` files included) go
    after the grace period too. Local folder and S3 alike.
    """
    from backend.media.models import Document

    cutoff = (now or utcnow()) - current_app.config["STORAGE_ORPHAN_GRACE"]
    storage = get_storage()
    removed = 0
    for prefix, model in (("photos", Photo), ("documents", Document), ("voices", VoiceNote)):
        old = [key for key, modified in storage.listing(prefix) if modified < cutoff]
        for start in range(0, len(old), batch):
            keys = old[start : start + batch]
            hashes = {m.group(2) for k in keys if (m := _STORED.match(k))}
            used = (
                set(db.session.scalars(sa.select(model.sha256).where(model.sha256.in_(hashes))))
                if hashes
                else set()
            )
            for key in keys:
                found = _STORED.match(key)
                if found and found.group(2) in used:
                    continue
                storage.delete_listed(key)
                removed += 1
    if removed:
        log.warning("removed %s stored objects no row referenced", removed)
    return removed
