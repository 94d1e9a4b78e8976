"""Generated sections follow their sources: the fee section follows fee items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.board import generated, services
from backend.core.db import commit
from backend.core.time import local_today
from backend.fees import services as fees
from backend.fees.models import FeeBasis, PricingForm


def _fee_posts(world):
    return [p for p in services.live_posts(world.estate.id) if p.section == "fee_standards"]


def test_creating_a_fee_item_publishes_its_standard(world):
    fees.create_fee_item(
        world.company,
        world.estate.id,
        name="物业服务费",
        basis=FeeBasis.per_area,
        pricing_form=PricingForm.government_guided,
        price=Decimal("2.35"),
        effective_from=date(2026, 1, 1),
        basis_document="杭价服〔2026〕1号",
    )
    commit()
    (post,) = _fee_posts(world)
    data = post.current.data
    assert post.source_key.startswith("fee-item-") and post.publisher == "company"
    assert data["item"] == "物业服务费" and data["unit_price"] == "2.35"
    assert data["unit"] == "元/㎡/月" and data["pricing_form_label"] == "政府指导价"
    assert data["basis_document"] == "杭价服〔2026〕1号"
    assert data["effective_from"] == "2026-01-01"
    assert "政府指导价" in post.current.body_html


def test_a_price_change_is_a_new_version_of_the_fee_post(world):
    item = fees.create_fee_item(
        world.company,
        world.estate.id,
        name="物业服务费",
        basis=FeeBasis.per_area,
        pricing_form=PricingForm.market,
        price=Decimal("2.00"),
        effective_from=date(2025, 1, 1),
    )
    commit()
    first = local_today().replace(day=1)
    fees.change_price(world.company, item.id, Decimal("2.50"), first)
    commit()
    (post,) = _fee_posts(world)
    assert post.version_count == 2
    assert post.versions[0].data["unit_price"] == "2.0"
    assert post.current.data["unit_price"] == "2.5"
    assert post.current.reason == generated.UPDATED


def test_refreshing_without_a_change_adds_no_version(world):
    fees.create_fee_item(
        world.company,
        world.estate.id,
        name="垃圾清运费",
        basis=FeeBasis.fixed,
        pricing_form=PricingForm.market,
        price=Decimal("10"),
        effective_from=date(2025, 1, 1),
    )
    commit()
    assert generated.refresh(world.estate.id, "fee_standards") == {
        "created": 0,
        "updated": 0,
        "withdrawn": 0,
    }


def test_a_vanished_item_is_withdrawn_and_kept_on_record(world):
    from backend.extensions import db
    from backend.fees.models import FeeItem

    item = fees.create_fee_item(
        world.company,
        world.estate.id,
        name="装修垃圾清运费",
        basis=FeeBasis.fixed,
        pricing_form=PricingForm.market,
        price=Decimal("300"),
        effective_from=date(2025, 1, 1),
    )
    commit()
    db.session.get(FeeItem, item.id).active = False
    commit()
    assert generated.refresh(world.estate.id, "fee_standards")["withdrawn"] == 1
    commit()
    assert _fee_posts(world) == []
    (withdrawn,) = services.withdrawn_posts(world.estate.id)
    assert withdrawn.withdraw_reason == generated.VANISHED


def test_refresh_of_an_unknown_section_or_estate_does_nothing(world):
    assert generated.refresh(world.estate.id, "manager")["created"] == 0
    assert generated.refresh(999999, "fee_standards")["created"] == 0
