"""Generated sections: posts written from other features' data (fee standards, vote
results, evaluations and the red/black list), with the same version history.

:func:`refresh` is what ``backend.core.board_hook`` calls after a source changed: it asks
every feature that declares the section in ``Feature.board_sources`` for its items
(:class:`backend.core.feature.BoardItem`), writes each changed item as a new version of
its post (keyed by the item's stable ``key``), and withdraws the posts whose key vanished.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from backend.board import services
from backend.board.models import Post
from backend.board.richtext import plain_to_html
from backend.board.sections import section
from backend.core.feature import BoardItem, load
from backend.extensions import db
from backend.org.models import Estate

log = logging.getLogger(__name__)

#: the reason a generated post's later versions carry, and a vanished item's withdrawal
UPDATED = "数据更新，自动生成"
VANISHED = "来源数据已删除或停用，自动撤回"


def source_items(estate_id: int, section_code: str) -> list[BoardItem]:
    """Every item the features declaring ``section_code`` give for ``estate_id``."""
    from backend.features import FEATURES

    items: list[BoardItem] = []
    for feature in FEATURES:
        path = feature.board_sources.get(section_code)
        if path:
            items.extend(load(path)(estate_id))
    return items


def _same(post: Post, item: BoardItem, body_html: str, data: dict | None) -> bool:
    current = post.current
    return (
        current is not None
        and current.title == item.title[:120]
        and current.body_html == body_html
        and (current.data or None) == (data or None)
        and post.must_read == item.must_read
    )


def refresh(estate_id: int, section_code: str) -> dict:
    """Bring generated section ``section_code`` of ``estate_id``'s board up to date with
    its sources. Returns counts (created, updated, withdrawn); safe to run twice."""
    found = section(section_code)
    if found is None or not found.generated or db.session.get(Estate, estate_id) is None:
        log.info("board refresh of %s/%s skipped", estate_id, section_code)
        return {"created": 0, "updated": 0, "withdrawn": 0}
    items = {item.key: item for item in source_items(estate_id, section_code)}
    live = {
        post.source_key: post
        for post in db.session.scalars(
            sa.select(Post)
            .where(
                Post.estate_id == estate_id,
                Post.section == section_code,
                Post.source_key.is_not(None),
                Post.withdrawn_at.is_(None),
            )
            .with_for_update()
        )
    }
    counts = {"created": 0, "updated": 0, "withdrawn": 0}
    for key, item in items.items():
        body_html = plain_to_html(item.body)
        data = dict(item.data) if item.data is not None else None
        post = live.get(key)
        if post is not None and _same(post, item, body_html, data):
            continue
        if post is None:
            post = Post(
                estate_id=estate_id,
                section=section_code,
                publisher=found.publisher.value,
                source_key=key[:80],
                must_read=item.must_read,
            )
            db.session.add(post)
            db.session.flush()
            counts["created"] += 1
            reason = ""
            if item.must_read and item.owners_notified:
                # one announcement, one message: the feature's own message is the notice
                services.mark_owners_reminded(post)
            elif item.must_read:
                from backend.board.jobs import send_must_read_reminders
                from backend.core.db import defer

                defer(send_must_read_reminders, post.id)
        else:
            post.must_read = item.must_read
            counts["updated"] += 1
            reason = UPDATED
        services.add_version(
            post,
            services.Content(title=item.title[:120]),
            reason=reason,
            data=data,
            body_html=body_html,
        )
    for key, post in live.items():
        if key not in items:
            services.withdraw_post(post, VANISHED)
            counts["withdrawn"] += 1
    log.info("board %s/%s refreshed: %s", estate_id, section_code, counts)
    return counts
