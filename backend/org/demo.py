"""Demo data of jurisdictions and property: 文新街道 of Hangzhou's Xihu district, two
property companies, three estates with about 600 units and their owners of record, service
contracts and a filed owners' committee. Fictional: names and phone numbers belong to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from backend.core.time import utcnow
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

if TYPE_CHECKING:
    from backend.demo import Demo

CITY, DISTRICT, STREET = "杭州市", "西湖区", "文新街道"
COMMUNITIES = ("嘉绿苑社区", "德加社区")


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


#: the fake WeChat server's demo users (miniapp_mock.wechat_server.DEMO_USERS)
REGISTRY_MATCH = {
    "openid": "o-demo-zhang",
    "name": "张伟",
    "phone": "13800000001",
    "estate": "嘉绿景苑",
    "building": "1幢",
    "unit": "101",
}
#: units with no owner of record yet, where the simulator's demo invite codes bind
INVITE_UNITS = (("嘉绿景苑", "8幢", "1101"), ("紫桂花园", "2幢", "502"))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵钱严戴"
)
#: characters of given names, as commonly chosen for men and for women
GIVEN = (
    "伟强磊军洋勇杰涛明超刚建国志文斌宇浩凯鹏辉峰海波亮飞东荣新德俊博睿轩鑫卫平华林",
    "芳娜敏静丽艳娟秀霞桂英玉兰萍红婷雪琳欣怡涵雨佳思嘉晓燕春云慧颖瑶琪蕾梅倩晶丹",
)


def demo_street() -> Street | None:
    """The demo street, if the demo has been created."""
    return db.session.scalars(
        sa.select(Street).where(Street.district == DISTRICT, Street.name == STREET)
    ).first()


def seed(demo: Demo) -> None:
    """Create the street, companies, estates, units, owners, contracts and committee."""
    if demo.existing:
        return
    _PropertyBuilder(demo).build()


class _PropertyBuilder:
    """Creates the property rows, drawing every random choice from the demo's generator."""

    def __init__(self, demo: Demo):
        self.demo = demo
        self.rng = demo.rng
        self.today = demo.today
        self.phone_counter = 0
        self.companies = demo.companies
        self.estates = demo.estates
        self.unit_ids = demo.unit_ids
        #: estate name → owner rows (dicts) inserted for it
        self.owners: dict[str, list[dict]] = {}

    def build(self) -> None:
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
        self.demo.street = street
        self.demo.committee = self._committee()
        db.session.flush()

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
        invite_units = set(INVITE_UNITS)
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
        invite_units = set(INVITE_UNITS)
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
