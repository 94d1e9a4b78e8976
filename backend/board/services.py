"""Board rules: who publishes where, append-only publishing (publish, correct, withdraw),
what residents and the public are shown, and read receipts.

Publishing never rewrites: a correction adds a version with its reason, a withdrawal is
recorded on the post with its reason, and every version stays readable. Each change marks
the estate's board as changed; the public board's cache is dropped once the transaction
commits (:mod:`backend.board.cache`), so a new post shows at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backend.accounts.models import Residency, Resident, Staff
from backend.audit import services as audit
from backend.authz import resident as resident_authz
from backend.authz import scope
from backend.board import cache
from backend.board.models import (
    REDACTED_TITLE,
    Attachment,
    MustReadReminder,
    Post,
    PostRead,
    PostVersion,
    Redaction,
)
from backend.board.richtext import body_html as typed_body_html
from backend.board.sections import Publisher, Section, section, sections
from backend.board.statements import check_statement
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.core.time import utcnow
from backend.extensions import db
from backend.media import documents
from backend.media import services as media
from backend.org.models import Estate

log = logging.getLogger(__name__)

NOT_FOUND = "未找到该公示"
#: most attachments a version may carry (photos and documents together)
MAX_ATTACHMENTS = 9


@dataclass(frozen=True)
class Content:
    """What a publisher writes for one version of a post."""

    title: str
    body: str = ""
    statement: dict | None = None
    effective_from: date | None = None
    effective_until: date | None = None
    photo_ids: tuple[int, ...] = ()
    document_ids: tuple[int, ...] = ()
    #: a service phone published on purpose (kept visible where other numbers are masked)
    service_phone: str = ""


_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def service_phone(text: str) -> str:
    """A declared service phone as stored: a mainland mobile (``13812345678``) or a
    landline (``0571-88886666``); ``""`` for none; :class:`Invalid` otherwise."""
    from backend.core.phone import is_mobile, normalize_phone

    text = (text or "").strip()
    if not text:
        return ""
    mobile = normalize_phone(text).removeprefix("0086")
    if is_mobile(mobile):
        return mobile
    if _LANDLINE.fullmatch(text.replace(" ", "")):
        return text.replace(" ", "")
    raise Invalid(
        "服务电话应为手机号或固定电话（如 0571-88886666）", {"service_phone": ["电话格式不正确"]}
    )


# --- who may publish where -------------------------------------------------------------


def publisher_of(staff: Staff) -> Publisher | None:
    """The publisher ``staff`` speaks for (company, committee, street), if any."""
    return next((p for p in Publisher if scope.can(staff, f"board.as_{p.value}")), None)


def sections_for(staff: Staff) -> list[Section]:
    """The sections ``staff`` may publish in (generated sections are never written by hand)."""
    publisher = publisher_of(staff)
    return [s for s in sections() if s.publisher == publisher and not s.generated]


def _section_or_invalid(code: str) -> Section:
    found = section(code)
    if found is None:
        raise Invalid("公示栏目不存在", {"section": ["栏目不存在"]})
    return found


def _check_publisher(staff: Staff, found: Section) -> None:
    """A company publishes only in the company's sections, a committee in the committee's,
    a street office in the street's: each answers for its own disclosures."""
    scope.require(staff, "board.publish")
    if found.generated:
        raise Forbidden(f"「{found.name}」由系统根据业务数据自动生成，不能手工发布")
    if publisher_of(staff) != found.publisher:
        raise Forbidden(f"「{found.name}」由{found.publisher.label}发布，您不能在此栏目发布")


def _estate_for(staff: Staff, estate_id: int) -> Estate:
    return scope.get_scoped(Estate, estate_id, staff)


# --- publishing ------------------------------------------------------------------------


def publish(
    staff: Staff, estate_id: int, section_code: str, content: Content, *, must_read: bool = False
) -> Post:
    """Publish a new post in ``section_code`` of ``estate_id``'s board (version 1)."""
    found = _section_or_invalid(section_code)
    estate = _estate_for(staff, estate_id)
    _check_publisher(staff, found)
    post = Post(
        estate_id=estate.id,
        section=found.code,
        publisher=found.publisher.value,
        must_read=must_read,
        created_by_id=staff.id,
    )
    db.session.add(post)
    db.session.flush()
    _add_version(post, content, staff=staff, reason="")
    audit.record(
        staff,
        "board.publish",
        "board_post",
        post.id,
        after={"section": found.code, "title": post.current.title, "must_read": must_read},
        estate_id=estate.id,
    )
    if must_read:
        from backend.board.jobs import send_must_read_reminders
        from backend.core.db import defer

        defer(send_must_read_reminders, post.id)
    return post


