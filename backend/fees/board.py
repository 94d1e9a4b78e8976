"""The fee section of the disclosure board (收费项目与标准, 明码标价), generated from fee
items: each active item with its basis, unit price, pricing form, basis document and the
date its price took effect (《物业服务收费明码标价规定》第六条)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from backend.core.feature import BoardItem
from backend.core.time import local_today
from backend.extensions import db
from backend.fees.models import FeeBasis, FeeItem

SECTION = "fee_standards"


def _unit(item: FeeItem) -> str:
    if item.basis == FeeBasis.per_area:
        return "元/㎡/月"
    if item.basis == FeeBasis.fixed:
        return "元/户/月"
    return f"元/{item.meter_unit or '单位'}"


def _price(value) -> str:
    text = f"{value:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def items(estate_id: int) -> list[BoardItem]:
    """The estate's active fee items as board posts (nothing personal in them)."""
    today = local_today()
    rows = db.session.scalars(
        sa.select(FeeItem)
        .where(FeeItem.estate_id == estate_id, FeeItem.active.is_(True))
        .options(selectinload(FeeItem.prices), selectinload(FeeItem.buildings))
        .order_by(FeeItem.id)
    )
    out = []
    for item in rows:
        current = item.price_on(today) or (item.prices[0] if item.prices else None)
        if current is None:
            continue
        upcoming = [p for p in item.prices if p.effective_from > today]
        unit = _unit(item)
        data = {
            "item": item.name,
            "basis": item.basis.value,
            "basis_label": item.basis.label,
            "unit_price": _price(current.price_yuan),
            "unit": unit,
            "pricing_form": item.pricing_form.value,
            "pricing_form_label": item.pricing_form.label,
            "basis_document": item.basis_document,
            "effective_from": current.effective_from.isoformat(),
            "buildings": [b.name for b in item.buildings],
            "upcoming": [
                {"unit_price": _price(p.price_yuan), "effective_from": p.effective_from.isoformat()}
                for p in upcoming
            ],
        }
        lines = [
            f"收费项目：{item.name}",
            f"计费方式：{item.basis.label}",
            f"收费标准：{data['unit_price']} {unit}",
            f"定价形式：{item.pricing_form.label}",
            f"定价依据：{item.basis_document or '（未填写）'}",
            f"执行日期：{current.effective_from.isoformat()} 起",
        ]
        if item.buildings:
            lines.append("适用楼栋：" + "、".join(data["buildings"]))
        for p in upcoming:
            lines.append(
                f"调整：自 {p.effective_from.isoformat()} 起 {_price(p.price_yuan)} {unit}"
            )
        out.append(
            BoardItem(
                key=f"fee-item-{item.id}",
                title=f"{item.name}收费标准",
                body="\n".join(lines),
                data=data,
            )
        )
    return out
