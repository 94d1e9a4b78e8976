"""What the board shows, as JSON-ready dicts: the public board, a resident's board, a post
with its versions. Times are ISO 8601 in Asia/Shanghai; money is integer fen.

Everything the public sees passes :func:`public_json`: personal numbers in any text are
masked (``backend.core.masking.mask_public``; a ``service_phone`` field is declared on
purpose and stays visible), and no person is named: posts carry
their publisher (a company, the committee, the street office), never the staff member.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from backend.board import compliance, services
from backend.board.models import Post, PostVersion
from backend.board.sections import Section, sections
from backend.core.masking import mask_public
from backend.core.time import local_today, to_local, utcnow
from backend.media.documents import document_view
from backend.media.services import photo_view
from backend.org.models import Estate


def _attachment(attachment) -> dict:
    if attachment.photo is not None:
        view = photo_view(attachment.photo)
        return {"kind": "photo", "filename": "", "byte_size": None, **view}
    view = document_view(attachment.document)
    return {**view, "thumbnail_url": None, "width": None, "height": None}


def version_view(version: PostVersion) -> dict:
    """One version as published."""
    return {
        "number": version.number,
        "title": version.title,
        "body_html": version.body_html,
        "statement": version.statement,
        "data": version.data,
        "effective_from": version.effective_from,
        "effective_until": version.effective_until,
        "reason": version.reason,
        "service_phone": version.service_phone or None,
        "published_at": version.created_at,
        "attachments": [_attachment(a) for a in version.attachments],
        # a redaction shows that (and when) content was removed, never what or by whom
        "redacted": version.redaction is not None,
        "redacted_at": version.redaction.created_at if version.redaction else None,
    }


#: what a withdrawn post shows the public and residents in place of its content
WITHDRAWN_CONTENT = {
    "body_html": "",
    "statement": None,
    "data": None,
    "attachments": [],
}


def post_view(post: Post, *, versions: bool = False, public: bool = False) -> dict:
    """A post as the board shows it: its current version, the trail of corrections (each
    version's number, reason and time) and, with ``versions``, every version in full.

    With ``public`` (the public and residents' views) a withdrawn post shows its title, the
    time and reason of its withdrawal and the trail, never its content (text, figures,
    attachments) of any version: it was withdrawn for a reason, often what it disclosed."""
    current = post.current
    today = local_today()
    view = {
        "id": post.id,
        "section": post.section,
        "publisher": post.publisher,
        "publisher_label": services.publisher_label(post),
        "must_read": post.must_read,
        "generated": post.source_key is not None,
        "version": post.version_count,
        "first_published_at": post.versions[0].created_at,
        "published_at": post.published_at,
        "corrected": post.version_count > 1,
        "withdrawn": post.withdrawn,
        "withdrawn_at": post.withdrawn_at,
        "withdraw_reason": post.withdraw_reason,
        "expired": bool(current.effective_until and current.effective_until < today),
        **{k: v for k, v in version_view(current).items() if k not in ("number", "reason")},
        "corrections": [
            {
                "number": v.number,
                "reason": v.reason,
                "published_at": v.created_at,
                "redacted": v.redaction is not None,
            }
            for v in post.versions[1:]
        ],
    }
    if versions:
        view["versions"] = [version_view(v) for v in reversed(post.versions)]
    if public and post.withdrawn:
        view.update(WITHDRAWN_CONTENT)
        for shown in view.get("versions", []):
            shown.update(WITHDRAWN_CONTENT)
    return view


def withdrawn_view(post: Post) -> dict:
    """A withdrawn post as the board keeps it on record."""
    return {
        "id": post.id,
        "title": post.current.title,
        "withdrawn_at": post.withdrawn_at,
        "withdraw_reason": post.withdraw_reason,
    }


def _section_view(found: Section, status, posts, withdrawn) -> dict:
    return {
        "code": found.code,
        "name": found.name,
        "duty": found.duty,
        "publisher": found.publisher.value,
        "publisher_label": found.publisher.label,
        "freshness": found.freshness.code,
        "freshness_label": found.freshness.label,
        "generated": found.generated,
        "public": found.public,
        "required": found.required,
        "state": status.state if status else None,
        "state_label": status.state_label if status else None,
        "posts": [post_view(p) for p in posts],
        "withdrawn": [withdrawn_view(p) for p in withdrawn],
    }


def estate_view(estate: Estate) -> dict:
    company = estate.company
    return {
        "id": estate.id,
        "name": estate.name,
        "address": estate.address,
        "company": company.name if company else None,
        "service_phone": company.phone if company else None,
    }


def board_view(estate: Estate, *, public: bool) -> dict:
    """The whole board of ``estate``: each section (public ones only, with ``public``)
    with its current posts, its withdrawn posts on record and its compliance state."""
    shown = [s for s in sections() if s.public or not public]
    codes = [s.code for s in shown]
    live = services.live_posts(estate.id, codes)
    withdrawn = services.withdrawn_posts(estate.id, codes)
    statuses = {s.section.code: s for s in compliance.board_compliance(estate.id).statuses}
    return {
        "estate": estate_view(estate),
        "generated_at": utcnow(),
        "sections": [
            _section_view(
                s,
                statuses.get(s.code),
                [p for p in live if p.section == s.code],
                [p for p in withdrawn if p.section == s.code],
            )
            for s in shown
        ],
    }


def declared_phones(value) -> set[str]:
    """Every ``service_phone`` in ``value``: numbers published on purpose."""
    if isinstance(value, dict):
        found = {value["service_phone"]} if value.get("service_phone") else set()
        return found.union(*(declared_phones(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(declared_phones(v) for v in value))
    return set()


def jsonable(value, *, mask: bool = False, keep: frozenset[str] | None = None):
    """``value`` with times as ISO 8601 (Asia/Shanghai) and dates as YYYY-MM-DD; with
    ``mask``, personal numbers in every text are masked (links are left whole), except the
    ``service_phone`` numbers ``value`` declares."""
    if mask and keep is None:
        keep = frozenset(declared_phones(value))
    if isinstance(value, dict):
        return {
            k: (v if k.endswith("url") else jsonable(v, mask=mask, keep=keep))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [jsonable(v, mask=mask, keep=keep) for v in value]
    if isinstance(value, datetime):
        return to_local(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if mask and isinstance(value, str):
        return mask_public(value, keep or ())
    return value


def public_json(value) -> bytes:
    """The bytes the public is served: JSON (UTF-8), with personal numbers masked."""
    return json.dumps(
        jsonable(value, mask=True), ensure_ascii=False, separators=(",", ":")
    ).encode()
