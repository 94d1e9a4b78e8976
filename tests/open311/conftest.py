"""Street A with an estate served by a company (its desk and technician), street B with
another estate; a 12345 partner of street A with a key (and a callback URL)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.open311 import services
from tests.factories import EstateFactory, ServiceContractFactory, StaffFactory

CALLBACK = "https://12345.example.gov.cn/open311/callback"


@dataclass
class World:
    estate: object
    other_estate: object
    partner: object
    key: str
    other_key: str
    desk: object
    tech: object

    @property
    def street_id(self) -> int:
        return self.estate.street_id

    def form(self, **extra) -> dict:
        """A valid common-area report of the estate."""
        return {
            "api_key": self.key,
            "jurisdiction_id": str(self.street_id),
            "service_code": "shared_repair",
            "address_string": "文三路 1 号",
            "attribute[estate]": str(self.estate.id),
            "attribute[building]": "3幢1单元",
            "attribute[ref]": "12345-0001",
            "description": "楼道灯不亮，来电人 13812345678",
            "first_name": "伟",
            "last_name": "张",
            "phone": "13812345678",
            **extra,
        }


@pytest.fixture
def world(db) -> World:
    estate = EstateFactory(name="翠苑一区")
    other = EstateFactory(name="星河湾")
    ServiceContractFactory(estate=estate)
    partner, key = services.create_partner(
        None, "西湖区12345热线", estate.street_id, "hotline", CALLBACK
    )
    _, other_key = services.create_partner(None, "拱墅区网格", other.street_id, "grid")
    w = World(
        estate=estate,
        other_estate=other,
        partner=partner,
        key=key,
        other_key=other_key,
        desk=StaffFactory(role=StaffRole.service_desk, company=estate.company),
        tech=StaffFactory(role=StaffRole.technician, company=estate.company),
    )
    commit()
    return w
