"""Models of disclosure boards: posts, their append-only versions, attachments and reads.

A post is what the board shows in one place of a section; every publication of it (the
first, each correction) is a :class:`PostVersion` that is never changed or deleted, and a
withdrawal is recorded on the post with its reason. On PostgreSQL triggers refuse any
``DELETE`` of posts and any ``UPDATE`` or ``DELETE`` of versions, so not even a direct
database session can rewrite what was published.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db

_LIVE_SQL = "withdrawn_at IS NULL AND source_key IS NOT NULL"


class Post(db.Model):
    """A post on an estate's board (公示内容); its content lives in its versions."""

    __tablename__ = "board_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: the section's code (``backend/board/sections.toml``)
    section: Mapped[str] = mapped_column(sa.String(40), index=True)
    #: company / committee / street: who published it (generated posts: the section's)
    publisher: Mapped[str] = mapped_column(sa.String(20))
    #: generated posts: the source's stable key (``"fee-item-12"``); None for hand-written
    source_key: Mapped[str | None] = mapped_column(sa.String(80))
    must_read: Mapped[bool] = mapped_column(default=False)
    #: how many versions it has; the current one is the one with this number
    version_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when its current version was published (freshness is measured from it)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    withdraw_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    estate = relationship("Estate")
    created_by = relationship("Staff", foreign_keys=[created_by_id])
    versions: Mapped[list[PostVersion]] = relationship(
        back_populates="post", order_by="PostVersion.number"
    )

    __table_args__ = (
        # one live generated post per source key
        sa.Index(
            "uq_board_posts_live_source",
            "estate_id",
            "section",
            "source_key",
            unique=True,
            sqlite_where=sa.text(_LIVE_SQL),
            postgresql_where=sa.text(_LIVE_SQL),
        ),
        sa.CheckConstraint("version_count >= 0", name="version_count"),
    )

    @property
    def current(self) -> PostVersion | None:
        """The version the board shows now."""
        return self.versions[-1] if self.versions else None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def __str__(self) -> str:
        current = self.current
        return current.title if current is not None else f"公示 {self.id}"


class PostVersion(db.Model):
    """One publication of a post: its content as published, never changed afterwards."""

    __tablename__ = "board_post_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("board_posts.id"), index=True)
    #: 1 for the first publication, then 2, 3 … for each correction
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(120))
    #: rich text, sanitised before it is stored (``backend.board.richtext``)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: a money statement (``backend.board.statements``): lines and totals in fen
    statement: Mapped[dict | None] = mapped_column(sa.JSON)
    #: structured content of a generated post (a price list, a tally), shown as is
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    effective_from: Mapped[date | None] = mapped_column()
    effective_until: Mapped[date | None] = mapped_column()
    #: why this version replaced the previous one ("" for the first)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: a service phone the publisher declares on purpose: shown in full (public text is
    #: otherwise masked, backend.core.masking)
    service_phone: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship(back_populates="versions")
    staff = relationship("Staff")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.position")
    #: its redaction, if its content was removed (read only: redactions are added alone)
    redaction: Mapped[Redaction | None] = relationship(viewonly=True)

    __table_args__ = (
        sa.UniqueConstraint("post_id", "number"),
        sa.CheckConstraint("number >= 1", name="number"),
        sa.CheckConstraint(
            "effective_until IS NULL OR effective_from IS NULL"
            " OR effective_until >= effective_from",
            name="period",
        ),
    )


class Attachment(db.Model):
    """A file of a version: a photo (the photo pipeline) or a document (PDF, xlsx)."""

    __tablename__ = "board_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("board_post_versions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    photo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("photos.id"))
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))

    photo = relationship("Photo")
    document = relationship("Document")

    __table_args__ = (
        sa.CheckConstraint("(photo_id IS NULL) <> (document_id IS NULL)", name="one_file"),
    )


class PostRead(db.Model):
    """A resident read a post (read receipt; the first reading counts)."""

    __tablename__ = "board_post_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("board_posts.id"), index=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("post_id", "resident_id"),)


#: the title a redacted version keeps: the fact of the redaction, never what was removed
REDACTED_TITLE = "（该版本内容已删除）"


