"""Response shapes of the resident fund API."""

from __future__ import annotations

import marshmallow as ma

from backend.accounts.schemas import LocalDateTime
from backend.core.api import Schema
from backend.media.schemas import PhotoSchema


class FundEntrySchema(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(
        metadata={
            "description": "opening/initial_deposit/top_up/interest/debit/transfer_in/transfer_out"
        }
    )
    kind_label = ma.fields.String()
    amount_fen = ma.fields.Integer(metadata={"description": "分；收入为正，支出为负"})
    booked_on = ma.fields.Date()
    memo = ma.fields.String()
    use_id = ma.fields.Integer(allow_none=True)


class FundAccountSchema(Schema):
    unit_id = ma.fields.Integer()
    unit = ma.fields.String()
    area = ma.fields.String(metadata={"description": "专有部分面积（m²）"})
    balance_fen = ma.fields.Integer(metadata={"description": "余额（分），由分户账记录汇总"})
    initial_fen = ma.fields.Integer(metadata={"description": "首期交存及期初余额（分）"})
    needs_top_up = ma.fields.Boolean(metadata={"description": "余额低于首期交存的续筹比例"})
    overdrawn = ma.fields.Boolean()
    entries = ma.fields.List(ma.fields.Nested(FundEntrySchema))


class FundPaymentSchema(Schema):
    instalment = ma.fields.Integer()
    amount_fen = ma.fields.Integer()
    paid_on = ma.fields.Date()


class FundEventSchema(Schema):
    action = ma.fields.String()
    action_label = ma.fields.String()
    to_state = ma.fields.String()
    note = ma.fields.String(metadata={"description": "审核意见（审核同意或退回时）"})
    at = LocalDateTime()


class FundDocumentSchema(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "pdf 或 xlsx"})
    filename = ma.fields.String()
    byte_size = ma.fields.Integer()
    url = ma.fields.String(metadata={"description": "短期有效的签名下载地址"})
    document_kind = ma.fields.String(
        metadata={"description": "quote/contract/evidence/invoice/acceptance/final_account"}
    )
    document_kind_label = ma.fields.String()
    added_at = LocalDateTime()


class FundPhotoSchema(PhotoSchema):
    """A photo attached to a use (evidence of the hazard an emergency answers)."""

    document_kind = ma.fields.String(metadata={"description": "evidence（应急证明）"})
    document_kind_label = ma.fields.String()
    added_at = LocalDateTime()


class FundUseSchema(Schema):
    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "ordinary=一般使用、emergency=应急使用"})
    kind_label = ma.fields.String()
    title = ma.fields.String()
    state = ma.fields.String()
    state_label = ma.fields.String()
    budget_fen = ma.fields.Integer()
    paid_fen = ma.fields.Integer()
    my_share_fen = ma.fields.Integer(metadata={"description": "已从我名下房屋分户账列支（分）"})
    motion_id = ma.fields.Integer(allow_none=True, metadata={"description": "业主表决事项"})


class FundUseDetailSchema(FundUseSchema):
    items = ma.fields.String()
    contractor = ma.fields.String()
    emergency_category = ma.fields.String()
    emergency_category_label = ma.fields.String()
    units = ma.fields.Integer(metadata={"description": "列支范围户数"})
    payments = ma.fields.List(ma.fields.Nested(FundPaymentSchema))
    events = ma.fields.List(ma.fields.Nested(FundEventSchema))
    documents = ma.fields.List(
        ma.fields.Nested(FundDocumentSchema),
        metadata={"description": "报价单、合同、验收报告等附件"},
    )
    photos = ma.fields.List(
        ma.fields.Nested(FundPhotoSchema),
        metadata={"description": "应急证明的现场照片（已去除元数据；签名链接短时有效）"},
    )
