"""Redaction (issue 17): personal data published by mistake can be removed from a version —
for everyone, text and attachments — while the board keeps the fact (which version, when)
and the panel and audit log keep who and why. Nothing else of the append-only trail moves."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.board import services
from backend.board.models import REDACTED_TITLE, Attachment, Post, PostVersion, Redaction
from backend.board.services import Content
from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from tests.conftest import STACK

LEAK = "业主张三 13812340101 欠费"


def _leaky_post(world):
    """A post whose first version named an owner and a phone number, then was corrected."""
    from PIL import Image

    from backend.media.services import upload_photo

    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(picture, "PNG")
    photo = upload_photo(picture.getvalue(), staff_id=world.company.id)
    post = world.publish(
        section="public_income", title=LEAK, body=f"<p>{LEAK}</p>", photo_ids=(photo.id,)
    )
    services.correct(
        world.company, post.id, Content(title="公共收益公示", body="<p>已更正</p>"), "删去个人信息"
    )
    commit()
    return post, photo


def test_a_redaction_blanks_the_version_for_everyone_and_keeps_the_fact(client, world):
    post, photo = _leaky_post(world)
    services.redact(world.company, post.id, 1, "误发业主姓名和手机号")
    commit()

    version = db.session.scalars(
        sa.select(PostVersion).where(PostVersion.post_id == post.id, PostVersion.number == 1)
    ).one()
    assert (version.title, version.body_html, version.reason) == (REDACTED_TITLE, "", "")
    assert version.statement is None and version.data is None
    assert (
        db.session.scalars(sa.select(Attachment).where(Attachment.version_id == version.id)).all()
        == []
    )
    # the file is no longer attached: the media job deletes unattached photos
    db.session.refresh(photo)
    assert photo.attached_at is None
    (kept,) = db.session.scalars(sa.select(Redaction)).all()
    assert (kept.version_id, kept.reason, kept.staff_id) == (
        version.id,
        "误发业主姓名和手机号",
        world.company.id,
    )
    # the public API and page: no trace of the data; the fact and its time are shown
    detail = client.get(f"/api/v1/estates/{world.estate.id}/board/posts/{post.id}")
    page = client.get(f"/board/{world.estate.id}/posts/{post.id}")
    for shown in (detail.get_data(as_text=True), page.get_data(as_text=True)):
        assert "张三" not in shown and "13812340101" not in shown and "1381234" not in shown
    first = detail.json["versions"][-1]
    assert first["redacted"] is True and first["redacted_at"]
    assert first["title"] == REDACTED_TITLE and first["attachments"] == []
    # who and why are for staff (panel, audit), not the public
    assert "误发业主姓名和手机号" not in detail.get_data(as_text=True)
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "board.redact")
    ).all()
    assert entry.after == {"version": 1, "reason": "误发业主姓名和手机号"}
    assert "张三" not in str(entry.before) + str(entry.after)


def test_a_redaction_needs_permission_scope_a_reason_and_happens_once(world):
    post, _ = _leaky_post(world)
    for staff in (world.desk, world.committee, world.street, world.tech):
        with pytest.raises(Forbidden):
            services.redact(staff, post.id, 1, "误发个人信息")
    with pytest.raises(NotFound):
        services.redact(world.other_company, post.id, 1, "误发个人信息")
    with pytest.raises(NotFound):
        services.redact(world.company, post.id, 9, "误发个人信息")
    with pytest.raises(Invalid):
        services.redact(world.company, post.id, 1, " ")
    services.redact(world.company, post.id, 1, "误发个人信息")
    commit()
    with pytest.raises(Conflict):
        services.redact(world.company, post.id, 1, "再删一次")
    # the other version is untouched
    post = services.staff_post(world.company, post.id)
    assert post.versions[1].title == "公共收益公示"


def test_the_panel_redacts_with_a_reason_and_a_confirmation(world, client):
    from tests.factories import TEST_PASSWORD

    post, _ = _leaky_post(world)
    client.post(
        "/admin/login", data={"username": world.company.username, "password": TEST_PASSWORD}
    )
    url = f"/admin/board/posts/{post.id}/versions/1/redact"

    unconfirmed = client.post(url, data={"reason": "误发个人信息"})
    assert unconfirmed.status_code == 422
    assert "请勾选确认" in unconfirmed.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redaction)) == 0

    done = client.post(url, data={"reason": "误发个人信息", "confirm": "y"})
    assert done.status_code == 302
    page = client.get(f"/admin/board/posts/{post.id}").get_data(as_text=True)
    assert "删除此版本内容。原因：误发个人信息" in page
    assert "13812340101" not in page


@pytest.mark.skipif(STACK != "real", reason="the triggers are PostgreSQL's")
def test_the_database_admits_only_the_blanking_of_a_redacted_version(world):
    post, _ = _leaky_post(world)
    version_ids = list(
        db.session.scalars(
            sa.select(PostVersion.id)
            .where(PostVersion.post_id == post.id)
            .order_by(PostVersion.number)
        )
    )
    blank = (
        f"UPDATE board_post_versions SET title = '{REDACTED_TITLE}', body_html = '',"
        " reason = '', statement = NULL, data = NULL WHERE id = {id}"
    )
    # not redacted: even the exact blanking is refused, and its files stay
    for statement in (
        blank.format(id=version_ids[0]),
        f"DELETE FROM board_attachments WHERE version_id = {version_ids[0]}",
    ):
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    services.redact(world.company, post.id, 1, "误发个人信息")
    commit()
    for statement in (
        # anything but the blanking, even of the redacted version
        f"UPDATE board_post_versions SET title = 'x' WHERE id = {version_ids[0]}",
        f"UPDATE board_post_versions SET number = 7 WHERE id = {version_ids[0]}",
        f"DELETE FROM board_post_versions WHERE id = {version_ids[0]}",
        # the other version, and the redaction record itself
        blank.format(id=version_ids[1]),
        "UPDATE board_redactions SET reason = 'x'",
        "DELETE FROM board_redactions",
    ):
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert db.session.get(Post, post.id).versions[1].title == "公共收益公示"
