"""What the panel's board screens show (``admin/board.py``): an estate's board for staff,
the sanitised preview of a post being written, the files staff upload with it, the
compliance overview and the read statistics of must-read posts.

The rules themselves (who publishes where, append-only versions, money statements that
add up) are :mod:`backend.board.services`'; this module only gathers and shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from backend.accounts.models import Staff
from backend.authz import scope
from backend.board import compliance, services
from backend.board.models import Post, PostVersion, Redaction
from backend.board.richtext import as_html, sanitize
from backend.board.sections import Section, sections
from backend.board.statements import check_statement
from backend.core.errors import DomainError, Forbidden, Invalid
from backend.core.time import local_day_start
from backend.extensions import db
from backend.media import documents
from backend.media import services as media
from backend.media.models import Document, Photo
from backend.org.models import Estate

#: rows of the money-statement table a blank form offers (more appear once these are used)
STATEMENT_ROWS = 6


@dataclass
class BoardSection:
    """One section of an estate's board as staff see it."""

    section: Section
    status: compliance.SectionStatus | None
    posts: list[Post] = field(default_factory=list)
    withdrawn: list[Post] = field(default_factory=list)
    #: whether the staff member looking may publish here
    writable: bool = False


# --- every post in scope, as one list -------------------------------------------------------

#: the posts list's states (``?state=``): on the board, withdrawn, with a version whose
#: content was removed (redacted)
POST_STATES = {"published": "公示中", "withdrawn": "已撤回", "redacted": "有内容已删除"}


@dataclass(frozen=True)
class PostFilter:
    """What the posts list is narrowed to: an estate, a section's code, a state of
    :data:`POST_STATES`, published from and to (local days, inclusive), words of the title."""

    estate_id: int | None = None
    section: str | None = None
    state: str = ""
    published_from: date | None = None
    published_to: date | None = None
    q: str = ""


def _section_order(descending: bool) -> tuple:
    """Sections in the board's order (``sections.toml``), not by their codes."""
    order = sa.case(
        {s.code: i for i, s in enumerate(sections())}, value=Post.section, else_=len(sections())
    )
    return (order.desc() if descending else order,)


#: the posts list's sort keys (``admin.board.POSTS``)
POST_SORTS = {
    "published": Post.published_at,
    "estate": sa.select(Estate.name).where(Estate.id == Post.estate_id).scalar_subquery(),
    "section": _section_order,
}


def posts_query(staff: Staff, f: PostFilter) -> sa.Select:
    """Every post of the boards in ``staff``'s scope (a company's estates, an officer's
    jurisdiction) narrowed by ``f``, newest first, whatever its estate or section."""
    scope.require(staff, "board.read")
    stmt = scope.scoped(sa.select(Post), staff, Post.estate_id)
    if f.estate_id is not None:
        stmt = stmt.where(Post.estate_id == f.estate_id)
    if f.section:
        stmt = stmt.where(Post.section == f.section)
    if f.state == "published":
        stmt = stmt.where(Post.withdrawn_at.is_(None))
    elif f.state == "withdrawn":
        stmt = stmt.where(Post.withdrawn_at.is_not(None))
    elif f.state == "redacted":
        stmt = stmt.where(Post.id.in_(sa.select(Redaction.post_id)))
    if f.published_from is not None:
        stmt = stmt.where(Post.published_at >= local_day_start(f.published_from))
    if f.published_to is not None:
        stmt = stmt.where(Post.published_at < local_day_start(f.published_to + timedelta(days=1)))
    if f.q:  # the title the board shows now (the current version's)
        titled = sa.exists().where(
            PostVersion.post_id == Post.id,
            PostVersion.number == Post.version_count,
            PostVersion.title.contains(f.q, autoescape=True),
        )
        stmt = stmt.where(titled)
    return stmt.options(selectinload(Post.versions), selectinload(Post.estate)).order_by(
        Post.published_at.desc(), Post.id.desc()
    )


def staff_estate(staff: Staff, estate_id: int) -> Estate:
    """Estate ``estate_id`` if its board is in ``staff``'s scope, else :class:`NotFound`."""
    scope.require(staff, "board.read")
    return scope.get_scoped(Estate, estate_id, staff)


def require_writable(staff: Staff, post: Post) -> None:
    """:class:`Forbidden` unless ``staff`` publishes in ``post``'s section (a correction
    form is shown only to those who may send it)."""
    scope.require(staff, "board.publish")
    if not any(s.code == post.section for s in services.sections_for(staff)):
        raise Forbidden("该栏目不由您的单位发布，您不能更正此公示")


