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
