"""Publishing is append-only: corrections are new versions, withdrawals are recorded,
and each publisher writes only in its own sections."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.board import services
from backend.board.models import Post, PostVersion
from backend.board.services import Content
from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from tests.conftest import STACK


def test_a_correction_keeps_the_old_version_readable_and_linked(world):
    post = world.publish(title="项目负责人：陈经理", body="<p>投诉电话 0571-88880000</p>")
    services.correct(
        world.company,
        post.id,
        Content(title="项目负责人：林经理", body="<p>投诉电话 0571-88881111</p>"),
        reason="项目负责人已调整",
    )
    commit()
    post = services.staff_post(world.company, post.id)
    assert post.version_count == 2
    first, second = post.versions
    assert (first.number, first.title, first.reason) == (1, "项目负责人：陈经理", "")
    assert "88880000" in first.body_html
    assert (second.number, second.title, second.reason) == (
        2,
        "项目负责人：林经理",
        "项目负责人已调整",
    )
    assert post.current is second
    assert second.post_id == first.post_id


def test_a_correction_needs_a_reason(world):
    post = world.publish()
    with pytest.raises(Invalid, match="更正原因"):
        services.correct(world.company, post.id, Content(title="新标题", body="x"), reason="")


def test_a_withdrawal_keeps_a_record_with_its_reason(world):
    post = world.publish(title="停水通知")
    services.withdraw(world.company, post.id, "通知有误，另行发布")
    commit()
    post = services.staff_post(world.company, post.id)
    assert post.withdrawn and post.withdraw_reason == "通知有误，另行发布"
    assert post.withdrawn_by_id == world.company.id
    assert [v.title for v in post.versions] == ["停水通知"]
    assert post.id not in [p.id for p in services.live_posts(world.estate.id)]
    assert post.id in [p.id for p in services.withdrawn_posts(world.estate.id)]
    with pytest.raises(Conflict):
        services.withdraw(world.company, post.id, "再撤一次")
    with pytest.raises(Conflict):
        services.correct(world.company, post.id, Content(title="改一下", body="x"), reason="更正")


def test_a_withdrawal_needs_a_reason(world):
    post = world.publish()
    with pytest.raises(Invalid, match="撤回原因"):
        services.withdraw(world.company, post.id, " ")


@pytest.mark.parametrize(
    ("role", "section"),
    [
        ("company", "committee_notices"),
        ("company", "repair_fund"),
        ("company", "street_notices"),
        ("desk", "street_notices"),
        ("committee", "public_income"),
        ("committee", "street_notices"),
        ("street", "manager"),
        ("street", "committee_notices"),
    ],
)
def test_a_publisher_cannot_publish_in_another_publishers_section(world, role, section):
    with pytest.raises(Forbidden, match="发布"):
        world.publish(getattr(world, role), section=section)


@pytest.mark.parametrize(
    ("role", "section"),
    [
        ("company", "manager"),
        ("desk", "parking"),
        ("committee", "committee_notices"),
        ("street", "street_notices"),
    ],
)
def test_each_publisher_publishes_in_its_own_sections(world, role, section):
    post = world.publish(getattr(world, role), section=section, title="本栏目的公示")
    assert post.section == section and post.version_count == 1


def test_a_publisher_cannot_correct_or_withdraw_another_publishers_post(world):
    post = world.publish(world.committee, section="committee_notices", title="业委会决定")
    with pytest.raises(Forbidden):
        services.correct(world.company, post.id, Content(title="改", body="x"), reason="改一下")
    with pytest.raises(Forbidden):
        services.withdraw(world.company, post.id, "撤回")


def test_technicians_publish_nothing(world):
    with pytest.raises(Forbidden):
        world.publish(world.tech)


def test_generated_sections_are_not_written_by_hand(world):
    with pytest.raises(Forbidden, match="自动生成"):
        world.publish(section="fee_standards", title="收费标准")


def test_another_companys_estate_is_not_found(world):
    with pytest.raises(NotFound):
        world.publish(world.other_company, estate_id=world.estate.id)
    post = world.publish()
    with pytest.raises(NotFound):
        services.staff_post(world.other_company, post.id)


def test_an_unknown_section_is_refused(world):
    with pytest.raises(Invalid, match="栏目"):
        world.publish(section="gossip")


def test_an_empty_post_is_refused(world):
    with pytest.raises(Invalid):
        world.publish(body="<script>alert(1)</script>")


def test_posts_are_never_deleted_nor_versions_rewritten_through_the_session(world):
    post = world.publish()
    version = db.session.get(PostVersion, post.versions[0].id)
    version.title = "悄悄改掉"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Post, post.id))
    with pytest.raises(RuntimeError, match="never deleted"):
        db.session.flush()
    db.session.rollback()


def test_the_api_has_no_delete_route_for_posts(app):
    for rule in app.url_map.iter_rules():
        if "board" in rule.rule:
            assert "DELETE" not in rule.methods, rule.rule


@pytest.mark.skipif(STACK != "real", reason="the triggers are PostgreSQL's")
def test_the_database_refuses_to_rewrite_or_delete_what_was_published(world):
    post = world.publish()
    for statement in (
        "UPDATE board_post_versions SET title = 'x'",
        "DELETE FROM board_post_versions",
        "DELETE FROM board_posts",
    ):
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert db.session.get(Post, post.id).versions[0].title == "项目负责人：物业服务中心"


def test_publishing_is_audited(world):
    from backend.audit.models import AuditEntry

    post = world.publish()
    services.correct(world.company, post.id, Content(title="更正后的标题", body="x"), reason="错字")
    services.withdraw(world.company, post.id, "已过期")
    commit()
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["board.publish", "board.correct", "board.withdraw"]