def correct(staff: Staff, post_id: int, content: Content, reason: str) -> Post:
    """Correct a post: a new version with ``reason``; the earlier ones stay readable.

    Attachments are not carried over by themselves: the new version lists its own
    (``Content.photo_ids``/``document_ids`` may name files of the previous version).
    """
    post = staff_post(staff, post_id, lock=True)
    _check_publisher(staff, _section_or_invalid(post.section))
    if post.withdrawn:
        raise Conflict("该公示已撤回，不能更正")
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 500:
        raise Invalid("请填写更正原因（2–500 字）", {"reason": ["请填写更正原因"]})
    before = {"title": post.current.title, "version": post.version_count}
    _add_version(post, content, staff=staff, reason=reason, previous=post.current)
    audit.record(
        staff,
        "board.correct",
        "board_post",
        post.id,
        before=before,
        after={"title": post.current.title, "version": post.version_count, "reason": reason},
        estate_id=post.estate_id,
    )
    return post


def withdraw(staff: Staff, post_id: int, reason: str) -> Post:
    """Withdraw a post from the board, with its reason; it stays on record and readable."""
    post = staff_post(staff, post_id, lock=True)
    _check_publisher(staff, _section_or_invalid(post.section))
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 500:
        raise Invalid("请填写撤回原因（2–500 字）", {"reason": ["请填写撤回原因"]})
    withdraw_post(post, reason, staff=staff)
    audit.record(
        staff,
        "board.withdraw",
        "board_post",
        post.id,
        after={"reason": reason},
        estate_id=post.estate_id,
    )
    return post


def redact(staff: Staff, post_id: int, number: int, reason: str) -> Redaction:
    """Remove version ``number`` of a post because it disclosed personal data by mistake
    (company admin or above, ``board.redact``; a reason is required).

    The version's title, text, figures and correction reason are blanked and its
    attachments taken off, for everyone (public, residents, panel); the redaction itself —
    which version, when, by whom and why — is kept, append-only, and audited. The files
    taken off are no longer attached (unattached photos are then deleted by the media job).
    """
    scope.require(staff, "board.redact")
    post = staff_post(staff, post_id, lock=True)
    version = next((v for v in post.versions if v.number == number), None)
    if version is None:
        raise NotFound("未找到该版本")
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 500:
        raise Invalid("请填写删除原因（2–500 字）", {"reason": ["请填写删除原因"]})
    if db.session.scalar(sa.select(Redaction.id).where(Redaction.version_id == version.id)):
        raise Conflict("该版本内容已删除")
    redaction = Redaction(post_id=post.id, version_id=version.id, reason=reason, staff=staff)
    db.session.add(redaction)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("该版本内容已删除") from None
    photos = [a.photo_id for a in version.attachments if a.photo_id]
    files = [a.document_id for a in version.attachments if a.document_id]
    # one statement each, past the ORM's append-only check: the database's guard admits
    # exactly this blanking once the redaction row exists
    db.session.execute(
        sa.update(PostVersion)
        .where(PostVersion.id == version.id)
        .values(title=REDACTED_TITLE, body_html="", reason="", statement=sa.null(), data=sa.null())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(Attachment).where(Attachment.version_id == version.id))
    _detach_unused(photos, files)
    audit.record(
        staff,
        "board.redact",
        "board_post",
        post.id,
        after={"version": number, "reason": reason},
        estate_id=post.estate_id,
    )
    db.session.expire(post)
    db.session.expire(version)
    cache.board_changed(post.estate_id)
    log.info("board post %s version %s redacted by %s", post.id, number, staff.id)
    return redaction


def _detach_unused(photo_ids: list[int], document_ids: list[int]) -> None:
    """Files no other version shows any more are no longer attached."""
    from backend.media.models import Document, Photo

    for model, column, ids in (
        (Photo, Attachment.photo_id, photo_ids),
        (Document, Attachment.document_id, document_ids),
    ):
        if not ids:
            continue
        used = set(db.session.scalars(sa.select(column).where(column.in_(ids))))
        unused = sorted(set(ids) - used)
        if unused:
            db.session.execute(
                sa.update(model)
                .where(model.id.in_(unused))
                .values(attached_at=None)
                .execution_options(synchronize_session=False)
            )


