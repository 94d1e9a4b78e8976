"""Demo data (演示数据): one street of Hangzhou's Xihu district, ready to click through.

``seed_demo()`` creates 文新街道 with two communities, two property companies, three
estates (about 600 units with owners of record), service contracts, a filed owners'
committee, staff of every role with one known password, residents waiting in the review
queue and unused invite codes for the H5 simulator. It is deterministic (fixed random
seed) and idempotent: when the demo street exists it creates nothing and only reports.
The data is fictional; names and phone numbers belong to nobody.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from backend.accounts import services as accounts
from backend.accounts.models import (
    COMPANY_ROLES,
    Invite,
    Residency,
    ResidencyRole,
    ResidencyStatus,
    Resident,
    Staff,
    StaffRole,
)
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.org.models import (
    AreaSource,
    Building,
    Committee,
    CommitteeMember,
    Community,
    Company,
    Estate,
    FilingStatus,
    ManagementMode,
    OwnerRecord,
    ServiceContract,
    Street,
    Unit,
)

DEMO_PASSWORD = "Linli2026!"
CITY, DISTRICT, STREET = "杭州市", "西湖区", "文新街道"
COMMUNITIES = ("嘉绿苑社区", "德加社区")
SEED = 2026
INVITE_TTL = timedelta(days=30)


@dataclass(frozen=True)
class _CompanySpec:
    key: str
    name: str
    #: fictional, but with valid check characters (GB 32100-2015)
    credit_code: str
    phone: str


COMPANIES = (
    _CompanySpec("jiahe", "杭州嘉禾物业服务有限公司", "91330106MA27WX3K4W", "0571-88231560"),
    _CompanySpec("lvting", "浙江绿庭物业管理有限公司", "91330100MA2CH8LQ2M", "0571-85097732"),
)


@dataclass(frozen=True)
class _Block:
    """Buildings of one design: numbers, floors and the base area of each unit on a floor."""

    numbers: range
    floors: int
    layout: tuple[str, ...]


@dataclass(frozen=True)
class _EstateSpec:
    name: str
    community: int
    address: str
    company: str | None
    mode: ManagementMode
    blocks: tuple[_Block, ...]
    #: shares of registry and survey areas (the rest are contract areas)
    sources: tuple[float, float]
    developer_held: int


ESTATES = (
    _EstateSpec(
        "嘉绿景苑",
        0,
        "西湖区文一西路 178 号",
        "jiahe",
        ManagementMode.company,
        (
            _Block(range(1, 7), 18, ("89.37", "128.64")),
            _Block(range(7, 9), 11, ("143.52", "112.45", "139.80")),
        ),
        (0.95, 0.05),
        2,
    ),
    _EstateSpec(
        "紫桂花园",
        0,
        "西湖区古墩路 702 号",
        "lvting",
        ManagementMode.company,
        (
            _Block(range(1, 4), 15, ("78.15", "58.77", "96.42")),
            _Block(range(4, 6), 11, ("89.06", "72.33", "72.63", "88.91")),
        ),
        (0.85, 0.10),
        6,
    ),
    _EstateSpec(
        "德加新村",
        1,
        "西湖区德加路 16 号",
        None,
        ManagementMode.self_managed,
        (_Block(range(1, 9), 6, ("62.48", "71.90")),),
        (0.90, 0.10),
        0,
    ),
)


@dataclass(frozen=True)
class _StaffSpec:
    username: str
    name: str
    role: StaffRole
    #: company key, estate name, or nothing: the scope column the role needs
    scope: str | None = None


STAFF = (
    _StaffSpec("admin", "林晓峰", StaffRole.platform_admin),
    _StaffSpec("jiahe.admin", "周建华", StaffRole.company_admin, "jiahe"),
    _StaffSpec("jiahe.kefu", "沈佳怡", StaffRole.service_desk, "jiahe"),
    _StaffSpec("jiahe.weixiu", "吴国强", StaffRole.technician, "jiahe"),
    _StaffSpec("lvting.admin", "郑丽萍", StaffRole.company_admin, "lvting"),
    _StaffSpec("lvting.kefu", "许文静", StaffRole.service_desk, "lvting"),
    #: the committee chair: their name is filled in from the committee
    _StaffSpec("jljy.yeweihui", "", StaffRole.committee_member, "嘉绿景苑"),
    _StaffSpec("wenxin.jiedao", "钱文博", StaffRole.street_officer),
    _StaffSpec("xihu.zhujian", "孙晓燕", StaffRole.bureau_officer),
)

#: the fake WeChat server's demo users (miniapp_mock.wechat_server.DEMO_USERS)
REGISTRY_MATCH = {
    "openid": "o-demo-zhang",
    "name": "张伟",
    "phone": "13800000001",
    "estate": "嘉绿景苑",
    "building": "1幢",
    "unit": "101",
}
#: (openid, unionid, name, phone, estate, building, unit, role, note)
PENDING = (
    ("o-demo-li", "u-demo-li", "李娜", "13900000002", "嘉绿景苑", "1幢", "102",
     ResidencyRole.owner, "换了手机号，名册上还是旧号码"),
    ("o-demo-wang", "u-demo-wang", "王芳", "13900000003", "嘉绿景苑", "1幢", "101",
     ResidencyRole.family, "张伟的妻子"),
    ("o-demo-zhao", "u-demo-zhao", "赵磊", "13900000004", "紫桂花园", "1幢", "301",
     ResidencyRole.tenant, "租期一年，租赁合同已交物业"),
)  # fmt: skip
#: (code, estate, building, unit, role, created by) — codes use the invite alphabet
INVITES = (
    ("WXJD2345", "嘉绿景苑", "8幢", "1101", ResidencyRole.owner, "jiahe.kefu"),
    ("WXJD6789", "紫桂花园", "2幢", "502", ResidencyRole.tenant, "lvting.kefu"),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵钱严戴"
)
#: characters of given names, as commonly chosen for men and for women
GIVEN = (
    "伟强磊军洋勇杰涛明超刚建国志文斌宇浩凯鹏辉峰海波亮飞东荣新德俊博睿轩鑫卫平华林",
    "芳娜敏静丽艳娟秀霞桂英玉兰萍红婷雪琳欣怡涵雨佳思嘉晓燕春云慧颖瑶琪蕾梅倩晶丹",
)


def _demo_street() -> Street | None:
    return db.session.scalars(
        sa.select(Street).where(Street.district == DISTRICT, Street.name == STREET)
    ).first()


def seed_demo(reset: bool = False) -> dict:
    """Create the demo data unless it exists; return a summary (see :func:`format_summary`).

    ``summary["created"]`` says whether anything was created. With ``reset`` every table
    is emptied first (development databases only). Flushes; the caller commits.
    """
    if reset:
        erase_all_data()
    street = _demo_street()
    if street is not None:
        _refresh_invites()
        return demo_summary(street, created=False)
    street = _DemoBuilder(random.Random(SEED)).build()
    return demo_summary(street, created=True)


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


class _DemoBuilder:
    """Creates the demo rows, drawing every random choice from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.today = local_today()
        self.phone_counter = 0
        self.companies: dict[str, Company] = {}
        self.estates: dict[str, Estate] = {}
        #: (estate, building, number) → unit id
        self.unit_ids: dict[tuple[str, str, str], int] = {}
        #: estate name → owner rows (dicts) inserted for it
        self.owners: dict[str, list[dict]] = {}
        self.staff: dict[str, Staff] = {}

    def build(self) -> Street:
        street = Street(name=STREET, district=DISTRICT, city=CITY)
        communities = [Community(street=street, name=name) for name in COMMUNITIES]
        db.session.add_all([street, *communities])
        for spec in COMPANIES:
            self.companies[spec.key] = Company(
                name=spec.name, credit_code=spec.credit_code, phone=spec.phone
            )
        db.session.add_all(self.companies.values())
        db.session.flush()
        for spec in ESTATES:
            self._estate(spec, street, communities[spec.community])
        self._contracts()
        committee = self._committee()
        self._staff(street, committee)
        self._residents()
        self._invites()
        db.session.flush()
        return street

    # --- property ---------------------------------------------------------------------

    def _estate(self, spec: _EstateSpec, street: Street, community: Community) -> None:
        company = self.companies[spec.company] if spec.company else None
        estate = Estate(
            community=community,
            street_id=street.id,
            name=spec.name,
            address=spec.address,
            management_mode=spec.mode,
            company=company,
        )
        buildings = {}
        for block in spec.blocks:
            for n in block.numbers:
                buildings[f"{n}幢"] = Building(estate=estate, name=f"{n}幢", floors=block.floors)
        db.session.add(estate)
        db.session.add_all(buildings.values())
        db.session.flush()
        self.estates[spec.name] = estate

        names = {b.id: b.name for b in buildings.values()}
        rows = []
        for block in spec.blocks:
            for n in block.numbers:
                for floor in range(1, block.floors + 1):
                    for position, base in enumerate(block.layout, start=1):
                        rows.append(
                            self._unit_row(spec, buildings[f"{n}幢"], floor, position, base)
                        )
        invite_units = {(estate, building, unit) for _, estate, building, unit, *_ in INVITES}
        unsold = [
            i
            for i in range(len(rows) // 2, len(rows))
            if (spec.name, names[rows[i]["building_id"]], rows[i]["number"]) not in invite_units
        ]
        for index in self.rng.sample(unsold, spec.developer_held):
            # unsold units have no certificate of their own yet: their area is surveyed
            rows[index].update(developer_held=True, area_source=AreaSource.survey)
        ids = db.session.scalars(
            sa.insert(Unit).returning(Unit.id, sort_by_parameter_order=True), rows
        ).all()
        for row, unit_id in zip(rows, ids, strict=True):
            self.unit_ids[(spec.name, names[row["building_id"]], row["number"])] = unit_id
        self._owners(spec, rows, ids, names)

    def _unit_row(self, spec, building, floor, position, base) -> dict:
        # registered areas of one design differ a little from floor to floor
        area = Decimal(base) + Decimal(self.rng.randint(-40, 40)) / 100
        draw = self.rng.random()
        registry, survey = spec.sources
        if draw < registry:
            source = AreaSource.registry
        elif draw < registry + survey:
            source = AreaSource.survey
        else:
            source = AreaSource.contract
        return {
            "building_id": building.id,
            "estate_id": building.estate_id,
            "number": f"{floor}{position:02d}",
            "floor": floor,
            "area": area.quantize(Decimal("0.01")),
            "area_source": source,
            "developer_held": False,
        }

    def _owners(self, spec, rows, ids, building_names) -> None:
        owner_rows: list[dict] = []
        owners_of_estate: list[tuple[str, str]] = []
        fixed = {
            ("嘉绿景苑", "1幢", "101"): [(REGISTRY_MATCH["name"], REGISTRY_MATCH["phone"])],
            ("嘉绿景苑", "1幢", "102"): [("李娜", "13800000002")],
        }
        invite_units = {(estate, building, unit) for _, estate, building, unit, *_ in INVITES}
        for row, unit_id in zip(rows, ids, strict=True):
            key = (spec.name, building_names[row["building_id"]], row["number"])
            if key in fixed:
                people = fixed[key]
            elif row["developer_held"] or key in invite_units or self.rng.random() < 0.07:
                people = []  # no owner of record yet (unsold, or a transfer not yet registered)
            elif owners_of_estate and self.rng.random() < 0.015:
                # one owner of several units (they count as one person in a vote)
                people = [self.rng.choice(owners_of_estate)]
            elif self.rng.random() < 0.35:
                # spouses, both on the certificate
                people = [self._person(0), self._person(1)]
            else:
                people = [self._person(self.rng.randint(0, 1))]
            for name, phone in people:
                owner_rows.append({"unit_id": unit_id, "name": name, "phone": phone})
                owners_of_estate.append((name, phone))
        if owner_rows:
            db.session.execute(sa.insert(OwnerRecord), owner_rows)
        self.owners[spec.name] = owner_rows

    def _person(self, pool: int) -> tuple[str, str]:
        """A new owner: a name and a phone number nobody else in the demo has."""
        surname = self.rng.choices(SURNAMES, weights=[1 / (i + 4) for i in range(len(SURNAMES))])[0]
        chars = GIVEN[pool]
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2))))
        # 13800000001 and 13800000002 belong to the fixed demo owners
        self.phone_counter += 1
        return surname + given, f"138{self.phone_counter + 2:08d}"

    def _contracts(self) -> None:
        year = self.today.year
        terms = {
            "嘉绿景苑": (date(year - 1, 1, 1), date(year + 2, 12, 31), "一级",
                         "住宅 2.80 元/平方米·月（市场调节价）；地下车位 80 元/个·月"),
            "紫桂花园": (date(year - 2, 7, 1), date(year + 1, 6, 30), "二级",
                         "住宅 2.20 元/平方米·月（市场调节价）；地面车位 150 元/个·月"),
        }  # fmt: skip
        for name, (starts, ends, level, fees) in terms.items():
            estate = self.estates[name]
            db.session.add(
                ServiceContract(
                    estate=estate,
                    company=estate.company,
                    starts_on=starts,
                    ends_on=ends,
                    service_level=level,
                    fee_standard=fees,
                )
            )

    def _committee(self) -> Committee:
        """The filed committee of 嘉绿景苑: five owners, a five-year term."""
        year = self.today.year
        starts = date(year - 1, 6, 18)
        committee = Committee(
            estate=self.estates["嘉绿景苑"],
            term_starts_on=starts,
            # a term is at most five years (业主大会和业主委员会指导规则): it ends the day
            # before the fifth anniversary
            term_ends_on=date(starts.year + 5, starts.month, starts.day) - timedelta(days=1),
            filing_status=FilingStatus.filed,
        )
        committee.filed_at = utcnow().replace(
            year=year - 1, month=7, day=2, hour=2, minute=0, second=0, microsecond=0
        )
        taken = {REGISTRY_MATCH["phone"], "13800000002"}
        candidates = [o for o in self.owners["嘉绿景苑"] if o["phone"] not in taken]
        chosen: list[dict] = []
        for owner in self.rng.sample(candidates, 40):
            if owner["unit_id"] not in {c["unit_id"] for c in chosen}:
                chosen.append(owner)
            if len(chosen) == 5:
                break
        for owner, position in zip(chosen, ("主任", "副主任", "委员", "委员", "委员"), strict=True):
            committee.members.append(
                CommitteeMember(
                    name=owner["name"],
                    phone=owner["phone"],
                    position=position,
                    unit_id=owner["unit_id"],
                )
            )
        db.session.add(committee)
        return committee

    # --- people -----------------------------------------------------------------------

    def _staff(self, street: Street, committee: Committee) -> None:
        # one hash for every demo account: they share the password, and scrypt is slow
        password_hash = generate_password_hash(DEMO_PASSWORD)
        for spec in STAFF:
            staff = Staff(
                username=spec.username,
                name=spec.name or committee.members[0].name,
                phone="",
                role=spec.role,
                password_hash=password_hash,
            )
            if spec.role in COMPANY_ROLES:
                staff.company = self.companies[spec.scope]
            elif spec.role == StaffRole.committee_member:
                staff.estate = self.estates[spec.scope]
                staff.phone = committee.members[0].phone
            elif spec.role == StaffRole.street_officer:
                staff.street = street
            elif spec.role == StaffRole.bureau_officer:
                staff.district = DISTRICT
            db.session.add(staff)
            self.staff[spec.username] = staff
        db.session.flush()

    def _residents(self) -> None:
        """Demo residents whose requests wait in the review queue."""
        for openid, unionid, name, phone, estate, building, unit, role, note in PENDING:
            resident = Resident(openid=openid, unionid=unionid, nickname=name)
            db.session.add(resident)
            db.session.flush()
            ends_on = self.today + timedelta(days=365) if role == ResidencyRole.tenant else None
            accounts.request_binding(
                resident,
                self.unit_ids[(estate, building, unit)],
                role,
                name,
                phone,
                note=note,
                ends_on=ends_on,
            )

    def _invites(self) -> None:
        for code, estate, building, unit, role, creator in INVITES:
            db.session.add(
                Invite(
                    code=code,
                    unit_id=self.unit_ids[(estate, building, unit)],
                    role=role,
                    tenant_ends_on=(
                        self.today + timedelta(days=365) if role == ResidencyRole.tenant else None
                    ),
                    created_by_staff_id=self.staff[creator].id,
                    expires_at=utcnow() + INVITE_TTL,
                )
            )


def _refresh_invites() -> None:
    """Give the demo invites that are still unused a fresh expiry, so a demo never stalls."""
    now = utcnow()
    for invite in db.session.scalars(
        sa.select(Invite).where(
            Invite.code.in_([code for code, *_ in INVITES]), Invite.used_at.is_(None)
        )
    ):
        if invite.expires_at - now < INVITE_TTL / 2:
            invite.expires_at = now + INVITE_TTL
    db.session.flush()


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
    staff = db.session.scalars(
        sa.select(Staff).where(Staff.username.in_([s.username for s in STAFF])).order_by(Staff.id)
    ).all()
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
