"""Documents of a use (报价单、施工合同、应急证明、发票、验收报告、决算书): stored and checked by
``backend.media.documents`` (PDF or macro-free xlsx, sniffed from the bytes, private behind
signed URLs), linked to the use here. Evidence (应急证明) may also be photos of the hazard
taken on site: they go through the one photo pipeline (``backend.media.services``:
sniffed, bounded, re-encoded, metadata stripped) and are shown as thumbnails. The
applicant adds them while the use runs; readers in scope see them in the panel, and the
owners whose units the use charges see them in the resident API (民法典 Art. 281: the
use of the fund is disclosed to the owners)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import Conflict, Invalid
from backend.extensions import db
from backend.fund.models import DocumentKind, FundUse, FundUseDocument, UseState
from backend.media import documents as media_documents
from backend.media import images as media_images
from backend.media import services as media
from backend.media.services import PhotoRefused

#: the most documents (and photos) one use holds
MAX_DOCUMENTS = 30
#: the kinds a photo may be attached as: evidence of the hazard an emergency answers
PHOTO_KINDS = frozenset({DocumentKind.evidence.value})
EVIDENCE_FORMATS = "应急证明只支持照片（JPEG、PNG、WebP、HEIC）、PDF 或 Excel（xlsx）文件"


def may_add(staff, use: FundUse) -> bool:
    """Whether ``staff`` may attach documents to ``use`` now (the applicant's side, or the
    one who discloses the final account; not once the use is closed)."""
    return use.state != UseState.closed and (
        scope.can(staff, "fund.apply") or scope.can(staff, "fund.disclose")
    )


def require_adder(staff) -> None:
    """403 unless ``staff``'s role attaches documents to uses (applicants, disclosers)."""
    if not (scope.can(staff, "fund.apply") or scope.can(staff, "fund.disclose")):
        scope.require(staff, "fund.apply")


def check_addable(staff, use: FundUse, kind: str) -> None:
    """Refuse, before anything is stored, an attachment ``staff`` may not add to ``use``
    now: a role that attaches nothing (403), a closed use (409), an unknown kind or a
    use that holds :data:`MAX_DOCUMENTS` already (422)."""
    require_adder(staff)
    if use.state == UseState.closed:
        raise Conflict("该申请已结案，不能再添加附件")
    if kind not in DocumentKind.__members__:
        raise Invalid("请选择附件类型", {"kind": list(DocumentKind.__members__)})
    count = db.session.scalar(sa.select(sa.func.count()).where(FundUseDocument.use_id == use.id))
    if count >= MAX_DOCUMENTS:
        raise Invalid(f"每项申请最多 {MAX_DOCUMENTS} 个附件", {"file": ["附件过多"]})


def takes_photo(kind: str, data: bytes) -> bool:
    """Whether ``data`` attached as ``kind`` goes through the photo pipeline: evidence
    that is not a PDF or xlsx. Evidence that is neither, by its bytes, whatever its name,
    is refused (422) here, before anything is stored."""
    if kind not in PHOTO_KINDS or media_documents.sniff_document(data):
        return False
    if media_images.sniff(data) is None:
        raise PhotoRefused(EVIDENCE_FORMATS)
    return True


def add_document(staff, use: FundUse, kind: str, data: bytes, filename: str) -> FundUseDocument:
    """Store ``data`` as a document of ``use`` (refused 413/422 by the media checks)."""
    check_addable(staff, use, kind)
    document = media_documents.upload_document(data, filename, staff_id=staff.id)
    media_documents.attach_documents([document.id], staff_id=staff.id)
    after = {"kind": kind, "filename": document.filename, "document_id": document.id}
    return _attach(staff, use, FundUseDocument(document_id=document.id), kind, after)


def add_photo(staff, use: FundUse, kind: str, photo_id: int) -> FundUseDocument:
    """Attach ``staff``'s own cleaned, unattached photo ``photo_id`` (stored by
    ``backend.media.services.upload_photo``) to ``use`` as ``kind`` (evidence only)."""
    check_addable(staff, use, kind)
    if kind not in PHOTO_KINDS:
        raise Invalid("只有应急证明可以上传照片", {"kind": ["照片只能作为应急证明"]})
    (photo,) = media.attach_photos([photo_id], staff_id=staff.id)
    after = {"kind": kind, "photo_id": photo.id}
    return _attach(staff, use, FundUseDocument(photo_id=photo.id), kind, after)


def _attach(staff, use: FundUse, link: FundUseDocument, kind: str, after: dict):
    link.use_id, link.kind, link.added_by_id = use.id, DocumentKind(kind), staff.id
    db.session.add(link)
    db.session.flush()
    action = "fund_use.photo" if link.photo_id else "fund_use.document"
    audit.record(staff, action, "fund_use", use.id, after=after, estate_id=use.estate_id)
    return link


def documents_of(use_id: int) -> list[FundUseDocument]:
    """A use's documents (PDF, xlsx; not its photos), in the order they were added."""
    return list(
        db.session.scalars(
            sa.select(FundUseDocument)
            .options(joinedload(FundUseDocument.document))
            .where(FundUseDocument.use_id == use_id, FundUseDocument.document_id.is_not(None))
            .order_by(FundUseDocument.id)
        )
    )


def document_views(use_id: int) -> list[dict]:
    """What a reader allowed to see the use is given of its documents (signed URLs)."""
    return [
        {
            **media_documents.document_view(link.document),
            "document_kind": link.kind.value,
            "document_kind_label": link.kind.label,
            "added_at": link.created_at,
        }
        for link in documents_of(use_id)
    ]


def photo_views(use_id: int) -> list[dict]:
    """What a reader allowed to see the use is given of its photos, in the order they were
    added: ``{id, url, thumbnail_url, width, height}`` (short-lived signed URLs) with the
    kind and when it was added."""
    links = db.session.scalars(
        sa.select(FundUseDocument)
        .options(joinedload(FundUseDocument.photo))
        .where(FundUseDocument.use_id == use_id, FundUseDocument.photo_id.is_not(None))
        .order_by(FundUseDocument.id)
    )
    return [
        {
            **media.photo_view(link.photo),
            "document_kind": link.kind.value,
            "document_kind_label": link.kind.label,
            "added_at": link.created_at,
        }
        for link in links
    ]
