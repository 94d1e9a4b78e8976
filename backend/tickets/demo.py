"""Demo tickets: every kind and state, with photos, a few overdue and escalated.

Called by ``backend.demo`` when it builds the demo street. The residents are fictional
(they are not among the simulator's sign-in users, who report their own tickets); the
photos are drawn here and go through the real upload pipeline.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from backend.accounts.models import (
    Residency,
    ResidencyRole,
    ResidencySource,
    ResidencyStatus,
    Resident,
    Staff,
)
from backend.core.time import utcnow
from backend.extensions import db
from backend.media.services import upload_photo
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency
from backend.tickets.services import Actor

K, U = TicketKind, Urgency

#: (resident, estate, building, unit, kind, urgency, location, category, description,
#:  photos, hours ago, steps); a step is (action, hours after submission, actor, note)
TICKETS = (
    (
        0,
        "嘉绿景苑",
        "2幢",
        "1501",
        K.home_repair,
        U.urgent,
        "",
        "",
        "厨房水管爆裂，水漫到客厅了",
        2,
        0.2,
        (),
    ),
    (
        1,
        "嘉绿景苑",
        "3幢",
        "802",
        K.home_repair,
        U.urgent,
        "",
        "",
        "卫生间下水道堵塞反水",
        1,
        2,
        (),
    ),
    (
        2,
        "嘉绿景苑",
        "5幢",
        "1201",
        K.shared_repair,
        U.normal,
        "5幢二单元电梯",
        "",
        "电梯运行时有异响，晃动明显",
        1,
        5,
        (("accept", 0.3, "desk", "已通知电梯维保单位"),),
    ),
    (
        0,
        "嘉绿景苑",
        "2幢",
        "1501",
        K.home_repair,
        U.normal,
        "",
        "",
        "主卧空调插座没电",
        1,
        20,
        (("accept", 0.5, "desk", ""), ("assign", 0.6, "desk", "请吴师傅今天下午上门")),
    ),
    (
        3,
        "嘉绿景苑",
        "7幢",
        "601",
        K.shared_repair,
        U.normal,
        "7幢地下车库入口",
        "",
        "车库入口道闸抬杆失灵",
        0,
        26,
        (("accept", 0.2, "desk", ""), ("take", 0.5, "tech", ""), ("start", 1, "tech", "已到现场")),
    ),
    (
        1,
        "嘉绿景苑",
        "3幢",
        "802",
        K.home_repair,
        U.normal,
        "",
        "",
        "阳台晾衣架摇不下来",
        1,
        30,
        (
            ("accept", 0.4, "desk", ""),
            ("assign", 0.5, "desk", ""),
            ("resolve", 6, "tech", "已更换钢丝绳，请验收"),
        ),
    ),
    (
        2,
        "嘉绿景苑",
        "5幢",
        "1201",
        K.shared_repair,
        U.normal,
        "5幢楼道",
        "",
        "三楼楼道灯不亮",
        1,
        100,
        (
            ("accept", 0.2, "desk", ""),
            ("assign", 0.3, "desk", ""),
            ("resolve", 5, "tech", "已更换灯泡"),
            ("close", 30, "desk", ""),
            ("rate", 31, "resident", "5"),
        ),
    ),
    (
        3,
        "嘉绿景苑",
        "7幢",
        "601",
        K.report,
        U.normal,
        "7幢东侧绿化带",
        "other",
        "有人在绿化带里种菜",
        1,
        50,
        (("reject", 2, "desk", "已转社区处理，不属于物业服务范围"),),
    ),
    (
        4,
        "紫桂花园",
        "2幢",
        "301",
        K.home_repair,
        U.normal,
        "",
        "",
        "入户门锁芯卡住打不开",
        1,
        120,
        (("accept", 1, "lvdesk", ""),),
    ),
    (
        5,
        "紫桂花园",
        "3幢",
        "1102",
        K.complaint,
        U.normal,
        "小区东门",
        "",
        "保洁员长期不清理垃圾桶，气味很大",
        2,
        40,
        (
            ("accept", 3, "lvdesk", "已受理"),
            ("supervise", 30, "resident", "投诉后仍未改善，申请街道督办"),
        ),
    ),
    (
        4,
        "紫桂花园",
        "2幢",
        "301",
        K.report,
        U.urgent,
        "2幢一单元楼道",
        "flying_wire",
        "有人从三楼窗口拉电线给电动车充电",
        2,
        1,
        (),
    ),
    (
        5,
        "紫桂花园",
        "3幢",
        "1102",
        K.report,
        U.normal,
        "5幢北侧消防通道",
        "fire_lane",
        "消防通道长期停满私家车",
        1,
        8,
        (("accept", 2, "lvdesk", "已安排保安劝离"),),
    ),
    (
        0,
        "嘉绿景苑",
        "2幢",
        "1501",
        K.home_repair,
        U.normal,
        "",
        "",
        "厨房吊顶渗水",
        1,
        100,
        (
            ("accept", 1, "desk", ""),
            ("assign", 1.5, "desk", ""),
            ("resolve", 20, "tech", "已处理楼上防水"),
            ("reopen", 95, "resident", "下雨后又开始渗水"),
        ),
    ),
)

RESIDENTS = (
    ("o-demo-t1", "陆晓燕"),
    ("o-demo-t2", "韩志强"),
    ("o-demo-t3", "冯淑芬"),
    ("o-demo-t4", "曹磊"),
    ("o-demo-t5", "彭丽"),
    ("o-demo-t6", "蒋文博"),
)

_COLORS = [(52, 120, 200), (200, 90, 60), (60, 150, 90), (150, 110, 60), (120, 80, 170)]


def _photo(seed: int) -> bytes:
    """A photo-like picture: a tinted wall, a pipe and a stain (1200×900 JPEG)."""
    color = _COLORS[seed % len(_COLORS)]
    image = Image.new("RGB", (1200, 900), tuple(min(255, c + 80) for c in color))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 620, 1200, 900), fill=(90, 90, 95))
    draw.rectangle((180 + seed * 40, 0, 260 + seed * 40, 900), fill=(200, 200, 205))
    draw.ellipse((500, 300 + seed * 15, 900, 600 + seed * 15), fill=color)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def seed(demo) -> None:
    """``seed-demo``: the demo tickets, once (after org's estates and accounts' staff)."""
    if demo.existing:
        return
    seed_tickets(demo.unit_ids, demo.staff)


def seed_tickets(unit_ids: dict, staff: dict[str, Staff], now: datetime | None = None) -> int:
    """Create the demo tickets; ``unit_ids`` maps (estate, building, number) to unit ids."""
    now = now or utcnow()
    residents = []
    for openid, name in RESIDENTS:
        resident = Resident(openid=openid, nickname=name, name=name)
        db.session.add(resident)
        residents.append(resident)
    db.session.flush()
    bound: set[tuple[int, int]] = set()
    actors = {
        "desk": Actor(staff=staff["jiahe.kefu"]),
        "tech": Actor(staff=staff["jiahe.weixiu"]),
        "lvdesk": Actor(staff=staff["lvting.kefu"]),
    }
    seed = 0
    for row in TICKETS:
        who, estate, building, number, kind, urgency, location, category, text, photos = row[:10]
        ago, steps = row[10:]
        resident = residents[who]
        unit_id = unit_ids[(estate, building, number)]
        if (resident.id, unit_id) not in bound:
            db.session.add(
                Residency(
                    resident_id=resident.id,
                    unit_id=unit_id,
                    estate_id=_estate_of(unit_id),
                    role=ResidencyRole.owner,
                    status=ResidencyStatus.active,
                    source=ResidencySource.review,
                    activated_at=now - timedelta(days=200),
                )
            )
            db.session.flush()
            bound.add((resident.id, unit_id))
        submitted = now - timedelta(hours=ago)
        photo_ids = []
        for _ in range(photos):
            seed += 1
            photo_ids.append(upload_photo(_photo(seed), resident_id=resident.id).id)
        ticket, _ = services.create_ticket(
            resident,
            kind=kind,
            urgency=urgency,
            description=text,
            unit_id=unit_id if kind == K.home_repair else None,
            estate_id=None if kind == K.home_repair else _estate_of(unit_id),
            location=location,
            category=category,
            photo_ids=photo_ids,
            now=submitted,
        )
        for action, after, actor, note in steps:
            at = submitted + timedelta(hours=after)
            if action == "rate":
                services.rate(resident, ticket, int(note), "师傅很负责")
                continue
            acting = Actor(resident=resident) if actor == "resident" else actors[actor]
            extra = {}
            if action == "assign":
                extra["assignee_id"] = staff["jiahe.weixiu"].id
            if action == "resolve":
                seed += 1
                extra["photo_ids"] = [upload_photo(_photo(seed), staff_id=acting.staff.id).id]
            # history, not news: the demo residents are told nothing
            services.apply(acting, ticket, action, note=note, now=at, notify=False, **extra)
    # what the clock process would have done by now: alerts and escalations
    services.flag_overdue(now, notify=False)
    return len(TICKETS)


def _estate_of(unit_id: int) -> int:
    from backend.org.models import Unit

    return db.session.get(Unit, unit_id).estate_id
