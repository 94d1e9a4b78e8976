"""消息触达: staff see, per event and in their scope, who WeChat reached and who only the app."""

from __future__ import annotations

import re

from backend.core.db import commit
from backend.core.time import utcnow
from backend.notify import notify_resident
from tests.factories import ResidentFactory
from tests.helpers import subscribe


def _notice(resident, estate):
    notify_resident(
        resident.id,
        "must_read_notice",
        estate_id=estate.id,
        notice_id=1,
        title="停水通知",
        publisher="物业",
        published_at=utcnow(),
    )
    commit()


def _cells(html: str, event: str) -> list[str]:
    row = re.search(rf'<tr id="reach-{event}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'class="num[^"]*">(\d+)<', row)


def test_reach_per_event_counts_wechat_and_app_only_in_scope(world, as_staff, fake_wechat):
    reached, unreached, elsewhere = ResidentFactory(), ResidentFactory(), ResidentFactory()
    subscribe(fake_wechat, reached, {"tmpl-must-read-notice": "accept"})
    _notice(reached, world.estate_a)
    _notice(unreached, world.estate_a)
    _notice(elsewhere, world.estate_b)

    committee = as_staff(world.committee_a).get("/admin/notifications").data.decode()

    # total, WeChat, under way, app only, read
    assert _cells(committee, "must_read_notice") == ["2", "1", "0", "1", "0"]
    assert _cells(committee, "bill_issued") == ["0", "0", "0", "0", "0"]
    assert "消息触达" in committee


def test_platform_admin_sees_every_estate(world, as_staff, fake_wechat):
    _notice(ResidentFactory(), world.estate_a)
    _notice(ResidentFactory(), world.estate_b)

    page = as_staff(world.platform).get("/admin/notifications").data.decode()

    assert _cells(page, "must_read_notice")[:2] == ["2", "0"]


def _left_sending(resident, estate, app):
    """A must-read notice whose worker died after calling WeChat, found by the sweep."""
    from datetime import timedelta

    import sqlalchemy as sa

    from backend.extensions import db
    from backend.notify.jobs import resend_stale_notifications
    from backend.notify.models import DeliveryStatus, Notification

    _notice(resident, estate)
    notification = db.session.scalars(
        sa.select(Notification).where(Notification.resident_id == resident.id)
    ).one()
    # as the process left it: claimed, WeChat called, killed before the outcome was saved
    notification.status = DeliveryStatus.sending
    notification.claimed_at = utcnow() - app.config["NOTIFY_STALE_AFTER"] - timedelta(minutes=1)
    commit()
    assert resend_stale_notifications() == 1
    db.session.rollback()
    assert db.session.get(Notification, notification.id).status == DeliveryStatus.unknown
    return notification.id


def test_a_message_of_unknown_outcome_is_shown_with_its_resident_and_resent_by_staff(
    world, as_staff, fake_wechat, app
):
    import sqlalchemy as sa

    from backend.audit.models import AuditEntry
    from backend.extensions import db
    from backend.notify.models import DeliveryStatus, Notification

    resident = ResidentFactory(name="王小明")
    subscribe(fake_wechat, resident, {"tmpl-must-read-notice": "accept"})
    sent_before = len(fake_wechat.messages(resident.openid))
    notification_id = _left_sending(resident, world.estate_a, app)
    assert len(fake_wechat.messages(resident.openid)) == sent_before + 1  # the first send
    assert fake_wechat.messages(resident.openid)  # WeChat took it: the consent is spent

    client = as_staff(world.desk_a)
    page = client.get("/admin/notifications").data.decode()
    row = re.search(rf'<tr id="unknown-{notification_id}">(.*?)</tr>', page, re.S).group(1)
    title = db.session.get(Notification, notification_id).title
    assert "王小明" in row and title in row and "重发" in row

    response = client.post(f"/admin/notifications/{notification_id}/resend")
    assert response.status_code == 302

    db.session.rollback()
    notification = db.session.get(Notification, notification_id)
    # WeChat holds no consent any more: refused (43101), not delivered a second time
    assert notification.status == DeliveryStatus.refused
    assert len(fake_wechat.messages(resident.openid)) == sent_before + 1
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "notify.resend")
    ).one()
    assert (entry.staff_id, entry.entity_id) == (world.desk_a.id, str(notification_id))

    again = client.post(f"/admin/notifications/{notification_id}/resend", follow_redirects=True)
    assert "无需重发" in again.data.decode()


def test_unknown_messages_stay_in_scope_and_only_desk_roles_resend(
    world, as_staff, fake_wechat, app
):
    resident = ResidentFactory(name="李四")
    notification_id = _left_sending(resident, world.estate_b, app)

    admin_a = as_staff(world.admin_a)
    assert f'id="unknown-{notification_id}"' not in admin_a.get("/admin/notifications").text
    assert admin_a.post(f"/admin/notifications/{notification_id}/resend").status_code == 404
    technician = as_staff(world.technician_a)
    assert technician.post(f"/admin/notifications/{notification_id}/resend").status_code == 403