def estate_board(staff: Staff, estate: Estate) -> list[BoardSection]:
    """Every section of ``estate``'s board (private ones too) with its posts and status."""
    live = services.live_posts(estate.id)
    withdrawn = services.withdrawn_posts(estate.id)
    statuses = {s.section.code: s for s in compliance.board_compliance(estate.id).statuses}
    writable = {s.code for s in services.sections_for(staff)}
    return [
        BoardSection(
            section=s,
            status=statuses.get(s.code),
            posts=[p for p in live if p.section == s.code],
            withdrawn=[p for p in withdrawn if p.section == s.code],
            writable=s.code in writable and scope.can(staff, "board.publish"),
        )
        for s in sections()
    ]


@dataclass(frozen=True)
class Preview:
    """A post as it would be published: the body as the sanitiser leaves it and the
    money statement as checked (or why it is refused)."""

    body_html: str
    statement: dict | None
    statement_error: str | None
    #: whether the sanitiser removed anything from what was written
    body_changed: bool


def preview(body: str, statement: dict | None) -> Preview:
    """What publishing ``body`` and ``statement`` would store; nothing is saved."""
    source = as_html(body)
    body_html = sanitize(source)
    error = None
    checked = None
    try:
        checked = check_statement(statement)
    except DomainError as exc:
        error = exc.message
    return Preview(
        body_html=body_html,
        statement=checked,
        statement_error=error,
        body_changed=_normalised(body_html) != _normalised(source),
    )


def _normalised(html: str) -> str:
    return " ".join((html or "").split()).replace("<br/>", "<br>").replace("<br />", "<br>")


def upload_files(staff_id: int, files: list[tuple[bytes, str]]) -> tuple[list[int], list[int]]:
    """Store the files staff chose for a post: PDF and xlsx as documents, anything else
    through the photo pipeline (which refuses what is not a picture). Returns the new
    photo ids and document ids, not yet attached to anything."""
    photo_ids: list[int] = []
    document_ids: list[int] = []
    for data, filename in files:
        if documents.sniff_document(data):
            document_ids.append(documents.upload_document(data, filename, staff_id=staff_id).id)
        else:
            photo_ids.append(media.upload_photo(data, staff_id=staff_id).id)
    return photo_ids, document_ids


def file_views(staff: Staff, photo_ids: list[int], document_ids: list[int]) -> list[dict]:
    """What the form shows of files chosen so far: the staff member's own uploads only."""
    out = []
    if photo_ids:
        photos = db.session.scalars(
            sa.select(Photo).where(Photo.id.in_(photo_ids), Photo.staff_id == staff.id)
        )
        out += [{"kind": "photo", "id": p.id, **media.photo_view(p)} for p in photos]
    if document_ids:
        docs = db.session.scalars(
            sa.select(Document).where(Document.id.in_(document_ids), Document.staff_id == staff.id)
        )
        out += [{**documents.document_view(d), "kind_label": d.kind} for d in docs]
    return out


def version_files(post: Post) -> tuple[list[int], list[int]]:
    """The photo and document ids of ``post``'s current version (a correction keeps them
    unless told otherwise)."""
    current = post.current
    attachments = current.attachments if current is not None else []
    return (
        [a.photo_id for a in attachments if a.photo_id],
        [a.document_id for a in attachments if a.document_id],
    )


def must_read_stats(staff: Staff, estate_id: int | None = None) -> list[tuple[Post, object]]:
    """Must-read posts in ``staff``'s scope still on the board, newest first, each with
    the share of the estate's owners (by heads) who have read it."""
    stmt = services.staff_posts(staff, estate_id).where(
        Post.must_read.is_(True), Post.withdrawn_at.is_(None)
    )
    return [(post, services.read_share(post)) for post in db.session.scalars(stmt)]


def compliance_rows(
    staff: Staff, order: str, street_id: int | None = None
) -> list[compliance.BoardCompliance]:
    """The compliance of every board in ``staff``'s scope (of one street's estates if
    given), in ``order`` (most overdue first by default)."""
    if order not in compliance.ORDERS:
        raise Invalid("排序方式无效", {"order": ["取值无效"]})
    return compliance.compliance_overview(staff, order=order, street_id=street_id)