def withdraw_post(post: Post, reason: str, *, staff: Staff | None = None) -> None:
    """Record the withdrawal of ``post`` (once: a second withdrawal is a conflict)."""
    from backend.core.db import transition

    now = utcnow()
    if not transition(
        Post,
        post.id,
        Post.withdrawn_at,
        None,
        withdrawn_at=now,
        withdrawn_by_id=staff.id if staff else None,
        withdraw_reason=reason[:500],
    ):
        raise Conflict("该公示已撤回")
    db.session.refresh(post)
    cache.board_changed(post.estate_id)


def add_version(
    post: Post,
    content: Content,
    *,
    reason: str,
    staff: Staff | None = None,
    data: dict | None = None,
    body_html: str | None = None,
) -> PostVersion:
    """Append the next version of ``post`` (used by generated sections, which pass their
    escaped ``body_html`` and ``data``)."""
    return _add_version(post, content, staff=staff, reason=reason, data=data, body_html=body_html)


def _add_version(
    post: Post,
    content: Content,
    *,
    staff: Staff | None,
    reason: str,
    previous: PostVersion | None = None,
    data: dict | None = None,
    body_html: str | None = None,
) -> PostVersion:
    title = (content.title or "").strip()
    if not 2 <= len(title) <= 120:
        raise Invalid("标题为 2–120 个字", {"title": ["标题为 2–120 个字"]})
    html = body_html if body_html is not None else typed_body_html(content.body)
    if len(html) > 50_000:
        raise Invalid("正文过长（最多约 5 万字符）", {"body": ["正文过长"]})
    statement = check_statement(content.statement)
    if (
        content.effective_from
        and content.effective_until
        and content.effective_until < content.effective_from
    ):
        raise Invalid("有效期的结束日期早于开始日期", {"effective_until": ["结束日期无效"]})
    if (
        not html
        and statement is None
        and not data
        and not (content.photo_ids or content.document_ids)
    ):
        raise Invalid("请填写正文、收支明细或上传附件", {"body": ["内容为空"]})
    files = _attachments(post, content, staff, previous)
    number = post.version_count + 1
    # the conditional UPDATE serialises two corrections of one post: the loser is refused
    from backend.core.db import transition

    if not transition(
        Post,
        post.id,
        Post.version_count,
        post.version_count,
        version_count=number,
        published_at=utcnow(),
    ):
        raise Conflict("该公示刚刚被他人更新，请刷新后重试")
    version = PostVersion(
        post_id=post.id,
        number=number,
        title=title,
        body_html=html,
        statement=statement,
        data=data,
        effective_from=content.effective_from,
        effective_until=content.effective_until,
        reason=reason,
        staff_id=staff.id if staff else None,
        service_phone=service_phone(content.service_phone),
    )
    db.session.add(version)
    db.session.flush()
    for position, (photo, document) in enumerate(files):
        db.session.add(
            Attachment(
                version_id=version.id,
                position=position,
                photo_id=photo.id if photo else None,
                document_id=document.id if document else None,
            )
        )
    db.session.flush()
    db.session.expire(post, ["versions", "version_count", "published_at"])
    cache.board_changed(post.estate_id)
    return version


def _attachments(post, content, staff, previous) -> list[tuple]:
    """The (photo, document) pairs of a new version: files of the previous version may be
    named again; new ones must be the publisher's own, unused uploads."""
    if len(content.photo_ids) + len(content.document_ids) > MAX_ATTACHMENTS:
        raise Invalid(f"附件最多 {MAX_ATTACHMENTS} 个", {"attachments": ["附件过多"]})
    kept_photos, kept_documents = set(), set()
    if previous is not None:
        kept_photos = {a.photo_id for a in previous.attachments if a.photo_id}
        kept_documents = {a.document_id for a in previous.attachments if a.document_id}
    files: list[tuple] = []
    new_photos = [i for i in content.photo_ids if i not in kept_photos]
    new_documents = [i for i in content.document_ids if i not in kept_documents]
    if (new_photos or new_documents) and staff is None:
        raise Invalid("系统生成的公示不能上传附件")
    from backend.media.models import Document, Photo

    photos = (
        {p.id: p for p in media.attach_photos(new_photos, staff_id=staff.id)} if new_photos else {}
    )
    docs = (
        {d.id: d for d in documents.attach_documents(new_documents, staff_id=staff.id)}
        if new_documents
        else {}
    )
    for photo_id in content.photo_ids:
        files.append((photos.get(photo_id) or db.session.get(Photo, photo_id), None))
    for document_id in content.document_ids:
        files.append((None, docs.get(document_id) or db.session.get(Document, document_id)))
    return files


# --- reading, for staff ----------------------------------------------------------------


