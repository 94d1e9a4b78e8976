"""Demo votes of 嘉绿景苑: a published result with its ballot list, an open vote and an
announced one, so a newcomer sees every stage at once.

Called by ``backend.demo`` after org (estates, owners of record, the committee) and accounts
(the committee member's account). The voters are fictional owners bound in the mini-app;
the simulator's 张伟 (1幢 101) has not voted in the open motion, so he can. A paper ballot
and a proxy ballot carry drawn scans that go through the real photo pipeline.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw

from backend.accounts.models import (
    Residency,
    ResidencyRole,
    ResidencySource,
    ResidencyStatus,
    Resident,
)
from backend.core.time import utcnow
from backend.extensions import db
from backend.media.services import upload_photo
from backend.org.demo import REGISTRY_MATCH
from backend.org.models import Building, OwnerRecord, Unit
from backend.votes import ballots, motions, publication
from backend.votes.models import Channel

ESTATE = "嘉绿景苑"
COMMITTEE = "jljy.yeweihui"
#: units the demo never votes for: the simulator's own sign-in users live there
KEEP_FREE = {("1幢", "101"), ("1幢", "102")}

#: (title, item, body, days from now: announced, opens, closes, share of voters voting,
#:  share of those agreeing, share abstaining)
MOTIONS = (
    (
        "续聘杭州嘉禾物业服务有限公司（2027—2029 年）",
        4,
        "物业服务合同将于年底到期。业委会提议按原服务标准续聘三年，物业费单价不变。",
        (-45, -28, -21),
        0.78,
        0.82,
        0.05,
    ),
    (
        "使用专项维修资金更换 3 幢 1 号电梯",
        5,
        "3 幢 1 号电梯已运行 17 年，年检提示主机老化。"
        "预算 38.6 万元，由 3 幢业主分摊的维修资金列支。",
        (-20, -2, 12),
        0.31,
        0.7,
        0.1,
    ),
    (
        "利用 8 幢东侧公共绿地增设电动自行车充电棚",
        8,
        "拟建 60 个充电位，由物业公司运营，收益归全体业主。"
        "属于改变共有部分用途，需四分之三以上同意。",
        (-3, 13, 27),
        0.0,
        0.0,
        0.0,
    ),
)


def seed(demo) -> None:
    """``seed-demo``: the demo motions of 嘉绿景苑, once."""
    if demo.existing:
        return
    seed_votes(demo.estates[ESTATE].id, demo.staff[COMMITTEE], demo.rng)


def seed_votes(estate_id: int, committee, rng, now: datetime | None = None) -> list:
    """Create the three demo motions of ``estate_id`` as ``committee``; returns them."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    voters = _bound_owners(estate_id, now)
    made = []
    for title, item, body, days, turnout, agree, abstain in MOTIONS:
        announced, opens, closes = (now + timedelta(days=d) for d in days)
        motion = motions.create_motion(
            committee, estate_id, item=item, title=title, body=body,
            opens_at=opens, closes_at=closes,
        )  # fmt: skip
        motions.announce(committee, motion, now=announced, notify=False)
        if opens <= now:
            motions.open_voting(committee, motion, now=opens)
            _cast(motion, committee, voters, rng, turnout, agree, abstain, opens, min(now, closes))
        if closes <= now:
            motions.close_voting(committee, motion, now=closes)
            publication.publish(committee, motion, now=closes + timedelta(hours=2), notify=False)
        made.append(motion)
    db.session.flush()
    return made


def _bound_owners(estate_id: int, now: datetime) -> list[tuple[Resident, int]]:
    """A fictional owner bound in the mini-app for each registered unit (but the simulator's)."""
    rows = db.session.execute(
        sa.select(Unit.id, Building.name, Unit.number, sa.func.min(OwnerRecord.name))
        .join(Building, Building.id == Unit.building_id)
        .join(OwnerRecord, OwnerRecord.unit_id == Unit.id)
        .where(Unit.estate_id == estate_id, Unit.developer_held.is_(False))
        .group_by(Unit.id, Building.name, Unit.number)
        .order_by(Unit.id)
    ).all()
    owners = []
    for unit_id, building, number, name in rows:
        if (building, number) in KEEP_FREE or name == REGISTRY_MATCH["name"]:
            continue
        resident = Resident(openid=f"o-demo-voter-{unit_id}", nickname=name, name=name)
        db.session.add(resident)
        owners.append((resident, unit_id))
    db.session.flush()
    for resident, unit_id in owners:
        db.session.add(
            Residency(
                resident_id=resident.id,
                unit_id=unit_id,
                estate_id=estate_id,
                role=ResidencyRole.owner,
                status=ResidencyStatus.active,
                source=ResidencySource.registry,
                activated_at=now - timedelta(days=400),
            )
        )
    db.session.flush()
    return owners


def _cast(motion, committee, voters, rng, turnout, agree, abstain, start, end) -> None:
    """Let ``turnout`` of the voters vote between ``start`` and ``end``; the first two ballots
    are a paper ballot and a proxy ballot entered by the committee with their scans."""
    chosen = rng.sample(voters, round(len(voters) * turnout))
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.uniform(0, span * 0.95)) for _ in chosen)
    for number, ((resident, unit_id), at) in enumerate(zip(chosen, times, strict=True)):
        draw = rng.random()
        choice = "agree" if draw < agree else "abstain" if draw < agree + abstain else "oppose"
        if number < 2:
            channel = Channel.paper if number == 0 else Channel.proxy
            scan = upload_photo(_scan(channel), staff_id=committee.id)
            ballots.enter_ballot(
                committee, motion, unit_id, channel=channel, scan_photo_id=scan.id,
                choice=choice, proxy_name="林晓东" if channel == Channel.proxy else "", now=at,
            )  # fmt: skip
        else:
            ballots.cast_online(resident, motion, choice=choice, unit_id=unit_id, now=at)


def _scan(channel: Channel) -> bytes:
    """A drawn 'scan' of a signed paper ballot or proxy authorisation (no text needs fonts)."""
    image = Image.new("RGB", (900, 1200), (250, 249, 244))
    pen = ImageDraw.Draw(image)
    pen.rectangle((60, 60, 840, 1140), outline=(40, 40, 40), width=4)
    for y in range(180, 900, 60):
        pen.line((110, y, 790, y), fill=(150, 150, 150), width=2)
    color = (180, 30, 30) if channel == Channel.paper else (30, 60, 160)
    pen.ellipse((560, 930, 780, 1100), outline=color, width=8)
    pen.line((140, 1040, 420, 1000), fill=(20, 20, 20), width=5)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
