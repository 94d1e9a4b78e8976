"""Resident API of safety: the equipment of my estate (to pick a lift or a fire system, or
to read one from its posted QR code) and reporting a fault of it, which goes to the company
as a safety hazard with the shortest SLA and to the street office at once."""

from __future__ import annotations

import marshmallow as ma

from backend.authz.resident import BEARER, current_resident, resident_rate_key, resident_required
from backend.core import validate
from backend.core.api import MAX_ID, Blueprint, Schema
from backend.extensions import configured_limit, limiter
from backend.safety import services
from backend.tickets.api import IDEMPOTENCY, _idempotency_key, ticket_detail
from backend.tickets.schemas import TicketDetailSchema

blp = Blueprint(
    "safety",
    __name__,
    tag="设施设备",
    description="本小区的电梯与消防设施；扫码或从列表选择设备报告故障、隐患",
)
_ID = validate.Range(min=1, max=MAX_ID, error="编号无效")


class EquipmentQuerySchema(Schema):
    estate_id = ma.fields.Integer(load_default=None, validate=_ID, metadata={"description": "小区"})
    code = ma.fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "设备处张贴的二维码内容（扫码所得）"},
    )


class EquipmentSchema(Schema):
    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "lift=电梯，其余为消防设施、二次供水"})
    kind_label = ma.fields.String()
    name = ma.fields.String()
    location = ma.fields.String()


class ReportSchema(Schema):
    equipment_id = ma.fields.Integer(load_default=None, validate=_ID)
    code = ma.fields.String(load_default="", validate=validate.Length(max=100))
    description = ma.fields.String(
        required=True, validate=validate.Length(min=2, max=1000), metadata={"multiline": True}
    )
    photo_ids = ma.fields.List(
        ma.fields.Integer(validate=_ID),
        load_default=list,
        validate=validate.Length(max=9, error="最多 9 张照片"),
    )


def _row(equipment) -> dict:
    return {
        "id": equipment.id,
        "estate_id": equipment.estate_id,
        "kind": equipment.kind.value,
        "kind_label": equipment.kind.label,
        "name": equipment.name,
        "location": equipment.location,
    }


@blp.get("/safety/equipment")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(EquipmentQuerySchema, location="query")
@blp.response(200, EquipmentSchema(many=True))
@blp.errors(401, 404, 422)
def my_equipment(args):
    """本小区的电梯与消防设施（可按扫码所得的二维码内容查找一台）"""
    rows = services.resident_equipment(current_resident(), args["estate_id"], args["code"])
    return [_row(r) for r in rows]


@blp.post("/safety/reports")
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY])
@resident_required
@limiter.limit(configured_limit("RATELIMIT_TICKET_CREATE"), key_func=resident_rate_key)
@blp.arguments(ReportSchema)
@blp.response(201, TicketDetailSchema)
@blp.errors(400, 401, 404, 409, 422, 429)
def report_equipment(payload):
    """报告电梯、消防设施故障或隐患（按安全隐患处理：最短时限，并立即上报街道）"""
    ticket = services.report_equipment(
        current_resident(),
        equipment_id=payload["equipment_id"],
        code=payload["code"],
        description=payload["description"],
        photo_ids=payload["photo_ids"],
        idempotency_key=_idempotency_key(),
    )
    return ticket_detail(ticket)
