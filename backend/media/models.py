"""Model of an uploaded photo (the cleaned image; the original is never kept)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class Photo(db.Model):
    """A cleaned photo, stored under the SHA-256 of its JPEG bytes with a thumbnail.

    One row per upload: two people uploading the same picture share the stored file but
    each owns their own row. A photo nobody attached to anything within
    ``PHOTO_UNATTACHED_TTL`` is deleted by :func:`backend.media.jobs.delete_unattached_photos`.
    """

    __tablename__ = "photos"
    __table_args__ = (
        sa.CheckConstraint("(resident_id IS NULL) <> (staff_id IS NULL)", name="one_uploader"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    byte_size: Mapped[int] = mapped_column()
    #: who uploaded it: a resident (mini-app) or a staff member (panel)
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: set once the photo belongs to something (a ticket event, a ballot, a notice)
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def key(self) -> str:
        return photo_key(self.sha256)

    @property
    def thumbnail_key(self) -> str:
        return photo_key(self.sha256, thumbnail=True)


def photo_key(sha256: str, thumbnail: bool = False) -> str:
    """Storage key of a cleaned photo (or its thumbnail) by content hash."""
    return f"photos/{sha256[:2]}/{sha256}{'-thumb' if thumbnail else ''}.jpg"


class Document(db.Model):
    """A stored document (PDF or Excel workbook) attached to something staff publish.

    Stored under the SHA-256 of its bytes, with the type sniffed from those bytes (never
    from the name the client gave). A document nobody attached within
    ``PHOTO_UNATTACHED_TTL`` is deleted like a photo.
    """

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: pdf or xlsx
    kind: Mapped[str] = mapped_column(sa.String(10))
    #: the name it is offered under (cleaned; the extension follows the sniffed type)
    filename: Mapped[str] = mapped_column(sa.String(120))
    byte_size: Mapped[int] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint("kind IN ('pdf', 'xlsx')", name="kind"),)

    @property
    def key(self) -> str:
        return document_key(self.sha256, self.kind)

    @property
    def content_type(self) -> str:
        return DOCUMENT_TYPES[self.kind]


#: what each document kind is served as
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def document_key(sha256: str, kind: str) -> str:
    """Storage key of a document by content hash."""
    return f"documents/{sha256[:2]}/{sha256}.{kind}"


class VoiceNote(db.Model):
    """A resident's short voice note (≤ ``VOICE_MAX_SECONDS``), transcoded to one clean
    mono AAC .m4a (the original is never kept) and stored under the SHA-256 of it.

    Like a photo: one row per upload, attached to one thing (a ticket's report) or deleted
    with the photos after ``PHOTO_UNATTACHED_TTL``. ``duration_ms`` is what decoding
    measured, never what the file's header claimed.
    """

    __tablename__ = "voice_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    duration_ms: Mapped[int] = mapped_column()
    byte_size: Mapped[int] = mapped_column()
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def key(self) -> str:
        return voice_key(self.sha256)

    @property
    def seconds(self) -> int:
        """Whole seconds as shown next to the player, as the player counts them (2.5 s
        shows 2; a note of 2.95 s, an encoder's frame short of 3, shows 3; never 0)."""
        return max(1, (self.duration_ms + 100) // 1000)


def voice_key(sha256: str) -> str:
    """Storage key of a cleaned voice note by content hash."""
    return f"voices/{sha256[:2]}/{sha256}.m4a"
