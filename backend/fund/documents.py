"""Documents of a use (报价单、施工合同、应急证明、发票、验收报告、决算书): stored and checked by
``backend.media.documents`` (PDF or macro-free xlsx, sniffed from the bytes, private behind
signed URLs), linked to the use here. The applicant adds them while the use runs; readers
in scope see them in the panel, and the owners whose units the use charges see them in the
resident API (民法典 Art. 281: the use of the fund is disclosed to the owners)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import Conflict, Invalid
from backend.extensions import db
from backend.fund.models import DocumentKind, FundUse, FundUseDocument, UseState
from backend.media import documents as media_documents

#: the most documents one use holds
MAX_DOCUMENTS = 30


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


def add_document(staff, use: FundUse, kind: str, data: bytes, filename: str) -> FundUseDocument:
    """Store ``data`` as a document of ``use`` (refused 413/422 by the media checks)."""
    require_adder(staff)
    if use.state == UseState.closed:
        raise Conflict("该申请已结案，不能再添加附件")
    if kind not in DocumentKind.__members__:
        raise Invalid("请选择附件类型", {"kind": list(DocumentKind.__members__)})
    count = db.session.scalar(sa.select(sa.func.count()).where(FundUseDocument.use_id == use.id))
    if count >= MAX_DOCUMENTS:
        raise Invalid(f"每项申请最多 {MAX_DOCUMENTS} 个附件", {"file": ["附件过多"]})
    document = media_documents.upload_document(data, filename, staff_id=staff.id)
    media_documents.attach_documents([document.id], staff_id=staff.id)
    link = FundUseDocument(
        use_id=use.id, document_id=document.id, kind=DocumentKind(kind), added_by_id=staff.id
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        staff,
        "fund_use.document",
        "fund_use",
        use.id,
        after={"kind": kind, "filename": document.filename, "document_id": document.id},
        estate_id=use.estate_id,
    )
    return link


def documents_of(use_id: int) -> list[FundUseDocument]:
    """A use's documents, in the order they were added."""
    return list(
        db.session.scalars(
            sa.select(FundUseDocument)
            .options(joinedload(FundUseDocument.document))
            .where(FundUseDocument.use_id == use_id)
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
