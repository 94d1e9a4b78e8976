"""Response shapes of the board API (times ISO 8601 in Asia/Shanghai, money in fen)."""

from __future__ import annotations

import marshmallow as ma

from backend.core.api import Schema


def _time(description: str = "", **kw):
    return ma.fields.String(metadata={"format": "date-time", "description": description}, **kw)


def _date(description: str = ""):
    return ma.fields.String(
        allow_none=True, metadata={"format": "date", "description": description}
    )


class AttachmentSchema(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "photo、pdf 或 xlsx"})
    url = ma.fields.String(metadata={"description": "文件（短时有效的签名链接）"})
    thumbnail_url = ma.fields.String(allow_none=True, metadata={"description": "照片缩略图"})
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    filename = ma.fields.String()
    byte_size = ma.fields.Integer(allow_none=True)


class CorrectionSchema(Schema):
    number = ma.fields.Integer(metadata={"description": "版本号（2 起为更正）"})
    reason = ma.fields.String(metadata={"description": "更正原因"})
    published_at = _time()
    redacted = ma.fields.Boolean(metadata={"description": "该版本内容已因含个人信息删除"})


class VersionSchema(Schema):
    number = ma.fields.Integer()
    title = ma.fields.String()
    body_html = ma.fields.String(metadata={"description": "正文（已净化的 HTML）"})
    statement = ma.fields.Dict(
        allow_none=True,
        metadata={
            "description": "收支明细：lines（item、income_fen、expense_fen、balance_fen）与合计"
        },
    )
    data = ma.fields.Dict(allow_none=True, metadata={"description": "自动生成栏目的结构化数据"})
    effective_from = _date("有效期开始")
    effective_until = _date("有效期结束")
    reason = ma.fields.String(metadata={"description": "更正原因（首次发布为空）"})
    published_at = _time()
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema))
    redacted = ma.fields.Boolean(metadata={"description": "内容已因含个人信息删除"})
    redacted_at = _time(allow_none=True)
    service_phone = ma.fields.String(
        allow_none=True, metadata={"description": "发布者声明公开的服务电话（不打码）"}
    )


class PostSchema(Schema):
    id = ma.fields.Integer()
    section = ma.fields.String()
    publisher = ma.fields.String(metadata={"description": "company、committee 或 street"})
    publisher_label = ma.fields.String()
    must_read = ma.fields.Boolean(metadata={"description": "必读"})
    generated = ma.fields.Boolean(metadata={"description": "由系统根据业务数据生成"})
    version = ma.fields.Integer(metadata={"description": "当前版本号"})
    first_published_at = _time()
    published_at = _time(description="当前版本发布时间")
    corrected = ma.fields.Boolean()
    withdrawn = ma.fields.Boolean()
    withdrawn_at = _time(allow_none=True)
    withdraw_reason = ma.fields.String()
    expired = ma.fields.Boolean(metadata={"description": "已过有效期"})
    title = ma.fields.String()
    body_html = ma.fields.String()
    statement = ma.fields.Dict(allow_none=True)
    data = ma.fields.Dict(allow_none=True)
    effective_from = _date()
    effective_until = _date()
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema))
    redacted = ma.fields.Boolean(metadata={"description": "当前版本内容已因含个人信息删除"})
    redacted_at = _time(allow_none=True)
    service_phone = ma.fields.String(
        allow_none=True, metadata={"description": "发布者声明公开的服务电话（不打码）"}
    )
    corrections = ma.fields.List(
        ma.fields.Nested(CorrectionSchema), metadata={"description": "更正记录"}
    )
    read = ma.fields.Boolean(metadata={"description": "本人已读（仅住户接口）"})


class PostDetailSchema(PostSchema):
    versions = ma.fields.List(
        ma.fields.Nested(VersionSchema), metadata={"description": "全部版本（最新在前）"}
    )
    read_share = ma.fields.Dict(
        allow_none=True, metadata={"description": "必读公示的业主阅读率（按人数）"}
    )


class WithdrawnSchema(Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    withdrawn_at = _time()
    withdraw_reason = ma.fields.String()


class SectionSchema(Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    duty = ma.fields.String(metadata={"description": "公示义务及依据"})
    publisher = ma.fields.String()
    publisher_label = ma.fields.String()
    freshness = ma.fields.String()
    freshness_label = ma.fields.String()
    generated = ma.fields.Boolean()
    public = ma.fields.Boolean()
    required = ma.fields.Boolean()
    state = ma.fields.String(allow_none=True, metadata={"description": "ok、missing 或 stale"})
    state_label = ma.fields.String(allow_none=True)
    posts = ma.fields.List(ma.fields.Nested(PostSchema))
    withdrawn = ma.fields.List(ma.fields.Nested(WithdrawnSchema))


class BoardEstateSchema(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String()
    company = ma.fields.String(allow_none=True)
    service_phone = ma.fields.String(allow_none=True)


class BoardSchema(Schema):
    estate = ma.fields.Nested(BoardEstateSchema)
    generated_at = _time()
    sections = ma.fields.List(ma.fields.Nested(SectionSchema))


class MyBoardSchema(Schema):
    estate = ma.fields.Nested(BoardEstateSchema)
    unread_must_read = ma.fields.Integer(metadata={"description": "未读的必读公示数"})


class ReadReceiptSchema(Schema):
    post_id = ma.fields.Integer()
    read_at = _time()
