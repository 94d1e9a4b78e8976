"""Documents (PDF, xlsx) next to photos: the one safe store for files staff attach.

Nothing the client says is trusted: the type is sniffed from the bytes (a PDF starts with
``%PDF-`` and ends with ``%%EOF``; an xlsx is a whole ZIP archive holding
``[Content_Types].xml`` and ``xl/workbook.xml`` with a bounded unpacked size), active
content is refused (:func:`active_content`: an xlsx with macros in any letter case,
external links, DDE or embedded objects; a PDF with JavaScript, launch actions or embedded
files, also when hidden in compressed streams or ``#xx``-escaped names), the size is
bounded (``DOCUMENT_MAX_BYTES``) and the stored name is rebuilt from
the cleaned base name and the sniffed extension. Files are private: they are handed out
only through signed URLs (:func:`document_view`).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib

import sqlalchemy as sa
from flask import current_app

from backend.core.errors import Invalid, NotFound
from backend.core.masking import mask_public
from backend.core.signing import signed_url
from backend.core.time import utcnow
from backend.extensions import db
from backend.media.models import Document
from backend.media.services import PhotoRefused
from backend.media.storage import StoredFileMissing, get_storage

#: an xlsx unpacks to at most this many bytes (a zip bomb is refused unopened)
XLSX_MAX_UNPACKED = 100 * 1024 * 1024
_NAME_JUNK = re.compile(r"[^\w\u4e00-\u9fff（）()\-. ]+")


def sniff_document(data: bytes) -> str | None:
    """``"pdf"`` or ``"xlsx"`` if the bytes really are one, else ``None``."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if (
            "[Content_Types].xml" in names
            and "xl/workbook.xml" in names
            and unpacked <= XLSX_MAX_UNPACKED
        ):
            return "xlsx"
    return None


XLSX_ACTIVE = "Excel 文件含有宏、外部链接、DDE 或嵌入对象，请删除后另存为普通 .xlsx 再上传"
PDF_ACTIVE = "PDF 文件含有脚本、启动动作或嵌入文件，请另存（打印）为普通 PDF 后再上传"

#: parts of an xlsx that run or fetch something: macros, ActiveX, OLE/embedded objects,
#: external workbook links (DDE links live there too)
_XLSX_ACTIVE_PART = re.compile(
    r"(vbaproject|vbadata|activex|embeddings/|oleobject|externallinks/|\.exe$)", re.I
)
_XLSX_ACTIVE_XML = re.compile(
    rb"(ddeLink|oleObject|oleLink|macroEnabled|vbaProject|externalLink|activeX"
    rb"|<(?:\w+:)?f\b[^>]*>[^<]*\|)",  # a formula calling another program: =cmd|' /C calc'!A0
    re.I,
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|ImportData|GoToE|GoToR|SubmitForm)"
    rb"(?![A-Za-z0-9])"
)
_PDF_STREAM = re.compile(rb"stream\r?\n")
#: the most bytes inflated from a PDF's streams while looking for hidden actions
PDF_MAX_INFLATED = 64 * 1024 * 1024


def active_content(data: bytes, kind: str) -> str | None:
    """Why ``data`` (a sniffed ``kind``) is refused as an attachment, or ``None``."""
    if kind == "xlsx":
        return XLSX_ACTIVE if _xlsx_is_active(data) else None
    if kind == "pdf":
        return PDF_ACTIVE if _pdf_is_active(data) else None
    return None


def _xlsx_is_active(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if _XLSX_ACTIVE_PART.search(info.filename):
                return True
            # bounded: sniff_document refused more than XLSX_MAX_UNPACKED in all
            if info.filename.lower().endswith((".xml", ".rels")) and _XLSX_ACTIVE_XML.search(
                archive.read(info)
            ):
                return True
    return False


def _pdf_is_active(data: bytes) -> bool:
    def unescaped(chunk: bytes) -> bytes:
        return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), chunk)

    if _PDF_ACTIVE.search(unescaped(data)):
        return True
    budget = PDF_MAX_INFLATED
    for match in _PDF_STREAM.finditer(data):
        end = data.find(b"endstream", match.end())
        if end < 0:
            break
        try:
            inflater = zlib.decompressobj()
            inflated = inflater.decompress(data[match.end() : end], budget)
        except zlib.error:
            continue  # not a Flate stream (an image, plain text): scanned above as it is
        budget -= len(inflated)
        if _PDF_ACTIVE.search(unescaped(inflated)):
            return True
        if budget <= 0:
            return True  # more packed inside than any disclosure needs: refuse, unread
    return False


def clean_filename(name: str, kind: str) -> str:
    """A storable, displayable file name: the client's base name, cleaned, with the
    extension of the sniffed type."""
    base = unicodedata.normalize("NFC", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    base = mask_public(base)  # a name shown on a public board: no phone, no ID number
    base = base.rsplit(".", 1)[0] if "." in base else base
    base = _NAME_JUNK.sub("", base).strip(" .")[:100] or "附件"
    return f"{base}.{kind}"


def upload_document(data: bytes, filename: str, *, staff_id: int) -> Document:
    """Check and store a document uploaded by staff; return the new :class:`Document`.

    Refuses (413) more than ``DOCUMENT_MAX_BYTES`` and (422) anything that is not a whole
    PDF or a macro-free xlsx, whatever it is called.
    """
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    if not data:
        raise PhotoRefused("文件为空，请重新选择")
    if len(data) > limit:
        raise PhotoRefused(f"附件不能超过 {limit // (1024 * 1024)} MB", 413)
    kind = sniff_document(data)
    if kind is None:
        raise PhotoRefused("附件只支持 PDF 或 Excel（xlsx）文件")
    reason = active_content(data, kind)
    if reason:
        raise PhotoRefused(reason)
    sha = hashlib.sha256(data).hexdigest()
    document = Document(
        sha256=sha,
        kind=kind,
        filename=clean_filename(filename, kind),
        byte_size=len(data),
        staff_id=staff_id,
    )
    get_storage().put(document.key, data, document.content_type)
    db.session.add(document)
    db.session.flush()
    return document


def attach_documents(document_ids: list[int], *, staff_id: int) -> list[Document]:
    """Mark the staff member's own unattached documents as used, in that order."""
    if not document_ids:
        return []
    if len(set(document_ids)) != len(document_ids):
        raise Invalid("附件重复", {"document_ids": ["附件重复"]})
    claimed = db.session.execute(
        sa.update(Document)
        .where(
            Document.id.in_(document_ids),
            Document.staff_id == staff_id,
            Document.attached_at.is_(None),
        )
        .values(attached_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != len(document_ids):
        raise Invalid("附件不存在或已被使用，请重新上传", {"document_ids": ["附件无效"]})
    documents = {
        d.id: d
        for d in db.session.scalars(sa.select(Document).where(Document.id.in_(document_ids)))
    }
    for document in documents.values():
        db.session.refresh(document)
    return [documents[i] for i in document_ids]


def document_view(document: Document) -> dict:
    """What a client is given of a document: name, type, size and a short-lived signed URL.
    Call it only for someone allowed to see the document."""
    return {
        "id": document.id,
        "kind": document.kind,
        "filename": document.filename,
        "byte_size": document.byte_size,
        "url": signed_url("media.document_file", document_id=document.id),
    }


def document_file(document_id: int) -> tuple[bytes, Document]:
    """The stored bytes of a document (the caller has checked the signed URL)."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound("附件不存在或已删除")
    try:
        return get_storage().get(document.key), document
    except StoredFileMissing as exc:
        raise NotFound("附件不存在或已删除") from exc
