"""The page a mediation document's QR code opens (no sign-in, no names)."""

from __future__ import annotations

from flask import Blueprint, render_template

from backend.mediation import documents

blueprint = Blueprint("mediation_documents", __name__, template_folder="templates")


@blueprint.get("/mediation/verify/<code>")
def verify(code: str):
    """文书核验：文书类别、编号、状态与摘要；无效或被改动的码不显示任何信息。"""
    found = documents.verify(code[:500])
    return render_template("mediation/verify.html", found=found), 200 if found else 404
