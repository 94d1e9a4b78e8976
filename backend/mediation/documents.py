"""Mediation documents: the application (调解申请书), a session record (调解笔录) and the
agreement (人民调解协议书) as A4 PDFs in the CJK font (as many pages as the text needs,
nothing cut), each page with a QR code that
opens a public page verifying it. The code signs the case, the document and a digest of
its text and signatures: a changed document, or a forged code, verifies nothing. The
verification page shows no names (nothing of a case is public): only which document,
its state and dates, and its digest to compare with the paper.
"""

from __future__ import annotations

import hashlib
import io
import textwrap

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from backend.core.errors import NotFound
from backend.core.origin import public_url_for
from backend.core.time import to_local
from backend.extensions import db
from backend.mediation import services
from backend.mediation.models import CaseState, MediationCase

TITLES = {"application": "人民调解申请书", "agreement": "人民调解协议书", "session": "人民调解笔录"}
#: the CID font every PDF reader has for Simplified Chinese (no font file is embedded)
FONT = "STSong-Light"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="linli-mediation-document")


def _session(case: MediationCase, document: str):
    if document.startswith("session-"):
        wanted = document.removeprefix("session-")
        found = next((s for s in case.sessions if str(s.id) == wanted), None)
        if found is not None:
            return found
    raise NotFound("未找到该文书")


def lines(case: MediationCase, document: str) -> list[str]:
    """The document's text, line by line (what the PDF prints and the digest covers)."""
    head = [f"编号：M{case.id}    类别：{case.category.label}    小区：{case.estate.name}"]
    parties = [f"{p.side.label}：{p.name}（{p.kind.label}）" for p in case.parties]
    if document == "application":
        when = to_local(case.requested_at).strftime("%Y-%m-%d")
        return [*head, *parties, "申请调解事项：", case.matter, f"申请日期：{when}",
                "人民调解不收取任何费用（《人民调解法》第四条）。"]  # fmt: skip
    if document not in ("application", "agreement") and not document.startswith("session-"):
        raise NotFound("未找到该文书")
    if document == "agreement":
        if not case.agreement:
            raise NotFound("该案件尚无调解协议")
        signed = {s.signer: s for s in case.signatures if s.document == "agreement"}
        signatures = [
            f"{services.signer_label(case, s)}："
            + (
                f"{signed[s].method.label} {to_local(signed[s].signed_at):%Y-%m-%d}"
                if s in signed
                else "（未签署）"
            )
            for s in services.required_signers(case)
        ]
        effect = (
            f"生效日期：{to_local(case.effective_at):%Y-%m-%d}"
            if case.effective_at
            else "尚未生效：各方签名、调解员签名并加盖调解委员会印章后生效（第二十九条）"
        )
        return [
            *head,
            *parties,
            "纠纷主要事实、争议事项：",
            case.matter,
            "协议内容：",
            case.agreement,
            "本协议具有法律约束力，当事人应当按照约定履行（第三十一条）；可自生效之日起三十日内"
            "共同向人民法院申请司法确认（第三十三条）。当事人各执一份，调解委员会留存一份。",
            *signatures,
            effect,
        ]
    session = _session(case, document)
    return [
        *head,
        f"时间：{to_local(session.held_at):%Y-%m-%d %H:%M}    地点：{session.place or '—'}",
        f"参加人员：{session.attendees}",
        f"调解员：{session.mediator.name}",
        "笔录：",
        session.record,
    ]


def digest(case: MediationCase, document: str) -> str:
    return hashlib.sha256("\n".join(lines(case, document)).encode()).hexdigest()


def code(case: MediationCase, document: str) -> str:
    """The QR's code: the case, the document and its digest, signed."""
    return _signer().dumps([case.id, document, digest(case, document)[:16]])


def verify(value: str) -> dict | None:
    """What the verification page shows for a code, or ``None`` (forged, or the document
    changed since it was printed)."""
    try:
        case_id, document, short = _signer().loads(value)
    except (BadSignature, ValueError, TypeError):
        return None
    case = db.session.get(MediationCase, case_id) if isinstance(case_id, int) else None
    if case is None or not isinstance(document, str):
        return None
    try:
        full = digest(case, document)
    except NotFound:
        return None
    if full[:16] != short:
        return None
    kind = "session" if document.startswith("session-") else document
    return {
        "title": TITLES[kind],
        "number": f"M{case.id}",
        "state": case.state.label,
        "effective": case.effective_at if document == "agreement" else None,
        "in_effect": document == "agreement" and case.state != CaseState.agreed
        and case.effective_at is not None,
        "digest": full,
    }  # fmt: skip


def _pages(text: list[str], first_top: float, top: float, bottom: float) -> list[list[tuple]]:
    """The text wrapped into lines and laid out on pages: each page a list of
    ``(y, line)``. Nothing is cut: a long agreement goes on to more pages."""
    pages: list[list[tuple]] = [[]]
    y = first_top
    for line in text:
        for part in textwrap.wrap(line, 40) or [""]:
            if y < bottom:
                pages.append([])
                y = top
            pages[-1].append((y, part))
            y -= 18
        y -= 4
    return pages


def pdf(case: MediationCase, document: str) -> bytes:
    """The document as an A4 PDF, on as many pages as its text needs, each page with the
    verifying QR code, the digest and "第 n 页，共 m 页"."""
    import qrcode
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    kind = "session" if document.startswith("session-") else document
    url = public_url_for("mediation_documents.verify", code=code(case, document))
    png = io.BytesIO()
    qrcode.make(url, box_size=4, border=1).save(png, format="PNG")
    png.seek(0)
    qr = ImageReader(png)
    summary = digest(case, document)[:32]
    width, height = A4
    pages = _pages(lines(case, document), height - 110, height - 72, 150)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setTitle(f"{TITLES[kind]} M{case.id}")
    for number, placed in enumerate(pages, start=1):
        if number == 1:
            page.setFont(FONT, 20)
            page.drawCentredString(width / 2, height - 72, TITLES[kind])
        page.setFont(FONT, 11)
        for y, part in placed:
            page.drawString(56, y, part)
        page.drawImage(qr, width - 156, 40, 100, 100)
        page.setFont(FONT, 8)
        page.drawString(56, 72, f"M{case.id} {TITLES[kind]}  第 {number} 页，共 {len(pages)} 页")
        page.drawString(56, 60, "扫码核验本文书（文书摘要）：")
        page.drawString(56, 48, summary)
        page.showPage()
    page.save()
    return buffer.getvalue()
