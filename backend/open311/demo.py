"""Demo Open311 partners (外部接入演示数据): 西湖区 12345 热线 and 文新街道网格系统, each
with a fixed demo key (documented in the README for trying it with curl), and two reports
they filed at 嘉绿景苑: a common-area repair and a safety hazard."""

from __future__ import annotations

import hashlib

from backend.extensions import db
from backend.open311 import services
from backend.open311.models import Channel, Partner

ESTATE = "嘉绿景苑"
#: demo keys (never use these outside the demo)
KEYS = {
    "西湖区12345热线": ("o311_demo_hotline_wenxin", Channel.hotline),
    "文新街道网格系统": ("o311_demo_grid_wenxin", Channel.grid),
}


def seed(demo) -> None:
    """``seed-demo``: the partners and their reports, once."""
    estate = demo.estates.get(ESTATE)
    if demo.existing or estate is None:
        return
    partners = {}
    for name, (key, channel) in KEYS.items():
        partner = Partner(
            name=name,
            channel=channel,
            street_id=estate.street_id,
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            key_prefix=key[:10],
        )
        db.session.add(partner)
        partners[channel] = partner
    db.session.flush()
    for channel, code, text, ref in (
        (
            Channel.hotline,
            "shared_repair",
            "3幢1单元楼道灯不亮，晚上看不见（来电人 13812345678）",
            "12345-20261201-0032",
        ),
        (Channel.grid, "safety", "6幢楼下电动车飞线充电", "WG-1207-011"),
    ):
        services.file_request(
            partners[channel],
            {
                "jurisdiction_id": str(estate.street_id),
                "service_code": code,
                "address_string": "文新街道" + ESTATE,
                "attribute[estate]": str(estate.id),
                "attribute[building]": text[:4],
                "attribute[ref]": ref,
                "description": text,
            },
        )
