"""Demo data (演示数据): one street of Hangzhou's Xihu district, ready to click through.

``seed_demo()`` calls each feature's demo seed (``Feature.demo``, in the order of
``backend/features.py``) with one shared :class:`Demo`: org creates 文新街道 with two
communities, two property companies, three estates (about 600 units with owners of record),
service contracts and a filed owners' committee; accounts creates staff of every role with
one known password, residents waiting in the review queue and unused invite codes for the
H5 simulator. It is deterministic (one fixed random seed) and idempotent: when the demo
street exists nothing is created and the summary only reports.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from backend.accounts.demo import DEMO_PASSWORD, INVITES, PENDING
from backend.accounts.models import Invite, Residency, ResidencyStatus, Resident, Staff
from backend.core.feature import load
from backend.core.time import local_today
from backend.extensions import db
from backend.features import FEATURES
from backend.org.demo import REGISTRY_MATCH, demo_street
from backend.org.models import Building, Committee, Company, Estate, OwnerRecord, Street, Unit

__all__ = ["DEMO_PASSWORD", "Demo", "erase_all_data", "format_summary", "seed_demo"]

SEED = 2026


@dataclass
class Demo:
    """What the features' demo seeds share: one random generator (so the demo is the same
    every time) and the rows that later features build on."""

    rng: random.Random
    today: date
    #: the demo exists already: seeds create nothing (and may refresh what ages)
    existing: bool
    street: Street | None = None
    committee: Committee | None = None
    companies: dict[str, Company] = field(default_factory=dict)
    estates: dict[str, Estate] = field(default_factory=dict)
    #: (estate, building, number) → unit id
    unit_ids: dict[tuple[str, str, str], int] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)


def seed_demo(reset: bool = False) -> dict:
    """Create the demo data unless it exists; return a summary (see :func:`format_summary`).

    ``summary["created"]`` says whether anything was created. With ``reset`` every table
    is emptied first (development databases only). Flushes; the caller commits.
    """
    if reset:
        erase_all_data()
    street = demo_street()
    demo = Demo(rng=random.Random(SEED), today=local_today(), existing=street is not None)
    for feature in FEATURES:
        if feature.demo:
            load(feature.demo)(demo)
    db.session.flush()
    return demo_summary(demo.street or street, created=not demo.existing)


def erase_all_data() -> None:
    """Empty every table of the application (for ``seed-demo --reset``)."""
    db.session.flush()
    connection = db.session.connection()
    tables = list(reversed(db.metadata.sorted_tables))
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    else:
        for table in tables:
            connection.execute(table.delete())
    db.session.expunge_all()


# --- summary ---------------------------------------------------------------------------------


def demo_summary(street: Street, created: bool) -> dict:
    """Counts, logins, invites and the residents to try, read from the database."""
    estates = list(
        db.session.scalars(
            sa.select(Estate).where(Estate.street_id == street.id).order_by(Estate.id)
        )
    )
    estate_ids = [e.id for e in estates]

    def count(column, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count(column)).where(*where)) or 0

    unit_counts = dict(
        db.session.execute(
            sa.select(Unit.estate_id, sa.func.count(Unit.id))
            .where(Unit.estate_id.in_(estate_ids))
            .group_by(Unit.estate_id)
        ).all()
    )
    # every demo account, also those a feature's own demo adds (the fund's bank)
    staff = db.session.scalars(sa.select(Staff).order_by(Staff.id)).all()
    invites = db.session.scalars(
        sa.select(Invite).where(Invite.code.in_([code for code, *_ in INVITES])).order_by(Invite.id)
    ).all()
    pending = db.session.scalars(
        sa.select(Residency)
        .join(Resident, Resident.id == Residency.resident_id)
        .where(
            Resident.openid.in_([p[0] for p in PENDING]),
            Residency.status == ResidencyStatus.pending,
        )
        .order_by(Residency.id)
    ).all()
    return {
        "created": created,
        "street": f"{street.city}{street.district}{street.name}",
        "estates": [
            {
                "id": e.id,
                "name": e.name,
                "units": unit_counts.get(e.id, 0),
                "management": e.company.name if e.company else e.management_mode.label,
            }
            for e in estates
        ],
        "counts": {
            "estates": len(estates),
            "buildings": count(Building.id, Building.estate_id.in_(estate_ids)),
            "units": sum(unit_counts.values()),
            "owner_records": count(
                OwnerRecord.id,
                OwnerRecord.unit_id.in_(sa.select(Unit.id).where(Unit.estate_id.in_(estate_ids))),
            ),
            "developer_held": count(
                Unit.id, Unit.estate_id.in_(estate_ids), Unit.developer_held.is_(True)
            ),
            "staff": len(staff),
            "pending_residencies": len(pending),
            "invites": len(invites),
            **_fee_counts(estate_ids),
        },
        "logins": [
            {
                "username": s.username,
                "password": DEMO_PASSWORD,
                "role": s.role.label,
                "scope": s.scope_label,
            }
            for s in staff
        ],
        "invites": [
            {
                "code": i.code,
                "unit": f"{i.unit.estate.name} {i.unit.label}",
                "role": i.role.label,
                "used": i.used_at is not None,
                "expires_at": i.expires_at,
            }
            for i in invites
        ],
        "pending": [
            {
                "openid": r.resident.openid,
                "name": r.applicant_name,
                "phone": r.applicant_phone,
                "unit": f"{r.estate.name} {r.unit.label}",
                "role": r.role.label,
            }
            for r in pending
        ],
        "registry_match": dict(REGISTRY_MATCH),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells) -> str:
        return "  ".join(
            str(c) + " " * (w - _width(str(c))) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _fee_counts(estate_ids: list[int]) -> dict:
    from backend.fees.models import Bill, BillStatus, Payment, Reminder

    def count(column, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count(column)).where(*where)) or 0

    return {
        "bills": count(Bill.id, Bill.estate_id.in_(estate_ids)),
        "unpaid_bills": count(
            Bill.id, Bill.estate_id.in_(estate_ids), Bill.status == BillStatus.unpaid
        ),
        "payments": count(Payment.id, Payment.estate_id.in_(estate_ids)),
        "reminders": count(Reminder.id, Reminder.estate_id.in_(estate_ids)),
    }


def format_summary(summary: dict) -> str:
    """The summary as text for the terminal, in Chinese."""
    c = summary["counts"]
    head = "已创建演示数据" if summary["created"] else "演示数据已存在，未重复创建"
    lines = [
        f"{head}：{summary['street']}",
        f"小区 {c['estates']} 个，楼栋 {c['buildings']} 栋，房屋 {c['units']} 户"
        f"（开发商持有 {c['developer_held']} 户），登记业主 {c['owner_records']} 条",
    ]
    for e in summary["estates"]:
        lines.append(f"  · {e['name']}（id {e['id']}）：{e['units']} 户，{e['management']}")
    lines.append(
        f"物业费：近 12 个月账单 {c['bills']} 张（未缴 {c['unpaid_bills']} 张），"
        f"收款 {c['payments']} 笔，书面催缴 {c['reminders']} 次"
    )
    lines += ["", f"管理后台登录（/admin/，密码均为 {DEMO_PASSWORD}）："]
    lines += _table(
        ["用户名", "密码", "角色", "管辖范围"],
        [[x["username"], x["password"], x["role"], x["scope"]] for x in summary["logins"]],
    )
    lines += ["", "小程序模拟器可用的邀请码："]
    lines += _table(
        ["邀请码", "房屋", "身份", "状态"],
        [
            [i["code"], i["unit"], i["role"], "已使用" if i["used"] else "未使用"]
            for i in summary["invites"]
        ],
    )
    if any(i["used"] for i in summary["invites"]):
        lines.append(
            "已使用的邀请码不能再用。要恢复全部演示数据（包括邀请码），运行 "
            "flask --app backend seed-demo --reset --yes（会先清空数据库）。"
        )
    match = summary["registry_match"]
    lines += [
        "",
        f"名册匹配演示：以 {match['openid']} 登录，申请绑定 {match['estate']} "
        f"{match['building']} {match['unit']}（业主），填写姓名 {match['name']}、"
        f"手机 {match['phone']}，即与业主名册匹配并立即生效。",
    ]
    if summary["pending"]:
        lines += ["", "待审核的住户申请（物业客服或企业管理员在管理后台审核）："]
        lines += _table(
            ["openid", "姓名", "手机", "房屋", "身份"],
            [
                [p["openid"], p["name"], p["phone"], p["unit"], p["role"]]
                for p in summary["pending"]
            ],
        )
    return "\n".join(lines)