def _with_versions(stmt: sa.Select) -> sa.Select:
    versions = selectinload(Post.versions)
    return stmt.options(
        versions.selectinload(PostVersion.attachments).options(
            selectinload(Attachment.photo), selectinload(Attachment.document)
        ),
        versions.selectinload(PostVersion.redaction),
    )


def staff_post(staff: Staff, post_id: int, *, lock: bool = False) -> Post:
    """The post ``post_id`` if its estate is in ``staff``'s scope, else :class:`NotFound`."""
    scope.require(staff, "board.read")
    stmt = scope.scoped(sa.select(Post).where(Post.id == post_id), staff, Post.estate_id)
    if lock:
        stmt = stmt.with_for_update()
    post = db.session.scalars(_with_versions(stmt)).first()
    if post is None:
        raise NotFound(NOT_FOUND)
    return post


def staff_posts(
    staff: Staff, estate_id: int | None = None, section_code: str | None = None
) -> sa.Select:
    """The posts ``staff`` may read (newest first), optionally of one estate or section."""
    scope.require(staff, "board.read")
    stmt = sa.select(Post).order_by(Post.published_at.desc(), Post.id.desc())
    if estate_id is not None:
        stmt = stmt.where(Post.estate_id == estate_id)
    if section_code is not None:
        stmt = stmt.where(Post.section == section_code)
    return _with_versions(scope.scoped(stmt, staff, Post.estate_id))


def estates_for(staff: Staff) -> list[Estate]:
    """The estates whose boards ``staff`` may open."""
    scope.require(staff, "board.read")
    return scope.estates(staff)


# --- what the board shows --------------------------------------------------------------


def live_posts(estate_id: int, codes: Iterable[str] | None = None) -> list[Post]:
    """The estate's posts that are on the board now (not withdrawn), newest first."""
    stmt = sa.select(Post).where(Post.estate_id == estate_id, Post.withdrawn_at.is_(None))
    if codes is not None:
        stmt = stmt.where(Post.section.in_(list(codes)))
    stmt = stmt.order_by(Post.published_at.desc(), Post.id.desc())
    return list(db.session.scalars(_with_versions(stmt)))


def withdrawn_posts(estate_id: int, codes: Iterable[str] | None = None) -> list[Post]:
    """The estate's withdrawn posts (kept on record), most recently withdrawn first."""
    stmt = sa.select(Post).where(Post.estate_id == estate_id, Post.withdrawn_at.is_not(None))
    if codes is not None:
        stmt = stmt.where(Post.section.in_(list(codes)))
    stmt = stmt.order_by(Post.withdrawn_at.desc(), Post.id.desc())
    return list(db.session.scalars(_with_versions(stmt)))


def public_estate(estate_id: int) -> Estate:
    """The estate whose public board is asked for (any estate: the board is public)."""
    estate = db.session.get(Estate, estate_id)
    if estate is None:
        raise NotFound("未找到该小区")
    return estate


def post_in_estate(estate_id: int, post_id: int, *, public_only: bool) -> Post:
    """Post ``post_id`` of ``estate_id``'s board (withdrawn ones too: they stay on record);
    with ``public_only`` only posts of public sections."""
    stmt = _with_versions(sa.select(Post).where(Post.id == post_id, Post.estate_id == estate_id))
    post = db.session.scalars(stmt).first()
    found = section(post.section) if post is not None else None
    if post is None or found is None or (public_only and not found.public):
        raise NotFound(NOT_FOUND)
    return post


# --- residents -------------------------------------------------------------------------


def resident_post(resident: Resident, post_id: int) -> Post:
    """A post of a board ``resident`` may read, else :class:`NotFound`."""
    post = db.session.scalars(_with_versions(sa.select(Post).where(Post.id == post_id))).first()
    if (
        post is None
        or post.estate_id not in resident_authz.estate_ids(resident)
        or section(post.section) is None
    ):
        raise NotFound(NOT_FOUND)
    return post


def mark_read(resident: Resident, post: Post) -> PostRead:
    """Record that ``resident`` read ``post`` (the first reading counts; repeating is fine)."""
    existing = _read_of(resident.id, post.id)
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            receipt = PostRead(post_id=post.id, resident_id=resident.id)
            db.session.add(receipt)
    except IntegrityError:
        # read at the same moment on two phones: the other receipt stands
        return _read_of(resident.id, post.id)
    return receipt


def _read_of(resident_id: int, post_id: int) -> PostRead | None:
    return db.session.scalars(
        sa.select(PostRead).where(PostRead.post_id == post_id, PostRead.resident_id == resident_id)
    ).first()


