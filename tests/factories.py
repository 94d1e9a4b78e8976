"""factory-boy factories for every model; each commits, so a request in the test sees it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from backend.accounts.models import (
    Invite,
    Residency,
    ResidencyRole,
    ResidencySource,
    ResidencyStatus,
    Resident,
    Staff,
)
from backend.audit.models import AuditEntry
from backend.authz.roles import StaffRole
from backend.core.time import utcnow
from backend.extensions import db
from backend.fees.models import Bill, FeeBasis, FeeItem, FeePrice, PricingForm
from backend.fees.money import charge_fen
from backend.notify.models import Notification, SubscriptionConsent
from backend.org.models import (
    AreaSource,
    Building,
    Committee,
    CommitteeMember,
    Community,
    Company,
    Estate,
    OwnerRecord,
    ServiceContract,
    Street,
    Unit,
)

TEST_PASSWORD = "Passw0rd!2026"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class StreetFactory(Base):
    class Meta:
        model = Street

    name = factory.Sequence(lambda n: f"测试街道{n}")
    district = "西湖区"
    city = "杭州市"


class CommunityFactory(Base):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class CompanyFactory(Base):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"测试物业服务有限公司{n}")
    credit_code = factory.Sequence(lambda n: f"91330100MA{n:08d}")


class EstateFactory(Base):
    class Meta:
        model = Estate

    community = factory.SubFactory(CommunityFactory)
    street_id = factory.LazyAttribute(lambda o: o.community.street_id)
    name = factory.Sequence(lambda n: f"测试小区{n}")
    address = "文三路 1 号"
    company = factory.SubFactory(CompanyFactory)


class BuildingFactory(Base):
    class Meta:
        model = Building

    estate = factory.SubFactory(EstateFactory)
    name = factory.Sequence(lambda n: f"{n + 1}幢")
    floors = 18


class UnitFactory(Base):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    estate_id = factory.LazyAttribute(lambda o: o.building.estate_id)
    number = factory.Sequence(lambda n: f"{(n % 18) + 1}{(n % 4) + 1:02d}-{n}")
    floor = 3
    area = Decimal("89.50")
    area_source = AreaSource.registry


class OwnerRecordFactory(Base):
    class Meta:
        model = OwnerRecord

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"业主{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class ServiceContractFactory(Base):
    class Meta:
        model = ServiceContract

    estate = factory.SubFactory(EstateFactory)
    company = factory.SelfAttribute("estate.company")
    starts_on = factory.LazyFunction(lambda: utcnow().date() - timedelta(days=365))
    ends_on = factory.LazyFunction(lambda: utcnow().date() + timedelta(days=730))
    service_level = "二级"


class CommitteeFactory(Base):
    class Meta:
        model = Committee

    estate = factory.SubFactory(EstateFactory)
    term_starts_on = factory.LazyFunction(lambda: utcnow().date() - timedelta(days=100))
    term_ends_on = factory.LazyFunction(lambda: utcnow().date() + timedelta(days=1000))


class CommitteeMemberFactory(Base):
    class Meta:
        model = CommitteeMember

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"委员{n}")
    position = "委员"


class ResidentFactory(Base):
    class Meta:
        model = Resident

    openid = factory.Sequence(lambda n: f"o-test-{n}")
    nickname = factory.Sequence(lambda n: f"住户{n}")


class ResidencyFactory(Base):
    class Meta:
        model = Residency

    resident = factory.SubFactory(ResidentFactory)
    unit = factory.SubFactory(UnitFactory)
    estate_id = factory.LazyAttribute(lambda o: o.unit.estate_id)
    role = ResidencyRole.owner
    status = ResidencyStatus.active
    source = ResidencySource.review
    activated_at = factory.LazyFunction(utcnow)


class InviteFactory(Base):
    class Meta:
        model = Invite

    code = factory.Sequence(lambda n: f"TEST{n:04d}")
    unit = factory.SubFactory(UnitFactory)
    role = ResidencyRole.owner
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=3))


class StaffFactory(Base):
    class Meta:
        model = Staff

    username = factory.Sequence(lambda n: f"staff{n}")
    name = factory.Sequence(lambda n: f"员工{n}")
    role = StaffRole.platform_admin
    password_hash = factory.LazyFunction(lambda: _hash(TEST_PASSWORD))


def _hash(password: str) -> str:
    # a fast hash keeps the suite quick; production uses werkzeug's default (scrypt)
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1000")


class NotificationFactory(Base):
    class Meta:
        model = Notification

    resident = factory.SubFactory(ResidentFactory)
    kind = "test"
    template_id = "tmpl-test"
    data = factory.LazyFunction(dict)


class AuditEntryFactory(Base):
    class Meta:
        model = AuditEntry

    action = "test"
    entity_type = "test"


class SubscriptionConsentFactory(Base):
    class Meta:
        model = SubscriptionConsent

    resident = factory.SubFactory(ResidentFactory)
    template_id = "tmpl-residency-active"
    remaining = 1


class FeeItemFactory(Base):
    """A per-area fee item; ``price`` (yuan) takes effect from ``effective_from``."""

    class Meta:
        model = FeeItem

    estate = factory.SubFactory(EstateFactory)
    name = factory.Sequence(lambda n: f"物业服务费{n}")
    basis = FeeBasis.per_area
    pricing_form = PricingForm.government_guided
    basis_document = "杭价服〔2026〕1号"

    @factory.post_generation
    def price(obj, create, extracted, **kwargs):
        effective_from = kwargs.get("effective_from") or date(2020, 1, 1)
        db.session.add(
            FeePrice(
                fee_item_id=obj.id,
                price_yuan=Decimal(extracted if extracted is not None else "2.35"),
                effective_from=effective_from,
            )
        )
        db.session.commit()


class BillFactory(Base):
    class Meta:
        model = Bill

    unit = factory.SubFactory(UnitFactory)
    estate_id = factory.LazyAttribute(lambda o: o.unit.estate_id)
    building_id = factory.LazyAttribute(lambda o: o.unit.building_id)
    fee_item = factory.SubFactory(FeeItemFactory, estate=factory.SelfAttribute("..unit.estate"))
    period = date(2026, 11, 1)
    quantity = factory.LazyAttribute(lambda o: o.unit.area)
    price_yuan = Decimal("2.3500")
    amount_fen = factory.LazyAttribute(lambda o: charge_fen(o.quantity, o.price_yuan))
