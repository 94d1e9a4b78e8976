"""Read receipts and must-read posts: the share of owners (by heads) who read them, and a
subscribe message to each owner who has not, once."""

from __future__ import annotations

import sqlalchemy as sa

from backend.board import jobs, services
from backend.core.db import commit
from backend.extensions import db
from backend.notify.models import Notification
from tests.factories import ResidencyFactory, UnitFactory
from tests.helpers import subscribe


def _notices():
    # jobs run in sessions of their own: read what they wrote in a fresh transaction
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.kind == "must_read_notice")
            .order_by(Notification.resident_id)
        )
    )


def test_the_read_share_counts_owners_by_heads(world):
    post = world.publish(
        world.committee, section="committee_notices", title="业主大会公告", must_read=True
    )
    # one owner of two units counts once; tenants and family are not owners
    ResidencyFactory(resident=world.owners[0], unit=UnitFactory(building__estate=world.estate))
    services.mark_read(world.owners[0], post)
    services.mark_read(world.tenant, post)
    commit()
    share = services.read_share(post)
    assert (share.owners, share.read, share.share) == (3, 1, 0.3333)


def test_reading_twice_keeps_the_first_receipt(world):
    post = world.publish()
    first = services.mark_read(world.owners[1], post)
    commit()
    again = services.mark_read(world.owners[1], post)
    assert again.id == first.id and again.read_at == first.read_at


def test_unread_owners_get_the_must_read_notice_once(world, fake_wechat):
    subscribe(fake_wechat, world.owners[1], {"tmpl-must-read-notice": "accept"})
    subscribe(fake_wechat, world.owners[1], {"tmpl-must-read-notice": "accept"})
    post = world.publish(
        world.committee, section="committee_notices", title="关于召开业主大会的公告", must_read=True
    )
    # published: every owner was told (the tenant is not an owner)
    notices = _notices()
    assert [n.resident_id for n in notices] == [o.id for o in world.owners]
    assert notices[0].data["thing1"]["value"] == "关于召开业主大会的公告"
    assert len(fake_wechat.messages(world.owners[1].openid)) == 1
    # running again (the periodic sweep) tells nobody twice
    assert jobs.remind_must_read_job() == 0
    assert len(_notices()) == 3
    assert len(fake_wechat.messages(world.owners[1].openid)) == 1
    assert services.read_share(post).read == 0


def test_an_owner_who_read_it_already_is_not_told(world):
    post = world.publish(
        world.committee, section="committee_notices", title="公告", must_read=False
    )
    post_id = post.id
    services.mark_read(world.owners[0], post)
    db.session.get(type(post), post_id).must_read = True
    commit()
    assert jobs.send_must_read_reminders(post_id) == 2
    assert [n.resident_id for n in _notices()] == [o.id for o in world.owners[1:]]


def test_a_new_owner_is_told_by_the_sweep(world):
    world.publish(world.committee, section="committee_notices", title="公告", must_read=True)
    newcomer_id = ResidencyFactory(unit=UnitFactory(building__estate=world.estate)).resident_id
    assert jobs.remind_must_read_job() == 1
    assert _notices()[-1].resident_id == newcomer_id


def test_staff_read_statistics_list_must_read_posts_with_their_share(world):
    post = world.publish(world.committee, section="committee_notices", title="公告", must_read=True)
    world.publish(section="parking", title="车位公示")
    services.mark_read(world.owners[2], post)
    commit()
    ((shown, share),) = services.read_statistics(world.company, world.estate.id)
    assert shown.id == post.id and (share.owners, share.read) == (3, 1)
    board = services.staff_board(world.street, world.estate.id)
    assert {s["code"] for s in board["sections"]} >= {"committee_notices", "parking"}
