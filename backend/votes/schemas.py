"""Request and response shapes of the resident vote API."""

from __future__ import annotations

import marshmallow as ma

from backend.accounts.schemas import LocalDateTime
from backend.core import validate
from backend.core.api import MAX_ID, Schema
from backend.media.schemas import PhotoSchema
from backend.votes.models import Choice
from backend.votes.services import MAX_SEATS

_ID = validate.Range(min=1, max=MAX_ID, error="编号无效")


class BallotCastSchema(Schema):
    choice = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([c.value for c in Choice]),
        metadata={"description": "agree=同意、oppose=反对、abstain=弃权（选举不填）"},
    )
    candidates = ma.fields.List(
        ma.fields.Integer(validate=validate.Range(min=1, max=1000, error="候选人无效")),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_SEATS, error=f"最多 {MAX_SEATS} 名"),
        metadata={"description": "选举：所选候选人的序号，最多为应选名额；不选任何人即弃权"},
    )
    unit_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "名下有多个表决人时，选择为哪套房屋投票"},
    )


class ReceiptQuerySchema(Schema):
    receipt = ma.fields.String(
        required=True,
        validate=validate.Length(min=4, max=20),
        metadata={"description": "投票回执码，如 ABCD-EFGH-JKMN"},
    )


class CandidateSchema(Schema):
    number = ma.fields.Integer()
    name = ma.fields.String()
    introduction = ma.fields.String()


class MyBallotSchema(Schema):
    receipt = ma.fields.String(metadata={"description": "回执码：可在公布的选票清单中核对"})
    position = ma.fields.Integer(metadata={"description": "在哈希链中的序号"})
    choice = ma.fields.String(
        allow_none=True, metadata={"description": "agree / oppose / abstain（选举为空）"}
    )
    choice_label = ma.fields.String()
    candidates = ma.fields.List(ma.fields.Integer(), allow_none=True)
    channel = ma.fields.String()
    channel_label = ma.fields.String()
    area = ma.fields.String(metadata={"description": "计入的专有部分面积（m²）"})
    heads = ma.fields.Integer()
    cast_at = LocalDateTime()
    hash = ma.fields.String()
    mine = ma.fields.Boolean(metadata={"description": "是否由我本人投出（否：共有人或纸质票）"})


class MotionSchema(Schema):
    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    estate = ma.fields.String()
    item = ma.fields.Integer(metadata={"description": "《民法典》第二百七十八条第几项"})
    item_label = ma.fields.String()
    threshold_class = ma.fields.String(metadata={"description": "majority / three_quarters"})
    kind = ma.fields.String()
    kind_label = ma.fields.String()
    title = ma.fields.String()
    state = ma.fields.String()
    state_label = ma.fields.String()
    extraordinary = ma.fields.Boolean()
    announced_at = LocalDateTime(allow_none=True)
    opens_at = LocalDateTime()
    closes_at = LocalDateTime()
    voted = ma.fields.Boolean(metadata={"description": "我（或本户）是否已投票"})
    can_vote = ma.fields.Boolean(metadata={"description": "我现在能否投票"})
    passed = ma.fields.Boolean(allow_none=True)


class ResultSchema(Schema):
    motion = ma.fields.Dict()
    tally = ma.fields.Dict(metadata={"description": "全部计票数据（比例为精确分数 a/b）"})
    total_area = ma.fields.String()
    total_heads = ma.fields.Integer()
    chain_head = ma.fields.String()
    ballot_count = ma.fields.Integer()
    corrections = ma.fields.List(ma.fields.Dict())
    published_at = ma.fields.String(allow_none=True)
    summary = ma.fields.String()


class MotionDetailSchema(MotionSchema):
    body = ma.fields.String()
    documents = ma.fields.List(ma.fields.Nested(PhotoSchema))
    seats = ma.fields.Integer(allow_none=True)
    candidates = ma.fields.List(ma.fields.Nested(CandidateSchema))
    total_area = ma.fields.String(allow_none=True)
    total_heads = ma.fields.Integer(allow_none=True)
    notice_ends_at = LocalDateTime(allow_none=True)
    my_ballot = ma.fields.Nested(MyBallotSchema, allow_none=True)
    result = ma.fields.Nested(ResultSchema, allow_none=True)


class ReceiptCheckSchema(Schema):
    receipt = ma.fields.String()
    found = ma.fields.Boolean(metadata={"description": "回执码是否在公布的选票清单中"})
    position = ma.fields.Integer(allow_none=True)
    choice = ma.fields.String(allow_none=True)
    area = ma.fields.String(allow_none=True)
    heads = ma.fields.Integer(allow_none=True)
    hash = ma.fields.String(allow_none=True)
    chain_head = ma.fields.String()