class Redaction(db.Model):
    """A version's content removed because it disclosed personal data by mistake (删除个人
    信息): the version's text, figures and attachments are blanked for everyone, and this
    row keeps the fact — which version, when, by whom, why — never the data. Append-only."""

    __tablename__ = "board_redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("board_posts.id"), index=True)
    #: one redaction per version: a blanked version has nothing left to remove
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("board_post_versions.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("Staff")


class MustReadReminder(db.Model):
    """A must-read post's subscribe message went to a resident who had not read it (once)."""

    __tablename__ = "board_must_read_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("board_posts.id"), index=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("post_id", "resident_id"),)


#: PostgreSQL guards: published versions are never changed, posts never deleted
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION board_refuse_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ': ' || TG_OP || ' is not allowed (append-only)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER board_post_versions_append_only BEFORE UPDATE OR DELETE"
    " ON board_post_versions FOR EACH ROW EXECUTE FUNCTION board_refuse_rewrite()",
    "CREATE TRIGGER board_attachments_append_only BEFORE UPDATE OR DELETE"
    " ON board_attachments FOR EACH ROW EXECUTE FUNCTION board_refuse_rewrite()",
    "CREATE TRIGGER board_posts_no_delete BEFORE DELETE"
    " ON board_posts FOR EACH ROW EXECUTE FUNCTION board_refuse_rewrite()",
)


#: PostgreSQL guards since redactions (migration 0024): a version may be changed only by
#: blanking it (exactly so) once its redaction is recorded, and a redacted version's
#: attachments may be removed; nothing else is ever changed or deleted, redactions included
REDACTION_GUARD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION board_versions_guard() RETURNS trigger AS $$
BEGIN
    -- each table's fields are read only in its own branch (plpgsql plans a whole condition)
    IF TG_TABLE_NAME = 'board_post_versions' AND TG_OP = 'UPDATE' THEN
        IF EXISTS (SELECT 1 FROM board_redactions r WHERE r.version_id = OLD.id)
           AND NEW.id = OLD.id AND NEW.post_id = OLD.post_id AND NEW.number = OLD.number
           AND NEW.created_at = OLD.created_at
           AND NEW.staff_id IS NOT DISTINCT FROM OLD.staff_id
           AND NEW.effective_from IS NOT DISTINCT FROM OLD.effective_from
           AND NEW.effective_until IS NOT DISTINCT FROM OLD.effective_until
           AND NEW.title = '{REDACTED_TITLE}' AND NEW.body_html = '' AND NEW.reason = ''
           AND NEW.statement IS NULL AND NEW.data IS NULL
           AND NEW.service_phone = OLD.service_phone
        THEN
            RETURN NEW;
        END IF;
    ELSIF TG_TABLE_NAME = 'board_attachments' AND TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM board_redactions r WHERE r.version_id = OLD.version_id) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ': ' || TG_OP || ' is not allowed (append-only)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""
REDACTION_GUARD_TRIGGERS = (
    "DROP TRIGGER IF EXISTS board_post_versions_append_only ON board_post_versions",
    "CREATE TRIGGER board_post_versions_append_only BEFORE UPDATE OR DELETE"
    " ON board_post_versions FOR EACH ROW EXECUTE FUNCTION board_versions_guard()",
    "DROP TRIGGER IF EXISTS board_attachments_append_only ON board_attachments",
    "CREATE TRIGGER board_attachments_append_only BEFORE UPDATE OR DELETE"
    " ON board_attachments FOR EACH ROW EXECUTE FUNCTION board_versions_guard()",
)
REDACTIONS_APPEND_ONLY = (
    "CREATE TRIGGER board_redactions_append_only BEFORE UPDATE OR DELETE"
    " ON board_redactions FOR EACH ROW EXECUTE FUNCTION board_refuse_rewrite()"
)


@sa.event.listens_for(Attachment.__table__, "after_create")
def _append_only_guards(_target, connection, **_kw):
    # create_all (tests, fresh installs) gets the migrations' guards; attachments are
    # created after posts and versions, which they refer to
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(APPEND_ONLY_FUNCTION)
    for statement in APPEND_ONLY_TRIGGERS:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(REDACTION_GUARD_FUNCTION)
    for statement in REDACTION_GUARD_TRIGGERS:
        connection.exec_driver_sql(statement)


@sa.event.listens_for(Redaction.__table__, "after_create")
def _redactions_append_only(_target, connection, **_kw):
    if connection.dialect.name != "postgresql":
        return
    # the refusing function is created with the attachments' guards, or here if first
    connection.exec_driver_sql(APPEND_ONLY_FUNCTION)
    connection.exec_driver_sql(REDACTIONS_APPEND_ONLY)


@sa.event.listens_for(Session, "before_flush")
def _versions_are_append_only(session, _context, _instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, (PostVersion, Attachment)) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RuntimeError("board post versions are append-only")
        if isinstance(obj, Post) and obj in session.deleted:
            raise RuntimeError("board posts are never deleted")