def read_post_ids(resident: Resident, post_ids: list[int]) -> set[int]:
    """Which of ``post_ids`` ``resident`` has read."""
    if not post_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(PostRead.post_id).where(
                PostRead.resident_id == resident.id, PostRead.post_id.in_(post_ids)
            )
        )
    )


def owner_ids(estate_id: int) -> sa.Select:
    """The residents who are owners in ``estate_id`` today (each counted once: by heads)."""
    return Residency.current_owners(Residency.estate_id == estate_id)


@dataclass(frozen=True)
class ReadShare:
    """How many of an estate's owners (by heads) have read a post."""

    owners: int
    read: int

    @property
    def share(self) -> float:
        return round(self.read / self.owners, 4) if self.owners else 0.0

    def as_dict(self) -> dict:
        return {"owners": self.owners, "read": self.read, "share": self.share}


def read_share(post: Post) -> ReadShare:
    """The share of the estate's owners, by heads, who have read ``post``."""
    owners = owner_ids(post.estate_id).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(owners))
    read = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(PostRead.resident_id))).where(
            PostRead.post_id == post.id, PostRead.resident_id.in_(sa.select(owners.c.resident_id))
        )
    )
    return ReadShare(owners=total or 0, read=read or 0)


def unread_owners_to_remind(post: Post) -> list[int]:
    """Owners who have neither read ``post`` nor been reminded of it yet."""
    return list(
        db.session.scalars(
            owner_ids(post.estate_id)
            .where(
                ~Residency.resident_id.in_(
                    sa.select(PostRead.resident_id).where(PostRead.post_id == post.id)
                ),
                ~Residency.resident_id.in_(
                    sa.select(MustReadReminder.resident_id).where(
                        MustReadReminder.post_id == post.id
                    )
                ),
            )
            .order_by(Residency.resident_id)
        )
    )


def mark_owners_reminded(post: Post) -> int:
    """Count today's owners as reminded of must-read ``post`` without a message (its
    source told them with its own); owners who arrive later still get the notice. Returns
    how many were marked."""
    ids = unread_owners_to_remind(post)
    if ids:
        db.session.execute(
            sa.insert(MustReadReminder), [{"post_id": post.id, "resident_id": i} for i in ids]
        )
    return len(ids)


def remind_unread_owners(post_id: int) -> int:
    """Send the must-read notice to each owner who has not read ``post_id`` (once each)."""
    from backend.notify import notify_resident

    post = db.session.get(Post, post_id)
    if post is None or not post.must_read or post.withdrawn:
        return 0
    sent = 0
    for resident_id in unread_owners_to_remind(post):
        try:
            with db.session.begin_nested():
                db.session.add(MustReadReminder(post_id=post.id, resident_id=resident_id))
        except IntegrityError:
            continue  # another run reminded them meanwhile
        notify_resident(
            resident_id,
            "must_read_notice",
            estate_id=post.estate_id,
            notice_id=post.id,
            title=post.current.title,
            publisher=publisher_label(post),
            published_at=post.versions[0].created_at,
        )
        sent += 1
    if sent:
        log.info("must-read post %s: reminded %s owners", post.id, sent)
    return sent


def must_read_posts_to_remind() -> list[int]:
    """Live must-read posts (their reminders are sent once per owner; new owners too)."""
    return list(
        db.session.scalars(
            sa.select(Post.id).where(Post.must_read.is_(True), Post.withdrawn_at.is_(None))
        )
    )


def publisher_label(post: Post) -> str:
    """Who published ``post``, as the board names them (an organisation, never a person)."""
    if post.publisher == Publisher.company.value and post.estate.company is not None:
        return post.estate.company.name
    try:
        return Publisher(post.publisher).label
    except ValueError:
        return post.publisher


def read_statistics(staff: Staff, estate_id: int) -> list[tuple[Post, ReadShare]]:
    """The estate's live must-read posts, newest first, each with its owners' read share
    (for the panel's read statistics)."""
    scope.require(staff, "board.read")
    _estate_for(staff, estate_id)
    return [(post, read_share(post)) for post in live_posts(estate_id) if post.must_read]


def staff_board(staff: Staff, estate_id: int) -> dict:
    """The whole board of an estate in ``staff``'s scope (every section, public or not), as
    :func:`backend.board.views.board_view` gives it."""
    from backend.board.views import board_view

    scope.require(staff, "board.read")
    return board_view(_estate_for(staff, estate_id), public=False)
